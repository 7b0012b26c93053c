/**
 * Tomorrow's Tempo colour, fetched by `serve` and `worker` once it is published (late morning: RTE
 * publishes day D+1 around 10:30-11:00 Paris time), through the configured provider.
 *
 * - Before `fetchAfter` (10:40 Paris by default) it wants the colours up to today; from then on, up to
 *   tomorrow. Missing days among the last 7 are asked too (a process that was down catches up).
 * - Everything wanted is stored: nothing to do until `fetchAfter` of the next day, no call.
 * - Something is missing after a call (not published yet): again in `retryMinutes` (30).
 * - A transient failure (unreachable, 429, 5xx): again after a backoff doubling from `retryMinutes`, at
 *   most 3 hours; a setting to fix (401, a bad answer): logged, again in 6 hours.
 * So a provider is asked a handful of times a day at most, whatever the number of processes: each asks
 * only for what the shared store lacks, and the first that stores tomorrow's colour stops the others.
 *
 * A timer wakes every `tickMs` (a minute) and compares the clock with the next attempt, so a process clock
 * that jumps (tests, suspend) is followed. `runOnce()` is the whole decision, for tests.
 */
import type { EventBus } from "../../app/events.js";
import { addDays, parisDayStartMs, parisOffsetMs, parisToday, type LocalDate } from "../../domain/time.js";
import type { Repositories } from "../../store/index.js";
import { TempoProviderError, type TempoProvider } from "./provider.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Days back whose missing colours are asked again. */
export const TEMPO_CATCH_UP_DAYS = 7;

/** The instant of a Paris wall-clock minute of a day (daylight-saving days included). */
export function parisWallInstant(day: LocalDate, minuteOfDay: number): number {
  const midnight = parisDayStartMs(day);
  const t = midnight + minuteOfDay * MINUTE_MS;
  return t - (parisOffsetMs(t) - parisOffsetMs(midnight));
}

/** `HH:MM` → minute of the day. */
export function minuteOfHhMm(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export interface TempoFetcherOptions {
  store: Repositories;
  provider: TempoProvider;
  now: () => number;
  log: (message: string) => void;
  events?: EventBus | undefined;
  /** `HH:MM` Paris from which tomorrow's colour is asked (config `tempo.fetchAfter`, 10:40). */
  fetchAfter?: string;
  /** Minutes between attempts while a colour is missing (config `tempo.retryMinutes`, 30). */
  retryMinutes?: number;
  /** How often the timer compares the clock with the next attempt, ms (default 60 s; 0: no timer). */
  tickMs?: number;
}

export interface TempoRun {
  /** Whether the provider was called. */
  called: boolean;
  /** Days stored by this run. */
  stored: LocalDate[];
  /** Days still wanted and missing. */
  missing: LocalDate[];
  /** When the next attempt is due (epoch ms). */
  nextMs: number;
  error?: string;
}

export class TempoFetcher {
  readonly name = "tempo";
  private timer: NodeJS.Timeout | null = null;
  private nextMs = 0;
  private failures = 0;
  private running: Promise<TempoRun> | null = null;
  private readonly afterMin: number;
  private readonly retryMs: number;

  constructor(private readonly opts: TempoFetcherOptions) {
    this.afterMin = minuteOfHhMm(opts.fetchAfter ?? "10:40");
    this.retryMs = (opts.retryMinutes ?? 30) * MINUTE_MS;
  }

  /** When the next attempt is due (epoch ms; 0 before the first run). */
  get nextAttemptMs(): number {
    return this.nextMs;
  }

  async start(): Promise<void> {
    this.opts.log(
      `tempo: tomorrow's colour from ${this.opts.provider.name}, asked from ${this.opts.fetchAfter ?? "10:40"} Paris time`,
    );
    const every = this.opts.tickMs ?? MINUTE_MS;
    if (every > 0) {
      this.timer = setInterval(() => void this.tick(), every);
      this.timer.unref();
    }
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs when the next attempt is due (the timer's job). */
  async tick(): Promise<TempoRun | null> {
    if (this.running || this.opts.now() < this.nextMs) return null;
    return this.runOnce();
  }

  /** Looks at what is stored, asks the provider for what is missing, and plans the next attempt. */
  runOnce(): Promise<TempoRun> {
    this.running ??= this.attempt().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async attempt(): Promise<TempoRun> {
    const { store, provider, log } = this.opts;
    const now = this.opts.now();
    const today = parisToday(now);
    const publishedMs = parisWallInstant(today, this.afterMin);
    const lastWanted = now >= publishedMs ? addDays(today, 1) : today;
    const nextPublication =
      now >= publishedMs ? parisWallInstant(addDays(today, 1), this.afterMin) : publishedMs;
    const first = addDays(today, -TEMPO_CATCH_UP_DAYS);
    const missingOf = async () => {
      const known = new Set((await store.tariffs.tempoDays(first, addDays(lastWanted, 1))).map((d) => d.day));
      const out: LocalDate[] = [];
      for (let d = first; d <= lastWanted; d = addDays(d, 1)) if (!known.has(d)) out.push(d);
      return out;
    };
    let missing = await missingOf();
    if (missing.length === 0) {
      this.failures = 0;
      this.nextMs = nextPublication;
      return { called: false, stored: [], missing, nextMs: this.nextMs };
    }
    let stored: LocalDate[] = [];
    try {
      const days = (await provider.colours(missing[0]!, addDays(lastWanted, 1))).filter((d) =>
        missing.includes(d.day),
      );
      if (days.length > 0) {
        await store.tariffs.saveTempoDays(days.map((d) => ({ ...d, source: provider.name })));
        stored = days.map((d) => d.day);
        log(`tempo: ${stored.length} colour(s) from ${provider.name} (${stored[0]} to ${stored.at(-1)})`);
        this.opts.events?.emit("tempo.updated", { days: stored, source: provider.name });
      }
      this.failures = 0;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const transient = !(e instanceof TempoProviderError) || e.transient;
      this.failures++;
      const wait = transient ? Math.min(3 * HOUR_MS, this.retryMs * 2 ** (this.failures - 1)) : 6 * HOUR_MS;
      this.nextMs = now + wait;
      log(
        `tempo: ${message}; ${transient ? "trying again" : "check tempo.* in the configuration; trying again"} in ${Math.round(wait / MINUTE_MS)} min`,
      );
      return { called: true, stored, missing, nextMs: this.nextMs, error: message };
    }
    missing = await missingOf();
    this.nextMs = missing.length === 0 ? nextPublication : now + this.retryMs;
    return { called: true, stored, missing, nextMs: this.nextMs };
  }
}
