/**
 * The consent flow (no HTTP here: the routes in `routes/dataconnect.ts` call it and render its outcome).
 *
 * start:    signed, session-bound, single-use `state` -> URL of Enedis' consent page.
 * complete: the redirect back. In order: error redirect (refusal) -> state (signature, expiry, session,
 *           single use) -> PRMs (v2: `autorisation_id` resolved through subscribed_services, with brief
 *           retries while Enedis answers empty; v1: each `usage_point_id` verified with an application-token
 *           call) -> safety checks -> account + device (registerAccount) -> first sync in the background.
 *           Any refusal creates nothing.
 *
 * Two checks guard against a guessed `autorisation_id` (a v2 redirect carries no code to exchange, and
 * autorisation ids are small integers): the services must have started on or after the day the consent
 * began (a fresh share; re-sharing an already shared PRM fails on Enedis' page anyway), and a PRM that
 * another user holds with a live consent is not handed to a second one.
 */
import type { EventBus } from "../app/events.js";
import { DateTime, Duration } from "luxon";
import { AccountInputError, registerAccount, resolveDataConnectSender } from "../accounts/service.js";
import type { Config } from "../config/schema.js";
import { isLinkyError, NoConsentError } from "../domain/errors.js";
import { addDays, PARIS, parisDateOf, parisToday } from "../domain/time.js";
import type { SubscribedService } from "../domain/types.js";
import { buildAuthorizeUrl, parseConsentRedirect, type ConsentVersion } from "../enedis/authorize.js";
import type { DataConnectClient } from "../enedis/client.js";
import type { Account, AccountConfigPatch, Sender, Store, User } from "../store/index.js";
import { syncAccountLeased } from "../scheduler/lease.js";
import { syncSettingsOf } from "../sync/service.js";
import type { BackgroundTasks } from "./background.js";
import type { ConsentStates } from "./consent-state.js";
import type { Session } from "./session.js";

export type ConsentFailureCode =
  | "refused"
  | "enedis_error"
  | "invalid_redirect"
  | "state_missing"
  | "state_forged"
  | "state_expired"
  | "state_used"
  | "state_foreign"
  | "not_signed_in"
  | "no_sender"
  | "role_missing"
  | "no_service"
  | "service_ended"
  | "not_fresh"
  | "verify_failed"
  | "claimed"
  | "enedis_unavailable"
  | "nothing_pending";

export interface ConsentFailure {
  ok: false;
  code: ConsentFailureCode;
  /** HTTP status of the page that explains it. */
  status: number;
  /** Details safe to show (PRMs, Enedis' error code); never a secret. */
  detail?: string;
  /** A v2 consent whose services Enedis did not list yet can be resolved again without a new consent. */
  retryable?: boolean;
}

export interface ConsentSuccess {
  ok: true;
  accounts: { account: Account; created: boolean }[];
}

export type ConsentOutcome = ConsentSuccess | ConsentFailure;

const fail = (
  code: ConsentFailureCode,
  status: number,
  extra: Partial<ConsentFailure> = {},
): ConsentFailure => ({
  ok: false,
  code,
  status,
  ...extra,
});

export interface ConsentFlowDeps {
  config: Config;
  store: Store;
  client: DataConnectClient;
  now: () => number;
  log: (message: string) => void;
  states: ConsentStates;
  background: BackgroundTasks;
  /** Consent page host (Enedis, or the simulator). */
  authorizeUrl: string;
  clientId: string;
  /** Waits between subscribed_services attempts when Enedis lists nothing yet (default 1, 2, 4 s). */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** Start the first sync after a consent (default true). */
  syncAfterConsent?: boolean;
  /** Told `sync.finished` after the first sync, like every other account sync (metrics, publishers). */
  events?: EventBus;
}

/** A v2 consent waiting for Enedis to list its services (kept encrypted, one per user, one day). */
const PENDING_PREFIX = "web.consent_pending.";
const PENDING_TTL_MS = 24 * 3600_000;

interface Pending {
  autorisationId: number;
  /** Paris day the consent started. */
  since: string;
  expMs: number;
}

type Grant = { kind: "v2"; autorisationId: number; since: string } | { kind: "v1"; usagePointIds: string[] };

export class ConsentFlow {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ConsentFlowDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get version(): ConsentVersion {
    return this.deps.config.enedis.consent;
  }

  /** The DataConnect sender consents go to, or a failure the page explains. */
  async sender(user: User): Promise<Sender | ConsentFailure> {
    let sender: Sender;
    try {
      sender = await resolveDataConnectSender(this.deps.store, this.deps.config);
    } catch (e) {
      if (e instanceof AccountInputError) return fail("no_sender", 409);
      throw e;
    }
    // The seed's assertAutorisation: a sender with a role is for the users who have it.
    if (sender.role && !user.roles.includes(sender.role))
      return fail("role_missing", 403, { detail: sender.role });
    return sender;
  }

  /** The URL of Enedis' consent page for this user's session. */
  async start(
    user: User,
    session: Session,
    opts: { redirectUriHint?: string } = {},
  ): Promise<{ ok: true; url: string } | ConsentFailure> {
    const sender = await this.sender(user);
    if ("ok" in sender) return sender;
    const { state } = await this.deps.states.issue({ userId: user.id, sid: session.sid });
    const url = new URL(
      buildAuthorizeUrl({
        authorizeUrl: this.deps.authorizeUrl,
        clientId: this.deps.clientId,
        state,
        duration: this.deps.config.enedis.consentDuration,
        version: this.version,
        nowMs: this.deps.now(),
      }),
    );
    // Simulator only: send the customer back to the address they are using (Enedis uses the registered URI).
    if (opts.redirectUriHint) url.searchParams.set("redirect_uri", opts.redirectUriHint);
    return { ok: true, url: url.toString() };
  }

  /** True when the state was issued by this portal (signature only; for routing). */
  ownsState(state: string): boolean {
    return this.deps.states.verify(state).ok;
  }

  /** The redirect back from Enedis. `user`/`session` are the browser's, if signed in. */
  async complete(
    query: Record<string, unknown>,
    user: User | null,
    session: Session | null,
  ): Promise<ConsentOutcome> {
    const redirect = parseConsentRedirect(query);
    const states = this.deps.states;
    if (redirect.kind === "error") {
      // Use up a valid state so that it cannot serve again; the answer is the refusal either way.
      const check = states.verify(redirect.state);
      if (check.ok && session)
        await states.consume(check.claims, { userId: session.userId, sid: session.sid });
      const refused = redirect.error === "access_denied" || query.code === "403";
      return refused
        ? fail("refused", 403)
        : fail("enedis_error", 502, { detail: redirect.error.slice(0, 80) });
    }
    const check = states.verify(redirect.state);
    if (!check.ok) return fail(check.reason === "missing" ? "state_missing" : "state_forged", 403);
    if (!user || !session) return fail("not_signed_in", 401);
    const used = await states.consume(check.claims, { userId: user.id, sid: session.sid });
    if (!used.ok) return fail(`state_${used.reason}`, 403);
    if (redirect.kind === "invalid") return fail("invalid_redirect", 400, { detail: redirect.reason });
    // Only the kind of return the consent page we sent the user to gives (no v1 PRM list on a v2 portal).
    if (redirect.kind !== this.version) {
      return fail("invalid_redirect", 400, {
        detail: `a consent ${redirect.kind} return, but this portal asks for consent ${this.version}`,
      });
    }
    const startedMs = check.claims.expMs - states.ttlMs;
    const grant: Grant =
      redirect.kind === "v2"
        ? { kind: "v2", autorisationId: redirect.autorisationId, since: parisDateOf(startedMs) }
        : { kind: "v1", usagePointIds: redirect.usagePointIds };
    return this.register(user, grant);
  }

  /** Resolves again a v2 consent whose services Enedis did not list at the time. */
  async retryPending(user: User): Promise<ConsentOutcome> {
    const name = `${PENDING_PREFIX}${user.id}`;
    const text = await this.deps.store.secrets.get(name);
    if (text === undefined) return fail("nothing_pending", 404);
    const pending = JSON.parse(text) as Pending;
    if (pending.expMs <= this.deps.now()) {
      await this.deps.store.secrets.delete(name);
      return fail("state_expired", 410);
    }
    return this.register(user, { kind: "v2", autorisationId: pending.autorisationId, since: pending.since });
  }

  async hasPending(user: User): Promise<boolean> {
    const text = await this.deps.store.secrets.get(`${PENDING_PREFIX}${user.id}`);
    return text !== undefined && (JSON.parse(text) as Pending).expMs > this.deps.now();
  }

  private async register(user: User, grant: Grant): Promise<ConsentOutcome> {
    const sender = await this.sender(user);
    if ("ok" in sender) return sender;
    const resolved =
      grant.kind === "v2" ? await this.resolveV2(user, grant) : await this.verifyV1(grant.usagePointIds);
    if (!resolved.ok) return resolved;
    for (const prm of resolved.patches.keys()) {
      const holders = await this.deps.store.accounts.findByUsagePoint(prm);
      if (holders.some((a) => a.userId !== user.id && !a.config.expired))
        return fail("claimed", 409, { detail: prm });
    }
    const accounts: ConsentSuccess["accounts"] = [];
    for (const [prm, patch] of resolved.patches) {
      const r = await registerAccount(this.deps.store, this.deps.config, {
        username: user.username,
        usagePointId: prm,
        senderLibelle: sender.libelle,
        config: patch,
        nowMs: this.deps.now(),
      });
      accounts.push({ account: r.account, created: r.created });
    }
    if (grant.kind === "v2") await this.deps.store.secrets.delete(`${PENDING_PREFIX}${user.id}`);
    if (this.deps.syncAfterConsent !== false)
      for (const { account } of accounts) this.startFirstSync(account);
    return { ok: true, accounts };
  }

  /** Starts the account's sync in the background (not awaited by the request). */
  startFirstSync(account: Account): boolean {
    const { store, client, now, log, config, events } = this.deps;
    return this.deps.background.start(`sync:${account.id}`, async () => {
      // Under the account's lease: a scheduler job (this process' or a `worker`'s) may start meanwhile.
      const r = await syncAccountLeased(
        { store, client, now, log, ...(events ? { events } : {}) },
        account.id,
        syncSettingsOf(config),
        { label: "first sync after consent", log },
      );
      if (!r.ran) {
        log(
          `first sync of ${account.usagePointId}: skipped, ${r.holder ?? "another process"} is syncing it already`,
        );
        return;
      }
      if (!r.value) return;
      const { outcome } = r.value;
      log(
        `first sync of ${account.usagePointId}: ${outcome.outcome}${outcome.message ? ` (${outcome.message})` : ""}`,
      );
    });
  }

  private enedisFailure(e: unknown): ConsentFailure {
    const detail = isLinkyError(e) ? `${e.kind}${e.code ? ` ${e.code}` : ""}` : "error";
    this.deps.log(`consent: Enedis call failed: ${e instanceof Error ? e.message : String(e)}`);
    return fail("enedis_unavailable", 502, { detail });
  }

  private async resolveV2(
    user: User,
    grant: { autorisationId: number; since: string },
  ): Promise<{ ok: true; patches: Map<string, AccountConfigPatch> } | ConsentFailure> {
    const delays = this.deps.retryDelaysMs ?? [1000, 2000, 4000];
    let services: SubscribedService[] = [];
    try {
      for (let attempt = 0; ; attempt++) {
        services = await this.deps.client.subscribedServices({ autorisationId: grant.autorisationId });
        // Enedis may list nothing for a moment right after the consent.
        if (services.length > 0 || attempt >= delays.length) break;
        await this.sleep(delays[attempt] ?? 0);
      }
      if (services.length === 0) {
        const ended = await this.deps.client.subscribedServices({
          autorisationId: grant.autorisationId,
          states: ["TERMINE", "SUPPRIME"],
        });
        if (ended.length > 0) return fail("service_ended", 403, { detail: distinct(ended).join(", ") });
        const pending: Pending = {
          autorisationId: grant.autorisationId,
          since: grant.since,
          expMs: this.deps.now() + PENDING_TTL_MS,
        };
        await this.deps.store.secrets.put(`${PENDING_PREFIX}${user.id}`, JSON.stringify(pending));
        return fail("no_service", 503, { retryable: true });
      }
    } catch (e) {
      return this.enedisFailure(e);
    }
    // A fresh share starts the day the consent began (a day of slack for midnight and clock skew).
    const earliest = addDays(grant.since, -1);
    if (!services.some((s) => s.startDate !== null && s.startDate >= earliest)) return fail("not_fresh", 403);
    const patches = new Map<string, AccountConfigPatch>();
    const at = this.deps.now();
    for (const prm of distinct(services)) {
      const mine = services.filter((s) => s.usagePointId === prm);
      const starts = mine
        .map((s) => s.startDate)
        .filter((d): d is string => d !== null)
        .sort();
      const ends = mine
        .map((s) => s.endDate)
        .filter((d): d is string => d !== null)
        .sort();
      patches.set(prm, {
        autorisation_id: grant.autorisationId,
        consent_given_at_ms: at,
        consent_start_date: starts[0] ?? null,
        consent_end_date: ends[ends.length - 1] ?? null,
        subscribed_services: mine.map((s) => ({ ...s })),
        subscribed_services_at_ms: at,
        expired_at_ms: null,
      });
    }
    return { ok: true, patches };
  }

  private async verifyV1(
    usagePointIds: string[],
  ): Promise<{ ok: true; patches: Map<string, AccountConfigPatch> } | ConsentFailure> {
    const refused: string[] = [];
    for (const prm of usagePointIds) {
      try {
        await this.deps.client.verifyUsagePoint(prm);
      } catch (e) {
        if (e instanceof NoConsentError) refused.push(prm);
        else return this.enedisFailure(e);
      }
    }
    // All or nothing: one PRM Enedis does not confirm makes the whole redirect suspect.
    if (refused.length > 0) return fail("verify_failed", 403, { detail: refused.join(", ") });
    const at = this.deps.now();
    const today = parisToday(at);
    const end = DateTime.fromISO(today, { zone: PARIS })
      .plus(Duration.fromISO(this.deps.config.enedis.consentDuration))
      .minus({ days: 1 })
      .toISODate();
    const patches = new Map<string, AccountConfigPatch>();
    for (const prm of usagePointIds) {
      patches.set(prm, {
        consent_given_at_ms: at,
        consent_start_date: today,
        consent_end_date: end,
        expired_at_ms: null,
      });
    }
    return { ok: true, patches };
  }
}

function distinct(services: SubscribedService[]): string[] {
  return [...new Set(services.map((s) => s.usagePointId))];
}
