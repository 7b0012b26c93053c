/**
 * Accounts: a user's usage point under a DataConnect sender, with its meter device (the seed's
 * `authorization_code` + `findOrCreateDevice`, without the token: one application token serves all).
 */
import type { Config } from "../config/schema.js";
import type { GatewayId } from "../sources/port.js";
import { assertUsagePointId } from "../domain/types.js";
import { findImplementation } from "../senders/registry.js";
import { UniqueViolationError, type Store } from "../store/index.js";
import type { Account, AccountConfig, AccountConfigPatch } from "../store/repositories/accounts.js";
import type { Device } from "../store/repositories/devices.js";
import type { Sender } from "../store/repositories/senders.js";

export class AccountInputError extends Error {
  override readonly name = "AccountInputError";
}

/** The DataConnect sender to use: the named one, else the one labelled `enedis.appName`, else the only one. */
export async function resolveDataConnectSender(
  store: Store,
  config: Config,
  libelle?: string,
): Promise<Sender> {
  if (libelle) {
    const s = await store.senders.findByLibelle(libelle);
    if (!s)
      throw new AccountInputError(
        `no sender labelled "${libelle}" (create it with: sender add --libelle "${libelle}" --impl dataconnect)`,
      );
    if (findImplementation(s.implClass)?.key !== "dataconnect") {
      throw new AccountInputError(
        `sender "${libelle}" is not a DataConnect sender (implementation ${s.implClass})`,
      );
    }
    return s;
  }
  const byName = await store.senders.findByLibelle(config.enedis.appName);
  if (byName && findImplementation(byName.implClass)?.key === "dataconnect") return byName;
  const all = (await store.senders.list({ limit: 1000 })).filter(
    (s) => findImplementation(s.implClass)?.key === "dataconnect",
  );
  if (all.length === 1) return all[0] as Sender;
  if (all.length === 0) {
    throw new AccountInputError(
      `no DataConnect sender yet (create one with: sender add --libelle "${config.enedis.appName}" --impl dataconnect --cron "0 0/10 * * * ?")`,
    );
  }
  throw new AccountInputError(
    `several DataConnect senders: name one with --sender (${all.map((s) => s.libelle).join(", ")})`,
  );
}

/**
 * What a re-consent resets: the services are read again at the next sync, and datasets set aside as
 * "not applicable" are tried again (the new consent may cover them).
 */
export function reconsentPatch(current: AccountConfig): AccountConfigPatch {
  const datasets = Object.fromEntries(
    Object.entries(current.datasets ?? {}).map(([k, st]) => [
      k,
      { ...st, not_applicable: false, not_applicable_reason: null },
    ]),
  );
  return { subscribed_services_at_ms: null, datasets };
}

/**
 * Gateway accounts hang under a data-source sender like direct ones (the scheduler dispatches them by
 * its cron); an installation with no Enedis application has none yet: the default one is created.
 */
async function gatewaySender(store: Store, config: Config, libelle?: string): Promise<Sender> {
  try {
    return await resolveDataConnectSender(store, config, libelle);
  } catch (e) {
    if (libelle || !(e instanceof AccountInputError) || !/no DataConnect sender yet/.test(e.message)) throw e;
    return store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
      role: null,
    });
  }
}

/** The seed's schedule of DataConnect accounts: every 10 minutes (Quartz). */
export const DEFAULT_SENDER_CRON = "0 0/10 * * * ?";
/** Marks the sender `ensureDefaultSender` created, so that the admin pages can say so. */
export const DEFAULT_SENDER_MARK = "firstrun:default_sender_id";

/**
 * First start: when no DataConnect sender exists, creates the seed's one (label `enedis.appName`,
 * implementation dataconnect, every 10 minutes), so that a new user can connect a meter at once. Returns
 * the sender created, or null when one existed already. Idempotent, and safe when two processes start
 * together (the label is unique).
 */
export async function ensureDefaultSender(store: Store, config: Config): Promise<Sender | null> {
  const existing = (await store.senders.list({ limit: 1000 })).filter(
    (s) => findImplementation(s.implClass)?.key === "dataconnect",
  );
  if (existing.length > 0) return null;
  try {
    const sender = await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: DEFAULT_SENDER_CRON,
    });
    await store.secrets.put(DEFAULT_SENDER_MARK, String(sender.id));
    return sender;
  } catch (e) {
    if (e instanceof UniqueViolationError) return null;
    throw e;
  }
}

/** The sender `ensureDefaultSender` created at first start, if it still exists. */
export async function defaultSenderId(store: Store): Promise<number | null> {
  const text = await store.secrets.get(DEFAULT_SENDER_MARK);
  return text && /^\d+$/.test(text) ? Number(text) : null;
}

export interface RegisterInput {
  username: string;
  usagePointId: string;
  senderLibelle?: string;
  /** A household without an Enedis application: the gateway and its token (checked by the caller). */
  gateway?: { id: GatewayId; token: string; prms: string[] };
  config?: Omit<AccountConfigPatch, "usage_point_id">;
  nowMs?: number;
}

/** Creates (or finds) the account and its meter device, in one transaction. */
export async function registerAccount(
  store: Store,
  config: Config,
  input: RegisterInput,
): Promise<{ account: Account; device: Device; created: boolean }> {
  const prm = (() => {
    try {
      return assertUsagePointId(input.usagePointId.trim());
    } catch (e) {
      throw new AccountInputError((e as Error).message);
    }
  })();
  const user = await store.users.findByUsername(input.username);
  if (!user)
    throw new AccountInputError(
      `no user "${input.username}" (create one with: user add ${input.username} --password …)`,
    );
  const sender = input.gateway
    ? await gatewaySender(store, config, input.senderLibelle)
    : await resolveDataConnectSender(store, config, input.senderLibelle);
  const gw = input.gateway;
  return store.transaction(async (tx) => {
    const type = await tx.devices.linkyType();
    const device = await tx.devices.findOrCreate({
      userId: user.id,
      mac: prm,
      label: config.enedis.compteurLabel,
      deviceTypeId: type.id,
      metadata: { modele: "Linky" },
    });
    const existing = await tx.accounts.find(sender.id, user.id, prm);
    if (existing) {
      // A new consent for a known usage point: it is no longer expired, and what it covers is asked again.
      const account = {
        ...existing,
        config: await tx.accounts.updateConfig(existing.id, {
          ...input.config,
          ...reconsentPatch(existing.config),
          ...(gw ? { gateway: gw.id } : {}),
          expired: false,
          expired_reason: null,
        }),
      };
      if (gw) await tx.gateways.setCredential(existing.id, gw.id, gw.token, gw.prms);
      return { account, device, created: false };
    }
    const account = await tx.accounts.create({
      senderId: sender.id,
      userId: user.id,
      usagePointId: prm,
      config: {
        expired: false,
        consent_given_at_ms: input.nowMs ?? Date.now(),
        // A gateway asks for one run a day at an irregular time between 06:00 and 10:00 Paris.
        ...(gw ? { gateway: gw.id, gateway_run_minute: 360 + Math.floor(Math.random() * 240) } : {}),
        ...input.config,
      },
    });
    if (gw) await tx.gateways.setCredential(account.id, gw.id, gw.token, gw.prms);
    return { account, device, created: true };
  });
}
