/**
 * Per-API quotas like Enedis' gateway: at most `perSecond` calls in any 1-second window and `perHour`
 * in any 1-hour window, per scope (one scope per API). Sliding logs of accepted calls, on the injected
 * clock. A refused call does not count.
 */
export interface QuotaDecision {
  allowed: boolean;
  /** Which limit refused: Q3 = per second, Q4 = per hour (Enedis' names). */
  limit?: "Q3" | "Q4";
  /** When a call would be accepted again (epoch ms). */
  retryAtMs?: number;
}

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;

/** Accepted-call instants of one scope, oldest first (a queue with a moving head). */
class CallLog {
  private items: number[] = [];
  private head = 0;

  prune(beforeOrAt: number): void {
    while (this.head < this.items.length && (this.items[this.head] as number) <= beforeOrAt) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  get size(): number {
    return this.items.length - this.head;
  }
  /** The k-th newest entry (k = 1 is the newest). */
  fromEnd(k: number): number {
    return this.items[this.items.length - k] as number;
  }
  push(t: number): void {
    this.items.push(t);
  }
}

interface ScopeState {
  hour: CallLog;
}

export class QuotaLimiter {
  private readonly scopes = new Map<string, ScopeState>();

  constructor(
    private readonly perSecond: number,
    private readonly perHour: number,
  ) {}

  /** Counts the call when allowed; otherwise says when to retry. */
  take(scope: string, nowMs: number): QuotaDecision {
    let s = this.scopes.get(scope);
    if (!s) {
      s = { hour: new CallLog() };
      this.scopes.set(scope, s);
    }
    s.hour.prune(nowMs - HOUR_MS);
    // Calls in the last second: the tail of the hourly log.
    let inSecond = 0;
    while (inSecond < s.hour.size && s.hour.fromEnd(inSecond + 1) > nowMs - SECOND_MS) inSecond++;
    if (inSecond >= this.perSecond) {
      // The window frees up when the perSecond-th newest call leaves it.
      return { allowed: false, limit: "Q3", retryAtMs: s.hour.fromEnd(this.perSecond) + SECOND_MS };
    }
    if (s.hour.size >= this.perHour) {
      return { allowed: false, limit: "Q4", retryAtMs: s.hour.fromEnd(this.perHour) + HOUR_MS };
    }
    s.hour.push(nowMs);
    return { allowed: true };
  }

  /** Calls counted per scope in the last hour (for the request log). */
  usage(nowMs: number): Record<string, { lastSecond: number; lastHour: number }> {
    const out: Record<string, { lastSecond: number; lastHour: number }> = {};
    for (const [scope, s] of this.scopes) {
      s.hour.prune(nowMs - HOUR_MS);
      let inSecond = 0;
      while (inSecond < s.hour.size && s.hour.fromEnd(inSecond + 1) > nowMs - SECOND_MS) inSecond++;
      out[scope] = { lastSecond: inSecond, lastHour: s.hour.size };
    }
    return out;
  }
}
