/**
 * The embedded job queue: in-process, bounded concurrency, priorities, deduplication by key, one job at
 * a time per serial group, delayed jobs. Jobs do not survive the process (the dispatcher's catch-up and
 * the sync's cursors make that harmless: a lost job is planned again at the next fire time).
 */
import type { Job, JobHandler, JobOptions, JobQueue } from "./types.js";

interface Entry {
  job: Job;
  opts: JobOptions;
  seq: number;
  attempts: number;
}

export interface MemoryQueueOptions {
  concurrency?: number;
  now?: () => number;
  log?: (message: string) => void;
  /** Delay before a failed job is tried again (ms). */
  retryDelayMs?: number;
}

export class MemoryQueue implements JobQueue {
  readonly kind = "memory";
  private readonly waiting: Entry[] = [];
  private readonly keys = new Set<string>();
  private readonly busyGroups = new Set<string>();
  private running = 0;
  private seq = 0;
  private handler: JobHandler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly opts: MemoryQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  async add(job: Job, opts: JobOptions): Promise<void> {
    if (this.keys.has(opts.key)) return;
    this.keys.add(opts.key);
    this.waiting.push({ job, opts, seq: this.seq++, attempts: 0 });
    this.pump();
  }

  async start(handler: JobHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async stop(): Promise<void> {
    this.handler = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Resolves when nothing is waiting or running (delayed jobs included). */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0)
      await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** The jobs waiting (delayed ones included), oldest first. */
  pending(): Array<{ key: string; job: Job; runAtMs: number | null }> {
    return [...this.waiting]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ key: e.opts.key, job: e.job, runAtMs: e.opts.runAtMs ?? null }));
  }

  /** Keys of the jobs waiting (delayed ones included), oldest first. */
  pendingKeys(): string[] {
    return this.pending().map((p) => p.key);
  }

  size(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private next(): Entry | undefined {
    const now = this.now();
    let best: Entry | undefined;
    for (const e of this.waiting) {
      if ((e.opts.runAtMs ?? 0) > now) continue;
      if (e.opts.serialGroup && this.busyGroups.has(e.opts.serialGroup)) continue;
      if (
        !best ||
        e.opts.priority < best.opts.priority ||
        (e.opts.priority === best.opts.priority && e.seq < best.seq)
      )
        best = e;
    }
    return best;
  }

  private schedulePump(): void {
    if (this.timer || !this.handler) return;
    const now = this.now();
    const delays = this.waiting.map((e) => (e.opts.runAtMs ?? 0) - now).filter((d) => d > 0);
    if (delays.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.min(...delays, 60_000),
    );
    this.timer.unref();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 2;
    while (this.handler && this.running < limit) {
      const entry = this.next();
      if (!entry) break;
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      this.run(entry);
    }
    this.schedulePump();
    if (this.running === 0 && this.waiting.every((e) => (e.opts.runAtMs ?? 0) > this.now())) {
      // Only delayed jobs left: drain() waiters that want "nothing runnable" are still told when it empties.
      if (this.waiting.length === 0) this.notifyIdle();
    }
  }

  private run(entry: Entry): void {
    const handler = this.handler!;
    const group = entry.opts.serialGroup;
    if (group) this.busyGroups.add(group);
    // Like graphile-worker: once a job runs, a new job with its key may be queued (e.g. the next backfill).
    this.keys.delete(entry.opts.key);
    this.running++;
    entry.attempts++;
    void handler(entry.job)
      .catch((e: unknown) => {
        const max = entry.opts.maxAttempts ?? 3;
        this.opts.log?.(
          `job ${entry.opts.key} failed (attempt ${entry.attempts}/${max}): ${e instanceof Error ? e.message : String(e)}`,
        );
        if (entry.attempts < max && !this.keys.has(entry.opts.key)) {
          this.keys.add(entry.opts.key);
          this.waiting.push({
            ...entry,
            opts: { ...entry.opts, runAtMs: this.now() + (this.opts.retryDelayMs ?? 30_000) },
          });
        }
      })
      .finally(() => {
        this.running--;
        if (group) this.busyGroups.delete(group);
        this.pump();
        this.notifyIdle();
      });
  }
}
