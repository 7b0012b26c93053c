/** The rate limiter a source asks before every call (any source; the shared one is in the scheduler). */
export interface QuotaLimiter {
  /** Resolves when a call to `api` may be sent now (and counts it). */
  acquire(api: string): Promise<void>;
  /** Enedis said 429: nobody calls `api` before `untilMs`. */
  pause(api: string, untilMs: number): void;
}

export interface QuotaSettings {
  perSecond: number;
  perHour: number;
}
