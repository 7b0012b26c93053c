/** Runs account syncs: one usage point, or every DataConnect account (CLI `sync`, the scheduler). */
import type { EventBus } from "../app/events.js";
import type { Config } from "../config/schema.js";
import type { MeasureSource, SourceResolver } from "../sources/port.js";
import { findImplementation } from "../senders/registry.js";
import { describeStorageError, type Store } from "../store/index.js";
import type { Account, SyncOutcome } from "../store/repositories/accounts.js";
import { AccountSync, DEFAULT_SYNC_SETTINGS, type SyncProgress, type SyncSettings } from "./account-sync.js";
import { apiSubscriptionsOf, syncStoreOf } from "./store-adapter.js";
import type { ApiNotSubscribed } from "./ports.js";

/** Sync settings from the configuration. */
export function syncSettingsOf(config: Config): Partial<SyncSettings> {
  return {
    backfillMonths: { ...config.sync.backfillMonths },
    repairWindowDays: config.sync.repairWindowDays,
    includeIndexes: config.sync.includeIndexes,
    publicationLagDays: config.sync.publicationLagDays,
    apiRecheckMs: config.sync.apiRecheckMinutes * 60_000,
    maxRetries: config.sync.maxRetries,
    baseBackoffMs: config.sync.baseBackoffMs,
    maxBackoffMs: config.sync.maxBackoffMs,
  };
}

export interface SyncRunDeps {
  store: Store;
  /** The source of direct accounts (the operator's Enedis application). */
  client: MeasureSource;
  /** Each account's source (gateway accounts); `client` for every account when absent. */
  sources?: SourceResolver;
  now: () => number;
  log?: (message: string) => void;
  onProgress?: (p: SyncProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told `sync.finished` after each account's sync (the publishers listen). */
  events?: EventBus;
}

export interface AccountRunResult {
  account: Account;
  outcome: SyncOutcome;
}

/** The DataConnect accounts to sync: those of one usage point, or all of them. */
export async function dataConnectAccounts(store: Store, usagePointId?: string): Promise<Account[]> {
  const accounts = usagePointId
    ? await store.accounts.findByUsagePoint(usagePointId)
    : await store.accounts.list({ limit: 1_000_000 });
  const out: Account[] = [];
  const senderKinds = new Map<number, boolean>();
  for (const a of accounts) {
    if (!senderKinds.has(a.senderId)) {
      const s = await store.senders.findById(a.senderId);
      senderKinds.set(a.senderId, s !== undefined && findImplementation(s.implClass)?.key === "dataconnect");
    }
    if (senderKinds.get(a.senderId)) out.push(a);
  }
  return out;
}

/** Syncs one account; a failure is recorded on it and returned, never thrown. */
export async function syncOneAccount(
  deps: SyncRunDeps,
  account: Account,
  settings: Partial<SyncSettings> = {},
): Promise<AccountRunResult> {
  const { store } = deps;
  const type = await store.devices.linkyType();
  const device =
    (await store.devices.findByUserAndMac(account.userId, account.usagePointId)) ??
    (await store.devices.findOrCreate({
      userId: account.userId,
      mac: account.usagePointId,
      label: "Compteur électrique (Linky)",
      deviceTypeId: type.id,
    }));
  const source = deps.sources ? await deps.sources.forAccount(account.id) : deps.client;
  const sync = new AccountSync(
    {
      client: source,
      store: syncStoreOf(store),
      now: deps.now,
      ...(deps.log ? { log: deps.log } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    },
    { ...DEFAULT_SYNC_SETTINGS, ...settings },
  );
  const outcome = await sync.run({
    accountId: account.id,
    deviceId: device.id,
    usagePointId: account.usagePointId,
    config: account.config,
  });
  deps.events?.emit("sync.finished", {
    accountId: account.id,
    deviceId: device.id,
    usagePointId: account.usagePointId,
    outcome,
  });
  return { account, outcome };
}

export async function syncAccounts(
  deps: SyncRunDeps,
  accounts: Account[],
  settings: Partial<SyncSettings> = {},
): Promise<AccountRunResult[]> {
  const results: AccountRunResult[] = [];
  for (const account of accounts) {
    try {
      results.push(await syncOneAccount(deps, account, settings));
    } catch (e) {
      // A failing account never stops the others.
      const message = describeStorageError(e)?.message ?? (e instanceof Error ? e.message : String(e));
      deps.log?.(`account ${account.id}: ${message}`);
      results.push({
        account,
        outcome: {
          started_at_ms: deps.now(),
          finished_at_ms: deps.now(),
          outcome: "failed",
          message,
          calls: 0,
          retries: 0,
          datasets: {},
        },
      });
    }
  }
  return results;
}

/** Enedis APIs recorded as not subscribed for the application (403 900908), for the operator. */
export function apisNotSubscribed(store: Store): Promise<ApiNotSubscribed[]> {
  return apiSubscriptionsOf(store).list();
}

/**
 * The operator subscribed the API on DataHub: the syncs call it again at once instead of waiting for the
 * next check. Every recorded API when `api` is omitted; returns how many records were cleared.
 */
export function clearApiNotSubscribed(store: Store, api?: string): Promise<number> {
  return apiSubscriptionsOf(store).clear(api);
}
