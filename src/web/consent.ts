/**
 * The consent flow (no HTTP here: the routes in `routes/dataconnect.ts` call it and render its outcome).
 *
 * start:    the PRM the user typed (14 digits) -> signed, session-bound, single-use `state` whose
 *           server-side record keeps that PRM -> URL of Enedis' consent page.
 * complete: the redirect back. In order: error redirect (refusal) -> state (signature, expiry, session,
 *           single use) -> PRMs (v2: `autorisation_id` resolved through subscribed_services, with brief
 *           retries while Enedis answers empty; v1: the `usage_point_id` verified with an application-token
 *           call) -> they must be exactly the PRM typed -> safety checks -> account + device
 *           (registerAccount) -> first sync in the background. Any refusal creates nothing.
 *
 * A consent belongs to the person who gave it. A v2 redirect carries no code to exchange and autorisation
 * ids are small integers, so a guessed id must not attach someone else's meter:
 * - the autorisation must resolve to exactly the PRM typed before leaving (else "did not match", and no
 *   page says which PRM it resolved to);
 * - its services must have started on or after the day the consent began (a fresh share);
 * - an autorisation is claimed once, ever (`consent_autorisation`);
 * - a return that names an autorisation or a PRM another user holds attaches nothing: the holder's
 *   account is suspended (data kept) and an administrator decides (`/admin/consents`): a conflict.
 * Consent v1 cannot tell who consented (the redirect names the PRM, Enedis only confirms that it is
 * shared with the application): on an installation with more than one user, a new v1 PRM waits for an
 * administrator's approval, and so does a PRM another user ever held (even one since deleted).
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
import type { ConsentReview, ReviewDecision } from "../store/repositories/consents.js";
import { InteractiveQuotaError, notOnBehalf } from "../scheduler/interactive.js";
import { syncAccountLeased } from "../scheduler/lease.js";
import { syncSettingsOf } from "../sync/service.js";
import { isGatewayId, type GatewayId } from "../sources/port.js";
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
  | "enedis_unavailable"
  | "nothing_pending"
  | "bad_prm"
  | "mismatch"
  | "review"
  | "quota_share"
  | "throttled";

export interface ConsentFailure {
  ok: false;
  code: ConsentFailureCode;
  /** HTTP status of the page that explains it. */
  status: number;
  /** Details safe to show (Enedis' error code, a role); never a secret, never a PRM. */
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
  /** The PRM the user typed. */
  prm: string;
  /** Paris day the consent started. */
  since: string;
  expMs: number;
}

type Grant =
  | { kind: "v2"; autorisationId: number; since: string; prm: string }
  | { kind: "v1"; usagePointIds: string[]; prm: string };

const PRM_RE = /^\d{14}$/;

/** Where a gateway review's token waits, encrypted, for the administrator's decision. */
export const gatewayReviewSecret = (reviewId: number): string => `gateway.review:${reviewId}`;

/** The gateway, token and PRMs a gateway review carries, or null for a consent's review. */
async function gatewayReviewToken(
  store: Store,
  review: ConsentReview,
): Promise<{ id: GatewayId; token: string; prms: string[] } | null> {
  const grant = review.grant as { gateway?: unknown; prms?: unknown };
  if (typeof grant.gateway !== "string" || !isGatewayId(grant.gateway)) return null;
  const token = await store.secrets.get(gatewayReviewSecret(review.id));
  if (token === undefined) return null;
  const prms = Array.isArray(grant.prms)
    ? grant.prms.filter((p): p is string => typeof p === "string")
    : [review.usagePointId];
  return { id: grant.gateway, token, prms };
}

/** The PRM as typed (spaces and dots people copy from a bill removed), or null when it is not 14 digits. */
export function normalisePrm(text: string): string | null {
  const prm = text.replace(/[\s.-]/g, "");
  return PRM_RE.test(prm) ? prm : null;
}

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
    opts: { prm: string; redirectUriHint?: string },
  ): Promise<{ ok: true; url: string } | ConsentFailure> {
    const sender = await this.sender(user);
    if ("ok" in sender) return sender;
    const prm = normalisePrm(opts.prm);
    if (!prm) return fail("bad_prm", 400);
    const { state } = await this.deps.states.issue({ userId: user.id, sid: session.sid, prm });
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
    if (opts.redirectUriHint) {
      url.searchParams.set("redirect_uri", opts.redirectUriHint);
      url.searchParams.set("sim_prm", prm);
    }
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
    // A state issued before the PRM step (an upgrade within its 20 minutes) names no PRM: nothing matches.
    const prm = used.record.prm;
    if (!prm) return fail("mismatch", 403);
    const startedMs = check.claims.expMs - states.ttlMs;
    const grant: Grant =
      redirect.kind === "v2"
        ? { kind: "v2", autorisationId: redirect.autorisationId, since: parisDateOf(startedMs), prm }
        : { kind: "v1", usagePointIds: redirect.usagePointIds, prm };
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
    // One look (no backoff loop): "check again" is a person's click, not a reason to poll Enedis.
    return this.register(
      user,
      { kind: "v2", autorisationId: pending.autorisationId, since: pending.since, prm: pending.prm },
      { once: true },
    );
  }

  async hasPending(user: User): Promise<boolean> {
    const text = await this.deps.store.secrets.get(`${PENDING_PREFIX}${user.id}`);
    return text !== undefined && (JSON.parse(text) as Pending).expMs > this.deps.now();
  }

  private async register(user: User, grant: Grant, opts: { once?: boolean } = {}): Promise<ConsentOutcome> {
    const sender = await this.sender(user);
    if ("ok" in sender) return sender;
    const resolved =
      grant.kind === "v2" ? await this.resolveV2(user, grant, opts) : await this.verifyV1(grant);
    if (!resolved.ok) return resolved;
    const { store, now } = this.deps;
    const prm = grant.prm;
    const patch = resolved.patch;
    const autorisationId = grant.kind === "v2" ? grant.autorisationId : null;
    // Someone else holds the PRM, or claimed the autorisation: nothing for this user, the holder is
    // suspended and an administrator decides.
    const holders = (await store.accounts.findByUsagePoint(prm)).filter((a) => a.userId !== user.id);
    const claim =
      autorisationId === null ? undefined : await store.consents.autorisationClaim(autorisationId);
    const claimedByOther = claim !== undefined && (claim.userId !== user.id || claim.usagePointId !== prm);
    if (holders.length > 0 || claimedByOther) {
      if (grant.kind === "v2") await store.secrets.delete(`${PENDING_PREFIX}${user.id}`);
      if (!(await store.consents.findOpen(user.id, prm))) {
        const reason = claimedByOther ? "autorisation_claimed" : "prm_held";
        const base = { kind: "conflict" as const, reason, usagePointId: prm, requesterUserId: user.id };
        const common = { autorisationId, grant: { ...patch }, nowMs: now() };
        if (holders.length === 0 && claim) {
          await store.consents.openReview({ ...base, ...common, holderUserId: claim.userId });
        }
        for (const h of holders) {
          await store.consents.openReview({
            ...base,
            ...common,
            holderUserId: h.userId,
            holderAccountId: h.id,
          });
          this.deps.log(
            `consent: user ${user.id} returned with a consent for account ${h.id} of user ${h.userId}: account suspended pending review`,
          );
        }
      }
      return fail("review", 202);
    }
    if (grant.kind === "v1" && (await this.v1NeedsApproval(user, prm))) {
      if (!(await store.consents.findOpen(user.id, prm))) {
        const multi = (await store.users.count()) > 1;
        await store.consents.openReview({
          kind: "approval",
          reason: multi ? "v1_multi_user" : "v1_held_before",
          usagePointId: prm,
          requesterUserId: user.id,
          grant: { ...patch },
          nowMs: now(),
        });
        this.deps.log(`consent: user ${user.id} asked for a v1 meter: waiting for an administrator`);
      }
      return fail("review", 202);
    }
    if (autorisationId !== null) {
      const claimed = await store.consents.claimAutorisation({
        autorisationId,
        usagePointId: prm,
        userId: user.id,
        nowMs: now(),
      });
      // Lost a race with another process' return of the same autorisation: handled as a conflict next time.
      if (!claimed.ok) return fail("review", 202);
    }
    const account = await this.attach(user, prm, patch, sender);
    if (grant.kind === "v2") await store.secrets.delete(`${PENDING_PREFIX}${user.id}`);
    return { ok: true, accounts: [account] };
  }

  /**
   * Consent v1 cannot tell who consented: with more than one user, a PRM the user does not hold yet waits
   * for an administrator; so does a PRM any other user ever held (deleted accounts and users included).
   */
  private async v1NeedsApproval(user: User, prm: string): Promise<boolean> {
    const ever = await this.deps.store.consents.holdersEver(prm);
    if (ever.some((id) => id !== user.id)) return true;
    if (ever.includes(user.id)) return false;
    return (await this.deps.store.users.count()) > 1;
  }

  /** Attaches the PRM to the user (account + device, holding recorded) and starts the first sync. */
  async attach(
    user: User,
    prm: string,
    patch: AccountConfigPatch,
    sender?: Sender,
  ): Promise<ConsentSuccess["accounts"][number]> {
    const s = sender ?? (await resolveDataConnectSender(this.deps.store, this.deps.config));
    const r = await registerAccount(this.deps.store, this.deps.config, {
      username: user.username,
      usagePointId: prm,
      senderLibelle: s.libelle,
      config: patch,
      nowMs: this.deps.now(),
    });
    await this.deps.store.consents.recordHolding(prm, user.id, this.deps.now());
    if (this.deps.syncAfterConsent !== false) this.startFirstSync(r.account);
    return { account: r.account, created: r.created };
  }

  /**
   * Carries out an administrator's decision on a review: the requester gets the meter (`second`,
   * `share`, `approve`), the holder keeps it (`first`) or loses it (`second`, `refuse`: the account
   * expires and stays out of reach; its data are kept until someone deletes the service).
   */
  async decideReview(
    review: ConsentReview,
    decision: ReviewDecision,
    admin: User,
    nowMs: number,
  ): Promise<boolean> {
    const { store, log } = this.deps;
    if (!(await store.consents.decide(review.id, decision, admin.id, nowMs))) return false;
    log(`consent: admin ${admin.id} decided ${decision} on review ${review.id}`);
    if (review.kind === "conflict" && (decision === "second" || decision === "refuse")) {
      if (review.holderAccountId !== null) {
        await store.accounts.updateConfig(review.holderAccountId, {
          expired: true,
          expired_reason: "Accès retiré par l'administrateur après vérification du consentement.",
          expired_code: "revoked_by_admin",
        });
      }
    }
    // A gateway token's review: its token waits encrypted beside it (never in the review's grant).
    const gatewayToken = await gatewayReviewToken(store, review);
    if (decision === "second" || decision === "share" || decision === "approve") {
      const requester = await store.users.findById(review.requesterUserId);
      if (requester && gatewayToken) {
        await registerAccount(store, this.deps.config, {
          username: requester.username,
          usagePointId: review.usagePointId,
          gateway: gatewayToken,
          nowMs,
        });
        await store.consents.recordHolding(review.usagePointId, requester.id, nowMs);
      } else if (requester) {
        await this.attach(requester, review.usagePointId, review.grant as AccountConfigPatch);
      }
    }
    if (gatewayToken) await store.secrets.delete(gatewayReviewSecret(review.id));
    return true;
  }

  /** Reviews waiting for an administrator that this user asked for. */
  async openRequests(user: User): Promise<ConsentReview[]> {
    return (await this.deps.store.consents.list({ status: "open" })).filter(
      (r) => r.requesterUserId === user.id,
    );
  }

  /** Starts the account's sync in the background (not awaited by the request). */
  startFirstSync(account: Account): boolean {
    // A sync like the scheduled ones: its calls are not the user's (the interactive share is for clicks).
    return this.deps.background.start(`sync:${account.id}`, () => notOnBehalf(() => this.firstSync(account)));
  }

  private async firstSync(account: Account): Promise<void> {
    const { store, client, now, log, config, events } = this.deps;
    // Under the account's lease: a scheduler job (this process' or a `worker`'s) may start meanwhile.
    const r = await syncAccountLeased(
      { store, client, now, log, ...(events ? { events } : {}) },
      account.id,
      syncSettingsOf(config),
      { label: "first sync after consent", log },
    );
    if (!r.ran) {
      log(
        `first sync of account ${account.id}: skipped, ${r.holder ?? "another process"} is syncing it already`,
      );
      return;
    }
    if (!r.value) return;
    const { outcome } = r.value;
    log(
      `first sync of account ${account.id}: ${outcome.outcome}${outcome.message ? ` (${outcome.message})` : ""}`,
    );
  }

  private enedisFailure(e: unknown): ConsentFailure {
    if (e instanceof InteractiveQuotaError) return fail("quota_share", 429);
    const detail = isLinkyError(e) ? `${e.kind}${e.code ? ` ${e.code}` : ""}` : "error";
    this.deps.log(`consent: Enedis call failed: ${e instanceof Error ? e.message : String(e)}`);
    return fail("enedis_unavailable", 502, { detail });
  }

  private async resolveV2(
    user: User,
    grant: { autorisationId: number; since: string; prm: string },
    opts: { once?: boolean },
  ): Promise<{ ok: true; patch: AccountConfigPatch } | ConsentFailure> {
    const delays = opts.once ? [] : (this.deps.retryDelaysMs ?? [1000, 2000, 4000]);
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
        if (ended.length > 0) {
          return sameAs(distinct(ended), grant.prm) ? fail("service_ended", 403) : fail("mismatch", 403);
        }
        const pending: Pending = {
          autorisationId: grant.autorisationId,
          prm: grant.prm,
          since: grant.since,
          expMs: this.deps.now() + PENDING_TTL_MS,
        };
        await this.deps.store.secrets.put(`${PENDING_PREFIX}${user.id}`, JSON.stringify(pending));
        return fail("no_service", 503, { retryable: true });
      }
    } catch (e) {
      return this.enedisFailure(e);
    }
    // Exactly the meter the user said: never a PRM they did not type (a guessed id resolves elsewhere).
    if (!sameAs(distinct(services), grant.prm)) {
      await this.deps.store.secrets.delete(`${PENDING_PREFIX}${user.id}`);
      return fail("mismatch", 403);
    }
    // A fresh share starts the day the consent began (a day of slack for midnight and clock skew).
    const earliest = addDays(grant.since, -1);
    if (!services.some((s) => s.startDate !== null && s.startDate >= earliest)) return fail("not_fresh", 403);
    const at = this.deps.now();
    const starts = services
      .map((s) => s.startDate)
      .filter((d): d is string => d !== null)
      .sort();
    const ends = services
      .map((s) => s.endDate)
      .filter((d): d is string => d !== null)
      .sort();
    return {
      ok: true,
      patch: {
        autorisation_id: grant.autorisationId,
        consent_given_at_ms: at,
        consent_start_date: starts[0] ?? null,
        consent_end_date: ends[ends.length - 1] ?? null,
        subscribed_services: services.map((s) => ({ ...s })),
        subscribed_services_at_ms: at,
        expired_at_ms: null,
      },
    };
  }

  private async verifyV1(grant: {
    usagePointIds: string[];
    prm: string;
  }): Promise<{ ok: true; patch: AccountConfigPatch } | ConsentFailure> {
    // Exactly the meter the user said: a return naming other PRMs attaches nothing.
    if (!sameAs([...new Set(grant.usagePointIds)], grant.prm)) return fail("mismatch", 403);
    try {
      await this.deps.client.verifyUsagePoint(grant.prm);
    } catch (e) {
      if (e instanceof NoConsentError) return fail("verify_failed", 403);
      return this.enedisFailure(e);
    }
    const at = this.deps.now();
    const today = parisToday(at);
    const end = DateTime.fromISO(today, { zone: PARIS })
      .plus(Duration.fromISO(this.deps.config.enedis.consentDuration))
      .minus({ days: 1 })
      .toISODate();
    return {
      ok: true,
      patch: {
        consent_given_at_ms: at,
        consent_start_date: today,
        consent_end_date: end,
        expired_at_ms: null,
      },
    };
  }
}

function distinct(services: SubscribedService[]): string[] {
  return [...new Set(services.map((s) => s.usagePointId))];
}

function sameAs(prms: string[], prm: string): boolean {
  return prms.length === 1 && prms[0] === prm;
}
