/**
 * Time in linky-dataconnect.
 *
 * Every stored instant is a UTC epoch in milliseconds plus an interval length in minutes. Europe/Paris
 * appears only where days are cut (Enedis' days run midnight to midnight, Paris time) and where people
 * read dates. A "local date" is a Paris calendar day written `YYYY-MM-DD`.
 */
import { DateTime } from "luxon";
import { parisDateFast, parisMidnightFast, parisOffsetFast } from "./paris-fast.js";

export const PARIS = "Europe/Paris";
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A Paris calendar day, `YYYY-MM-DD`. */
export type LocalDate = string;

const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/*
 * Hot paths (every point of every answer is placed in time) take the EU summer-time rule of
 * paris-fast.ts instead of a time-zone lookup, only for the instants and days where the tests hold that
 * rule to luxon's zone data for every day and every change (1996, when the rule came in force, to 2099);
 * anything else goes through luxon as before.
 */
const FAST_FROM_MS = Date.UTC(1996, 0, 1);
const FAST_TO_MS = Date.UTC(2100, 0, 1);
const FAST_FIRST_YEAR = 1996;
const FAST_LAST_YEAR = 2099;

function fastInstant(ms: number): boolean {
  return ms >= FAST_FROM_MS && ms < FAST_TO_MS;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when year, month (1-12) and day make a day of the proleptic Gregorian calendar. */
function isCalendarDay(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= (mo === 2 && isLeapYear(y) ? 29 : (MONTH_DAYS[mo - 1] as number));
}

/** The year of a `YYYY-MM-DD` calendar date (proleptic Gregorian), or null when it is not one. */
function calendarYear(s: string): number | null {
  const m = LOCAL_DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  return isCalendarDay(y, Number(m[2]), Number(m[3])) ? y : null;
}

export function isLocalDate(s: string): s is LocalDate {
  return calendarYear(s) !== null;
}

export function assertLocalDate(s: string, what = "date"): LocalDate {
  if (!isLocalDate(s)) throw new RangeError(`${what} must be a calendar date YYYY-MM-DD, got "${s}"`);
  return s;
}

/** Calendar arithmetic on local dates (no time zone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
  // Hot path (window planning, ledgers): plain UTC calendar arithmetic, no zone involved.
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function addMonths(date: LocalDate, months: number): LocalDate {
  const y = calendarYear(date);
  if (y !== null && y >= FAST_FIRST_YEAR && y <= FAST_LAST_YEAR && Number.isInteger(months)) {
    // Calendar arithmetic as luxon's `plus({ months })`: the same day of the month, or its last day.
    const m0 = y * 12 + Number(date.slice(5, 7)) - 1 + months;
    const year = Math.floor(m0 / 12);
    const month = m0 - year * 12 + 1;
    if (year >= FAST_FIRST_YEAR && year <= FAST_LAST_YEAR) {
      const last = month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] as number);
      const day = Math.min(Number(date.slice(8, 10)), last);
      return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
    }
  }
  return DateTime.fromISO(date, { zone: "UTC" }).plus({ months }).toISODate() as LocalDate;
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  const ms = (s: LocalDate) =>
    Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  return Math.round((ms(b) - ms(a)) / 86_400_000);
}

export function minDate(a: LocalDate, b: LocalDate): LocalDate {
  return a < b ? a : b;
}
export function maxDate(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b;
}

/** UTC instant of Paris midnight starting `date`. */
export function parisDayStartMs(date: LocalDate): number {
  const y = calendarYear(date);
  if (y !== null && y >= FAST_FIRST_YEAR && y <= FAST_LAST_YEAR) return parisMidnightFast(date);
  return DateTime.fromISO(date, { zone: PARIS }).startOf("day").toMillis();
}

/** The Paris day as a UTC interval [startMs, endMs): 23, 24 or 25 hours long. */
export function parisDayBounds(date: LocalDate): { startMs: number; endMs: number } {
  return { startMs: parisDayStartMs(date), endMs: parisDayStartMs(addDays(date, 1)) };
}

/** Length of a Paris day in minutes (1380 in spring, 1500 in autumn, 1440 otherwise). */
export function parisDayLengthMin(date: LocalDate): number {
  const { startMs, endMs } = parisDayBounds(date);
  return (endMs - startMs) / MINUTE_MS;
}

/** Points a complete day holds at a given step (46/48/50 at 30 minutes). */
export function expectedPointsPerDay(date: LocalDate, stepMin: number): number {
  return parisDayLengthMin(date) / stepMin;
}

/** The Paris calendar day an instant falls in. */
export function parisDateOf(ms: number): LocalDate {
  if (fastInstant(ms)) return parisDateFast(ms);
  return DateTime.fromMillis(ms, { zone: PARIS }).toISODate() as LocalDate;
}

/** Today in Paris. */
export function parisToday(nowMs: number): LocalDate {
  return parisDateOf(nowMs);
}

/** Paris wall-clock hour (0-23) and minute of an instant. */
export function parisWallClock(ms: number): { hour: number; minute: number; weekday: number; month: number } {
  const d = DateTime.fromMillis(ms, { zone: PARIS });
  return { hour: d.hour, minute: d.minute, weekday: d.weekday, month: d.month };
}

/** UTC offset of Paris at an instant, in milliseconds (+1 h in winter, +2 h in summer). */
export function parisOffsetMs(ms: number): number {
  if (fastInstant(ms)) return parisOffsetFast(ms);
  return DateTime.fromMillis(ms, { zone: PARIS }).offset * MINUTE_MS;
}

/** Formats an instant as Paris wall-clock time `YYYY-MM-DD HH:mm:ss`, the way Enedis labels points. */
export function formatParisWallTime(ms: number, sep: " " | "T" = " "): string {
  return DateTime.fromMillis(ms, { zone: PARIS }).toFormat(`yyyy-MM-dd'${sep}'HH:mm:ss`);
}

/** ISO 8601 UTC, second precision: `2024-03-31T00:30:00Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const WALL_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface WallTime {
  date: LocalDate;
  hour: number;
  minute: number;
  second: number;
  /** Milliseconds of the wall time read as if it were UTC (used for offset arithmetic only). */
  naiveMs: number;
  /** The exact instant when the label carries an offset (`…+02:00`, `…Z`): no ambiguity then. */
  exactMs?: number;
}

/** Parses `YYYY-MM-DD`, `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DDThh:mm:ss` (no offset: Paris wall time). */
export function parseWallTime(label: string): WallTime | null {
  const m = WALL_RE.exec(label.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", offset] = m;
  if (!isCalendarDay(Number(y), Number(mo), Number(d))) return null;
  const date = `${y}-${mo}-${d}`;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // 24:00:00 is not used by Enedis, but accept it as the next midnight rather than fail.
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute > 0 || second > 0))) return null;
  const naiveMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, minute, second);
  const w: WallTime = { date, hour, minute, second, naiveMs };
  if (offset !== undefined) {
    const om = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
    const offMs = om ? (om[1] === "-" ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3])) * MINUTE_MS : 0;
    w.exactMs = naiveMs - offMs;
  }
  return w;
}

/** True when Paris changes offset during this local date (the two daylight-saving days of a year). */
export function isDstChangeDay(date: LocalDate): boolean {
  return parisDayLengthMin(date) !== 1440;
}

/**
 * Every UTC instant a Paris wall-clock label can stand for. Usually one; two in the autumn's repeated
 * hour; for a label that does not exist (the spring gap) the instant read with the offset in force
 * before the change. With `loose`, on a daylight-saving day, the label read with either offset is also
 * a candidate (some producers keep summer time labels through the repeated hour).
 */
export function wallTimeCandidates(w: WallTime, loose = false): number[] {
  if (w.exactMs !== undefined) return [w.exactMs];
  const out = new Set<number>();
  for (const off of [HOUR_MS, 2 * HOUR_MS]) {
    const t = w.naiveMs - off;
    if (parisOffsetMs(t) === off) out.add(t);
  }
  if (out.size === 0) out.add(w.naiveMs - parisOffsetMs(w.naiveMs - 3 * HOUR_MS));
  // Only around the change (01:00-04:00 local) could a label be written with the other offset.
  const nearChange = w.hour >= 1 && (w.hour < 4 || (w.hour === 4 && w.minute === 0 && w.second === 0));
  if (loose && nearChange && isDstChangeDay(w.date)) {
    out.add(w.naiveMs - HOUR_MS);
    out.add(w.naiveMs - 2 * HOUR_MS);
  }
  return [...out].sort((a, b) => a - b);
}

export interface LabelledEnd {
  /** Paris wall-clock label of the END of the interval. */
  label: string;
  /** Interval length in minutes (the point's own step). */
  stepMin: number;
}

export class TimeLabelError extends Error {
  override readonly name = "TimeLabelError";
}

/**
 * Turns an ordered series of end-of-interval Paris labels into UTC interval ends.
 *
 * A label alone is ambiguous in the autumn's repeated hour, so the conversion walks the series with the
 * previous point's instant in hand: the instant expected next is `previous end + step`; when the label
 * can stand for it, it is taken; otherwise (a gap in the data) the earliest instant after the previous
 * one that the label can stand for. This is right whether the repeated hour is labelled twice
 * (`02:00, 02:30, 02:00, 02:30`) or with summer-time labels that never repeat.
 *
 * `seriesStartMs` is the instant the series is expected to start from (the request's first day at
 * Paris midnight).
 */
export function resolveIntervalEnds(points: readonly LabelledEnd[], seriesStartMs: number): number[] {
  const ends: number[] = [];
  let prev = seriesStartMs;
  let first = true;
  for (const p of points) {
    const w = parseWallTime(p.label);
    if (!w) throw new TimeLabelError(`unreadable time label "${p.label}"`);
    const expected = prev + p.stepMin * MINUTE_MS;
    // The usual point: its label is the wall time of the instant expected next (the rule below would
    // take it first). Only after a gap, around a change of offset or for a label of another offset is
    // the full search needed.
    if (w.exactMs === undefined ? w.naiveMs === expected + parisOffsetMs(expected) : w.exactMs === expected) {
      ends.push(expected);
      prev = expected;
      first = false;
      continue;
    }
    const strict = wallTimeCandidates(w);
    const loose = wallTimeCandidates(w, true);
    // Intervals may not overlap the previous one: an end must be at least one step after it.
    const floor = first ? Number.NEGATIVE_INFINITY : prev + p.stepMin * MINUTE_MS;
    let end: number | undefined;
    if (loose.includes(expected)) end = expected;
    else end = strict.find((t) => t >= floor) ?? loose.find((t) => t >= floor);
    if (end === undefined) {
      throw new TimeLabelError(`time label "${p.label}" goes back in time after ${isoUtc(prev)}`);
    }
    ends.push(end);
    prev = end;
    first = false;
  }
  return ends;
}

/** Parses an ISO 8601 duration of minutes/hours as used by Enedis steps (`PT30M`, `PT1H`). */
export function parseStepMinutes(step: string): number | null {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(step.trim().toUpperCase());
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  return minutes > 0 ? minutes : null;
}
