/**
 * Failed sign-ins, counted per (user name, address): after a few free failures each further attempt from
 * that address for that name must wait, twice as long each time (30 s, 1 min, 2 min… at most 15 min).
 * Keyed on the pair, not on the name alone, so that someone typing wrong passwords from elsewhere cannot
 * lock the real user out (a denial of service); the per-address request limit of the sign-in route
 * bounds how many names one address can try.
 */
export interface LoginThrottleOptions {
  /** Failures allowed before the first wait (default 3). */
  freeFailures?: number;
  /** The first wait (default 30 s); each further failure doubles it. */
  baseDelayMs?: number;
  /** The longest wait (default 15 min). */
  maxDelayMs?: number;
  /** A pair is forgotten this long after its last failure (default 1 h). */
  forgetAfterMs?: number;
  /** Pairs remembered at most (a flood of made-up names cannot grow memory without bound). */
  maxEntries?: number;
}

interface Entry {
  failures: number;
  lastMs: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly free: number;
  private readonly base: number;
  private readonly max: number;
  private readonly forget: number;
  private readonly cap: number;

  constructor(
    private readonly now: () => number,
    opts: LoginThrottleOptions = {},
  ) {
    this.free = opts.freeFailures ?? 3;
    this.base = opts.baseDelayMs ?? 30_000;
    this.max = opts.maxDelayMs ?? 15 * 60_000;
    this.forget = opts.forgetAfterMs ?? 3600_000;
    this.cap = opts.maxEntries ?? 10_000;
  }

  private key(username: string, address: string): string {
    return `${username.toLowerCase()}\u0000${address}`;
  }

  private entry(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastMs > this.forget) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** The wait after `failures` failures (0 while they are free). */
  delayAfter(failures: number): number {
    if (failures < this.free) return 0;
    return Math.min(this.max, this.base * 2 ** Math.min(30, failures - this.free));
  }

  /** Milliseconds this address must still wait before trying this name again (0: go ahead). */
  waitMs(username: string, address: string): number {
    const e = this.entry(this.key(username, address));
    if (!e) return 0;
    return Math.max(0, e.lastMs + this.delayAfter(e.failures) - this.now());
  }

  fail(username: string, address: string): void {
    const key = this.key(username, address);
    const e = this.entry(key);
    if (!e && this.entries.size >= this.cap) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    // Re-inserted so that the map's order stays "least recently failed first".
    this.entries.delete(key);
    this.entries.set(key, { failures: (e?.failures ?? 0) + 1, lastMs: this.now() });
  }

  succeed(username: string, address: string): void {
    this.entries.delete(this.key(username, address));
  }
}

/** "30 secondes", "2 minutes": a wait for people. */
export function frenchWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} seconde${s > 1 ? "s" : ""}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m > 1 ? "s" : ""}`;
}
