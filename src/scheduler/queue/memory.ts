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

/** A binary min-heap (the queue's ready and delayed jobs: O(log n) per job, not a scan of them all). */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  values(): readonly T[] {
    return this.items;
  }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export class MemoryQueue implements JobQueue {
  readonly kind = "memory";
  /** Runnable jobs, by priority then age; delayed ones, by run time (moved over when due). */
  private readonly ready = new Heap<Entry>(
    (a, b) => a.opts.priority < b.opts.priority || (a.opts.priority === b.opts.priority && a.seq < b.seq),
  );
  private readonly delayed = new Heap<Entry>((a, b) => (a.opts.runAtMs ?? 0) < (b.opts.runAtMs ?? 0));
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

  private get waitingCount(): number {
    return this.ready.size + this.delayed.size;
  }

  private enqueue(e: Entry): void {
    if ((e.opts.runAtMs ?? 0) > this.now()) this.delayed.push(e);
    else this.ready.push(e);
  }

  async add(job: Job, opts: JobOptions): Promise<void> {
    if (this.keys.has(opts.key)) return;
    this.keys.add(opts.key);
    this.enqueue({ job, opts, seq: this.seq++, attempts: 0 });
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
    while (this.running > 0 || this.waitingCount > 0)
      await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** The jobs waiting (delayed ones included), oldest first. */
  pending(): Array<{ key: string; job: Job; runAtMs: number | null }> {
    return [...this.ready.values(), ...this.delayed.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ key: e.opts.key, job: e.job, runAtMs: e.opts.runAtMs ?? null }));
  }

  /** Keys of the jobs waiting (delayed ones included), oldest first. */
  pendingKeys(): string[] {
    return this.pending().map((p) => p.key);
  }

  /** The earliest run time of the delayed jobs (null: none delayed). */
  nextDelayedAtMs(): number | null {
    const e = this.delayed.peek();
    return e ? (e.opts.runAtMs ?? 0) : null;
  }

  size(): { waiting: number; running: number } {
    return { waiting: this.waitingCount, running: this.running };
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** The next runnable job, taken out of the queue: the delayed ones due first join the runnable ones. */
  private take(): Entry | undefined {
    const now = this.now();
    for (let d = this.delayed.peek(); d && (d.opts.runAtMs ?? 0) <= now; d = this.delayed.peek())
      this.ready.push(this.delayed.pop()!);
    // A job whose serial group is running waits (kept aside, then put back).
    const aside: Entry[] = [];
    let found: Entry | undefined;
    for (let e = this.ready.pop(); e; e = this.ready.pop()) {
      if (e.opts.serialGroup && this.busyGroups.has(e.opts.serialGroup)) aside.push(e);
      else {
        found = e;
        break;
      }
    }
    for (const e of aside) this.ready.push(e);
    return found;
  }

  private schedulePump(): void {
    if (this.timer || !this.handler) return;
    const at = this.nextDelayedAtMs();
    if (at === null) return;
    const delay = at - this.now();
    if (delay <= 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.min(delay, 60_000),
    );
    this.timer.unref();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 2;
    while (this.handler && this.running < limit) {
      const entry = this.take();
      if (!entry) break;
      this.run(entry);
    }
    this.schedulePump();
    // Only delayed jobs left: drain() waiters that want "nothing runnable" are still told when it empties.
    if (this.running === 0 && this.waitingCount === 0) this.notifyIdle();
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
          this.enqueue({
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
