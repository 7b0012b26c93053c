/**
 * Fast Europe/Paris arithmetic for the synthetic model, which evaluates hundreds of thousands of
 * intervals (a 36-month index walks every day since activation). It applies the EU rule in force since
 * 1996 (summer time from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC);
 * the tests check it against luxon (src/domain/time.ts), which stays the reference elsewhere.
 */
import type { LocalDate } from "../domain/time.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const dstCache = new Map<number, { startMs: number; endMs: number }>();

function lastSundayUtc(year: number, month0: number): number {
  const lastDay = new Date(Date.UTC(year, month0 + 1, 0));
  return Date.UTC(year, month0, lastDay.getUTCDate() - lastDay.getUTCDay());
}

/** Summer time of a year: [startMs, endMs) in UTC. */
export function dstBounds(year: number): { startMs: number; endMs: number } {
  let b = dstCache.get(year);
  if (!b) {
    b = { startMs: lastSundayUtc(year, 2) + HOUR_MS, endMs: lastSundayUtc(year, 9) + HOUR_MS };
    dstCache.set(year, b);
  }
  return b;
}

/** Paris UTC offset at an instant, in milliseconds. */
export function parisOffsetAt(ms: number): number {
  const { startMs, endMs } = dstBounds(new Date(ms).getUTCFullYear());
  return ms >= startMs && ms < endMs ? 2 * HOUR_MS : HOUR_MS;
}

/** Paris wall-clock fields of an instant. */
export interface ParisFields {
  /** Local date `YYYY-MM-DD`. */
  date: LocalDate;
  /** Minutes since local midnight (wall clock). */
  minuteOfDay: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** 1-based day of the year. */
  dayOfYear: number;
  month: number;
}

export function parisFields(ms: number): ParisFields {
  const local = new Date(ms + parisOffsetAt(ms));
  const y = local.getUTCFullYear();
  const midnight = Date.UTC(y, local.getUTCMonth(), local.getUTCDate());
  return {
    date: local.toISOString().slice(0, 10),
    minuteOfDay: Math.floor((local.getTime() - midnight) / MINUTE_MS),
    weekday: ((local.getUTCDay() + 6) % 7) + 1,
    dayOfYear: Math.floor((midnight - Date.UTC(y, 0, 1)) / DAY_MS) + 1,
    month: local.getUTCMonth() + 1,
  };
}

/** The instant a Paris wall-clock time of a date stands for (hours that exist: not the spring gap). */
export function parisWallToMs(date: LocalDate, hour = 0, minute = 0): number {
  const naive = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
    hour,
    minute,
  );
  // Offsets change at 02:00/03:00 local; reading the offset one hour before the naive instant is right
  // for every wall time outside the changeover hour itself.
  return naive - parisOffsetAt(naive - 2 * HOUR_MS);
}

/** Paris midnight starting `date` and the next one: a 23, 24 or 25-hour interval. */
export function parisDay(date: LocalDate): { startMs: number; endMs: number } {
  const startMs = parisWallToMs(date);
  const next = new Date(
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + 1),
  );
  return { startMs, endMs: parisWallToMs(next.toISOString().slice(0, 10)) };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD HH:mm:ss` Paris wall-clock label of an instant, the way Enedis writes points. */
export function parisLabel(ms: number): string {
  const l = new Date(ms + parisOffsetAt(ms));
  return (
    `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())} ` +
    `${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}:${pad(l.getUTCSeconds())}`
  );
}

/** `YYYY-MM-DDT00:00:00+0200`: a date at Paris midnight with a colon-less offset (ITC style). */
export function parisMidnightWithOffset(date: LocalDate): string {
  const off = parisOffsetAt(parisWallToMs(date)) / HOUR_MS;
  return `${date}T00:00:00+0${off}00`;
}

/** `YYYY-MM-DD+01:00`: a date with the Paris offset of that day (v5 customers style). */
export function parisDateWithOffset(date: LocalDate): string {
  const off = parisOffsetAt(parisWallToMs(date)) / HOUR_MS;
  return `${date}+0${off}:00`;
}

/** Paris `HH:mm:ss` of an instant. */
export function parisClock(ms: number): string {
  return parisLabel(ms).slice(11);
}
