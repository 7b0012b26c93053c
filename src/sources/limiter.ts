/** The rate limiter a source asks before every call (any source; the shared one is in the scheduler). */
export interface QuotaLimiter {
  /** Resolves when a call to `api` may be sent now (and counts it). */
  acquire(api: string): Promise<void>;
  /** The source said 429: nobody calls `api` before `untilMs` (`reason` says which quota, for people). */
  pause(api: string, untilMs: number, reason?: string): void;
}

export interface QuotaSettings {
  perSecond: number;
  perHour: number;
}
