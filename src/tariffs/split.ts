/**
 * Cutting an interval of time at Paris wall-clock boundaries (midnight, off-peak window edges, 06:00 and
 * 22:00 for Tempo), with the two daylight-saving changes handled as the clock handles them: on the spring
 * day 02:00–03:00 does not exist (no segment is ever in it), on the autumn day 02:00–03:00 happens twice
 * (two segments, each classified by its own wall-clock time, each priced once).
 *
 * Instants are UTC epoch ms; a "day number" is the Paris calendar day as whole days since 1970-01-01
 * (cheap to compare and to key arrays by; `dayOfNumber` gives the `YYYY-MM-DD`).
 */
import { parisOffsetFast, parisSummerTime } from "../domain/paris-fast.js";
import type { LocalDate } from "../domain/time.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const dayNames = new Map<number, LocalDate>();

/** `YYYY-MM-DD` of a day number. */
export function dayOfNumber(n: number): LocalDate {
  let s = dayNames.get(n);
  if (s === undefined) {
    s = new Date(n * DAY_MS).toISOString().slice(0, 10);
    dayNames.set(n, s);
  }
  return s;
}

/** Day number of a `YYYY-MM-DD`. */
export function numberOfDay(d: LocalDate): number {
  return Math.round(
    Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / DAY_MS,
  );
}

/**
 * Calls `visit` for each piece of [startMs, endMs) that lies in one Paris day and between two consecutive
 * `boundariesOf(day)` minutes (sorted wall-clock minutes of the day, 0 < b < 1440; midnight is always a
 * boundary). `wallMin` is the Paris wall-clock minute of the day the piece starts at.
 */
export function forEachSegment(
  startMs: number,
  endMs: number,
  boundariesOf: (dayNumber: number) => readonly number[],
  visit: (dayNumber: number, wallMin: number, fromMs: number, toMs: number) => void,
): void {
  let t = startMs;
  while (t < endMs) {
    const wallMs = t + parisOffsetFast(t);
    const dayNumber = Math.floor(wallMs / DAY_MS);
    const wallMin = (wallMs - dayNumber * DAY_MS) / MINUTE_MS;
    let nextMin = 1440;
    for (const b of boundariesOf(dayNumber)) {
      if (b > wallMin) {
        nextMin = b;
        break;
      }
    }
    let next = t + (nextMin - wallMin) * MINUTE_MS;
    // A change of offset before that boundary: the wall clock jumps there, so stop and look again.
    const st = parisSummerTime(new Date(t).getUTCFullYear());
    if (st.startMs > t && st.startMs < next) next = st.startMs;
    if (st.endMs > t && st.endMs < next) next = st.endMs;
    const to = next < endMs ? next : endMs;
    visit(dayNumber, wallMin, t, to);
    t = to;
  }
}
