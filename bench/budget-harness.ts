/**
 * The budget-planning harness (issue 4, acceptance 6), shared by `bench/budget.bench.ts` (20,000 meters,
 * 1,000 calls/h, 21 days) and `test/integration/budget-plan.test.ts` (a smaller scale where the quota
 * still binds). It runs the real decision code end to end on a compressed clock:
 * - a real SQLite store (a file in a temporary directory) holding the DataConnect accounts;
 * - the real `Scheduler` (dispatch → page jobs → stride admission → account jobs) on a `MemoryQueue`
 *   (concurrency 1: the controlled clock has one thread of time);
 * - the real `SharedQuotaLimiter` (every measure call's slot reserved in the database) on the controlled
 *   clock, with a sleep that advances it;
 * - at the Enedis edge, one of two (option `edge`):
 *   - `real`: the real sync (`syncOneAccount`: planner, windows, readings, ledger, watermarks) through the
 *     real `DataConnectClient`, whose `fetch` is the simulator's own handler (fastify `inject`, no socket)
 *     with the simulator's quota set to ours (a call over the quota would be a 429); ~10 ms a call;
 *   - `fast` (default): the scheduler's `syncAccount` is `fastSync` below: the real planner's windows, one
 *     real quota slot per window, watermarks moved as a successful sync moves them, no readings.
 *   Both give the same calls and freshness (the bench checks it on a small operator).
 * The hourly quota-slot pruning of the on-the-hour dispatches is kept (an event every hour).
 *
 * The daily cron fires at 09:00 Paris (after the 08:00 publication). The dispatcher is called at each cron
 * fire time, covering (previous fire, fire]: the dispatches of the minutes in between would find no
 * account whose cron fires (a daily cron), so they are skipped to keep 20,000 meters × 21 days fast.
 * Every meter's freshness (`freshnessLagDays`, what `status` shows) is checked on every meter at each
 * sample instant (just after each 08:00 publication, and every 6 h), and every measure call is counted in
 * its clock hour. The operator status (`operatorStatus`) is taken after each publication and at the end.
 */
import { DateTime } from "luxon";
import { loadConfig } from "../src/config/load.js";
import type { Config } from "../src/config/schema.js";
import { addDays, daysBetween, PARIS, type LocalDate } from "../src/domain/time.js";
import type { DatasetKey } from "../src/domain/types.js";
import { DataConnectClient } from "../src/enedis/client.js";
import { datasetSpec, MEASURES_API_2026 } from "../src/enedis/datasets/index.js";
import { sql } from "kysely";
import {
  boundOf,
  freshnessGroupOf,
  planBudget,
  FRESHNESS_GROUPS,
  type FreshnessGroup,
  type FreshnessPolicy,
} from "../src/scheduler/budget.js";
import { MemoryQueue } from "../src/scheduler/queue/memory.js";
import { SharedQuotaLimiter } from "../src/scheduler/quota-shared.js";
import { backfillBacklog, datasetLags, parisDayNumber, Scheduler } from "../src/scheduler/scheduler.js";
import {
  formatDuration,
  operatorStatus,
  statusSummary,
  type OperatorStatus,
} from "../src/scheduler/status.js";
import { resolveOptions } from "../src/simulator/options.js";
import { createContext } from "../src/simulator/context.js";
import { buildApp } from "../src/simulator/server.js";
import { profileOf } from "../src/simulator/index.js";
import { openStore, type Store } from "../src/store/index.js";
import type { Account, AccountConfigPatch, SyncOutcome } from "../src/store/repositories/accounts.js";
import type { SyncSettings } from "../src/sync/account-sync.js";
import { planDataset, publishedUntil } from "../src/sync/planner.js";
import type { AccountRunResult, SyncRunDeps } from "../src/sync/service.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;
export const MEASURE_PATH = "/mesure_synchrone_auto/";

export interface BudgetRunOptions {
  meters: number;
  /** Measure quota per hour (the simulator enforces the same). */
  perHour: number;
  perSecond?: number;
  /** Simulated days after day 0. */
  days: number;
  /** Freshness samples every this many ms of simulated time (default 1 h). */
  sampleEveryMs?: number;
  /** Sender cron (Quartz, Paris time); default every day at 09:00. */
  cron?: string;
  /**
   * The Enedis edge. `real`: the real sync (`syncOneAccount`) through the real client, answered by the
   * simulator's handler in process (~10 ms per measure call: readings parsed, stored, ledgered). `fast`:
   * the scheduler's sync step is a stand-in that plans each dataset's windows with the real planner, takes
   * one real quota slot per window, counts the call and moves the watermarks as a successful sync does
   * (no readings). Default `fast`.
   */
  edge?: "real" | "fast";
  /**
   * Share of the meters that start with a month of history still to fetch (backfill, from what the fresh
   * syncs leave): the backlog whose catch-up estimate is checked against when it was actually done.
   * Default 0.
   */
  backlogShare?: number;
  /** Progress lines (the bench prints them). */
  progress?: (line: string) => void;
}

export interface BudgetRunResult {
  meters: number;
  days: number;
  perHour: number;
  measureCalls: number;
  callsPerMeterDay: number;
  /** Worst freshness over every meter and every sample, in days (`freshnessLagDays`: every dataset). */
  worstFreshnessDays: number;
  /** The same per freshness group (load curve, daily energy, max power), against their bounds. */
  worstByGroup: Record<FreshnessGroup, number>;
  bounds: FreshnessPolicy;
  /** Samples taken (each checked every meter). */
  samples: number;
  /** Meters never seen fresh enough: freshness above `limitDays` at some sample, with when. */
  violations: Array<{ atMs: number; accountId: number; lagDays: number | null }>;
  /** Measure calls in the busiest clock hour. */
  busiestHourCalls: number;
  busiestHourStartMs: number;
  /** Answers 429 from the simulator (its quota equals ours: must be 0). */
  refused: number;
  /** Sync outcomes other than ok (failed, etc.) seen in the last sync of each account at the end. */
  failedAccounts: number;
  /** The operator status at the end. */
  status: OperatorStatus;
  /** The operator status just after each day's publication (08:00 Paris), when most meters are behind. */
  daily: Array<{
    atMs: number;
    fresh: number;
    behind: number;
    backlogCalls: number;
    catchUpMs: number | null;
    strideDays: number;
  }>;
  /** The status taken at t0, before the first dispatch (the backlog of `backlogShare` meters). */
  initial: BudgetRunResult["daily"][number];
  /** When the last history window was fetched (the backlog of t0 done), null if never done. */
  caughtUpAtMs: number | null;
  /** History windows fetched in the run. */
  backfillCalls: number;
  t0Ms: number;
  endMs: number;
  wallMs: { setup: number; run: number };
}

/** Consumer meters with a load curve (3 measure datasets), 60-min curve steps, deterministic. */
export function consumerPrms(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const prm = `2${String(100_003 + i * 7919).padStart(11, "0")}60`;
    const p = profileOf(prm);
    if (p.consumption && !p.production && p.loadCurve) out.push(prm);
  }
  return out;
}

const KEYS = ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"] as const;

/** 09:00 Paris on day 0 (a Monday in December: no DST change in the run), the first fire time. */
export function dayZero(): number {
  return DateTime.fromISO("2026-12-07T09:00:00", { zone: PARIS }).toMillis();
}

function parisDay(ms: number): string {
  return DateTime.fromMillis(ms, { zone: PARIS }).toISODate()!;
}

/**
 * The narrow stand-in for `syncOneAccount` (edge `fast`): what a successful fresh sync does to the
 * account and to the quota, without readings. Each dataset's windows come from the real planner with the
 * client's per-call limits (7 days of load curve, more for daily data); each window takes a real slot
 * of the shared quota (`acquire`, which sleeps the compressed clock) and is one measure call; the
 * dataset's watermark then moves to the window's end, and the outcome is recorded as the real sync does.
 */
export function fastSync(
  client: DataConnectClient,
  limiter: SharedQuotaLimiter,
  onMeasureCall: (purpose: "fresh" | "repair" | "backfill") => void,
): (deps: SyncRunDeps, account: Account, settings: Partial<SyncSettings>) => Promise<AccountRunResult> {
  return async (deps, account, settings) => {
    const started = deps.now();
    let calls = 0;
    let left = settings.maxWindows ?? Number.POSITIVE_INFINITY;
    const datasets: SyncOutcome["datasets"] = {};
    // The watermarks move as each window's commit moves them; written once at the end here (one account
    // is synced by one job at a time, and nothing reads them meanwhile).
    const nextDatasets = { ...account.config.datasets };
    for (const key of (account.config.dataset_keys ?? []) as DatasetKey[]) {
      const st = account.config.datasets?.[key] ?? {};
      if (st.not_applicable) continue;
      if (settings.onlyDatasets && !settings.onlyDatasets.includes(key)) {
        datasets[key] = { outcome: "ok", windows: 0, retries: 0, points: 0, message: null };
        continue;
      }
      const spec = datasetSpec(key);
      const months = spec.kind === "curve" ? settings.backfillMonths?.curve : settings.backfillMonths?.daily;
      const plan = planDataset(
        spec,
        {
          nextDay: st.fetched_until ?? null,
          oldestDay: st.backfill_oldest ?? null,
          repairDays: [],
          activationDay: st.data_floor ?? null,
        },
        deps.now(),
        {
          ...(months === undefined ? {} : { backfillMonths: months }),
          dailyWindowDays: client.maxDaysPerCall(key),
          skipBackfill: settings.freshOnly === true,
        },
      );
      let windows = 0;
      const next = { ...st };
      for (const w of plan) {
        if (left <= 0) break;
        left--;
        await limiter.acquire(MEASURES_API_2026);
        onMeasureCall(w.purpose);
        calls++;
        windows++;
        if (w.purpose === "backfill") next.backfill_oldest = w.from;
        else if (!next.fetched_until || w.to > next.fetched_until) next.fetched_until = w.to;
        next.last_success_ms = deps.now();
      }
      nextDatasets[key] = next;
      datasets[key] = { outcome: "ok", windows, retries: 0, points: 0, message: null };
    }
    const outcome: SyncOutcome = {
      started_at_ms: started,
      finished_at_ms: deps.now(),
      outcome: "ok",
      message: null,
      calls,
      retries: 0,
      datasets,
    };
    const config = await deps.store.accounts.updateConfig(account.id, {
      datasets: nextDatasets,
      last_sync: outcome,
      last_success_ms: outcome.finished_at_ms,
      failures: 0,
    });
    return { account: { ...account, config }, outcome };
  };
}

const GROUP_KEY: Record<FreshnessGroup, (typeof KEYS)[number]> = {
  curve: "consumption_load_curve",
  daily: "daily_consumption",
  maxPower: "daily_consumption_max_power",
};

/**
 * Every meter's freshness at one instant, per freshness group, in two aggregate queries over every
 * account (SQLite's JSON functions on the stored configs, no account loaded): the oldest `fetched_until`
 * per group (the worst lag) and the number of accounts past a group's bound (or never fetched); then, only
 * if there are some, the first 20 of them.
 */
async function freshnessAt(
  store: Store,
  nowMs: number,
  policy: FreshnessPolicy,
): Promise<{
  worst: Record<FreshnessGroup, number | null>;
  missing: number;
  beyond: Array<{ accountId: number; lagDays: number | null }>;
}> {
  const until = publishedUntil(nowMs);
  const db = store.database.db;
  const col = (g: FreshnessGroup) => `'$.datasets.${GROUP_KEY[g]}.fetched_until'`;
  const inner = sql.raw(
    `SELECT id, ${FRESHNESS_GROUPS.map((g) => `json_extract(config, ${col(g)}) AS ${g}`).join(", ")} FROM notification_account`,
  );
  const limits = FRESHNESS_GROUPS.map(
    (g) => `${g} IS NULL OR ${g} < '${addDays(until, -boundOf(policy, g))}'`,
  ).join(" OR ");
  const agg = await sql<Record<string, string | number | null>>`
    SELECT ${sql.raw(FRESHNESS_GROUPS.map((g) => `MIN(${g}) AS min_${g}, SUM(${g} IS NULL) AS null_${g}`).join(", "))},
      SUM(${sql.raw(limits)}) AS beyond
    FROM (${inner})`.execute(db);
  const row = agg.rows[0] ?? {};
  const worst = {} as Record<FreshnessGroup, number | null>;
  let missing = 0;
  for (const g of FRESHNESS_GROUPS) {
    const min = row[`min_${g}`];
    worst[g] = typeof min === "string" ? Math.max(0, daysBetween(min as LocalDate, until)) : null;
    missing += Number(row[`null_${g}`] ?? 0);
  }
  // Which meters, only when there are some.
  const bad =
    Number(row.beyond ?? 0) === 0
      ? { rows: [] }
      : await sql<Record<string, string | number | null>>`
    SELECT * FROM (${inner}) WHERE ${sql.raw(limits)} ORDER BY id LIMIT 20`.execute(db);
  const beyond = bad.rows.map((r) => {
    let lag: number | null = 0;
    for (const g of FRESHNESS_GROUPS) {
      const v = r[g];
      if (typeof v !== "string") lag = null;
      else if (lag !== null) lag = Math.max(lag, daysBetween(v as LocalDate, until));
    }
    return { accountId: Number(r.id), lagDays: lag };
  });
  return { worst, missing, beyond };
}

export async function runBudgetPlan(opts: BudgetRunOptions): Promise<BudgetRunResult> {
  const wallStart = Date.now();
  const say = opts.progress ?? (() => {});
  const t0 = dayZero();
  let now = t0;
  const clock = () => now;
  let store: Store | undefined;
  try {
    // In memory: the benchmark measures the plan, not the disk (the quota slots and configs are written
    // as in production, through the same repositories, in SQLite).
    store = await openStore({ url: "sqlite::memory:", dataDir: "/nonexistent-budget-bench", now: clock });
    const config: Config = loadConfig({
      env: {
        ENEDIS_QUOTA_PER_HOUR: String(opts.perHour),
        ENEDIS_QUOTA_PER_SECOND: String(opts.perSecond ?? 5),
      },
    });

    // The simulator's handler, without a socket: `fetch` is answered by fastify's inject.
    const sim = createContext(
      resolveOptions({
        now: clock,
        openConsent: true,
        quotaPerSecond: opts.perSecond ?? 5,
        quotaPerHour: opts.perHour,
      }),
    );
    const app = buildApp(sim, () => "http://simulator.invalid");
    await app.ready();
    const callsByHour = new Map<number, number>();
    let measureCalls = 0;
    let refused = 0;
    let backfillCalls = 0;
    let historyLeft = 0;
    let caughtUpAtMs: number | null = null;
    const countCall = (purpose: "fresh" | "repair" | "backfill" = "fresh") => {
      const h = Math.floor(now / HOUR);
      callsByHour.set(h, (callsByHour.get(h) ?? 0) + 1);
      measureCalls++;
      if (purpose === "backfill") {
        backfillCalls++;
        if (--historyLeft === 0) caughtUpAtMs = now;
      }
    };
    const fakeFetch: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
      const res = await app.inject({
        method: (init?.method ?? "GET") as "GET" | "POST",
        url: url.pathname + url.search,
        headers,
        ...(typeof init?.body === "string" ? { payload: init.body } : {}),
      });
      if (url.pathname.startsWith(MEASURE_PATH)) countCall();
      if (res.statusCode === 429) refused++;
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") out.set(k, v);
      return new Response(res.body, { status: res.statusCode, headers: out });
    };

    // Compressed clock: the limiter's sleep is the passing of time, during which fire times and samples
    // due meanwhile happen (the queue runs one job at a time, so time has one thread).
    const events: Array<{ at: number; run: () => Promise<void> }> = [];
    // Sorted once, before the run (`events[0]` is the next one); nothing is added during the run.
    const advanceTo = async (t: number): Promise<void> => {
      for (;;) {
        const e = events[0];
        if (!e || e.at > t) break;
        events.shift();
        now = Math.max(now, e.at);
        await e.run();
      }
      now = Math.max(now, t);
    };
    const sleep = (ms: number) => advanceTo(now + ms);
    const limiter = new SharedQuotaLimiter(store, {
      perSecond: config.enedis.quota.perSecond,
      perHour: config.enedis.quota.perHour,
      now: clock,
      sleep,
    });
    const client = new DataConnectClient({
      apiUrl: "http://simulator.invalid",
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
      limiter,
      fetch: fakeFetch,
      tokenStore: store.secrets.tokenStore(),
    });

    // The accounts in steady state at day 0, 09:00: fresh (freshness 0), history done.
    const userId = (await store.users.create({ username: "operator", passwordHash: "x" })).id;
    const senderId = (
      await store.senders.create({
        libelle: config.enedis.appName,
        implClass: "dataconnect",
        cron: opts.cron ?? "0 0 9 * * ?",
      })
    ).id;
    const prms = consumerPrms(opts.meters);
    // Fetched up to D-1 (published at 08:00): `fetched_until` is the first day not fetched, day 0 itself.
    // The steady state of the plan at day 0: each dataset last fetched on its latest phase day (its stride's
    // share of the meters is due every day, `dueDatasets`), so that day 0 is like any other day.
    // History goes back to the data floor, 30 days before day 0 (the backfill depth below reaches it):
    // done for most meters; a `backlogShare` of them (spread over the ids) still has all of it to fetch.
    const { strides } = planBudget({
      accounts: opts.meters,
      datasetsPerAccount: 3,
      perHour: opts.perHour,
      freshness: config.enedis.freshness,
    });
    const today = parisDay(t0) as LocalDate;
    const day0 = parisDayNumber(t0);
    const floor = parisDay(t0 - 30 * DAY);
    const patch = (id: number, backlog: boolean): Omit<AccountConfigPatch, "usage_point_id"> => ({
      expired: false,
      dataset_keys: [...KEYS],
      subscribed_services_at_ms: t0 - DAY,
      contract_checked_at_ms: t0 - DAY,
      datasets: Object.fromEntries(
        KEYS.map((k) => {
          const s = strides[freshnessGroupOf(k)];
          // Days since its phase day (0: today is one, and it was fetched a stride ago).
          const since = (id + day0) % s;
          const fetched = addDays(today, -(s > 1 && since === 0 ? s : since));
          return [
            k,
            { fetched_until: fetched, backfill_oldest: backlog ? fetched : floor, data_floor: floor },
          ];
        }),
      ),
    });
    const syncSettings: Partial<SyncSettings> = { backfillMonths: { curve: 3, daily: 3 } };
    const every = opts.backlogShare ? Math.max(1, Math.round(1 / opts.backlogShare)) : 0;
    const type = await store.devices.linkyType();
    // Rows written 500 at a time (multi-row INSERTs, one transaction per 5,000): the repositories' one
    // statement per row made the setup of 50,000 accounts a minute. Every config is read back through the
    // accounts repository (its schema) by the first sample's status and by the checks at the end.
    const setupNow = now;
    for (let i = 0; i < prms.length; i += 5000) {
      const chunk = prms.slice(i, i + 5000);
      await store.database.db.transaction().execute(async (tx) => {
        for (let k = 0; k < chunk.length; k += 500) {
          const part = chunk.slice(k, k + 500).map((prm, j) => ({ prm, id: i + k + j + 1 }));
          await tx
            .insertInto("device")
            .values(
              part.map(({ prm }) => ({
                user_id: userId,
                device_type_id: type.id,
                mac: prm,
                label: "Linky",
                unite: "W",
                metadata: "{}",
                value: null,
                date_value_ms: null,
                created_at_ms: setupNow,
              })),
            )
            .execute();
          const rows = part.map(({ prm, id }) => {
            const backlog = every > 0 && (id - 1) % every === 0;
            const config = { usage_point_id: prm, ...patch(id, backlog) } as Account["config"];
            if (backlog)
              historyLeft += backfillBacklog(
                {
                  id,
                  senderId,
                  userId,
                  usagePointId: prm,
                  config,
                  createdAtMs: setupNow,
                  updatedAtMs: setupNow,
                },
                t0,
                syncSettings,
                { dailyWindowDays: 365 },
              );
            return {
              // A new database numbers the accounts from 1: the phase needs the id before the insert.
              id,
              sender_id: senderId,
              user_id: userId,
              usage_point_id: prm,
              config: JSON.stringify(config),
              created_at_ms: setupNow,
              updated_at_ms: setupNow,
            };
          });
          await tx.insertInto("notification_account").values(rows).execute();
        }
      });
    }
    const check = await store.accounts.findById(prms.length);
    if (check?.usagePointId !== prms[prms.length - 1])
      throw new Error("the accounts were not set up as planned");
    const setupMs = Date.now() - wallStart;
    say(`setup: ${prms.length} accounts in ${(setupMs / 1000).toFixed(1)} s`);

    const queue = new MemoryQueue({ concurrency: 1, now: clock, log: say });
    const logs: string[] = [];
    const scheduler = new Scheduler({
      store,
      client,
      queue,
      config,
      now: clock,
      log: (m) => {
        if (!m.includes(" sync for ")) logs.push(m);
      },
      // History to the data floor (done but for the `backlogShare` meters).
      syncSettings,
      quotaLoad: () => limiter.load(MEASURES_API_2026),
      sleep,
      ...((opts.edge ?? "fast") === "fast" ? { syncAccount: fastSync(client, limiter, countCall) } : {}),
    });
    await queue.start((job) => scheduler.handle(job));

    const endMs = t0 + opts.days * DAY;
    // Dispatches: every cron fire time (09:00 Paris each day), covering the time since the previous one.
    let lastFire = t0 - DAY;
    for (let d = 0; d < opts.days; d++) {
      const fire = DateTime.fromMillis(t0, { zone: PARIS }).plus({ days: d }).toMillis();
      events.push({
        at: fire,
        run: async () => {
          const since = lastFire;
          lastFire = fire;
          await scheduler.dispatch(fire, since);
        },
      });
    }
    // What the on-the-hour dispatches would also do (they are skipped: no daily cron fires in them): forget
    // the quota slots older than an hour.
    for (let t = t0 + HOUR; t <= endMs; t += HOUR)
      events.push({ at: t, run: () => store!.scheduler.pruneQuotaCalls(t) });
    // Samples: every meter's freshness. A meter's freshness only worsens at the publication (08:00 Paris,
    // when D-1 becomes due) and improves when it is synced: a sample just after each publication sees every
    // meter's worst of the day; more samples every `sampleEveryMs` besides.
    let runStart = Date.now();
    let worst = 0;
    const worstByGroup: Record<FreshnessGroup, number> = { curve: 0, daily: 0, maxPower: 0 };
    const policy = config.enedis.freshness;
    let samples = 0;
    const daily: BudgetRunResult["daily"] = [];
    const violations: BudgetRunResult["violations"] = [];
    const statusNow = async (): Promise<BudgetRunResult["daily"][number]> => {
      // The aggregate form (`/stats`'s): checked against the per-account one at the end.
      const st = await statusSummary(store!, config, now);
      return {
        atMs: now,
        fresh: st.states.fresh,
        behind: st.states.behind,
        backlogCalls: st.backlogCalls,
        catchUpMs: st.catchUpMs,
        strideDays: st.budget.strideDays,
      };
    };
    const initial = await statusNow();
    say(
      `day 0: status ${initial.fresh} fresh, backlog ${initial.backlogCalls} calls (${historyLeft} of history), catch-up ${formatDuration(initial.catchUpMs)}`,
    );
    const sample = async (): Promise<void> => {
      samples++;
      if (DateTime.fromMillis(now, { zone: PARIS }).hour === 8) {
        const st = await statusNow();
        daily.push(st);
        say(
          `day ${Math.round((now - t0) / DAY)}: status ${st.fresh} fresh, ${st.behind} behind, backlog ${st.backlogCalls} calls, catch-up ${formatDuration(st.catchUpMs)}`,
        );
      }
      if (DateTime.fromMillis(now, { zone: PARIS }).hour === 8)
        say(
          `day ${Math.round((now - t0) / DAY)}: ${measureCalls} measure calls, worst freshness so far ${worst} days, ${queue.size().waiting} jobs waiting, ${((Date.now() - runStart) / 1000).toFixed(0)} s`,
        );
      // Every meter, in two aggregate queries: each group's worst lag, and the meters past a bound.
      const f = await freshnessAt(store!, now, policy);
      for (const b of f.beyond)
        if (violations.length < 20)
          violations.push({ atMs: now, accountId: b.accountId, lagDays: b.lagDays });
      for (const g of FRESHNESS_GROUPS) {
        const w = f.worst[g];
        if (w !== null) {
          worstByGroup[g] = Math.max(worstByGroup[g], w);
          worst = Math.max(worst, w);
        }
      }
    };
    const sampleEvery = opts.sampleEveryMs ?? 6 * HOUR;
    const instants = new Set<number>();
    for (let t = t0 + sampleEvery; t <= endMs; t += sampleEvery) instants.add(t);
    for (let d = 1; d <= opts.days; d++)
      instants.add(DateTime.fromMillis(t0, { zone: PARIS }).plus({ days: d }).set({ hour: 8 }).toMillis());
    for (const t of instants) if (t <= endMs) events.push({ at: t, run: sample });

    events.sort((a, b) => a.at - b.at);
    runStart = Date.now();
    // The run: jobs execute as the queue pumps; when nothing is runnable, time jumps to the next event or
    // delayed job.
    for (;;) {
      // With one job at a time the queue starts the next runnable job as soon as one ends: idle = none running.
      while (queue.size().running > 0) await new Promise((r) => setImmediate(r));
      const delayed = queue.nextDelayedAtMs() ?? Infinity;
      const nextEvent = events[0]?.at ?? Infinity;
      const next = Math.min(nextEvent, delayed > now ? delayed : Infinity);
      if (!Number.isFinite(next) || next > endMs) break;
      await advanceTo(next);
      (queue as unknown as { pump(): void })["pump"]();
    }
    await advanceTo(endMs);
    await queue.stop();
    await app.close();

    let busiest = 0;
    let busiestAt = t0;
    for (const [h, n] of callsByHour)
      if (n > busiest) {
        busiest = n;
        busiestAt = h * HOUR;
      }
    // The aggregate queries above against the scheduler's own lags (`datasetLags`), every meter, at the end.
    const final = await store.accounts.list({ limit: 1_000_000 });
    const byQuery = await freshnessAt(store, now, policy);
    const byCode: Record<FreshnessGroup, number> = { curve: 0, daily: 0, maxPower: 0 };
    let beyondByCode = 0;
    for (const a of final) {
      let beyond = false;
      for (const { key, lag } of datasetLags(a, now)) {
        const g = FRESHNESS_GROUPS.find((x) => GROUP_KEY[x] === key)!;
        if (lag === null || lag > boundOf(policy, g)) beyond = true;
        if (lag !== null) byCode[g] = Math.max(byCode[g], lag);
      }
      if (beyond) beyondByCode++;
    }
    for (const g of FRESHNESS_GROUPS)
      if (byQuery.worst[g] !== byCode[g])
        throw new Error(`worst ${g} lag: ${byQuery.worst[g]} by the query, ${byCode[g]} by datasetLags`);
    if (Math.min(20, beyondByCode) !== byQuery.beyond.length)
      throw new Error(
        `${byQuery.beyond.length} meters past a bound by the query, ${beyondByCode} by datasetLags`,
      );
    const status = await operatorStatus(store, config, now);
    const summary = await statusSummary(store, config, now);
    const same = (x: OperatorStatus) => JSON.stringify([x.states, x.budget, x.backlogCalls, x.catchUpMs]);
    if (same(status) !== same(summary))
      throw new Error(
        `the aggregate status ${same(summary)} differs from the per-account one ${same(status)}`,
      );
    const failedAccounts = status.states.failing;
    for (const l of logs.slice(0, 5)) say(`log: ${l}`);
    return {
      meters: opts.meters,
      days: opts.days,
      perHour: opts.perHour,
      measureCalls,
      callsPerMeterDay: measureCalls / (opts.meters * opts.days),
      worstFreshnessDays: worst,
      worstByGroup,
      bounds: { ...policy },
      samples,
      violations,
      busiestHourCalls: busiest,
      busiestHourStartMs: busiestAt,
      refused,
      failedAccounts,
      status,
      daily,
      initial,
      caughtUpAtMs: historyLeft > 0 ? null : caughtUpAtMs,
      backfillCalls,
      t0Ms: t0,
      endMs,
      wallMs: { setup: setupMs, run: Date.now() - runStart },
    };
  } finally {
    await store?.close();
  }
}
