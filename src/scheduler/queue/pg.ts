/**
 * The distributed job queue: graphile-worker 0.16 in the application's PostgreSQL database (its own
 * schema, `linky_worker` by default, migrated at start). Every `worker` process (and `serve` on
 * PostgreSQL) runs one PgQueue; they share the jobs.
 *
 * Mapping of the JobQueue contract (queue/types.ts) onto graphile-worker:
 * - `key` → `jobKey` with `jobKeyMode: "preserve_run_at"`: a second add of a key whose job is still
 *   pending does not add a job (nor move its run time); once the job runs (it is locked), graphile-worker
 *   clears its key, so that a new job with the key may be queued, as in memory.ts;
 * - `serialGroup` → `queueName`: graphile-worker runs the jobs of a named queue one at a time, whichever
 *   worker takes them, so that an account is never synced by two workers at once;
 * - `priority` → `priority` (lower first), `runAtMs` → `runAt` (translated from the scheduler's clock,
 *   which tests shift, to real time), `maxAttempts` → `maxAttempts` (default 3, like memory.ts);
 * - one task per job kind (`page`, `account`); payloads are validated with zod when a job is taken.
 *
 * Crash takeover. graphile-worker 0.16 frees the jobs of a dead worker only after a fixed 4-hour lock
 * timeout. We do better without touching its schema: each of our graphile workers holds a PostgreSQL
 * session advisory lock named after its worker id, on a presence connection of its process, taken in the
 * `startWorker` hook, that is before the worker asks for its first job. When a process dies, PostgreSQL
 * ends its sessions at once (the kernel closes the sockets; a vanished machine is noticed by TCP
 * keepalives, set short on that connection), which releases its locks. Every PgQueue checks, every
 * `reapIntervalMs`, the owners of the locked jobs: an owner whose advisory lock is free is dead, and its
 * jobs are unlocked with graphile-worker's own `forceUnlockWorkers`, then run by the live workers.
 * An owner must be seen dead for `deadGraceMs` first: after a database restart every process has lost
 * its presence connection, and a live one gets the time to reconnect and lock its workers again.
 *
 * Healing. graphile-worker 0.16 never replaces a worker that dies (one whose job it could not release,
 * "committing seppuku", when the database went away mid-job); its pool then runs with fewer workers,
 * down to none, in a live process. Here a worker that stops while the queue runs (the `stopWorker` hook)
 * gives up its presence lock at once, is never locked again on reconnection (its jobs are then released
 * by the reapers, this process' included), and its runner is retired (its other workers finish their
 * jobs) and replaced by a new one with fresh workers. A runner that cannot be rebuilt for
 * `rebuildGiveUpMs` calls `onFatal`: the process exits non-zero and its supervisor restarts it.
 * Every pooled connection has an error listener, also while checked out: a connection lost mid-query
 * fails that query (the job is retried), never the process.
 */
import { randomUUID } from "node:crypto";
import {
  Logger,
  makeWorkerUtils,
  run,
  runMigrations,
  type Runner,
  type Task,
  type TaskList,
  type WorkerUtils,
} from "graphile-worker";
import pg from "pg";
import { z } from "zod";
import type { AccountJob, Job, JobHandler, JobOptions, JobQueue, PageJob } from "./types.js";

declare global {
  // graphile-config names its plugins by declaration merging into this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace GraphileConfig {
    interface Plugins {
      LinkyWorkerPresence: true;
    }
  }
}

export interface PgQueueOptions {
  /** postgres://… of the application database. */
  connectionString: string;
  /** Jobs this process runs at once (default 2). */
  concurrency?: number;
  /** graphile-worker's schema (default `linky_worker`). */
  schema?: string;
  /** How often idle workers look for jobs whose run time came (ms; new jobs are notified at once). */
  pollIntervalMs?: number;
  /** How often this process looks for jobs held by dead workers (ms, default 2,000). */
  reapIntervalMs?: number;
  /**
   * A worker whose presence lock has been free for this long is dead (ms, default 15,000): the time a
   * live process has to reconnect its presence connection after a database restart.
   */
  deadGraceMs?: number;
  /** Give up (`onFatal`) when the runner could not be rebuilt for this long (ms, default 5 min). */
  rebuildGiveUpMs?: number;
  /** How often `drain()` looks at the queue (ms, default 200). */
  drainPollMs?: number;
  /** The scheduler's clock, for `runAtMs` (default real time). */
  now?: () => number;
  log?: (message: string) => void;
  /** graphile-worker's own debug messages too. */
  verbose?: boolean;
  /** Called when the runner stops by itself (lost database…): the process should exit and restart. */
  onFatal?: (error: unknown) => void;
  /** Name of this process in logs and in `pg_stat_activity`. */
  instanceId?: string;
}

const stridesSchema = z
  .object({
    curve: z.number().int().positive(),
    daily: z.number().int().positive(),
    maxPower: z.number().int().positive(),
  })
  .strict();

const pageJobSchema = z
  .object({
    kind: z.literal("page"),
    sinceMs: z.number().int(),
    fireTimeMs: z.number().int(),
    offset: z.number().int().min(0),
    limit: z.number().int().positive(),
    fromId: z.number().int().optional(),
    toId: z.number().int().optional(),
    strideDays: z.number().int().positive().optional(),
    strides: stridesSchema.optional(),
  })
  .strict();

const accountJobSchema = z
  .object({
    kind: z.literal("account"),
    accountId: z.number().int().positive(),
    fireTimeMs: z.number().int(),
    mode: z.enum(["fresh", "backfill"]),
    strides: stridesSchema.optional(),
  })
  .strict();

// The schemas must describe the job types exactly: compile-time checks both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const pageShapeMatches: Same<z.infer<typeof pageJobSchema>, PageJob> = true;
const accountShapeMatches: Same<z.infer<typeof accountJobSchema>, AccountJob> = true;
void pageShapeMatches;
void accountShapeMatches;

const JOB_SCHEMAS = { page: pageJobSchema, account: accountJobSchema } as const;

/** First key of the advisory locks that say "this graphile worker is alive" ("LKYW"). */
const PRESENCE_LOCK_CLASS = 0x4c4b5957;
/** Key of the advisory lock that serialises graphile-worker's migrations between processes ("LKYM"). */
const MIGRATION_LOCK = [0x4c4b594d, 0] as const;

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgQueue implements JobQueue {
  readonly kind = "postgres";
  readonly instanceId: string;
  private readonly schema: string;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly pool: pg.Pool;
  private presence: pg.Client | null = null;
  private utils: WorkerUtils | null = null;
  private ready: Promise<void> | null = null;
  private runner: Runner | null = null;
  /** Bumped at each runner built: the hooks of a retired runner know they are not the current one's. */
  private generation = 0;
  private handler: JobHandler | null = null;
  private rebuilding: Promise<void> | null = null;
  /** Retired runners still finishing their jobs. */
  private readonly retiring = new Set<Promise<void>>();
  private reapTimer: NodeJS.Timeout | null = null;
  private reaping: Promise<void> | null = null;
  /** Live worker ids of this process (their presence locks are held by `presence`). */
  private readonly ownWorkers = new Set<string>();
  /** The ids whose lock the current `presence` connection holds. */
  private presenceLocked = new Set<string>();
  /** Workers of this process that have stopped: dead for sure, their jobs are released at once. */
  private readonly formerWorkers = new Set<string>();
  /** Other workers seen without their presence lock: since when (real time, ms). */
  private readonly seenFree = new Map<string, number>();
  private stopping = false;
  private closed = false;

  constructor(private readonly opts: PgQueueOptions) {
    if (!/^postgres(ql)?:\/\//.test(opts.connectionString))
      throw new Error("PgQueue needs a postgres:// connection string");
    this.schema = opts.schema ?? "linky_worker";
    if (!SCHEMA_RE.test(this.schema)) throw new Error(`PgQueue: invalid schema name "${this.schema}"`);
    const concurrency = opts.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`PgQueue: concurrency must be a positive integer, got ${concurrency}`);
    this.instanceId = opts.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => undefined);
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      // One connection per running job, one for LISTEN, a few for adds, drain and the reaper.
      max: concurrency + 4,
      application_name: `linky-worker ${this.instanceId}`.slice(0, 63),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on("error", (e) => this.log(`job queue: database connection lost: ${e.message}`));
    // Nor one checked out (pg-pool listens only while a client is idle): its query fails, which fails
    // the job (retried), and the pool drops the broken client when it comes back.
    this.pool.on("connect", (client) => client.on("error", () => undefined));
  }

  private get concurrency(): number {
    return this.opts.concurrency ?? 2;
  }

  private logger(): Logger {
    const verbose = this.opts.verbose === true;
    return new Logger(() => (level, message) => {
      if (level === "error" || level === "warning" || verbose)
        this.log(`graphile-worker ${level}: ${message}`);
    });
  }

  /** Migrates graphile-worker's schema (once across processes) and opens the presence connection. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        // graphile-worker detects concurrent migrations, but `create schema` itself can race: one at a time.
        await client.query("select pg_advisory_lock($1, $2)", [...MIGRATION_LOCK]);
        try {
          await runMigrations({ pgPool: this.pool, schema: this.schema, logger: this.logger() });
        } finally {
          await client.query("select pg_advisory_unlock($1, $2)", [...MIGRATION_LOCK]);
        }
      } finally {
        client.release();
      }
      this.utils = await makeWorkerUtils({ pgPool: this.pool, schema: this.schema, logger: this.logger() });
      await this.connectPresence();
    })();
    // A database down at start must not stay the answer for ever.
    this.ready.catch(() => (this.ready = null));
    return this.ready;
  }

  private async connectPresence(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: `linky-worker ${this.instanceId} presence`.slice(0, 63),
      keepAlive: true,
      // Server side: a machine that vanished without closing its sockets is noticed in about 25 s.
      options: "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
    });
    client.on("error", (e) => {
      if (this.presence !== client) return;
      this.presence = null;
      this.log(`job queue: presence connection lost (${e.message}); reconnecting`);
      void this.reconnectPresence();
    });
    try {
      await client.connect();
      const locked = new Set<string>();
      for (const id of [...this.ownWorkers]) {
        await client.query("select pg_advisory_lock($1, hashtext($2))", [PRESENCE_LOCK_CLASS, id]);
        locked.add(id);
      }
      // A worker that died meanwhile is not taken back: its jobs must look abandoned.
      for (const id of locked) {
        if (this.ownWorkers.has(id)) continue;
        await client.query("select pg_advisory_unlock($1, hashtext($2))", [PRESENCE_LOCK_CLASS, id]);
        locked.delete(id);
      }
      this.presenceLocked = locked;
      this.presence = client;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  private async reconnectPresence(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.connectPresence();
        this.log("job queue: presence connection back");
        return;
      } catch (e) {
        this.log(`job queue: presence reconnection ${attempt} failed: ${(e as Error).message}`);
        // Short: other processes take this one's workers for dead after `deadGraceMs` without their locks.
        await new Promise((r) => setTimeout(r, Math.min(3_000, 250 * 2 ** attempt)));
      }
    }
  }

  private async presenceClient(waitMs = 10_000): Promise<pg.Client> {
    const until = Date.now() + waitMs;
    while (!this.presence && !this.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (!this.presence) throw new Error("job queue: no presence connection");
    return this.presence;
  }

  /** A worker starts: its presence lock is taken before it asks for a job (waits for the connection). */
  private async announceWorker(id: string): Promise<void> {
    this.ownWorkers.add(id);
    for (;;) {
      try {
        const client = await this.presenceClient();
        await client.query("select pg_advisory_lock($1, hashtext($2))", [PRESENCE_LOCK_CLASS, id]);
        if (client === this.presence) this.presenceLocked.add(id);
        // else: the connection was replaced meanwhile, and its reconnection locked every own worker.
        this.log(`job queue: worker ${id} ready`);
        return;
      } catch (e) {
        // Throwing would not stop graphile-worker from running the worker, unannounced: wait instead.
        if (this.stopping) return;
        this.log(`job queue: worker ${id} waits for the presence connection: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** A worker stopped (shutdown, or died): never locked again; its lock is given back at once. */
  private async retireWorker(id: string, generation: number): Promise<void> {
    this.ownWorkers.delete(id);
    this.formerWorkers.add(id);
    const client = this.presence;
    if (client && this.presenceLocked.delete(id)) {
      await client
        .query("select pg_advisory_unlock($1, hashtext($2))", [PRESENCE_LOCK_CLASS, id])
        .catch(() => undefined); // a lost connection has released it already
    }
    if (this.stopping || generation !== this.generation) return;
    this.log(`job queue: worker ${id} stopped while the queue runs (lost database?); rebuilding the runner`);
    this.rebuild();
  }

  async add(job: Job, opts: JobOptions): Promise<void> {
    await this.init();
    const delay = opts.runAtMs === undefined ? 0 : opts.runAtMs - this.now();
    await this.utils!.addJob(job.kind, job, {
      jobKey: opts.key,
      jobKeyMode: "preserve_run_at",
      ...(opts.serialGroup ? { queueName: opts.serialGroup } : {}),
      priority: opts.priority,
      maxAttempts: opts.maxAttempts ?? 3,
      ...(delay > 0 ? { runAt: new Date(Date.now() + delay) } : {}),
    });
  }

  async start(handler: JobHandler): Promise<void> {
    if (this.runner || this.handler) throw new Error("job queue already started");
    this.handler = handler;
    await this.init();
    this.runner = await this.startRunner(handler);
    // A restarted process takes over the jobs its dead predecessors held, then keeps watching.
    await this.reapDeadWorkers();
    this.armReaper();
  }

  private async startRunner(handler: JobHandler): Promise<Runner> {
    const generation = ++this.generation;
    const task =
      (kind: keyof typeof JOB_SCHEMAS): Task =>
      async (payload, helpers) => {
        const parsed = JOB_SCHEMAS[kind].safeParse(payload);
        if (!parsed.success) {
          // It can never succeed: drop it (with a trace) rather than retry it.
          this.log(
            `job queue: ${kind} job ${helpers.job.id} (${helpers.job.key ?? "no key"}) has an invalid payload, dropped: ${parsed.error.message}`,
          );
          return;
        }
        await handler(parsed.data);
      };
    const taskList: TaskList = { page: task("page"), account: task("account") };
    const runner = await run({
      pgPool: this.pool,
      schema: this.schema,
      concurrency: this.concurrency,
      pollInterval: this.opts.pollIntervalMs ?? 1000,
      noHandleSignals: true,
      logger: this.logger(),
      taskList,
      parsedCronItems: [],
      preset: {
        plugins: [
          {
            name: "LinkyWorkerPresence",
            version: "1.0.0",
            worker: {
              hooks: {
                // Awaited before the worker asks for its first job: it never holds a job unannounced.
                startWorker: (_ctx, event) => this.announceWorker(event.worker.workerId),
                stopWorker: (_ctx, event) => this.retireWorker(event.worker.workerId, generation),
              },
            },
          },
        ],
      },
    });
    runner.promise.catch((e: unknown) => {
      if (this.stopping || generation !== this.generation) return;
      this.log(`job queue: runner stopped: ${e instanceof Error ? e.message : String(e)}`);
      this.opts.onFatal?.(e);
    });
    this.log(
      `job queue: graphile-worker started (schema ${this.schema}, concurrency ${this.concurrency}, instance ${this.instanceId})`,
    );
    return runner;
  }

  /**
   * Replaces the current runner (one of its workers died): the old one finishes its running jobs in the
   * background, a new one with fresh workers starts now (retried while the database is away).
   */
  private rebuild(): void {
    if (this.rebuilding || this.stopping || !this.handler) return;
    const handler = this.handler;
    const old = this.runner;
    this.runner = null;
    // Its surviving workers' hooks must not ask for another rebuild.
    this.generation++;
    if (old) {
      const retired: Promise<void> = old
        .stop()
        .then(() => old.promise)
        .then(
          () => undefined,
          (e: unknown) =>
            this.log(`job queue: retired runner: ${e instanceof Error ? e.message : String(e)}`),
        )
        .finally(() => this.retiring.delete(retired));
      this.retiring.add(retired);
    }
    const since = Date.now();
    const giveUp = this.opts.rebuildGiveUpMs ?? 5 * 60_000;
    this.rebuilding = (async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          const runner = await this.startRunner(handler);
          if (this.stopping) {
            await runner.stop().catch(() => undefined);
            return;
          }
          this.runner = runner;
          this.log(`job queue: runner rebuilt (attempt ${attempt})`);
          return;
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          if (Date.now() - since >= giveUp) {
            this.log(
              `job queue: runner not rebuilt in ${Math.round(giveUp / 1000)} s (${message}); giving up`,
            );
            this.opts.onFatal?.(e);
            return;
          }
          this.log(`job queue: runner rebuild ${attempt} failed (${message}); trying again`);
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
        }
      }
    })().finally(() => (this.rebuilding = null));
  }

  /** graphile-worker's schema. */
  get schemaName(): string {
    return this.schema;
  }

  /** Worker ids of this process (for logs and tests). */
  workerIds(): string[] {
    return [...this.ownWorkers];
  }

  private armReaper(): void {
    if (this.stopping) return;
    const every = this.opts.reapIntervalMs ?? 2000;
    // Jitter, so that several processes do not look at the same moment.
    this.reapTimer = setTimeout(
      () => {
        this.reapTimer = null;
        void this.reapDeadWorkers().finally(() => this.armReaper());
      },
      every * (0.75 + Math.random() * 0.5),
    );
    this.reapTimer.unref();
  }

  /**
   * Unlocks the jobs (and named queues) held by graphile workers whose process is gone. Returns the
   * number of jobs released.
   */
  async reapDeadWorkers(): Promise<number> {
    if (this.reaping) {
      await this.reaping;
      return 0;
    }
    let released = 0;
    this.reaping = (async () => {
      try {
        const { rows } = await this.pool.query<{ locked_by: string; n: string }>(
          `select locked_by, count(*) as n from ${this.schema}.jobs where locked_by is not null group by locked_by
           union all
           select locked_by, 0 from ${this.schema}._private_job_queues
            where locked_by is not null
              and locked_by not in (select locked_by from ${this.schema}.jobs where locked_by is not null)`,
        );
        const candidates = rows.filter((r) => !this.ownWorkers.has(r.locked_by));
        for (const id of this.seenFree.keys())
          if (!candidates.some((r) => r.locked_by === id)) this.seenFree.delete(id);
        if (candidates.length === 0) return;
        const client = await this.presenceClient();
        const dead: string[] = [];
        for (const r of candidates) {
          // Free means its owner's session is gone. Taken and given back at once.
          const { rows: got } = await client.query<{ free: boolean }>(
            "select pg_try_advisory_lock($1, hashtext($2)) as free",
            [PRESENCE_LOCK_CLASS, r.locked_by],
          );
          if (!got[0]?.free) {
            this.seenFree.delete(r.locked_by);
            continue;
          }
          await client.query("select pg_advisory_unlock($1, hashtext($2))", [
            PRESENCE_LOCK_CLASS,
            r.locked_by,
          ]);
          // Our own dead workers are dead for sure; another process' may be reconnecting.
          const own = this.formerWorkers.has(r.locked_by);
          const since = this.seenFree.get(r.locked_by) ?? Date.now();
          this.seenFree.set(r.locked_by, since);
          if (own || Date.now() - since >= (this.opts.deadGraceMs ?? 15_000)) {
            this.seenFree.delete(r.locked_by);
            dead.push(r.locked_by);
            released += Number(r.n);
          }
        }
        if (dead.length === 0) return;
        await this.utils!.forceUnlockWorkers(dead);
        // Wake idle workers everywhere (graphile-worker's own channel) rather than wait for their poll.
        await this.pool.query(`select pg_notify('jobs:insert', $1)`, [JSON.stringify({ count: released })]);
        this.log(
          `job queue: released ${released} job(s) held by dead worker(s) ${dead.join(", ")}; the live workers take them over`,
        );
      } catch (e) {
        if (!this.closed) this.log(`job queue: dead-worker check failed: ${(e as Error).message}`);
      }
    })();
    try {
      await this.reaping;
    } finally {
      this.reaping = null;
    }
    return released;
  }

  /** Stops taking jobs, waits for the running ones, and closes the connections. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    if (this.reapTimer) clearTimeout(this.reapTimer);
    this.reapTimer = null;
    await this.reaping?.catch(() => undefined);
    await this.rebuilding;
    const runner = this.runner;
    this.runner = null;
    if (runner) {
      await runner.stop().catch((e: unknown) => this.log(`job queue: stop: ${String(e)}`));
      await runner.promise.catch(() => undefined);
    }
    await Promise.all([...this.retiring]);
    this.closed = true;
    await this.utils?.release();
    const presence = this.presence;
    this.presence = null;
    await presence?.end().catch(() => undefined);
    await this.pool.end();
  }

  /** Resolves when no job is waiting (delayed ones included) or running. */
  async drain(): Promise<void> {
    await this.init();
    for (;;) {
      const { pending } = await this.counts();
      if (pending === 0) return;
      await new Promise((r) => setTimeout(r, this.opts.drainPollMs ?? 200));
    }
  }

  /** Jobs not finished (waiting, delayed or running), running ones, and permanently failed ones. */
  async counts(): Promise<{ pending: number; running: number; failed: number }> {
    await this.init();
    const { rows } = await this.pool.query<{ pending: string; running: string; failed: string }>(
      `select count(*) filter (where locked_at is not null or attempts < max_attempts) as pending,
              count(*) filter (where locked_at is not null) as running,
              count(*) filter (where locked_at is null and attempts >= max_attempts) as failed
         from ${this.schema}.jobs`,
    );
    const r = rows[0];
    return {
      pending: Number(r?.pending ?? 0),
      running: Number(r?.running ?? 0),
      failed: Number(r?.failed ?? 0),
    };
  }
}
