/**
 * Work started by a request that must not hold the request up (the first sync after a consent). Each task
 * runs once per key at a time; `idle()` waits for all of them (tests, shutdown). A failure is logged,
 * never thrown into the request that started it.
 */
export class BackgroundTasks {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly log: (message: string) => void) {}

  /** Starts `fn` unless a task with the same key is running; true when started. */
  start(key: string, fn: () => Promise<unknown>): boolean {
    if (this.running.has(key)) return false;
    const p = (async () => {
      try {
        await fn();
      } catch (e) {
        this.log(`background ${key}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, p);
    return true;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task started so far (and those they start) has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }
}
