/**
 * `worker`: the scheduler and a job worker, without the web application (distributed mode). Any number
 * of worker processes, on one or many machines, share one PostgreSQL database: each fire time is
 * dispatched by exactly one of them (the `scheduler_tick` claim), the jobs are shared through
 * graphile-worker (queue/pg.ts), and Enedis' quotas through the database (quota-shared.ts).
 *
 * Also the scheduler part of `serve` (`schedulerLifecycle`): the in-process queue on SQLite, the
 * PostgreSQL queue on PostgreSQL, so that `serve` and `worker` processes can share the work.
 */
import type { Command } from "commander";
import { AlertEvaluator } from "../alerts/evaluate.js";
import { createAppContext, type AppContext } from "../app/context.js";
import { DeliveryRunner } from "../alerts/delivery.js";
import { ConfigError, loadConfig } from "../config/load.js";
import { MemoryQueue } from "../scheduler/queue/memory.js";
import { PgQueue } from "../scheduler/queue/pg.js";
import type { JobQueue } from "../scheduler/queue/types.js";
import { startScheduler, type RunningScheduler } from "../scheduler/runtime.js";
import { TempoFetcher } from "../tariffs/tempo/auto.js";
import { tempoProviderFromConfig } from "../tariffs/tempo/index.js";
import type { Lifecycle } from "../web/server.js";
import { globalOptions } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, log } from "./output.js";

const POSTGRES_URL = /^postgres(ql)?:\/\//;

export interface QueueChoice {
  /** Jobs this process runs at once (default 2). */
  concurrency?: number;
  /** Called when the PostgreSQL queue's runner dies by itself (the process should stop). */
  onFatal?: (error: unknown) => void;
}

/** The job queue for this process: graphile-worker on PostgreSQL, in-process on SQLite. */
export function queueFor(ctx: AppContext, choice: QueueChoice = {}): JobQueue {
  const concurrency = choice.concurrency ?? 2;
  if (ctx.store.kind === "postgres") {
    return new PgQueue({
      connectionString: ctx.config.database.url,
      concurrency,
      now: ctx.now,
      log: ctx.log,
      ...(choice.onFatal ? { onFatal: choice.onFatal } : {}),
    });
  }
  return new MemoryQueue({ concurrency, now: ctx.now, log: ctx.log });
}

/** The scheduler as a part of `serve` (started once the web server listens, stopped before it closes). */
export function schedulerLifecycle(ctx: AppContext, choice: QueueChoice = {}): Lifecycle {
  let running: RunningScheduler | null = null;
  return {
    name: "scheduler",
    async start() {
      running = await startScheduler(ctx, { queue: queueFor(ctx, choice) });
    },
    async stop() {
      await running?.stop();
      running = null;
    },
  };
}

/**
 * Tomorrow's Tempo colour fetched once published (`tempo.provider`; none: no fetcher), in `serve` with its
 * scheduler and in every `worker`.
 */
export function tempoLifecycle(ctx: AppContext): TempoFetcher | null {
  const provider = tempoProviderFromConfig(ctx.config.tempo);
  if (!provider) return null;
  return new TempoFetcher({
    store: ctx.store,
    provider,
    now: ctx.now,
    log: ctx.log,
    events: ctx.events,
    fetchAfter: ctx.config.tempo.fetchAfter,
    retryMinutes: ctx.config.tempo.retryMinutes,
  });
}

/** The alerts' evaluation (after each sync of this process, and daily), as a part of `serve` or `worker`. */
export function alertsLifecycle(ctx: AppContext): Lifecycle {
  const evaluator = new AlertEvaluator({
    store: ctx.store,
    config: ctx.config,
    now: ctx.now,
    log: ctx.log,
    events: ctx.events,
  });
  return {
    name: "alerts",
    async start() {
      evaluator.start();
    },
    stop: () => evaluator.stop(),
  };
}

/**
 * Alert deliveries as a part of `serve` and `worker` (alerts/delivery.ts): every process that runs the
 * scheduler also sends the alerts that are due, each delivery claimed in the database first.
 */
export function deliveryLifecycle(ctx: AppContext): Lifecycle {
  const runner = new DeliveryRunner({ store: ctx.store, config: ctx.config, now: ctx.now, log: ctx.log });
  return { name: "alert-deliveries", start: () => runner.start(), stop: () => runner.stop() };
}

function parseConcurrency(text: string): number {
  if (!/^\d{1,3}$/.test(text.trim()) || Number(text) < 1) {
    throw new CliError(
      `worker: --concurrency must be a whole number from 1 to 999, got "${text}"`,
      EXIT_USAGE,
    );
  }
  return Number(text);
}

interface WorkerFlags {
  concurrency: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("scheduler and job worker only (distributed mode, PostgreSQL); runs until SIGINT/SIGTERM")
    .option("--concurrency <n>", "jobs this process runs at once", "2")
    .action(async (flags: WorkerFlags, cmd: Command) => {
      const concurrency = parseConcurrency(flags.concurrency);
      const g = globalOptions(cmd);
      const ctxOpts = g.config ? { configFile: g.config } : {};
      let url: string;
      try {
        url = loadConfig(g.config ? { file: g.config } : {}).database.url;
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
        throw e;
      }
      if (!POSTGRES_URL.test(url)) {
        throw new CliError(
          "worker: the distributed mode needs PostgreSQL: set DATABASE_URL=postgres://user:password@host:5432/db " +
            "(or database.url in the config file); with SQLite, `serve` runs the scheduler in its own process",
          EXIT_USAGE,
        );
      }
      let ctx: AppContext;
      try {
        ctx = await createAppContext(ctxOpts);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
        throw e;
      }
      let fatal: ((e: unknown) => void) | null = null;
      const failed = new Promise<"fatal">((resolve) => {
        fatal = () => resolve("fatal");
      });
      let running: RunningScheduler;
      let tempo: TempoFetcher | null = null;
      const alerts = alertsLifecycle(ctx);
      const deliveries = deliveryLifecycle(ctx);
      try {
        const queue = queueFor(ctx, { concurrency, onFatal: (e) => fatal?.(e) });
        running = await startScheduler(ctx, { queue });
        tempo = tempoLifecycle(ctx);
        await tempo?.start();
        await alerts.start();
        await deliveries.start();
      } catch (e) {
        await ctx.close();
        throw new CliError(
          `worker: cannot start: ${e instanceof Error ? e.message : String(e)}`,
          EXIT_FAILURE,
        );
      }
      log(`worker: running (pid ${process.pid}, concurrency ${concurrency}); SIGINT or SIGTERM stops it`);
      const reason = await Promise.race([untilSignal(), failed]);
      if (reason === "fatal") {
        log("worker: the job queue stopped on an error; exiting so that a supervisor restarts the worker");
        process.exitCode = EXIT_FAILURE;
      } else {
        log(`worker: ${reason}, stopping after the running jobs (a second signal exits at once)`);
      }
      const again = (signal: NodeJS.Signals) => {
        log(`worker: ${signal} again, exiting now (other workers take the running jobs over)`);
        process.exit(EXIT_FAILURE);
      };
      process.once("SIGINT", again);
      process.once("SIGTERM", again);
      try {
        await deliveries.stop();
        await alerts.stop();
        await tempo?.stop();
        await running.stop();
      } finally {
        await ctx.close();
        process.off("SIGINT", again);
        process.off("SIGTERM", again);
      }
      log("worker: stopped");
    });
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
