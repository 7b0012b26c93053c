/**
 * Starting the scheduler in a process: embedded (in-process queue, `serve` on SQLite) or distributed
 * (graphile-worker on PostgreSQL, `worker` processes and `serve`). One code path: only the queue differs.
 */
import type { AppContext } from "../app/context.js";
import { syncSettingsOf } from "../sync/service.js";
import { MemoryQueue } from "./queue/memory.js";
import type { JobQueue } from "./queue/types.js";
import { Scheduler, type SchedulerOptions } from "./scheduler.js";

export interface RunningScheduler {
  scheduler: Scheduler;
  queue: JobQueue;
  stop(): Promise<void>;
}

export interface StartSchedulerOptions extends SchedulerOptions {
  /** A queue to use; default: in-process (embedded mode). */
  queue?: JobQueue;
  concurrency?: number;
}

export async function startScheduler(
  ctx: AppContext,
  opts: StartSchedulerOptions = {},
): Promise<RunningScheduler> {
  const queue =
    opts.queue ?? new MemoryQueue({ concurrency: opts.concurrency ?? 2, now: ctx.now, log: ctx.log });
  const tickMs = opts.tickMs ?? ctx.config.scheduler.tickSeconds * 1000;
  const pageSize = opts.pageSize ?? ctx.config.scheduler.pageSize;
  // The measures quota scope of the operator's source (its load curve's).
  const measuresApi = ctx.client.measureApi("consumption_load_curve") ?? "measures";
  const scheduler = new Scheduler(
    {
      store: ctx.store,
      client: ctx.client,
      sources: ctx.sources,
      queue,
      config: ctx.config,
      now: ctx.now,
      log: ctx.log,
      syncSettings: syncSettingsOf(ctx.config),
      quotaLoad: () => ctx.limiter.load(measuresApi),
      events: ctx.events,
    },
    {
      ...opts,
      // `scheduler.tickSeconds` / `scheduler.pageSize` (SCHEDULER_TICK_SECONDS, SCHEDULER_PAGE_SIZE), for
      // `serve` and `worker` alike; a caller's explicit value wins (tests).
      tickMs,
      pageSize,
    },
  );
  await scheduler.start();
  ctx.log(
    `scheduler started (${queue.kind} queue, a dispatch every ${tickMs / 1000} s, pages of ${pageSize})`,
  );
  return { scheduler, queue, stop: () => scheduler.stop() };
}
