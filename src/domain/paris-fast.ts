/**
 * Europe/Paris without a time-zone lookup per instant, for hot paths that cut thousands of points into
 * Paris hours and days (the web's views, SQL bucketing). Summer time follows the EU rule in force since
 * 1996: from the last Sunday of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC; UTC+1
 * otherwise. The tests hold it to luxon's time-zone data (`time.ts`, the reference) for every year the
 * data can cover.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Summer time of a year as a UTC interval [startMs, endMs). */
export interface SummerTime {
  startMs: number;
  endMs: number;
}

function lastSundayAt1Utc(year: number, month0: number): number {
  const last = new Date(Date.UTC(year, month0 + 1, 0));
  return Date.UTC(year, month0, last.getUTCDate() - last.getUTCDay(), 1);
}

const cache = new Map<number, SummerTime>();

export function parisSummerTime(year: number): SummerTime {
  let s = cache.get(year);
  if (!s) {
    s = { startMs: lastSundayAt1Utc(year, 2), endMs: lastSundayAt1Utc(year, 9) };
    cache.set(year, s);
  }
  return s;
}

/** Summer times of every year that [fromMs, toMs) touches (one more on each side: local days overlap). */
export function parisSummerTimes(fromMs: number, toMs: number): SummerTime[] {
  const first = new Date(fromMs).getUTCFullYear() - 1;
  const last = new Date(Math.max(fromMs, toMs)).getUTCFullYear() + 1;
  const out: SummerTime[] = [];
  for (let y = first; y <= last; y++) out.push(parisSummerTime(y));
  return out;
}

/** The UTC year last asked for, as [startMs, endMs) with its summer time: most calls fall in it again. */
let lastYear = { startMs: 0, endMs: -1, summer: { startMs: 0, endMs: 0 } };

/** UTC offset of Paris at an instant, ms (3,600,000 or 7,200,000). */
export function parisOffsetFast(ms: number): number {
  let y = lastYear;
  if (!(ms >= y.startMs && ms < y.endMs)) {
    const year = new Date(ms).getUTCFullYear();
    y = { startMs: Date.UTC(year, 0, 1), endMs: Date.UTC(year + 1, 0, 1), summer: parisSummerTime(year) };
    lastYear = y;
  }
  return ms >= y.summer.startMs && ms < y.summer.endMs ? 2 * HOUR_MS : HOUR_MS;
}

/** The Paris calendar day (`YYYY-MM-DD`) of an instant. */
export function parisDateFast(ms: number): string {
  return new Date(ms + parisOffsetFast(ms)).toISOString().slice(0, 10);
}

/** Paris wall-clock hour (0-23) of an instant. */
export function parisHourFast(ms: number): number {
  return Math.floor((ms + parisOffsetFast(ms)) / HOUR_MS) % 24;
}

/** UTC instant of the Paris midnight that starts `date` (midnight is never inside a change of offset). */
export function parisMidnightFast(date: string): number {
  const naive = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  // Paris midnight is 22:00 or 23:00 UTC the day before; offsets change at 01:00 UTC, so the offset at
  // 23:00 UTC the day before is the one in force at midnight.
  return naive - parisOffsetFast(naive - HOUR_MS);
}

/** `date` + n days, calendar arithmetic. */
export function addDaysFast(date: string, n: number): string {
  const naive = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return new Date(naive + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The first instant of the Paris day starting at `midnight` whose wall-clock hour is at least `hour`
 * (0-23): midnight + hour, moved by the day's change of offset (spring: an hour earlier after 02:00,
 * whose missing hour starts at 03:00; autumn: an hour later after the first 02:00).
 */
export function parisFirstInstantOfHourFast(midnight: number, hour: number): number {
  const t0 = midnight + hour * HOUR_MS;
  let t = t0 - (parisOffsetFast(t0) - parisOffsetFast(midnight));
  if (parisHourFast(t) < hour && parisDateFast(t) === parisDateFast(midnight)) t += HOUR_MS;
  return t;
}
