/**
 * What a 429 means and how long to pause its API (issue "close to the wire"). Enedis has two quotas per
 * application and API: Q3, 5 calls per second, and Q4, calls per hour (1,000 in Data Connect 2026).
 * A refusal is read, in this order:
 *
 * 1. by its code or message: "Quota Q3 reached" / "Quota Q4 reached" (legacy v5 bodies);
 * 2. failing both (2026's bare "SLA dépassé"), by the shared limiter's own count: an hour that already
 *    holds the hourly quota's worth of calls means Q4, and so does a `Retry-After` more than two seconds
 *    away (the server's own word); anything else is taken as the per-second quota, the only one a
 *    well-spaced caller can still meet (clock skew, another application's client id).
 *
 * Then the pause: a per-second refusal waits about a second (with jitter, so that processes do not come
 * back together); an hourly refusal waits until the oldest call of the shared ledger's hour is an hour
 * old. A time given by Enedis (`Retry-After`, or "Call threshold allowed on H:MM:SS", which has been seen
 * both as a duration, `0:00:01`, and as a Paris time of day) is taken as whichever reading is the nearest
 * future instant, and never beyond the window of the quota it names: one per-second refusal can no
 * longer pause an API until midnight.
 */
import { DateTime } from "luxon";
import { PARIS } from "../domain/time.js";

export type QuotaWindow = "second" | "hour";

/** The shared ledger's view of one API, at the time of the refusal. */
export interface QuotaUse {
  /** Calls in the last second and the last hour. */
  lastSecond: number;
  lastHour: number;
  /** The oldest call of the last hour (epoch ms), or null when the hour holds none. */
  oldestInHourMs: number | null;
}

export interface QuotaRefusal {
  /** The quota the answer names, if it names one. */
  window: QuotaWindow | null;
  /** A retry time the answer gives (header or message), already the nearest future reading. */
  retryAtMs: number | null;
}

export interface QuotaPause {
  untilMs: number;
  window: QuotaWindow;
  /** For people: which quota and why this long (status, logs). */
  reason: string;
}

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;

/** The window a code or message names (`Q3`, `Q4`), or null. */
export function quotaWindowOf(code: string | undefined, message: string): QuotaWindow | null {
  const text = `${code ?? ""} ${message}`;
  if (/\bQ3\b|per[- ]second|par seconde/i.test(text)) return "second";
  if (/\bQ4\b|per[- ]hour|par heure|horaire/i.test(text)) return "hour";
  return null;
}

/**
 * "Call threshold allowed on H:MM:SS" read both ways, as a duration from now and as the next Paris time
 * of day; the nearest future instant of the two, or null when the message has no such time.
 */
export function thresholdTimeOf(message: string, nowMs: number): number | null {
  const m = /(\d{1,2}):(\d{2}):(\d{2})/.exec(message);
  if (!m || !/threshold|allowed|seuil|autoris/i.test(message)) return null;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const asDuration = nowMs + ((h * 60 + min) * 60 + s) * SECOND_MS;
  let clock = DateTime.fromMillis(nowMs, { zone: PARIS }).set({
    hour: h,
    minute: min,
    second: s,
    millisecond: 0,
  });
  if (clock.toMillis() <= nowMs) clock = clock.plus({ days: 1 });
  const candidates = [asDuration, clock.isValid ? clock.toMillis() : Number.POSITIVE_INFINITY].filter(
    (t) => t > nowMs,
  );
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

/** The pause of an API after a refusal. `random` gives [0, 1) (jitter). */
export function decideQuotaPause(o: {
  refusal: QuotaRefusal;
  use: QuotaUse | null;
  perHour: number;
  nowMs: number;
  random?: () => number;
  /** Past the hour of the oldest call, as the shared limiter waits (default 1 s). */
  hourMarginMs?: number;
}): QuotaPause {
  const { refusal, use, nowMs } = o;
  const random = o.random ?? Math.random;
  const hourFull = use !== null && use.lastHour >= o.perHour;
  // No quota named: a full ledger hour, or a retry time beyond a second or two (Retry-After is the
  // server's own word), means the hourly one; anything else the per-second one.
  const later = refusal.retryAtMs !== null && refusal.retryAtMs > nowMs + 2 * SECOND_MS;
  const window: QuotaWindow = refusal.window ?? (hourFull || later ? "hour" : "second");
  if (window === "second") {
    // About a second, never more than the window it names (a given time within it is kept).
    const jittered = nowMs + Math.round(SECOND_MS * (0.75 + 0.5 * random()));
    const given = refusal.retryAtMs;
    const untilMs =
      given !== null && given <= nowMs + 2 * SECOND_MS ? Math.max(given, nowMs + 200) : jittered;
    const named = refusal.window === "second" ? "Q3" : "not named by Enedis";
    return { untilMs, window, reason: `per-second quota (${named}): about a second` };
  }
  // The hour: until the oldest call of the ledger's hour is an hour old (bounded by one hour from now).
  const margin = o.hourMarginMs ?? SECOND_MS;
  const fromLedger =
    use?.oldestInHourMs !== null && use?.oldestInHourMs !== undefined
      ? use.oldestInHourMs + HOUR_MS + margin
      : null;
  const bound = nowMs + HOUR_MS;
  const candidates = [fromLedger, refusal.retryAtMs].filter((t): t is number => t !== null && t > nowMs);
  const untilMs = Math.min(bound, candidates.length > 0 ? Math.min(...candidates) : bound);
  const named =
    refusal.window === "hour"
      ? "Q4"
      : hourFull
        ? `the ledger holds ${use?.lastHour ?? "?"} calls this hour`
        : "the retry time Enedis gave";
  return { untilMs, window, reason: `hourly quota (${named}): until the hour's oldest call is an hour old` };
}
