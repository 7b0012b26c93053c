/**
 * Enedis' quotas are per application and per API: 5 calls/s and 1,000 calls/h each (Data Connect 2026).
 * The client asks a `QuotaLimiter` before every call; a 429 pauses the API for everyone using the
 * limiter. This in-process limiter serves one process (embedded mode); a limiter shared through the
 * database implements the same interface for several workers.
 */

import type { QuotaLimiter, QuotaSettings } from "../sources/limiter.js";

export type { QuotaLimiter, QuotaSettings };

/** No limit at all (tests of other things). */
export const unlimited: QuotaLimiter = {
  acquire: async () => {},
  pause: () => {},
};

export interface InProcessLimiterOptions extends QuotaSettings {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Extra spacing of the per-second window, for the latency between our clock and Enedis'. */
  marginMs?: number;
  /** Per-API overrides (e.g. a gateway with other limits). */
  perApi?: Record<string, Partial<QuotaSettings>>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sliding-window limiter, per API, for one process. */
export class InProcessQuotaLimiter implements QuotaLimiter {
  private readonly calls = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: InProcessLimiterOptions) {
    if (!(opts.perSecond > 0) || !(opts.perHour > 0)) throw new RangeError("quotas must be positive");
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  private limits(api: string): QuotaSettings {
    const o = this.opts.perApi?.[api] ?? {};
    return { perSecond: o.perSecond ?? this.opts.perSecond, perHour: o.perHour ?? this.opts.perHour };
  }

  /** How long to wait before a call to `api` may go; 0 = now. */
  waitMs(api: string): number {
    const now = this.now();
    const { perSecond, perHour } = this.limits(api);
    const secondWindow = 1000 + (this.opts.marginMs ?? 50);
    const list = this.calls.get(api) ?? [];
    while (list.length > 0 && (list[0] as number) <= now - 3_600_000) list.shift();
    let wait = Math.max(0, (this.pausedUntil.get(api) ?? 0) - now);
    if (list.length >= perHour)
      wait = Math.max(wait, (list[list.length - perHour] as number) + 3_600_000 - now);
    if (list.length >= perSecond) {
      const nth = list[list.length - perSecond] as number;
      if (nth > now - secondWindow) wait = Math.max(wait, nth + secondWindow - now);
    }
    return wait;
  }

  async acquire(api: string): Promise<void> {
    for (;;) {
      const wait = this.waitMs(api);
      if (wait <= 0) {
        const list = this.calls.get(api) ?? [];
        list.push(this.now());
        this.calls.set(api, list);
        return;
      }
      await this.sleep(wait);
    }
  }

  pause(api: string, untilMs: number): void {
    this.pausedUntil.set(api, Math.max(untilMs, this.pausedUntil.get(api) ?? 0));
  }

  /** Calls counted in the last hour, per API (status, /stats). */
  usage(): Record<string, { lastSecond: number; lastHour: number; pausedUntilMs: number | null }> {
    const now = this.now();
    const out: Record<string, { lastSecond: number; lastHour: number; pausedUntilMs: number | null }> = {};
    for (const [api, list] of this.calls) {
      const paused = this.pausedUntil.get(api) ?? 0;
      out[api] = {
        lastSecond: list.filter((t) => t > now - 1000).length,
        lastHour: list.filter((t) => t > now - 3_600_000).length,
        pausedUntilMs: paused > now ? paused : null,
      };
    }
    return out;
  }
}
