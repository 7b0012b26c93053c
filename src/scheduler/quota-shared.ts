/**
 * The quota limiter shared by every process of the application, through the database: Enedis counts
 * 5 calls/s and 1,000 calls/h per API for the whole application, whatever the number of workers.
 * Calls are spaced evenly within the per-second quota, and at most `perHour` fall in any hour; a 429
 * pauses the API for every process until Enedis' retry time.
 */
import type { QuotaLimiter, QuotaSettings } from "../sources/limiter.js";
import { QuotaExceededError } from "../domain/errors.js";
import type { Store } from "../store/index.js";
import type { QuotaUseRow } from "../store/repositories/scheduler.js";
import { interactivePerHour, interactiveUser, InteractiveQuotaError } from "./interactive.js";

export interface SharedLimiterOptions extends QuotaSettings {
  /**
   * Extra spacing per call, for the jitter between our clock and Enedis' (default 5% of the spacing, at
   * most 10 ms: 10 ms at Enedis' 5 calls/s; a fixed 10 ms would cap a high test quota at ~90 calls/s).
   */
  marginMs?: number;
  /**
   * When an hour already holds `perHour` calls, the next one waits this long past the hour of the oldest
   * (default 1 s): a call that reached Enedis late must have left Enedis' hour too. Compressed clocks
   * scale it (1 s of real jitter is 60 s of a 60-times faster clock).
   */
  hourMarginMs?: number;
  /**
   * A caller that gets to its slot later than this (a late wake on a loaded machine, a slow commit) does
   * not call: it could bunch with the next process' call. It takes a new slot (the old one stays counted).
   * Default perSecond × interval − 1 s, i.e. perSecond × margin (50 ms at 5 calls/s): any perSecond + 1
   * calls, each sent within this of its slot, then still span a second; and at most `hourMarginMs`, for
   * the hour's bound. Compressed clocks scale it.
   */
  lateToleranceMs?: number;
  /** Slots one acquire takes at most before it calls anyway, however late (default 5: no livelock). */
  maxSlotAttempts?: number;
  /**
   * Share of each API's hourly quota that calls made on a user's behalf (`onBehalfOf`) may use together
   * (config `enedis.quota.interactiveShare`); unset: no interactive limit.
   */
  interactiveShare?: number;
  /**
   * Longest wait for a slot (default: no bound). A caller whose slot is further away (an API paused by
   * Enedis for the hour, a spent hour) gets a `QuotaExceededError` saying which API waits until when and
   * why, instead of sleeping silently: the CLI `sync` sets a minute.
   */
  maxWaitMs?: number;
  /** Quota clock; real time by default (tests compress it). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

export class SharedQuotaLimiter implements QuotaLimiter {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private pending: Promise<void> = Promise.resolve();
  private readonly waitListeners = new Set<(api: string, waitMs: number) => void>();
  /** See `SharedLimiterOptions.maxWaitMs`; the CLI sets it after construction. */
  maxWaitMs: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: SharedLimiterOptions,
  ) {
    if (!(opts.perSecond > 0) || !(opts.perHour > 0)) throw new RangeError("quotas must be positive");
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxWaitMs = opts.maxWaitMs;
  }

  /** Spacing of two calls to one API: the per-second quota plus the margin. */
  get intervalMs(): number {
    const base = 1000 / this.opts.perSecond;
    return base + (this.opts.marginMs ?? Math.min(10, base * 0.05));
  }

  /** How late after its slot a caller may still call (see `lateToleranceMs`). */
  get lateToleranceMs(): number {
    // perSecond + 1 slots span at least perSecond × interval (whole ms, as the database spaces them): calls
    // each within `tol` of its slot span perSecond × interval − tol, a second or more while tol ≤ that − 1 s.
    // The hour's margin bounds it too: a call later than that after its slot could fall in the hour of the
    // call that waited for the oldest slot to leave it.
    return (
      this.opts.lateToleranceMs ??
      Math.min(
        Math.max(0, this.opts.perSecond * Math.ceil(this.intervalMs) - 1000),
        this.opts.hourMarginMs ?? 1000,
      )
    );
  }

  async acquire(api: string): Promise<void> {
    await this.pending;
    const userId = interactiveUser();
    if (userId !== null && this.opts.interactiveShare !== undefined) {
      const allowed = await this.store.scheduler.reserveInteractiveCall({
        api,
        nowMs: this.now(),
        maxPerHour: interactivePerHour(this.opts.interactiveShare, this.opts.perHour),
        userId,
      });
      if (!allowed) throw new InteractiveQuotaError(api);
    }
    const attempts = this.opts.maxSlotAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const slot = await this.store.scheduler.reserveQuotaSlot({
        api,
        nowMs: this.now(),
        now: this.now,
        secondIntervalMs: this.intervalMs,
        perHour: this.opts.perHour,
        hourMarginMs: this.opts.hourMarginMs ?? 1000,
      });
      const wait = slot - this.now();
      if (this.maxWaitMs !== undefined && wait > this.maxWaitMs) {
        // The slot stays counted (a reserved slot is not given back); saying so beats sleeping for it.
        const row = (await this.store.scheduler.quotaRows(this.now())).find((r) => r.api === api);
        const paused = row !== undefined && row.pausedUntilMs >= slot - this.intervalMs;
        const why = paused && row.pauseReason ? row.pauseReason : `the hour holds ${this.opts.perHour} calls`;
        throw new QuotaExceededError(
          `${api} is paused until ${new Date(slot).toISOString()} (${why}): more than the ${Math.round(this.maxWaitMs / 1000)} s this run may wait`,
          { api, retryAtMs: slot },
        );
      }
      if (wait > 0) {
        for (const l of this.waitListeners) l(api, wait);
        await this.sleep(wait);
      }
      const late = this.now() - slot;
      if (late <= this.lateToleranceMs) return;
      if (attempt >= attempts) {
        this.opts.log?.(
          `quota: ${api}: ${Math.round(late)} ms late for its slot after ${attempt} slots; calling anyway`,
        );
        return;
      }
      // Calling now could bunch with another process' next call: a new slot, after the others.
      this.opts.log?.(`quota: ${api}: ${Math.round(late)} ms late for its slot; taking a new one`);
    }
  }

  /** Adds a listener told of every wait for a quota slot (API, ms); returns the function that removes it. */
  observeWaits(listener: (api: string, waitMs: number) => void): () => void {
    this.waitListeners.add(listener);
    return () => {
      this.waitListeners.delete(listener);
    };
  }

  /** Share of the hourly quota of `api` used in the last hour (0..1). */
  async load(api: string): Promise<number> {
    const row = (await this.store.scheduler.quotaRows(this.now())).find((r) => r.api === api);
    return row ? row.lastHour / this.opts.perHour : 0;
  }

  /** The shared ledger's calls of the last second and hour of `api` (what a 429 is read against). */
  async use(api: string): Promise<QuotaUseRow & { perHour: number }> {
    return { ...(await this.store.scheduler.quotaUse(api, this.now())), perHour: this.opts.perHour };
  }

  pause(api: string, untilMs: number, reason?: string): void {
    // The interface is synchronous; the next acquire waits for the pause to be written.
    this.pending = this.store.scheduler.pauseQuota(api, untilMs, reason ?? null).catch((e: unknown) => {
      this.opts.log?.(`quota pause of ${api} not recorded: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
}
