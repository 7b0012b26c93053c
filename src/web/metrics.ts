/**
 * `/stats` (JSON counters for a monitoring probe, like the seed's StatsController, with the scheduler's
 * plan and the estimated time to catch up at the current quota, as the CLI `status` shows them) and
 * `/metrics` (Prometheus text).
 *
 * Two sources, named so in each metric's help:
 * - the database, read at each scrape (at most once a second): accounts by state, last sync outcomes, the
 *   age of each account's last successful sync, Enedis calls and 429s per API (counted by every process
 *   through the shared quota), data completeness per dataset and status. Right whatever process syncs;
 * - this process: HTTP requests, syncs by outcome, Enedis calls by endpoint and status, quota waits. In
 *   the embedded mode (`serve`) this process syncs; `worker` processes of a distributed deployment keep
 *   their own (not exported: their work shows in the database metrics).
 *
 * Labels never carry a PRM or anything a visitor could use: accounts are labelled by their id, endpoints
 * by their path with identifiers replaced (`/{id}`), routes by their pattern.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FastifyInstance } from "fastify";
import type { CallEvent } from "../enedis/http.js";
import { formatDuration, summarizeGroups, type AccountState } from "../scheduler/status.js";
import { findImplementation } from "../senders/registry.js";
import { gatewayBudgets, gatewayStatus, type GatewayBudgetUse } from "../sources/status.js";
import type { Store } from "../store/index.js";
import type { Config } from "../config/schema.js";
import type { WebContext } from "./app.js";

const DAY_MS = 24 * 3600_000;
const OUTCOMES = ["ok", "partial", "failed", "expired", "running"] as const;

/** The kind of a pause's reason, as a metric label (a bounded set, not the free text). */
function pausedBy(reason: string | null): "per_second" | "hourly" | "other" {
  if (reason?.startsWith("per-second")) return "per_second";
  if (reason?.startsWith("hourly")) return "hourly";
  return "other";
}

export interface Stats {
  /** DataConnect accounts. */
  accounts: number;
  /** Of which whose consent expired or was revoked. */
  expiredAccounts: number;
  /** Of which with a successful sync in the last 24 hours. */
  syncedLast24h: number;
  /** Accounts by state: fresh, behind, expired, failing, new (as `linky-dataconnect status`). */
  states: Record<AccountState, number>;
  /** Accounts by the outcome of their last sync (`none`: never synced). */
  lastSync: Record<string, number>;
  users: number;
  senders: number;
  /** Enedis calls and refusals (429) per API, every process counted. */
  quota: Array<{ api: string; calls: number; refused: number; lastHour: number }>;
  /** The scheduler's plan at the current quota (as `linky-dataconnect status`). */
  plan: StatsPlan;
  at: string;
}

export interface StatsPlan {
  /** Measure calls a day the hourly quota allows for fresh syncs. */
  callsPerDay: number;
  /** A meter is synced every `strideDays` days (1 = daily, at most 7). */
  strideDays: number;
  callsPerMeterDay: number;
  /** The worst freshness a meter has under this plan, in days. */
  maxFreshnessDays: number;
  /** Whether the quota can keep every meter within 7 days. */
  sustainable: boolean;
  /** Measure calls still needed for history and meters behind. */
  backlogCalls: number;
  /**
   * Estimated time to catch up at the current quota after the fresh syncs' share, in ms; null when there
   * is nothing to catch up, or never (`catchUpNever`: the fresh syncs use the whole quota).
   */
  catchUpMs: number | null;
  catchUpNever: boolean;
  /** The same, for people ("3.2 h", "nothing to catch up"). */
  catchUp: string;
}

/** What a scrape reads from the database. */
export interface Snapshot {
  stats: Stats;
  /** Per account with a successful sync: seconds since it. */
  lastSuccessAge: Array<{ accountId: number; seconds: number }>;
  quota: Array<{
    api: string;
    calls: number;
    refused: number;
    lastHour: number;
    pausedSeconds: number;
    /** Which quota paused it: `per_second`, `hourly`, or `other` (a pause recorded without a reason). */
    pausedBy: "per_second" | "hourly" | "other";
  }>;
  completeness: Array<{ dataset: string; status: string; days: number }>;
  /** Each gateway: its budgets and their use, its accounts, its block, its refused tokens. */
  gateways: {
    budgets: GatewayBudgetUse[];
    state: Array<{ gateway: string; accounts: number; banned: boolean; throttled: boolean; refused: number }>;
  };
}

/**
 * What `/stats` and `/metrics` read from the database: aggregate queries only (accounts folded by state
 * and cursors in the database, `statusGroups`), so that 50,000 accounts cost a few dozen rows, not
 * 50,000 configs parsed; the plan, states and catch-up estimate are `operatorStatus`'s, by the same code
 * (`sumStatus`). The last-success ages are one narrow query (one series per account).
 */
export async function computeSnapshot(store: Store, config: Config, nowMs: number): Promise<Snapshot> {
  const senders = await store.senders.list({ limit: 10_000 });
  const ids = senders.filter((s) => findImplementation(s.implClass)?.key === "dataconnect").map((s) => s.id);
  const groups = await store.accounts.statusGroups(ids, nowMs - DAY_MS);
  let accounts = 0;
  let expired = 0;
  let synced = 0;
  const lastSync: Record<string, number> = Object.fromEntries([...OUTCOMES, "none"].map((o) => [o, 0]));
  for (const g of groups) {
    accounts += g.count;
    if (g.expired) expired += g.count;
    synced += g.syncedSince;
    const outcome = g.lastOutcome ?? "none";
    lastSync[outcome] = (lastSync[outcome] ?? 0) + g.count;
  }
  const { budget, sums, catchUp } = summarizeGroups(groups, config, nowMs);
  const never = catchUp !== null && !Number.isFinite(catchUp);
  const plan: StatsPlan = {
    ...budget,
    backlogCalls: sums.backlog,
    catchUpMs: never || catchUp === null ? null : Math.round(catchUp),
    catchUpNever: never,
    catchUp: formatDuration(catchUp),
  };
  const ages: Snapshot["lastSuccessAge"] = (await store.accounts.lastSuccesses(ids)).map((a) => ({
    accountId: a.id,
    seconds: Math.max(0, (nowMs - a.lastSuccessMs) / 1000),
  }));
  const quota = (await store.scheduler.quotaRows(nowMs)).map((q) => ({
    api: q.api,
    calls: q.calls,
    refused: q.refused,
    lastHour: q.lastHour,
    pausedSeconds: Math.max(0, (q.pausedUntilMs - nowMs) / 1000),
    pausedBy: pausedBy(q.pauseReason),
  }));
  return {
    stats: {
      accounts,
      expiredAccounts: expired,
      syncedLast24h: synced,
      states: sums.states,
      lastSync,
      users: await store.users.count(),
      senders: senders.length,
      quota: quota.map(({ api, calls, refused, lastHour }) => ({ api, calls, refused, lastHour })),
      plan,
      at: new Date(nowMs).toISOString(),
    },
    lastSuccessAge: ages,
    quota,
    completeness: await store.ledger.countAll(),
    gateways: await gatewaySnapshot(store, nowMs),
  };
}

/**
 * How long a snapshot of the database serves `/stats` and `/metrics` by default (real time, ms; config
 * `server.statsCacheMs`): a scraper or a probe polling every second, or several at once, costs one
 * computation per window.
 */
export const SNAPSHOT_CACHE_MS = 5_000;

/** One snapshot per `SNAPSHOT_CACHE_MS` (concurrent callers share it; a failed one is not kept). */
export function snapshotCache(
  compute: () => Promise<Snapshot>,
  ttlMs = SNAPSHOT_CACHE_MS,
  clock: () => number = Date.now,
): () => Promise<Snapshot> {
  let cached: { atMs: number; snapshot: Promise<Snapshot> } | null = null;
  return () => {
    const t = clock();
    if (!cached || t - cached.atMs >= ttlMs) {
      const entry = { atMs: t, snapshot: compute() };
      cached = entry;
      entry.snapshot.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.snapshot;
  };
}

async function gatewaySnapshot(store: Store, nowMs: number): Promise<Snapshot["gateways"]> {
  const refused = await store.gateways.refusedByGateway();
  return {
    budgets: await gatewayBudgets(store.gateways, nowMs),
    state: (await gatewayStatus(store.gateways, nowMs)).map((g) => ({
      gateway: g.gateway,
      accounts: g.accounts,
      banned: g.block?.kind === "banned",
      throttled: g.block?.kind === "throttled" && (g.block.untilMs === null || g.block.untilMs > nowMs),
      refused: refused.get(g.gateway) ?? 0,
    })),
  };
}

export async function computeStats(store: Store, config: Config, nowMs: number): Promise<Stats> {
  return (await computeSnapshot(store, config, nowMs)).stats;
}

/** An Enedis path as a label: digits runs that identify something (a PRM) become `{id}`. */
export function endpointLabel(path: string): string {
  return path
    .split("?")[0]!
    .replace(/\/\d{6,}(?=\/|$)/g, "/{id}")
    .slice(0, 120);
}

/**
 * The exposition text without samples that say nothing: before Node's event-loop monitor has its first
 * sample, prom-client reports its lag minimum as 2^63 ns (`9223372036.85` s) and its mean as NaN. Such
 * a sample is left out (a scraper then sees no value, not an absurd one).
 */
export function withoutMeaninglessSamples(text: string): string {
  return text
    .split("\n")
    .filter((line) => {
      if (line.startsWith("#") || line === "") return true;
      const value = line.slice(line.lastIndexOf(" ") + 1);
      if (value === "NaN") return false;
      return !(/eventloop_lag/.test(line) && Number(value) > 1e6);
    })
    .join("\n");
}

export class WebMetrics {
  readonly registry = new Registry();
  /** The database snapshot `/metrics` reads, cached `SNAPSHOT_CACHE_MS` (also `/stats`'s). */
  readonly snapshot: () => Promise<Snapshot>;

  /**
   * The Prometheus exposition text of this process, built at most once per `server.statsCacheMs` (with
   * one series per account, building it costs more than the snapshot at 50,000 accounts): a scrape in
   * the window gets the same text.
   */
  async text(): Promise<string> {
    const ttl = this.ctx.config.server.statsCacheMs;
    const t = Date.now();
    if (!this.cachedText || t - this.cachedText.atMs >= ttl) {
      const entry = {
        atMs: t,
        text: this.registry.metrics().then((x) => withoutMeaninglessSamples(x)),
      };
      this.cachedText = entry;
      entry.text.catch(() => {
        if (this.cachedText === entry) this.cachedText = null;
      });
    }
    return this.cachedText.text;
  }
  private cachedText: { atMs: number; text: Promise<string> } | null = null;
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;
  private readonly syncs: Counter<"outcome">;
  private readonly syncDuration: Histogram<"outcome">;
  private readonly calls: Counter<"api" | "endpoint" | "status">;
  private readonly callDuration: Histogram<"api">;
  private readonly quotaWaits: Counter<"api">;
  private readonly quotaWaitSeconds: Counter<"api">;

  constructor(private readonly ctx: WebContext) {
    const { store, config, now } = ctx;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "linky_" });
    this.requests = new Counter({
      name: "linky_http_requests_total",
      help: "HTTP requests answered by this process, by route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "linky_http_request_duration_seconds",
      help: "Time to answer an HTTP request, in seconds (this process)",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.syncs = new Counter({
      name: "linky_syncs_total",
      help: "Account syncs run by this process, by outcome (ok, partial, failed, expired)",
      labelNames: ["outcome"],
      registers,
    });
    this.syncDuration = new Histogram({
      name: "linky_sync_duration_seconds",
      help: "Duration of the account syncs run by this process, in seconds",
      labelNames: ["outcome"],
      buckets: [0.5, 1, 5, 15, 60, 300, 1800],
      registers,
    });
    this.calls = new Counter({
      name: "linky_enedis_calls_total",
      help: "Calls to Enedis made by this process, by API, endpoint and HTTP status (none: no answer)",
      labelNames: ["api", "endpoint", "status"],
      registers,
    });
    this.callDuration = new Histogram({
      name: "linky_enedis_call_duration_seconds",
      help: "Duration of the calls to Enedis made by this process, in seconds",
      labelNames: ["api"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.quotaWaits = new Counter({
      name: "linky_quota_waits_total",
      help: "Times this process waited for an Enedis quota slot, by API",
      labelNames: ["api"],
      registers,
    });
    this.quotaWaitSeconds = new Counter({
      name: "linky_quota_wait_seconds_total",
      help: "Seconds this process waited for Enedis quota slots, by API",
      labelNames: ["api"],
      registers,
    });

    // The database gauges read one snapshot per scrape (they are collected concurrently), and `/stats`
    // the same one: at most one computation per SNAPSHOT_CACHE_MS.
    const snapshot = snapshotCache(() => computeSnapshot(store, config, now()), config.server.statsCacheMs);
    this.snapshot = snapshot;
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge, s: Snapshot) => void,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          fill(this, s);
        },
      });
    };
    gauge("linky_accounts", "DataConnect accounts, by consent state (database)", ["state"], (g, s) => {
      g.set({ state: "active" }, s.stats.accounts - s.stats.expiredAccounts);
      g.set({ state: "expired" }, s.stats.expiredAccounts);
    });
    gauge(
      "linky_accounts_synced_24h",
      "DataConnect accounts with a successful sync in the last 24 hours (database)",
      [],
      (g, s) => g.set(s.stats.syncedLast24h),
    );
    gauge(
      "linky_accounts_by_state",
      "DataConnect accounts by sync state: fresh, behind, expired, failing, new (database)",
      ["state"],
      (g, s) => {
        for (const [state, n] of Object.entries(s.stats.states)) g.set({ state }, n);
      },
    );
    gauge(
      "linky_accounts_last_sync",
      "DataConnect accounts by the outcome of their last sync (database; none: never synced)",
      ["outcome"],
      (g, s) => {
        for (const [outcome, n] of Object.entries(s.stats.lastSync)) g.set({ outcome }, n);
      },
    );
    gauge(
      "linky_account_last_success_age_seconds",
      "Seconds since the last successful sync of each account that had one, by account id (database)",
      ["account"],
      (g, s) => {
        for (const a of s.lastSuccessAge) g.set({ account: String(a.accountId) }, Math.round(a.seconds));
      },
    );
    gauge("linky_users", "Local users (database)", [], (g, s) => g.set(s.stats.users));
    gauge(
      "linky_enedis_quota_calls",
      "Calls to Enedis counted by the shared quota since it was created, by API, every process (database)",
      ["api"],
      (g, s) => {
        for (const q of s.quota) g.set({ api: q.api }, q.calls);
      },
    );
    gauge(
      "linky_enedis_quota_refused",
      "Enedis quota refusals (429) recorded, by API, every process (database)",
      ["api"],
      (g, s) => {
        for (const q of s.quota) g.set({ api: q.api }, q.refused);
      },
    );
    gauge(
      "linky_scheduler_stride_days",
      "Days between two syncs of a meter under the quota plan (1: daily) (database)",
      [],
      (g, s) => g.set(s.stats.plan.strideDays),
    );
    gauge(
      "linky_scheduler_backlog_calls",
      "Measure calls still needed for history and meters behind (database)",
      [],
      (g, s) => g.set(s.stats.plan.backlogCalls),
    );
    gauge(
      "linky_scheduler_catch_up_seconds",
      "Estimated time to catch up at the current quota, in seconds (0: nothing to catch up, +Inf: never) (database)",
      [],
      (g, s) =>
        g.set(s.stats.plan.catchUpNever ? Number.POSITIVE_INFINITY : (s.stats.plan.catchUpMs ?? 0) / 1000),
    );
    gauge(
      "linky_enedis_quota_calls_last_hour",
      "Calls to Enedis in the last hour, by API, every process (database)",
      ["api"],
      (g, s) => {
        for (const q of s.quota) g.set({ api: q.api }, q.lastHour);
      },
    );
    gauge(
      "linky_enedis_quota_paused_seconds",
      "Seconds left before an API paused by a 429 takes calls again (database)",
      ["api"],
      (g, s) => {
        for (const q of s.quota) g.set({ api: q.api }, Math.round(q.pausedSeconds));
      },
    );
    gauge(
      "linky_enedis_quota_pause_info",
      "1 for each API paused now, with the quota that paused it (per_second, hourly, other) (database)",
      ["api", "quota"],
      (g, s) => {
        for (const q of s.quota) if (q.pausedSeconds > 0) g.set({ api: q.api, quota: q.pausedBy }, 1);
      },
    );
    const budgetLabels = ["gateway", "window", "scope", "calls"];
    const budgetKey = (b: GatewayBudgetUse) => ({
      gateway: b.gateway,
      window: b.window,
      scope: b.scope,
      calls: b.calls,
    });
    gauge(
      "linky_gateway_calls",
      "Calls made to each community gateway in each budget window; scope account is the busiest account (database)",
      budgetLabels,
      (g, s) => {
        for (const b of s.gateways.budgets) g.set(budgetKey(b), b.used);
      },
    );
    gauge(
      "linky_gateway_budget",
      "The call budget of each community gateway in each window (database and the gateway's rules)",
      budgetLabels,
      (g, s) => {
        for (const b of s.gateways.budgets) g.set(budgetKey(b), b.limit);
      },
    );
    gauge(
      "linky_gateway_banned",
      "1 while a community gateway bans this address (Cloudflare page): no call is made to it (database)",
      ["gateway"],
      (g, s) => {
        for (const x of s.gateways.state) g.set({ gateway: x.gateway }, x.banned ? 1 : 0);
      },
    );
    gauge(
      "linky_gateway_throttled",
      "1 while a community gateway asks to wait (429 900804 nextAccessTime) (database)",
      ["gateway"],
      (g, s) => {
        for (const x of s.gateways.state) g.set({ gateway: x.gateway }, x.throttled ? 1 : 0);
      },
    );
    gauge(
      "linky_gateway_accounts",
      "Accounts read through each community gateway (database)",
      ["gateway"],
      (g, s) => {
        for (const x of s.gateways.state) g.set({ gateway: x.gateway }, x.accounts);
      },
    );
    gauge(
      "linky_gateway_tokens_refused",
      "Accounts whose gateway token was refused (401: expired, or not covering the meter) (database)",
      ["gateway"],
      (g, s) => {
        for (const x of s.gateways.state) g.set({ gateway: x.gateway }, x.refused);
      },
    );
    gauge(
      "linky_completeness_days",
      "Days recorded in the completeness ledger, by dataset and status: complete, partial, missing, gap, pending (database)",
      ["dataset", "status"],
      (g, s) => {
        for (const c of s.completeness) g.set({ dataset: c.dataset, status: c.status }, c.days);
      },
    );
  }

  /** Counts requests; listens to this process's syncs, Enedis calls and quota waits until the app closes. */
  register(app: FastifyInstance): void {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    const off: Array<() => void> = [];
    const { events, client, limiter } = this.ctx;
    off.push(
      events.on("sync.finished", ({ outcome }) => {
        this.syncs.inc({ outcome: outcome.outcome });
        if (outcome.finished_at_ms !== null) {
          this.syncDuration.observe(
            { outcome: outcome.outcome },
            Math.max(0, outcome.finished_at_ms - outcome.started_at_ms) / 1000,
          );
        }
      }),
    );
    off.push(client.observeCalls((e: CallEvent) => this.onCall(e)));
    off.push(
      limiter.observeWaits((api, waitMs) => {
        this.quotaWaits.inc({ api });
        this.quotaWaitSeconds.inc({ api }, waitMs / 1000);
      }),
    );
    app.addHook("onClose", async () => {
      for (const f of off) f();
    });
  }

  onCall(e: CallEvent): void {
    this.calls.inc({
      api: e.api,
      endpoint: endpointLabel(e.path),
      status: e.status === null ? "none" : String(e.status),
    });
    this.callDuration.observe({ api: e.api }, e.durationMs / 1000);
  }
}
