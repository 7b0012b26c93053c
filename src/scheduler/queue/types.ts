/**
 * The job queue of the scheduler, one interface for both modes:
 * - embedded (SQLite, `serve`): an in-process queue with bounded concurrency (queue/memory.ts);
 * - distributed (PostgreSQL, `worker` processes on one or many machines): graphile-worker (queue/pg.ts).
 *
 * Glossary
 * - fire time: the minute the dispatcher runs for (the seed's Quartz `scheduledFireTime`);
 * - page job: one page of account ids with a cron (the seed's `DataSourceProviderCronPaginateSubJob`);
 * - account job: one sync of one account; its key (`sync:<account id>`) keeps at most one pending per
 *   account, and jobs of one account run one at a time, so that two workers never sync the same account
 *   at once;
 * - priority: fresh (the daily incremental sync) runs before backfill (history), which only uses the
 *   quota the fresh syncs leave free.
 */
import type { Strides } from "../budget.js";

export interface PageJob {
  kind: "page";
  /** Accounts are due when their sender's cron fires in (sinceMs, fireTimeMs]. */
  sinceMs: number;
  fireTimeMs: number;
  offset: number;
  limit: number;
  /** The page's id range (inclusive), read by range; `offset`/`limit` when absent (older jobs). */
  fromId?: number;
  toId?: number;
  /**
   * The quota plan's stride (days between two syncs of a meter) the dispatcher computed for this fire
   * time: the page job may run in another process, which has no plan of its own.
   */
  strideDays?: number;
  /** The plan's stride per freshness group (`strideDays` is the curve's); daily when absent. */
  strides?: Strides;
}

export type SyncMode = "fresh" | "backfill";

export interface AccountJob {
  kind: "account";
  accountId: number;
  fireTimeMs: number;
  mode: SyncMode;
  /** A fresh sync under a short quota: the plan's strides (the datasets due are fetched); all when absent. */
  strides?: Strides;
}

export type Job = PageJob | AccountJob;

export interface JobOptions {
  /** Jobs with the same key are deduplicated (one pending at a time). */
  key: string;
  /** Jobs of the same serial group never run at the same time (e.g. one account). */
  serialGroup?: string;
  /** Lower runs first: 0 fresh, 10 page, 100 backfill. */
  priority: number;
  /** Not before this instant (retries later the same day). */
  runAtMs?: number;
  maxAttempts?: number;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface JobQueue {
  readonly kind: "memory" | "postgres";
  add(job: Job, opts: JobOptions): Promise<void>;
  /** Starts running jobs with `handler` (bounded concurrency). */
  start(handler: JobHandler): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Resolves when no job is pending or running (tests, `sync --all` style runs). */
  drain(): Promise<void>;
}

export const PRIORITY = { fresh: 0, page: 10, backfill: 100 } as const;

/**
 * One key per account and mode, whatever the fire time: at most one fresh and one backfill job of an
 * account pending at a time. While the quota holds a backlog, the next fire times find the account's job
 * still pending and add nothing (a key per fire time would add one more job per due account at every
 * fire). The account remembers the fire time it was last synced for (`scheduler_fire_ms`): a job run
 * again for a fire time already synced is skipped.
 */
export function accountJobKey(accountId: number, mode: SyncMode): string {
  return mode === "fresh" ? `sync:${accountId}` : `backfill:${accountId}`;
}
