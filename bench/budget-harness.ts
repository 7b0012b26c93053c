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
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateTime } from "luxon";
import { loadConfig } from "../src/config/load.js";
import type { Config } from "../src/config/schema.js";
import { daysBetween, PARIS, type LocalDate } from "../src/domain/time.js";
import type { DatasetKey } from "../src/domain/types.js";
import { DataConnectClient } from "../src/enedis/client.js";
import { datasetSpec, MEASURES_API_2026 } from "../src/enedis/datasets/index.js";
import { MemoryQueue } from "../src/scheduler/queue/memory.js";
import { SharedQuotaLimiter } from "../src/scheduler/quota-shared.js";
import { freshnessLagDays, Scheduler } from "../src/scheduler/scheduler.js";
import { formatDuration, operatorStatus, type OperatorStatus } from "../src/scheduler/status.js";
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
  /** Progress lines (the bench prints them). */
  progress?: (line: string) => void;
}

export interface BudgetRunResult {
  meters: number;
  days: number;
  perHour: number;
  measureCalls: number;
  callsPerMeterDay: number;
  /** Worst freshness over every meter and every sample, in days (`freshnessLagDays`). */
  worstFreshnessDays: number;
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
  onMeasureCall: () => void,
): (deps: SyncRunDeps, account: Account, settings: Partial<SyncSettings>) => Promise<AccountRunResult> {
  return async (deps, account, settings) => {
    const started = deps.now();
    let calls = 0;
    const datasets: SyncOutcome["datasets"] = {};
    // The watermarks move as each window's commit moves them; written once at the end here (one account
    // is synced by one job at a time, and nothing reads them meanwhile).
    const nextDatasets = { ...account.config.datasets };
    for (const key of (account.config.dataset_keys ?? []) as DatasetKey[]) {
      const st = account.config.datasets?.[key] ?? {};
      if (st.not_applicable) continue;
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
        await limiter.acquire(MEASURES_API_2026);
        onMeasureCall();
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

/** `freshnessLagDays` for many accounts at one instant: the published end computed once. */
function lagsAt(accounts: Account[], nowMs: number): Array<number | null> {
  const until = publishedUntil(nowMs);
  const memo = new Map<string, number>();
  return accounts.map((a) => {
    let worst: number | null = null;
    for (const key of (a.config.dataset_keys ?? []) as DatasetKey[]) {
      const st = a.config.datasets?.[key];
      if (st?.not_applicable) continue;
      if (!st?.fetched_until) return null;
      const from = st.fetched_until as LocalDate;
      let lag = memo.get(from);
      if (lag === undefined) memo.set(from, (lag = Math.max(0, daysBetween(from, until))));
      worst = worst === null ? lag : Math.max(worst, lag);
    }
    return worst;
  });
}

export async function runBudgetPlan(opts: BudgetRunOptions): Promise<BudgetRunResult> {
  const wallStart = Date.now();
  const say = opts.progress ?? (() => {});
  const t0 = dayZero();
  let now = t0;
  const clock = () => now;
  const dir = await mkdtemp(join(tmpdir(), "linky-budget-"));
  let store: Store | undefined;
  try {
    store = await openStore({ url: `sqlite:${join(dir, "linky.db")}`, dataDir: dir, now: clock });
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
    const countCall = () => {
      const h = Math.floor(now / HOUR);
      callsByHour.set(h, (callsByHour.get(h) ?? 0) + 1);
      measureCalls++;
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
    const advanceTo = async (t: number): Promise<void> => {
      for (;;) {
        events.sort((a, b) => a.at - b.at);
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
    const fetchedUntil = parisDay(t0);
    const oldest = parisDay(t0 - 60 * DAY);
    const patch = (): Omit<AccountConfigPatch, "usage_point_id"> => ({
      expired: false,
      dataset_keys: [...KEYS],
      subscribed_services_at_ms: t0 - DAY,
      contract_checked_at_ms: t0 - DAY,
      datasets: Object.fromEntries(
        KEYS.map((k) => [k, { fetched_until: fetchedUntil, backfill_oldest: oldest, data_floor: oldest }]),
      ),
    });
    const type = await store.devices.linkyType();
    for (let i = 0; i < prms.length; i += 1000) {
      await store.transaction(async (tx) => {
        for (const prm of prms.slice(i, i + 1000)) {
          await tx.devices.findOrCreate({ userId, mac: prm, label: "Linky", deviceTypeId: type.id });
          await tx.accounts.create({ senderId, userId, usagePointId: prm, config: patch() });
        }
      });
    }
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
      // Backfill off: history is done (backfill_oldest = data floor).
      syncSettings: { backfillMonths: { curve: 1, daily: 1 } },
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
    let samples = 0;
    const daily: BudgetRunResult["daily"] = [];
    const violations: BudgetRunResult["violations"] = [];
    const sample = async (): Promise<void> => {
      samples++;
      if (DateTime.fromMillis(now, { zone: PARIS }).hour === 8) {
        const st = await operatorStatus(store!, config, now);
        daily.push({
          atMs: now,
          fresh: st.states.fresh,
          behind: st.states.behind,
          backlogCalls: st.backlogCalls,
          catchUpMs: st.catchUpMs,
          strideDays: st.budget.strideDays,
        });
        say(
          `day ${Math.round((now - t0) / DAY)}: status ${st.states.fresh} fresh, ${st.states.behind} behind, backlog ${st.backlogCalls} calls, catch-up ${formatDuration(st.catchUpMs)}`,
        );
      }
      if (DateTime.fromMillis(now, { zone: PARIS }).hour === 8)
        say(
          `day ${Math.round((now - t0) / DAY)}: ${measureCalls} measure calls, worst freshness so far ${worst} days, ${queue.size().waiting} jobs waiting, ${((Date.now() - runStart) / 1000).toFixed(0)} s`,
        );
      const accounts = await store!.accounts.list({ limit: 1_000_000 });
      const lags = lagsAt(accounts, now);
      accounts.forEach((a, i) => {
        const lag = lags[i]!;
        if (lag === null || lag > 7) {
          if (violations.length < 20) violations.push({ atMs: now, accountId: a.id, lagDays: lag });
        }
        if (lag !== null) worst = Math.max(worst, lag);
      });
    };
    const every = opts.sampleEveryMs ?? 6 * HOUR;
    const instants = new Set<number>();
    for (let t = t0 + every; t <= endMs; t += every) instants.add(t);
    for (let d = 1; d <= opts.days; d++)
      instants.add(DateTime.fromMillis(t0, { zone: PARIS }).plus({ days: d }).set({ hour: 8 }).toMillis());
    for (const t of instants) if (t <= endMs) events.push({ at: t, run: sample });

    runStart = Date.now();
    // The run: jobs execute as the queue pumps; when nothing is runnable, time jumps to the next event or
    // delayed job.
    for (;;) {
      // With one job at a time the queue starts the next runnable job as soon as one ends: idle = none running.
      while (queue.size().running > 0) await new Promise((r) => setImmediate(r));
      const delayed = queue
        .pending()
        .map((p) => p.runAtMs ?? 0)
        .filter((t) => t > now);
      const nextEvent = events.length ? Math.min(...events.map((e) => e.at)) : Infinity;
      const next = Math.min(nextEvent, ...delayed);
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
    // The fast lag computation above is `freshnessLagDays`'s: checked against it on every meter at the end.
    const final = await store.accounts.list({ limit: 1_000_000 });
    const fast = lagsAt(final, now);
    final.forEach((a, i) => {
      if (freshnessLagDays(a, now) !== fast[i])
        throw new Error(
          `freshness of account ${a.id}: ${fast[i]} here, ${freshnessLagDays(a, now)} in the scheduler`,
        );
    });
    const status = await operatorStatus(store, config, now);
    const failedAccounts = status.states.failing;
    for (const l of logs.slice(0, 5)) say(`log: ${l}`);
    return {
      meters: opts.meters,
      days: opts.days,
      perHour: opts.perHour,
      measureCalls,
      callsPerMeterDay: measureCalls / (opts.meters * opts.days),
      worstFreshnessDays: worst,
      samples,
      violations,
      busiestHourCalls: busiest,
      busiestHourStartMs: busiestAt,
      refused,
      failedAccounts,
      status,
      daily,
      t0Ms: t0,
      endMs,
      wallMs: { setup: setupMs, run: Date.now() - runStart },
    };
  } finally {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
