/**
 * The scheduler, as the seed's Quartz jobs did it, made to scale:
 * - every minute a dispatcher claims the fire time (exactly one process does, through the database),
 *   counts the accounts whose sender has a cron and enqueues one page job per page of 25 accounts;
 * - a page job enqueues a fresh-sync job for each account whose sender's Quartz cron fires in
 *   (previous dispatch, fire time], that is not expired, not waiting for a retry time, and due under the
 *   quota budget (meters beyond what the quota syncs daily are synced every few days, with wider windows);
 * - an account job syncs the account (fresh data and repairs first); history backfill runs as separate,
 *   lower-priority jobs that only use the quota the fresh syncs leave free;
 * - after a downtime, the missed fire times are caught up once, not once per missed minute.
 * A failing account never stops the rest of its page.
 */
import { randomUUID } from "node:crypto";
import type { EventBus } from "../app/events.js";
import type { Config } from "../config/schema.js";
import { daysBetween, parisDateOf, parisToday } from "../domain/time.js";
import type { DatasetKey } from "../domain/types.js";
import { datasetSpec } from "../domain/datasets.js";
import type { MeasureSource, SourceResolver } from "../sources/port.js";
import { findImplementation } from "../senders/registry.js";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import type { SyncSettings } from "../sync/account-sync.js";
import { planDataset, publishedUntil } from "../sync/planner.js";
import { syncOneAccount, type AccountRunResult, type SyncRunDeps } from "../sync/service.js";
import {
  BACKFILL_MAX_LOAD,
  datasetDue,
  DAILY_STRIDES,
  freshnessGroupOf,
  isDaily,
  planBudget,
  type Budget,
  type Strides,
} from "./budget.js";
import { parseQuartzCron, type QuartzCron } from "./cron.js";
import { gatewayDue, isGatewayAccount } from "./gateway-slots.js";
import { withAccountLease } from "./lease.js";
import {
  accountJobKey,
  PRIORITY,
  type AccountJob,
  type Job,
  type JobQueue,
  type PageJob,
} from "./queue/types.js";

export interface SchedulerDeps {
  store: Store;
  client: MeasureSource;
  /** Each account's source (gateway accounts); `client` for all when absent. */
  sources?: SourceResolver;
  queue: JobQueue;
  config: Config;
  now: () => number;
  log: (message: string) => void;
  syncSettings: Partial<SyncSettings>;
  /** Share of the measures API's hourly quota used in the last hour (0..1), for backfill admission. */
  quotaLoad?: () => Promise<number>;
  sleep?: (ms: number) => Promise<void>;
  /** Told `sync.finished` after each account sync (publishers). */
  events?: EventBus;
  /**
   * Runs one account's sync; `syncOneAccount` by default. The budget benchmark puts a faster stand-in
   * here to run the scheduler over 20,000 meters × 21 days (bench/budget-harness.ts).
   */
  syncAccount?: (
    deps: SyncRunDeps,
    account: Account,
    settings: Partial<SyncSettings>,
  ) => Promise<AccountRunResult>;
}

export interface SchedulerOptions {
  tickMs?: number;
  pageSize?: number;
  /** Measure windows one backfill job may spend before yielding to others. */
  backfillWindowsPerJob?: number;
  /** Backfill waits while the last hour used more than this share of the quota. */
  backfillMaxLoad?: number;
  /** Do not catch up fire times older than this after a downtime. */
  catchUpMaxMs?: number;
  /** A dispatch unfinished after this long was interrupted: another process finishes it (ms, default 2 min). */
  dispatchStaleMs?: number;
  instanceId?: string;
  /** The dispatcher's timer (tests drive it with their clock); real, unref'd timers by default. */
  timers?: SchedulerTimers;
}

/** A one-shot timer: `set` returns a handle that `clear` cancels. */
export interface SchedulerTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: SchedulerTimers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

const MINUTE = 60_000;

/**
 * Backfill windows still to fetch for an account (its share of the catch-up backlog); with the client's
 * daily window size (`enedis.dailyWindowDays`), the calls they take.
 */
export function backfillBacklog(
  account: Account,
  nowMs: number,
  settings: Partial<SyncSettings>,
  opts: { dailyWindowDays?: number } = {},
): number {
  const keys = (account.config.dataset_keys ?? []) as DatasetKey[];
  let n = 0;
  for (const key of keys) {
    const st = account.config.datasets?.[key] ?? {};
    if (st.not_applicable) continue;
    // History done down to Enedis' floor: nothing to plan (the planner never goes below the floor).
    if (st.fetched_until && st.backfill_oldest && st.data_floor && st.backfill_oldest <= st.data_floor)
      continue;
    const spec = datasetSpec(key);
    const months = spec.kind === "curve" ? settings.backfillMonths?.curve : settings.backfillMonths?.daily;
    n += planDataset(
      spec,
      {
        nextDay: st.fetched_until ?? null,
        oldestDay: st.backfill_oldest ?? null,
        repairDays: [],
        activationDay: st.data_floor ?? null,
      },
      nowMs,
      {
        ...(months === undefined ? {} : { backfillMonths: months }),
        ...(opts.dailyWindowDays === undefined ? {} : { dailyWindowDays: opts.dailyWindowDays }),
      },
    ).filter((w) => w.purpose === "backfill").length;
  }
  return n;
}

/** Each dataset's lag: days since its newest fetched day (null: never fetched); not-applicable ones left out. */
export function datasetLags(account: Account, nowMs: number): Array<{ key: DatasetKey; lag: number | null }> {
  const until = publishedUntil(nowMs);
  const out: Array<{ key: DatasetKey; lag: number | null }> = [];
  for (const key of (account.config.dataset_keys ?? []) as DatasetKey[]) {
    const st = account.config.datasets?.[key];
    if (st?.not_applicable) continue;
    out.push({ key, lag: st?.fetched_until ? Math.max(0, daysBetween(st.fetched_until, until)) : null });
  }
  return out;
}

/** Days since 1970-01-01 of the Paris day of an instant (the phase of the freshness policy's strides). */
export function parisDayNumber(ms: number): number {
  return daysBetween("1970-01-01", parisDateOf(ms));
}

/**
 * The datasets an account's fresh sync fetches under a plan's strides, for the Paris day of `fireTimeMs`
 * (each dataset when it reached its stride, or on its phase day); null: all of them (the daily plan, or an
 * account whose datasets are not known yet).
 */
export function dueDatasets(
  account: Account,
  nowMs: number,
  strides: Strides | undefined,
  fireTimeMs: number,
): DatasetKey[] | null {
  if (isDaily(strides) || !account.config.dataset_keys) return null;
  const day = parisDayNumber(fireTimeMs);
  return datasetLags(account, nowMs)
    .filter(({ key, lag }) => datasetDue(lag, strides![freshnessGroupOf(key)], account.id, day))
    .map(({ key }) => key);
}

/** Days since the oldest dataset's newest fetched day: 0 = up to date. */
export function freshnessLagDays(account: Account, nowMs: number): number | null {
  const until = publishedUntil(nowMs);
  const keys = (account.config.dataset_keys ?? []) as DatasetKey[];
  let worst: number | null = null;
  for (const key of keys) {
    const st = account.config.datasets?.[key];
    if (st?.not_applicable) continue;
    if (!st?.fetched_until) return null;
    const lag = Math.max(0, daysBetween(st.fetched_until, until));
    worst = worst === null ? lag : Math.max(worst, lag);
  }
  return worst;
}

/** Account config key: the newest fire time the account's fresh sync ran for (epoch ms). */
export const LAST_FIRE_KEY = "scheduler_fire_ms";

export function lastFireOf(account: Account): number | null {
  const v = account.config[LAST_FIRE_KEY];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export class Scheduler {
  private readonly instanceId: string;
  private readonly crons = new Map<string, QuartzCron | null>();
  private readonly fireMemo = new Map<string, boolean>();
  private timer: unknown = null;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = true;
  private budget: Budget | null = null;
  /** Backfill jobs wait until then: the quota was found busy (`backfillWaits`). */
  private backfillWaitUntilMs = 0;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.instanceId = opts.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  private get tickMs(): number {
    return this.opts.tickMs ?? MINUTE;
  }

  /** Starts the job runner, catches up missed fire times once, then dispatches every tick. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.deps.queue.start((job) => this.handle(job));
    await this.dispatchDue(Math.floor(this.deps.now() / this.tickMs) * this.tickMs);
    await this.recoverDispatches();
    this.arm();
  }

  /**
   * Dispatches the newest fire time, with every fire time since the last one dispatched (by any process)
   * folded into it: after a downtime, a timer that fired late or a machine that was asleep, the missed
   * fire times are caught up once (an account due several times in them is synced once), not once per
   * missed tick; never further back than `catchUpMaxMs`.
   */
  private async dispatchDue(fire: number): Promise<number | null> {
    const last = await this.deps.store.scheduler.tickBefore(fire);
    const oldest = fire - (this.opts.catchUpMaxMs ?? 24 * 3_600_000);
    const since = last === null ? fire - this.tickMs : Math.max(last, oldest);
    if (since < fire - this.tickMs)
      this.deps.log(
        `scheduler: catching up the fire times after ${new Date(since).toISOString()} once, with ${new Date(fire).toISOString()}`,
      );
    return this.dispatch(fire, since);
  }

  private get timers(): SchedulerTimers {
    return this.opts.timers ?? REAL_TIMERS;
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    const next = (Math.floor(now / this.tickMs) + 1) * this.tickMs;
    this.timer = this.timers.set(() => {
      this.timer = null;
      if (this.stopped) return;
      // Late (a loaded machine, a suspended process): the newest fire time, covering the ones missed.
      const fire = Math.max(next, Math.floor(this.deps.now() / this.tickMs) * this.tickMs);
      const run = this.dispatchDue(fire)
        .then(() => this.recoverDispatches())
        .then(
          () => undefined,
          (e: unknown) => this.deps.log(`scheduler: dispatch failed: ${String(e)}`),
        );
      this.inflight.add(run);
      void run.finally(() => this.inflight.delete(run));
      this.arm();
    }, next - now);
  }

  /** Resolves when the dispatches the timer started have finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    await this.idle();
    await this.deps.queue.stop();
  }

  /**
   * Dispatches one fire time: accounts are due when their cron fires in (sinceMs, fireTimeMs]. Returns the
   * number of page jobs, or null when another process already dispatched this fire time.
   */
  async dispatch(fireTimeMs: number, sinceMs = fireTimeMs - this.tickMs): Promise<number | null> {
    if (!(await this.deps.store.scheduler.claimTick(fireTimeMs, this.instanceId))) return null;
    // Until its pages are all queued, the fire time is TICK_DISPATCHING: if this process dies meanwhile,
    // another one finishes the dispatch (recoverDispatches) instead of the fire time being lost.
    return this.enqueuePages(fireTimeMs, sinceMs);
  }

  /**
   * Dispatches again the fire times whose dispatcher stopped (crashed) between claiming them and queueing
   * all their pages, once `dispatchStaleMs` have passed. Pages already queued are deduplicated by their key,
   * and accounts already synced for the fire time are skipped. Returns the fire times taken over.
   */
  async recoverDispatches(): Promise<number[]> {
    const repo = this.deps.store.scheduler;
    const now = this.deps.now();
    const staleBefore = now - (this.opts.dispatchStaleMs ?? 2 * MINUTE);
    const oldest = now - (this.opts.catchUpMaxMs ?? 24 * 3_600_000);
    const taken: number[] = [];
    for (const fire of await repo.unfinishedTicks(oldest, staleBefore)) {
      if (!(await repo.takeOverTick(fire, this.instanceId, staleBefore))) continue;
      const previous = await repo.tickBefore(fire);
      const since = Math.max(previous ?? fire - this.tickMs, oldest);
      this.deps.log(
        `scheduler: the dispatch of ${new Date(fire).toISOString()} stopped before all its pages were queued; dispatching it again`,
      );
      await this.enqueuePages(fire, since);
      taken.push(fire);
    }
    return taken;
  }

  private async enqueuePages(fireTimeMs: number, sinceMs: number): Promise<number> {
    // The ids once, to give each page its id range: a page reads its accounts by range (an index range),
    // not by OFFSET, which walks every row before the page (quadratic over the pages of 50,000 accounts).
    const ids = await this.deps.store.accounts.idsWithCron();
    const count = ids.length;
    const pageSize = this.opts.pageSize ?? 25;
    const pages = Math.ceil(count / pageSize);
    this.budget = planBudget({
      accounts: count,
      datasetsPerAccount: 3,
      perHour: this.deps.config.enedis.quota.perHour,
      freshness: this.deps.config.enedis.freshness,
    });
    for (let p = 0; p < pages; p++) {
      const job: PageJob = {
        kind: "page",
        sinceMs,
        fireTimeMs,
        offset: p * pageSize,
        limit: pageSize,
        fromId: ids[p * pageSize]!,
        toId: ids[Math.min(count, (p + 1) * pageSize) - 1]!,
        strideDays: this.budget.strideDays,
        strides: this.budget.strides,
      };
      await this.deps.queue.add(job, {
        key: `page:${fireTimeMs}:${p}`,
        priority: PRIORITY.page,
        maxAttempts: 3,
      });
    }
    await this.deps.store.scheduler.setTickPages(fireTimeMs, pages);
    if (Math.floor(fireTimeMs / 3_600_000) * 3_600_000 === fireTimeMs) {
      await this.deps.store.scheduler.pruneTicks(fireTimeMs - 7 * 86_400_000);
      await this.deps.store.scheduler.pruneQuotaCalls(this.deps.now());
    }
    return pages;
  }

  async handle(job: Job): Promise<void> {
    if (job.kind === "page") await this.handlePage(job);
    else await this.handleAccount(job);
  }

  private cron(expression: string): QuartzCron | null {
    if (!this.crons.has(expression)) {
      try {
        this.crons.set(expression, parseQuartzCron(expression));
      } catch (e) {
        this.deps.log(`scheduler: sender cron "${expression}" is invalid, ignored: ${(e as Error).message}`);
        this.crons.set(expression, null);
      }
    }
    return this.crons.get(expression) ?? null;
  }

  /** Whether a sender's cron fires in the page's (since, fire time]: asked once per cron and page. */
  private firesIn(expression: string, job: PageJob): boolean {
    const key = `${expression}\u0000${job.sinceMs}\u0000${job.fireTimeMs}`;
    let v = this.fireMemo.get(key);
    if (v === undefined) {
      const cron = this.cron(expression);
      v =
        cron !== null && cron.fireTimesBetween(new Date(job.sinceMs), new Date(job.fireTimeMs), 1).length > 0;
      if (this.fireMemo.size >= 256) this.fireMemo.clear();
      this.fireMemo.set(key, v);
    }
    return v;
  }

  /** Whether an account should get a fresh sync at this fire time. */
  private due(account: Account, job: PageJob): boolean {
    const c = account.config;
    if (c.expired) return false;
    if (c.next_attempt_ms && c.next_attempt_ms > job.fireTimeMs) return false;
    // Gateways: one run a day at the account's minute (06:00-10:00 Paris), one afternoon retry; no loops.
    if (isGatewayAccount(account)) return gatewayDue(account, job.fireTimeMs, lastFireOf(account));
    // The dispatcher's plan travels with the page job: in distributed mode another process runs it.
    const strides = this.stridesOf(job);
    // New accounts first; others once a dataset is due under its stride (one wider window then).
    const due = dueDatasets(account, this.deps.now(), strides, job.fireTimeMs);
    return due === null || due.length > 0;
  }

  /** The plan's strides a job carries (older jobs: the curve's stride for every dataset). */
  private stridesOf(job: PageJob | AccountJob): Strides {
    if (job.strides) return job.strides;
    const stride = (job.kind === "page" ? job.strideDays : undefined) ?? this.budget?.strideDays;
    if (stride === undefined) return this.budget?.strides ?? DAILY_STRIDES;
    return { curve: stride, daily: stride, maxPower: stride };
  }

  private async handlePage(job: PageJob): Promise<void> {
    const ids =
      job.fromId !== undefined && job.toId !== undefined
        ? await this.deps.store.accounts.listIdsWithCronBetween(job.fromId, job.toId)
        : await this.deps.store.accounts.listIdsWithCron({ offset: job.offset, limit: job.limit });
    // The page's accounts in one query (not one per account); one that cannot be read is tried alone.
    let page: Map<number, { account: Account; sender: { cron: string | null; implClass: string } }>;
    try {
      page = new Map((await this.deps.store.accounts.listWithSender(ids)).map((f) => [f.account.id, f]));
    } catch {
      page = new Map();
    }
    for (const id of ids) {
      try {
        const found = page.get(id) ?? (await this.deps.store.accounts.findWithSender(id));
        if (!found?.sender.cron) continue;
        if (!findImplementation(found.sender.implClass)?.dataSource) continue;
        const fires = this.firesIn(found.sender.cron, job);
        if (fires && this.due(found.account, job)) {
          const strides = this.stridesOf(job);
          const aj: AccountJob = {
            kind: "account",
            accountId: id,
            fireTimeMs: job.fireTimeMs,
            mode: "fresh",
            ...(isDaily(strides) ? {} : { strides }),
          };
          await this.deps.queue.add(aj, {
            key: accountJobKey(id, "fresh"),
            serialGroup: `account:${id}`,
            priority: PRIORITY.fresh,
            maxAttempts: 3,
          });
        } else if (this.backfillUnfinished(found.account, job)) {
          // The backfill's continuation lives in the account's cursors, not only in the queue: a job chain
          // lost with a process (the in-process queue of `serve`), or failed for good, goes on from here.
          await this.enqueueBackfill(id, job.fireTimeMs);
        }
      } catch (e) {
        // A failing account never stops the rest of its page.
        this.deps.log(`scheduler: account ${id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private async handleAccount(job: AccountJob): Promise<void> {
    if (job.mode === "backfill" && (await this.backfillWaits(job))) return;
    const known = await this.deps.store.accounts.findById(job.accountId);
    if (!known || known.config.expired) return;
    // Another sync of this account may run outside this queue (the first sync after a consent, the CLI
    // `sync`, a `serve` beside `worker`s): the account's lease keeps them apart.
    const r = await withAccountLease(
      this.deps.store,
      job.accountId,
      { now: this.deps.now, label: `scheduler ${this.instanceId}`, log: this.deps.log },
      () => this.syncUnderLease(job),
    );
    if (r.ran) return;
    // Not lost: tried again once the other sync is over, or its holder's lease expired (a dead process).
    const now = this.deps.now();
    const lease = await this.deps.store.scheduler.accountLeaseHolder(job.accountId);
    const runAtMs = Math.min(lease?.expiresAtMs ?? now, now + 30_000) + 1_000;
    this.deps.log(
      `scheduler: account ${job.accountId} is being synced by ${r.holder ?? "another process"}; its ${job.mode} sync for ${new Date(job.fireTimeMs).toISOString()} waits until ${new Date(runAtMs).toISOString()}`,
    );
    await this.deps.queue.add(job, {
      // Per fire time: two fire times put off meanwhile are two syncs (a shared key would merge them).
      key: `${accountJobKey(job.accountId, job.mode)}:busy:${job.fireTimeMs}`,
      serialGroup: `account:${job.accountId}`,
      priority: job.mode === "fresh" ? PRIORITY.fresh : PRIORITY.backfill,
      runAtMs,
    });
  }

  /** An account job, once the account's lease is held: the account is read now, not before. */
  private async syncUnderLease(job: AccountJob): Promise<void> {
    const account = await this.deps.store.accounts.findById(job.accountId);
    if (!account || account.config.expired) return;
    const { queue, now } = this.deps;
    if (job.mode === "fresh") {
      // Queues run a job at least once: a page job run again (a retry, or taken over from a crashed
      // worker) adds its accounts' jobs again, and the queue no longer knows the finished ones. The account
      // remembers the newest fire time it was synced for: the same sync is not done twice.
      const done = lastFireOf(account);
      if (done !== null && done >= job.fireTimeMs) {
        this.deps.log(
          `scheduler: account ${job.accountId} already synced for ${new Date(job.fireTimeMs).toISOString()}, skipped`,
        );
        return;
      }
    }
    if (job.mode === "backfill") {
      // A second backfill job (the dispatcher's, added while the chain's ran) finds the history done.
      if (account.config.dataset_keys && backfillBacklog(account, now(), this.deps.syncSettings) === 0)
        return;
    }
    // Under a short quota a fresh sync fetches the datasets due under their strides only.
    const only =
      job.mode === "fresh" && !isGatewayAccount(account)
        ? dueDatasets(account, now(), job.strides, job.fireTimeMs)
        : null;
    if (only !== null && only.length === 0) {
      // Synced meanwhile (another fire time, a CLI sync): nothing is due for this one.
      await this.deps.store.accounts.updateConfig(job.accountId, {
        [LAST_FIRE_KEY]: Math.max(job.fireTimeMs, lastFireOf(account) ?? job.fireTimeMs),
      });
      return;
    }
    const settings: Partial<SyncSettings> = {
      ...this.deps.syncSettings,
      ...(only === null ? {} : { onlyDatasets: only }),
      // A gateway account's one daily run also spends its share of the budget on history (no backfill jobs).
      freshOnly: job.mode === "fresh" && !isGatewayAccount(account),
      ...(job.mode === "backfill" ? { maxWindows: this.opts.backfillWindowsPerJob ?? 20 } : {}),
    };
    const { outcome } = await (this.deps.syncAccount ?? syncOneAccount)(
      {
        store: this.deps.store,
        client: this.deps.client,
        ...(this.deps.sources ? { sources: this.deps.sources } : {}),
        now,
        log: this.deps.log,
        ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
        ...(this.deps.events ? { events: this.deps.events } : {}),
      },
      account,
      settings,
    );
    // The account as stored after the sync: the fresh path's own write returns it (no second read).
    let stored: Account | undefined;
    if (job.mode === "fresh") {
      const newest = Math.max(job.fireTimeMs, lastFireOf(account) ?? job.fireTimeMs);
      const config = await this.deps.store.accounts.updateConfig(job.accountId, { [LAST_FIRE_KEY]: newest });
      stored = { ...account, config };
    }
    this.deps.log(
      `scheduler: account ${job.accountId} ${job.mode} sync for ${new Date(job.fireTimeMs).toISOString()}: ${outcome.outcome} (${outcome.calls} calls)`,
    );
    if (outcome.outcome === "expired") return;
    const after = stored ?? (await this.deps.store.accounts.findById(job.accountId));
    if (!after) return;
    // Data not published yet, or a transient failure: once more later the same day, spread out.
    const retryAt = after.config.next_attempt_ms;
    const gateway = isGatewayAccount(after);
    if (!gateway && job.mode === "fresh" && retryAt && parisDateOf(retryAt) === parisToday(now())) {
      await queue.add(
        { ...job, fireTimeMs: retryAt },
        {
          key: `retry:${job.accountId}:${parisToday(now())}:${Math.floor(retryAt / 3_600_000)}`,
          serialGroup: `account:${job.accountId}`,
          priority: PRIORITY.fresh,
          runAtMs: retryAt,
        },
      );
    }
    // Gateway accounts spread their history over their daily runs: no backfill chain.
    if (!gateway && backfillBacklog(after, now(), this.deps.syncSettings) > 0)
      await this.enqueueBackfill(job.accountId, job.fireTimeMs);
  }

  /**
   * Backfill only from what the fresh syncs leave: while the last hour used more than `backfillMaxLoad`
   * of the quota, a backfill job is put off by 5 minutes. Once one job found the quota busy, the others
   * of the next 5 minutes are put off to the same time without asking the database again (thousands of
   * meters with history to fetch would otherwise each take their lease and read the quota every 5 min).
   */
  private async backfillWaits(job: AccountJob): Promise<boolean> {
    const now = this.deps.now();
    let until = this.backfillWaitUntilMs > now ? this.backfillWaitUntilMs : null;
    if (until === null) {
      const load = (await this.deps.quotaLoad?.()) ?? 0;
      if (load <= (this.opts.backfillMaxLoad ?? BACKFILL_MAX_LOAD)) return false;
      until = this.backfillWaitUntilMs = now + 5 * MINUTE;
    }
    // The fresh syncs need the quota: try again in a while.
    await this.deps.queue.add(job, {
      key: `${accountJobKey(job.accountId, "backfill")}:later:${Math.floor(until / 300_000)}`,
      serialGroup: `account:${job.accountId}`,
      priority: PRIORITY.backfill,
      runAtMs: until,
    });
    return true;
  }

  /** One pending backfill job per account (its key dedupes the chain and the dispatcher's adds). */
  private async enqueueBackfill(accountId: number, fireTimeMs: number): Promise<void> {
    await this.deps.queue.add(
      { kind: "account", accountId, fireTimeMs, mode: "backfill" },
      {
        key: accountJobKey(accountId, "backfill"),
        serialGroup: `account:${accountId}`,
        priority: PRIORITY.backfill,
        maxAttempts: 3,
      },
    );
  }

  /**
   * Whether an account that is not due for a fresh sync still has history to fetch: synced once (its
   * datasets are known), not expired, not waiting for a retry time, with backfill windows left.
   */
  private backfillUnfinished(account: Account, job: PageJob): boolean {
    const c = account.config;
    if (c.expired || !c.dataset_keys || isGatewayAccount(account)) return false;
    if (c.next_attempt_ms && c.next_attempt_ms > job.fireTimeMs) return false;
    return backfillBacklog(account, this.deps.now(), this.deps.syncSettings) > 0;
  }
}
