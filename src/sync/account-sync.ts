/**
 * The sync of one account: the seed's consumptionLoadCurve / dailyConsumption / consumptionMaxPower,
 * redone so that no measure is lost or duplicated.
 *
 * - Datasets come from the PRM's subscribed services (Data Connect 2026), or are all tried (legacy v5)
 *   and set aside when Enedis says they do not apply.
 * - Each window's values, completeness ledger and cursors are written in one transaction: a crash leaves
 *   the whole window or nothing, and the next run resumes after the last committed window.
 * - Days that came back incomplete are asked again on later runs while Enedis may still fill them, then
 *   marked as definitive gaps (the seed's watermark jumped over them for ever).
 * - Typed errors decide: consent gone -> `expired`; API not subscribed -> the operator is told; wrong
 *   direction / load curve off -> dataset not applicable; no data yet -> later, cursor unmoved; quota ->
 *   wait for Enedis' time; transient -> exponential backoff with jitter.
 */
import {
  ApiNotSubscribedError,
  BadRequestError,
  BeforeActivationError,
  BeyondHistoryError,
  BudgetSpentError,
  GatewayBannedError,
  isLinkyError,
  LoadCurveOffError,
  MalformedAnswerError,
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TransientError,
  WrongDirectionError,
} from "../domain/errors.js";
import {
  addDays,
  daysBetween,
  maxDate,
  minDate,
  parisDateOf,
  parisDayLengthMin,
  parisDayStartMs,
  parseStepMinutes,
  type LocalDate,
} from "../domain/time.js";
import type { DatasetKey, Reading, SubscribedService } from "../domain/types.js";
import type { MeasureSource } from "../sources/port.js";
import { checkPlausible } from "./plausibility.js";
import { describeStorageError } from "../store/errors.js";
import { metadataFromContract } from "../store/repositories/devices.js";
import { allDatasets, datasetSpec, type DatasetSpec } from "../domain/datasets.js";
import { splitRange, type Window } from "../domain/windows.js";
import {
  WATERMARK_KEYS,
  type AccountConfig,
  type AccountConfigPatch,
  type DatasetOutcome,
  type DatasetState,
  type SyncErrorRecord,
  type SyncOutcome,
} from "../store/repositories/accounts.js";
import { planDataset, publishedUntil, type PlannedWindow } from "./planner.js";
import type { ApiNotSubscribed, LedgerEntry, SyncAccount, SyncStore } from "./ports.js";

export interface SyncSettings {
  /** First-sync depth per kind of dataset, in months (capped by Enedis' horizon). */
  backfillMonths?: { curve?: number; daily?: number };
  /** Incomplete days younger than this are asked again; older ones become definitive gaps. */
  repairWindowDays: number;
  maxRepairAttempts: number;
  /** Retries of one call on transient errors within a run. */
  maxRetries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Longest wait for a quota reset within a run; beyond, the run stops and says when to come back. */
  maxQuotaWaitMs: number;
  /** Collect the experimental index datasets when the PRM has them. */
  includeIndexes: boolean;
  servicesMaxAgeMs: number;
  contractMaxAgeMs: number;
  /** Fresh data and repairs only, no history backfill: the scheduler's cheap daily pass. */
  freshOnly?: boolean;
  /**
   * Only these datasets' windows (the scheduler's freshness policy under a short quota: the others are not
   * due this day); every dataset when absent.
   */
  onlyDatasets?: DatasetKey[];
  /** Stop after this many measure windows (a run's share of the quota). */
  maxWindows?: number;
  /**
   * A fresh window that Enedis answers "no data" counts as "not published yet" (cursor kept, later fresh
   * windows skipped) only when it reaches into the last this-many published days; an older empty window
   * is a hole (meter outage): recorded as fetched with its days missing, and the sync goes on past it.
   */
  publicationLagDays?: number;
  /** An API not subscribed for the application is asked again (one probe, by one sync) after this long. */
  apiRecheckMs?: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  repairWindowDays: 10,
  maxRepairAttempts: 5,
  maxRetries: 4,
  baseBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxQuotaWaitMs: 15 * 60_000,
  includeIndexes: false,
  servicesMaxAgeMs: 7 * 86_400_000,
  contractMaxAgeMs: 30 * 86_400_000,
  publicationLagDays: 2,
  apiRecheckMs: 60 * 60_000,
};

export interface SyncProgress {
  accountId: number;
  usagePointId: string;
  dataset: DatasetKey;
  window: Window;
  purpose: PlannedWindow["purpose"];
  done: number;
  total: number;
}

export interface SyncDeps {
  /** The account's source (the port: Enedis direct or a gateway). */
  client: MeasureSource;
  store: SyncStore;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: (message: string) => void;
  onProgress?: (p: SyncProgress) => void;
}

const PURPOSE_RANK = { fresh: 0, repair: 1, backfill: 2 } as const;

/** A dataset's message when the run stopped at its window budget with history left. */
const MORE_HISTORY = "more history to fetch on the next runs";

/** A daily window answered 500 (after retries) is taken as too long only above this span. */
const SHRINK_ON_500_MIN_DAYS = 31;

/** Which datasets a set of services gives (Data Connect 2026). */
export function datasetsFromServices(services: SubscribedService[], includeIndexes: boolean): DatasetKey[] {
  const out = new Set<DatasetKey>();
  for (const s of services) {
    if (s.state !== "ACTIF" && s.state !== "DEMANDE") continue;
    for (const spec of allDatasets()) {
      if (spec.kind === "index" && !includeIndexes) continue;
      const dirOk = spec.direction === "consumption" ? s.consumption : s.production;
      if (dirOk && spec.measureType === s.measureType) out.add(spec.key);
    }
  }
  return allDatasets()
    .map((s) => s.key)
    .filter((k) => out.has(k));
}

/** The seed's watermark of the newest reading: curves = end of the interval, daily data = day start. */
function newestWatermark(spec: DatasetSpec, readings: Reading[]): number | null {
  let best: number | null = null;
  for (const r of readings) {
    const w = spec.kind === "curve" ? r.startMs + r.lengthMin * 60_000 : r.startMs;
    if (best === null || w > best) best = w;
  }
  return best;
}

/** The most common interval length of a batch (the meter's step), or null. */
function dominantStep(readings: Reading[]): number | null {
  const counts = new Map<number, number>();
  for (const r of readings) counts.set(r.lengthMin, (counts.get(r.lengthMin) ?? 0) + 1);
  let best: number | null = null;
  let n = 0;
  for (const [k, c] of counts) if (c > n) [best, n] = [k, c];
  return best;
}

function errorRecord(e: unknown, atMs: number, dataset?: DatasetKey): SyncErrorRecord {
  const rec: SyncErrorRecord = {
    at_ms: atMs,
    kind: isLinkyError(e) ? e.kind : "internal",
    message: e instanceof Error ? e.message : String(e),
    permanent: isLinkyError(e) ? e.permanent : false,
  };
  if (dataset) rec.dataset = dataset;
  if (isLinkyError(e) && e.status !== undefined) rec.status = e.status;
  if (isLinkyError(e) && e.code !== undefined) rec.code = e.code;
  return rec;
}

type QueueItem = PlannedWindow & { dataset: DatasetKey };

/** Backfill windows taken in turn from each dataset (each dataset's own order kept: newest first). */
function interleaveBackfill(queue: QueueItem[]): QueueItem[] {
  const head = queue.filter((w) => w.purpose !== "backfill");
  const byDataset = new Map<DatasetKey, QueueItem[]>();
  for (const w of queue) {
    if (w.purpose !== "backfill") continue;
    byDataset.set(w.dataset, [...(byDataset.get(w.dataset) ?? []), w]);
  }
  const lanes = [...byDataset.values()];
  const out = [...head];
  for (let i = 0; lanes.some((l) => i < l.length); i++)
    for (const l of lanes) if (i < l.length) out.push(l[i] as QueueItem);
  return out;
}

/** An API recorded as not subscribed for the application: this sync does not call it (no error at Enedis). */
class ApiWaitingError extends Error {
  constructor(readonly block: ApiNotSubscribed) {
    super(
      `operator action needed: ${block.message}; syncs wait without calling ${block.api} until an operator ` +
        `clears it (next check ${new Date(block.nextProbeMs).toISOString()})`,
    );
  }
}

/** One run of one account. Create one per run (it counts calls and retries). */
export class AccountSync {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private calls = 0;
  private retries = 0;
  private config!: AccountConfig;
  private account!: SyncAccount;
  /** APIs not subscribed for the application (read at the start of the run, kept up to date). */
  private blocked = new Map<string, ApiNotSubscribed>();
  /** Blocked APIs this run claimed the probe of: its next call of them is the one probe. */
  private probing = new Set<string>();
  /** Blocked APIs this run had to leave alone. */
  private waitingOn = new Map<string, ApiNotSubscribed>();
  /** Enedis' quota time when a 429 asked to wait longer than this run may: the next attempt then. */
  private quotaRetryAtMs: number | null = null;
  /** Why the run stopped before its plan was done, when a gateway's budget said so. */
  private budgetNote: string | null = null;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings = DEFAULT_SYNC_SETTINGS,
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = deps.random ?? Math.random;
  }

  private async patch(p: AccountConfigPatch): Promise<void> {
    this.config = await this.deps.store.transaction((w) => w.patchAccount(this.account.accountId, p));
  }

  private async patchDataset(dataset: DatasetKey, p: DatasetState): Promise<void> {
    this.config = await this.deps.store.transaction((w) =>
      w.patchDataset(this.account.accountId, dataset, p),
    );
  }

  private state(dataset: DatasetKey): DatasetState {
    return this.config.datasets?.[dataset] ?? {};
  }

  /** Runs one sync of the account and records its outcome on it. */
  async run(account: SyncAccount): Promise<SyncOutcome> {
    this.account = account;
    this.config = account.config;
    this.calls = 0;
    this.retries = 0;
    const outcome: SyncOutcome = {
      started_at_ms: this.now(),
      finished_at_ms: null,
      outcome: "running",
      message: null,
      calls: 0,
      retries: 0,
      datasets: {},
    };
    if (this.config.expired) {
      outcome.outcome = "expired";
      outcome.message =
        this.config.expired_reason ?? "consent expired or revoked: the customer must consent again";
      outcome.reason = { key: this.config.expired_code ?? "consent_expired" };
      outcome.finished_at_ms = this.now();
      await this.patch({ last_sync: outcome });
      return outcome;
    }
    let failure: unknown = null;
    this.blocked = new Map((await this.deps.store.apisNotSubscribed()).map((b) => [b.api, b]));
    this.probing = new Set();
    this.waitingOn = new Map();
    this.quotaRetryAtMs = null;
    this.budgetNote = null;
    try {
      // Data Connect 2026 serves every measure from one API: when it is not subscribed, nothing else is asked.
      await this.gate(this.deps.client.capabilities.gateScope);
      const datasets = await this.resolveDatasets();
      await this.refreshContract();
      await this.syncDatasets(datasets, outcome);
      const entries = Object.entries(outcome.datasets);
      // Datasets that do not apply to this meter neither succeed nor fail: when every one that applies
      // failed, the sync failed (and `sync` exits 1), however many others do not apply.
      const applicable = entries.filter(([, d]) => d.outcome !== "not_applicable").length;
      const failed = entries.filter(([, d]) => d.outcome === "failed").length;
      const waiting = entries.filter(
        ([, d]) => d.outcome === "no_data_yet" || d.outcome === "partial",
      ).length;
      outcome.outcome =
        failed === 0 && waiting === 0 ? "ok" : failed > 0 && failed === applicable ? "failed" : "partial";
      const notes = entries.filter(([, d]) => d.message).map(([k, d]) => `${k}: ${d.message}`);
      outcome.message = notes.length > 0 ? notes.join("; ") : null;
      outcome.reason = null;
      const blocked = [...this.waitingOn.values()][0];
      if (blocked) {
        // Nothing fetched because the application lacks an API: a failure, however many datasets do not apply.
        if (!entries.some(([, d]) => d.outcome === "ok" || d.outcome === "partial"))
          outcome.outcome = "failed";
        const w = new ApiWaitingError(blocked);
        failure = w;
        outcome.message = [w.message, ...notes].join("; ");
        outcome.reason = { key: "api_waiting", params: { api: blocked.api } };
      }
    } catch (e) {
      failure = e;
      if (e instanceof ApiWaitingError) {
        outcome.outcome = "failed";
        outcome.message = e.message;
        outcome.reason = { key: "api_waiting", params: { api: e.block.api } };
      } else if (e instanceof NoConsentError) {
        outcome.outcome = "expired";
        outcome.message = `consent missing or revoked: ${e.message}`;
        outcome.reason = { key: "consent_expired" };
        await this.patch({
          expired: true,
          expired_at_ms: this.now(),
          expired_reason: outcome.message,
          expired_code: "consent_expired",
        });
      } else {
        outcome.outcome = "failed";
        const storage = describeStorageError(e);
        outcome.reason = {
          key:
            e instanceof ApiNotSubscribedError
              ? "operator_action"
              : storage
                ? `storage_${storage.problem}`
                : "error",
        };
        outcome.message =
          e instanceof ApiNotSubscribedError
            ? `operator action needed: ${e.message}`
            : (describeStorageError(e)?.message ?? (e instanceof Error ? e.message : String(e)));
      }
    }
    outcome.calls = this.calls;
    outcome.retries = this.retries;
    outcome.finished_at_ms = this.now();
    const ok = outcome.outcome === "ok" || outcome.outcome === "partial";
    const waiting = [...this.waitingOn.values()].sort((a, b) => a.nextProbeMs - b.nextProbeMs)[0];
    await this.patch({
      last_sync: outcome,
      // Shown with the account: which API the application lacks, since when, and when it is asked again.
      api_not_subscribed: waiting
        ? {
            api: waiting.api,
            message: waiting.message,
            since_ms: waiting.refusedAtMs,
            next_check_ms: waiting.nextProbeMs,
          }
        : null,
      ...(ok
        ? { last_success_ms: outcome.finished_at_ms, failures: 0 }
        : { failures: (this.config.failures ?? 0) + 1 }),
      last_error:
        outcome.outcome === "ok"
          ? null
          : waiting
            ? { ...errorRecord(failure, this.now()), kind: "api_not_subscribed", permanent: true }
            : errorRecord(failure ?? new Error(outcome.message ?? outcome.outcome), this.now()),
      next_attempt_ms: waiting
        ? // Right after the probe time (one sync probes; the others then see its answer).
          waiting.nextProbeMs + Math.floor(this.random() * 5 * 60_000)
        : this.nextAttempt(outcome),
    });
    return outcome;
  }

  private nextAttempt(outcome: SyncOutcome): number | null {
    if (outcome.outcome === "expired" || outcome.outcome === "ok") return null;
    // Only history left (the run's window budget is spent): nothing to wait for, the next run goes on.
    const waits = Object.values(outcome.datasets).filter(
      (d) => d.outcome !== "ok" && d.outcome !== "not_applicable",
    );
    if (
      outcome.outcome === "partial" &&
      this.quotaRetryAtMs === null &&
      waits.length > 0 &&
      waits.every((d) => d.message === MORE_HISTORY)
    )
      return null;
    // Enedis said when its quota frees up: come back then (a little jitter spreads the accounts).
    if (this.quotaRetryAtMs !== null) return this.quotaRetryAtMs + Math.floor(this.random() * 60_000);
    // Later the same day, spread so that thousands of accounts do not come back in the same second.
    return this.now() + 60 * 60_000 + Math.floor(this.random() * 15 * 60_000);
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    this.calls++;
    return fn();
  }

  /**
   * Whether this run may call `api`: yes when it is not recorded as not subscribed, or when this run
   * claims its one probe (the recheck time has passed and no other sync took it). Otherwise throws
   * ApiWaitingError: no call is made.
   */
  private async gate(api: string | null): Promise<void> {
    if (api === null) return;
    const block = this.blocked.get(api);
    if (!block || this.probing.has(api)) return;
    const now = this.now();
    const next = now + (this.settings.apiRecheckMs ?? 3_600_000);
    if (now >= block.nextProbeMs && (await this.deps.store.claimApiProbe(api, now, next))) {
      this.probing.add(api);
      this.blocked.set(api, { ...block, nextProbeMs: next });
      return;
    }
    this.waitingOn.set(api, block);
    throw new ApiWaitingError(block);
  }

  /** One call of a named API: gated, and what it says about the subscription is recorded once. */
  private async callApi<T>(api: string | null, fn: () => Promise<T>): Promise<T> {
    await this.gate(api);
    try {
      const r = await this.call(fn);
      if (api !== null) await this.apiAnswered(api);
      return r;
    } catch (e) {
      if (e instanceof ApiNotSubscribedError) await this.apiRefused(e.api ?? api ?? "unknown", e);
      throw e;
    }
  }

  /** A call of `api` succeeded: if it was recorded as not subscribed, it is not any more. */
  private async apiAnswered(api: string): Promise<void> {
    if (!this.blocked.has(api)) return;
    await this.deps.store.clearApiNotSubscribed(api);
    this.blocked.delete(api);
    this.probing.delete(api);
    this.waitingOn.delete(api);
    this.deps.log?.(`Enedis API ${api} answers again: the syncs call it again`);
  }

  /** 403 900908: recorded for the whole application, the operator told once. */
  private async apiRefused(api: string, e: ApiNotSubscribedError): Promise<ApiNotSubscribed> {
    const now = this.now();
    const next = now + (this.settings.apiRecheckMs ?? 3_600_000);
    const isNew = await this.deps.store.recordApiNotSubscribed(api, e.message, now, next);
    if (isNew) {
      this.deps.log?.(
        `operator action needed: ${e.message}. Subscribe the API for this application on Enedis' DataHub; ` +
          `syncs wait without calling it (one check every ${Math.round((this.settings.apiRecheckMs ?? 3_600_000) / 60_000)} min)`,
      );
    }
    const old = this.blocked.get(api);
    const block: ApiNotSubscribed = {
      api,
      message: e.message,
      refusedAtMs: old?.refusedAtMs ?? now,
      nextProbeMs: Math.max(next, old?.nextProbeMs ?? 0),
      refusals: (old?.refusals ?? 0) + 1,
    };
    this.blocked.set(api, block);
    this.probing.delete(api);
    this.waitingOn.set(api, block);
    return block;
  }

  private async resolveDatasets(): Promise<DatasetKey[]> {
    const client = this.deps.client;
    const prm = this.account.usagePointId;
    const services = client.services?.bind(client);
    const servicesApi = client.capabilities.servicesScope;
    if (!client.capabilities.servicesDiscovery || !services) {
      // No services discovery: every dataset the source serves is tried; those that do not apply say so.
      return client.capabilities.datasets.filter(
        (k) => datasetSpec(k).kind !== "index" || this.settings.includeIndexes,
      );
    }
    const checked = this.config.subscribed_services_at_ms;
    if (this.config.dataset_keys && checked && this.now() - checked < this.settings.servicesMaxAgeMs) {
      return this.config.dataset_keys as DatasetKey[];
    }
    let found: SubscribedService[];
    try {
      found = await this.withRetries(() => this.callApi(servicesApi, () => services(prm)));
    } catch (e) {
      // Services not readable for the application: the datasets known from an earlier check still hold.
      const known = this.config.dataset_keys;
      if ((e instanceof ApiWaitingError || e instanceof ApiNotSubscribedError) && known) {
        if (servicesApi !== null) this.waitingOn.delete(servicesApi);
        return known as DatasetKey[];
      }
      throw e;
    }
    const mine = found.filter((s) => s.usagePointId === prm);
    if (mine.length === 0) {
      const ended = await this.withRetries(() =>
        this.callApi(servicesApi, () => services(prm, ["TERMINE", "SUPPRIME"])),
      );
      throw new NoConsentError(
        ended.length > 0
          ? `the services of ${prm} have ended (consent expired or revoked)`
          : `no active service for ${prm}: no consent given to this application`,
      );
    }
    const datasets = datasetsFromServices(mine, this.settings.includeIndexes);
    const ends = mine
      .map((s) => s.endDate)
      .filter((d): d is string => d !== null)
      .sort();
    const starts = mine
      .map((s) => s.startDate)
      .filter((d): d is string => d !== null)
      .sort();
    await this.patch({
      subscribed_services: mine.map((s) => ({ ...s })),
      subscribed_services_at_ms: this.now(),
      dataset_keys: datasets,
      consent_start_date: starts[0] ?? this.config.consent_start_date ?? null,
      consent_end_date: ends[ends.length - 1] ?? this.config.consent_end_date ?? null,
      autorisation_id:
        mine.find((s) => s.autorisationId !== null)?.autorisationId ?? this.config.autorisation_id ?? null,
    });
    return datasets;
  }

  /** Contract facts on the first sync and then monthly; activation dates become data floors. */
  private async refreshContract(): Promise<void> {
    const checked = this.config.contract_checked_at_ms;
    if (checked && this.now() - checked < this.settings.contractMaxAgeMs) return;
    const prm = this.account.usagePointId;
    try {
      // Each ITC call is retried on its own: one failure does not repeat the calls that succeeded.
      const read = this.deps.client.contract?.bind(this.deps.client);
      if (!this.deps.client.capabilities.contract || !read) return;
      const { contract, unavailable } = await read(prm, (fn) => this.withRetries(() => this.call(fn)));
      {
        // ITC APIs are read monthly per account: their refusals are recorded (the operator told once) and
        // their answers clear the record; they are not gated.
        for (const api of this.deps.client.capabilities.contractScopes) {
          if (!unavailable.includes(api)) await this.apiAnswered(api);
          else if (!this.blocked.has(api)) {
            await this.apiRefused(
              api,
              new ApiNotSubscribedError(`API not subscribed for this application on DataHub [${api}]`, {
                api,
              }),
            );
            this.waitingOn.delete(api);
          }
        }
      }
      await this.deps.store.transaction((w) =>
        // The device repository's own keys (`off_peak_hours`, `contract_checked_ms`): the readers' keys.
        w.patchDeviceMetadata(this.account.deviceId, {
          ...metadataFromContract(contract, this.now()),
          contract_unavailable_apis: unavailable,
        }),
      );
      for (const spec of allDatasets()) {
        const act =
          spec.direction === "consumption"
            ? contract.consumptionActivationDate
            : contract.productionActivationDate;
        const floor = this.state(spec.key).data_floor;
        if (act && (!floor || act > floor)) await this.patchDataset(spec.key, { data_floor: act });
      }
      await this.patch({ contract_checked_at_ms: this.now() });
    } catch (e) {
      if (e instanceof NoConsentError) throw e;
      // Contract data are a bonus: the measures do not wait for them.
      this.deps.log?.(`contract of ${prm} not read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Retries transient errors and quota refusals with backoff; other errors go up. */
  private async withRetries<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof BudgetSpentError || e instanceof GatewayBannedError) {
          // Our own budget of a gateway, or a ban: waiting within the run would not help.
          if (e instanceof BudgetSpentError && e.retryAtMs !== undefined)
            this.quotaRetryAtMs = Math.max(this.quotaRetryAtMs ?? 0, e.retryAtMs);
          throw e;
        }
        if (attempt >= this.settings.maxRetries) {
          // Out of retries on a quota refusal: the next attempt is when Enedis said, not an hour later.
          if (e instanceof QuotaExceededError && e.retryAtMs !== undefined) {
            this.quotaRetryAtMs = Math.max(this.quotaRetryAtMs ?? 0, e.retryAtMs);
          }
          throw e;
        }
        if (e instanceof QuotaExceededError) {
          const wait = Math.max(0, (e.retryAtMs ?? this.now() + this.backoff(attempt)) - this.now());
          if (wait > this.settings.maxQuotaWaitMs) {
            const at = this.now() + wait;
            this.quotaRetryAtMs = Math.max(this.quotaRetryAtMs ?? 0, at);
            throw e;
          }
          this.retries++;
          await this.sleep(wait);
          continue;
        }
        if (e instanceof TransientError) {
          this.retries++;
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw e;
      }
    }
  }

  /** Exponential backoff with jitter around the nominal delay. */
  private backoff(attempt: number): number {
    const nominal = Math.min(this.settings.maxBackoffMs, this.settings.baseBackoffMs * 2 ** attempt);
    return Math.round(nominal * (0.5 + this.random()));
  }

  private async plan(datasets: DatasetKey[], outcome: SyncOutcome): Promise<QueueItem[]> {
    const now = this.now();
    const repairSince = addDays(parisDateOf(now), -this.settings.repairWindowDays);
    const queue: QueueItem[] = [];
    for (const key of datasets) {
      const st = this.state(key);
      if (st.not_applicable) {
        outcome.datasets[key] = {
          outcome: "not_applicable",
          message: st.not_applicable_reason ?? null,
          reason: st.not_applicable_code ?? null,
        };
        continue;
      }
      if (this.settings.onlyDatasets && !this.settings.onlyDatasets.includes(key)) {
        outcome.datasets[key] = {
          outcome: "ok",
          windows: 0,
          retries: 0,
          points: 0,
          message: "not due under the freshness policy",
        };
        continue;
      }
      const spec = datasetSpec(key);
      const id = this.account.deviceId;
      await this.deps.store.closeGaps(id, key, repairSince, this.settings.maxRepairAttempts);
      const repairDays = await this.deps.store.repairCandidates(
        id,
        key,
        repairSince,
        this.settings.maxRepairAttempts,
      );
      const months =
        spec.kind === "curve" ? this.settings.backfillMonths?.curve : this.settings.backfillMonths?.daily;
      const plan = planDataset(
        spec,
        {
          nextDay: st.fetched_until ?? null,
          oldestDay: st.backfill_oldest ?? null,
          repairDays,
          activationDay: st.data_floor ?? null,
        },
        now,
        {
          ...(months === undefined ? {} : { backfillMonths: months }),
          dailyWindowDays: this.deps.client.maxDaysPerCall(key),
          skipBackfill: this.settings.freshOnly === true,
        },
      );
      for (const w of plan) queue.push({ ...w, dataset: key });
      outcome.datasets[key] = { outcome: "ok", windows: 0, retries: 0, points: 0, message: null };
    }
    // Fresh data of every dataset first, then repairs, then history (stable within a purpose).
    const sorted = queue.sort((a, b) => PURPOSE_RANK[a.purpose] - PURPOSE_RANK[b.purpose]);
    // Under a call budget (gateways) the history is spread over days: every dataset's newest windows
    // first, in turn, so that a run cut short by the budget leaves no dataset without recent data.
    return this.deps.client.capabilities.quota ? interleaveBackfill(sorted) : sorted;
  }

  private async syncDatasets(datasets: DatasetKey[], outcome: SyncOutcome): Promise<void> {
    if (this.deps.client.capabilities.servicesDiscovery) {
      // Datasets the subscribed services do not offer are said so, not silently absent.
      for (const spec of allDatasets()) {
        if (spec.kind === "index" && !this.settings.includeIndexes) continue;
        if (!datasets.includes(spec.key)) {
          outcome.datasets[spec.key] = {
            outcome: "not_applicable",
            message:
              spec.kind === "curve"
                ? `no ${spec.direction} load-curve service for this usage point (load-curve collection may be off in the customer's Enedis space)`
                : `no ${spec.direction} ${spec.measureType} service for this usage point`,
            reason:
              spec.kind === "curve"
                ? { key: "no_service_curve", params: { direction: spec.direction } }
                : { key: "no_service", params: { direction: spec.direction, measure: spec.measureType } },
          };
        }
      }
    }
    const queue = await this.plan(datasets, outcome);
    let limit = this.settings.maxWindows ?? Number.POSITIVE_INFINITY;
    const allowance = this.deps.client.allowance?.bind(this.deps.client);
    if (allowance) {
      // A gateway's budget: this run's share of it (a fresh-only run may use the reserve).
      const left = await allowance(this.account.usagePointId, this.settings.freshOnly ? "fresh" : "backfill");
      limit = Math.min(limit, left);
      if (left <= 0 && queue.length > 0)
        this.budgetNote = `the ${this.deps.client.capabilities.kind} call budget is spent for now: resumed on the next runs`;
    }
    const stopped = new Set<DatasetKey>();
    // APIs whose quota Enedis said is spent beyond what this run waits: not called again in this run.
    const quotaSpent = new Set<string>();
    // Fresh windows of a dataset not published yet; its repairs and history still go on.
    const unpublished = new Set<DatasetKey>();
    let done = 0;
    let total = queue.length;
    while (queue.length > 0 && done < limit) {
      const item = queue.shift()!;
      const { dataset } = item;
      if (stopped.has(dataset)) continue;
      if (item.purpose === "fresh" && unpublished.has(dataset)) continue;
      const api = this.deps.client.measureApi(dataset);
      if (api !== null && quotaSpent.has(api) && this.quotaRetryAtMs !== null) {
        stopped.add(dataset);
        const d = outcome.datasets[dataset] as DatasetOutcome;
        d.outcome = "failed";
        d.message = `Enedis quota spent until ${new Date(this.quotaRetryAtMs).toISOString()}: resumed then`;
        d.reason = { key: "quota_spent", params: { until: this.quotaRetryAtMs } };
        continue;
      }
      const floor = this.state(dataset).data_floor;
      if (floor && item.to <= floor) continue;
      const w: QueueItem = floor && item.from < floor ? { ...item, from: floor } : item;
      const ds = outcome.datasets[dataset] as DatasetOutcome;
      // Planned before a refusal taught the client a smaller daily window: asked in parts of that size.
      const maxDays = this.deps.client.maxDaysPerCall(dataset);
      if (daysBetween(w.from, w.to) > maxDays) {
        const parts = splitRange(w, maxDays, w.purpose === "backfill");
        queue.unshift(...parts.map((x) => ({ ...x, purpose: w.purpose, dataset })));
        total += parts.length - 1;
        continue;
      }
      this.deps.onProgress?.({
        accountId: this.account.accountId,
        usagePointId: this.account.usagePointId,
        dataset,
        window: w,
        purpose: w.purpose,
        done,
        total,
      });
      const retriesBefore = this.retries;
      try {
        const api = this.deps.client.measureApi(dataset);
        const batch = await this.withRetries(() =>
          this.callApi(api, async () => {
            const b = await this.deps.client.readings(dataset, this.account.usagePointId, w);
            // A lying answer is refused before anything of it is stored (and retried like an outage).
            const spec = datasetSpec(dataset);
            checkPlausible(b.readings, {
              kind: spec.kind,
              unit: spec.unit,
              window: w,
              nowMs: this.now(),
              ...(api ? { api } : {}),
            });
            return b;
          }),
        );
        this.noteCommit(ds, await this.commitWindow(w, batch.readings));
      } catch (e) {
        const decision = await this.onWindowError(w, e, queue);
        if (decision === "requeued") total++;
        // Nothing in a window Enedis has published: a hole; its days are missing in the ledger.
        if (decision === "empty") this.noteCommit(ds, await this.commitWindow(w, []));
        if (decision === "unpublished") {
          unpublished.add(dataset);
          ds.outcome = "no_data_yet";
          ds.message = `nothing published yet from ${w.from} (Enedis publishes D-1 from about 08:00)`;
          ds.reason = { key: "unpublished", params: { from: w.from } };
        }
        if (decision === "stop") {
          stopped.add(dataset);
          const api = this.deps.client.measureApi(dataset);
          if (e instanceof QuotaExceededError && api !== null) quotaSpent.add(api);
          const st = this.state(dataset);
          if (e instanceof ApiWaitingError || e instanceof ApiNotSubscribedError) {
            ds.outcome = "failed";
            ds.message = `waiting: ${this.deps.client.measureApi(dataset) ?? "its API"} not subscribed for this application`;
            ds.reason = { key: "api_waiting", params: { api: this.deps.client.measureApi(dataset) ?? "" } };
          } else if (st.not_applicable) {
            ds.outcome = "not_applicable";
            ds.message = st.not_applicable_reason ?? null;
            ds.reason = st.not_applicable_code ?? null;
          } else {
            ds.outcome = "failed";
            ds.message = e instanceof Error ? e.message : String(e);
            ds.reason = { key: e instanceof MalformedAnswerError ? "malformed_answer" : "error" };
            await this.patchDataset(dataset, { last_error: errorRecord(e, this.now(), dataset) });
          }
        }
      } finally {
        ds.windows = (ds.windows ?? 0) + 1;
        ds.retries = (ds.retries ?? 0) + this.retries - retriesBefore;
        done++;
      }
    }
    for (const item of queue) {
      const d = outcome.datasets[item.dataset];
      if (d && d.outcome === "ok" && !stopped.has(item.dataset)) {
        d.outcome = "partial";
        d.message = this.budgetNote ?? MORE_HISTORY;
        d.reason = { key: "more_history" };
      }
    }
  }

  /** Counts a committed window in the dataset's outcome. */
  private noteCommit(ds: DatasetOutcome, r: { received: number; repairable: number }): void {
    ds.points = (ds.points ?? 0) + r.received;
    if (r.repairable > 0 && ds.outcome === "ok") {
      ds.outcome = "partial";
      ds.message = `${r.repairable} recent day(s) incomplete, asked again on later runs`;
      ds.reason = { key: "incomplete_days", params: { count: r.repairable } };
    } else if (r.repairable > 0 && ds.outcome === "partial") {
      ds.message = ds.message?.replace(/^\d+/, (n) => String(Number(n) + r.repairable)) ?? null;
      if (ds.reason?.key === "incomplete_days")
        ds.reason = {
          key: "incomplete_days",
          params: { count: Number(ds.reason.params?.count ?? 0) + r.repairable },
        };
    }
  }

  /**
   * Whether an empty answer for this window may mean "not published yet": it reaches into the last few
   * days Enedis may still be publishing. Older windows are holes, not late data.
   */
  private mayBeUnpublished(w: Window): boolean {
    const lag = this.settings.publicationLagDays ?? DEFAULT_SYNC_SETTINGS.publicationLagDays ?? 2;
    return w.to > addDays(publishedUntil(this.now()), -lag);
  }

  /** What an error on one window means. Account-level errors go up. */
  private async onWindowError(
    w: QueueItem,
    e: unknown,
    queue: QueueItem[],
  ): Promise<"continue" | "stop" | "requeued" | "unpublished" | "empty"> {
    const { dataset } = w;
    const spec = datasetSpec(dataset);
    if (e instanceof NoConsentError || e instanceof GatewayBannedError) throw e;
    // Recorded for the whole application by callApi; this dataset waits (others may use other APIs: v5).
    if (e instanceof ApiWaitingError || e instanceof ApiNotSubscribedError) return "stop";
    if (e instanceof WrongDirectionError || e instanceof LoadCurveOffError) {
      const reason =
        e instanceof LoadCurveOffError
          ? "load curve not recorded: the customer must switch on load-curve collection in their Enedis space"
          : `Enedis serves no ${spec.direction} data for this usage point`;
      await this.patchDataset(dataset, {
        not_applicable: true,
        not_applicable_reason: reason,
        not_applicable_code:
          e instanceof LoadCurveOffError
            ? { key: "load_curve_off" }
            : { key: "wrong_direction", params: { direction: spec.direction } },
      });
      return "stop";
    }
    if (e instanceof BeforeActivationError || e instanceof BeyondHistoryError) {
      // Part of this window is before the activation (or the horizon): find the first served day by
      // halving the window (newer half first), so that no day after it is lost. About log2(span) calls.
      const span = daysBetween(w.from, w.to);
      if (span > 1) {
        const mid = addDays(w.from, Math.floor(span / 2));
        queue.unshift({ ...w, from: mid }, { ...w, to: mid });
        return "requeued";
      }
      const floor = w.to;
      const known = this.state(dataset).data_floor;
      if (!known || floor > known) await this.patchDataset(dataset, { data_floor: floor });
      await this.advanceCursors(w);
      return "continue";
    }
    if (e instanceof NoDataYetError) {
      // Recent days not published yet: the cursor stays. Anything older with nothing (a meter outage, an
      // older window): the ledger says so and the sync goes on, so that a hole never blocks later data.
      if (w.purpose === "fresh" && this.mayBeUnpublished(w)) return "unpublished";
      return "empty";
    }
    const span = daysBetween(w.from, w.to);
    if (
      spec.hardMaxDaysPerCall === null &&
      ((e instanceof BadRequestError && e.code !== undefined && span > 1) ||
        // A 500 that the retries did not cure may be Enedis' refusal of a long span (dataconnect-2026 §9);
        // on a short window it is an outage, which must not shrink every later call.
        (e instanceof TransientError && e.status === 500 && span > SHRINK_ON_500_MIN_DAYS))
    ) {
      // A daily window refused as too long: the client keeps the smaller size for every later call, and
      // the loop asks this window in parts of it.
      this.deps.client.shrinkWindow(dataset, w);
      queue.unshift(w);
      return "requeued";
    }
    if (isLinkyError(e) || e instanceof RangeError) return "stop";
    throw e;
  }

  private cursorPatch(w: QueueItem): DatasetState {
    if (w.purpose === "repair") return {};
    const st = this.state(w.dataset);
    return {
      backfill_oldest: st.backfill_oldest ? minDate(st.backfill_oldest, w.from) : w.from,
      fetched_until: st.fetched_until ? maxDate(st.fetched_until, w.to) : w.to,
    };
  }

  private async advanceCursors(w: QueueItem): Promise<void> {
    const p = this.cursorPatch(w);
    if (Object.keys(p).length > 0) await this.patchDataset(w.dataset, p);
  }

  /** Values + ledger + cursors + watermark of one window, in one transaction. */
  private async commitWindow(
    w: QueueItem,
    readings: Reading[],
  ): Promise<{ received: number; repairable: number }> {
    const { dataset } = w;
    const spec = datasetSpec(dataset);
    const now = this.now();
    const until = publishedUntil(now);
    const repairSince = addDays(parisDateOf(now), -this.settings.repairWindowDays);
    const serviceStep = (this.config.subscribed_services ?? []).find(
      (s) =>
        s.measureType === spec.measureType &&
        (spec.direction === "consumption" ? s.consumption : s.production),
    )?.step;
    const stored = readings.filter((r) => r.value !== null);
    const step = dominantStep(stored) ?? parseStepMinutes(serviceStep ?? "") ?? 30;
    // Curves count covered minutes, so that a step change within a day is judged right.
    const covered = new Map<LocalDate, number>();
    // The Paris day of each reading, found again only when a reading leaves the previous one's day.
    let day: LocalDate = "";
    let dayStartMs = Number.POSITIVE_INFINITY;
    let dayEndMs = Number.NEGATIVE_INFINITY;
    for (const r of stored) {
      if (r.startMs < dayStartMs || r.startMs >= dayEndMs) {
        day = parisDateOf(r.startMs);
        dayStartMs = parisDayStartMs(day);
        dayEndMs = parisDayStartMs(addDays(day, 1));
      }
      covered.set(day, (covered.get(day) ?? 0) + (spec.kind === "curve" ? r.lengthMin : 1));
    }
    const ledger: LedgerEntry[] = [];
    let repairable = 0;
    for (let day = w.from; day < w.to && day < until; day = addDays(day, 1)) {
      const got = covered.get(day) ?? 0;
      const need = spec.kind === "curve" ? parisDayLengthMin(day) : 1;
      const complete = got >= need;
      let status: LedgerEntry["status"] = complete ? "complete" : got > 0 ? "partial" : "missing";
      if (!complete && day < repairSince) status = "gap";
      if (!complete && status !== "gap") repairable++;
      ledger.push({
        day,
        expected: spec.kind === "curve" ? Math.round(need / step) : need,
        received: spec.kind === "curve" ? Math.round(got / step) : got,
        status,
      });
    }
    const wm = newestWatermark(spec, stored);
    const key = WATERMARK_KEYS[dataset];
    const old = this.config[key];
    const accountPatch: AccountConfigPatch = {};
    if (wm !== null && (old === null || old === undefined || wm > old)) accountPatch[key] = wm;
    const dsPatch: DatasetState = {
      ...this.cursorPatch(w),
      ...(stored.length > 0 ? { last_success_ms: now } : {}),
    };
    const accountId = this.account.accountId;
    const deviceId = this.account.deviceId;
    this.config = await this.deps.store.transaction(async (tx) => {
      if (stored.length > 0) await tx.saveReadings(deviceId, dataset, stored);
      if (ledger.length > 0) await tx.recordLedger(deviceId, dataset, ledger, now);
      if (Object.keys(accountPatch).length > 0) await tx.patchAccount(accountId, accountPatch);
      return tx.patchDataset(accountId, dataset, dsPatch);
    });
    return { received: stored.length, repairable };
  }
}
