/**
 * Quiet hours: a user's window of Paris wall-clock time (`AlertSettings.quietHours`, `HH:MM`–`HH:MM`)
 * during which no alert is sent; an alert raised inside it waits for its end (`notBeforeMs` of the
 * deliveries). Pure.
 *
 * - A window whose start is after its end crosses midnight (22:00–07:00).
 * - Days of daylight-saving change: an end that does not exist that day (02:30 on the spring day) is
 *   taken as the first instant after the gap (03:00 summer time); one that exists twice (02:30 on the
 *   autumn day) as its first occurrence. Whether "now" is inside is decided on the wall clock.
 * - start = end: no quiet hours.
 */
import { DateTime } from "luxon";
import { PARIS } from "../domain/time.js";

export interface QuietHours {
  start: string;
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight of `HH:MM`, or null when malformed. */
export function parseHhMm(text: string): number | null {
  const m = HHMM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** True when `HH:MM`–`HH:MM` is a valid window (both well formed). */
export function isQuietHours(q: unknown): q is QuietHours {
  if (typeof q !== "object" || q === null) return false;
  const r = q as Record<string, unknown>;
  return (
    typeof r.start === "string" &&
    typeof r.end === "string" &&
    parseHhMm(r.start) !== null &&
    parseHhMm(r.end) !== null
  );
}

/**
 * The Paris instant of wall-clock minute `minuteOfDay` on `day`. Luxon moves a time in the spring gap
 * forward by the gap (02:30 becomes 03:30): brought back to the gap's end (03:00), the first instant after.
 */
function parisInstant(day: DateTime, minuteOfDay: number): number {
  const r = day.set({
    hour: Math.floor(minuteOfDay / 60),
    minute: minuteOfDay % 60,
    second: 0,
    millisecond: 0,
  });
  return r.hour * 60 + r.minute === minuteOfDay ? r.toMillis() : r.set({ minute: 0 }).toMillis();
}

/**
 * When an alert raised at `nowMs` may be delivered: `nowMs` outside the quiet hours, else the end of the
 * window it is in (today's end, or tomorrow's for a window crossing midnight entered in the evening).
 */
export function notBeforeMs(nowMs: number, quiet: QuietHours | null | undefined): number {
  if (!quiet || !isQuietHours(quiet)) return nowMs;
  const start = parseHhMm(quiet.start) as number;
  const end = parseHhMm(quiet.end) as number;
  if (start === end) return nowMs;
  const local = DateTime.fromMillis(nowMs, { zone: PARIS });
  const minute = local.hour * 60 + local.minute;
  const today = local.startOf("day");
  if (start < end) {
    // Same-day window, [start, end).
    if (minute < start || minute >= end) return nowMs;
    return Math.max(nowMs, parisInstant(today, end));
  }
  // Crossing midnight: [start, 24:00) ∪ [00:00, end).
  if (minute >= start) return parisInstant(today.plus({ days: 1 }), end);
  if (minute < end) return Math.max(nowMs, parisInstant(today, end));
  return nowMs;
}
