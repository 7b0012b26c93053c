/**
 * Hourly energy rows for Home Assistant's long-term statistics, from what the store holds (pure).
 *
 * Glossary
 * - Hour row: the energy (Wh) of one clock hour, keyed by the UTC instant the hour starts. Paris offsets
 *   are whole hours, so a Paris hour starts on a UTC hour: a Paris day has 23, 24 or 25 hour rows.
 * - Curve day: a Paris day with at least one load-curve value: its rows are the curve's energy
 *   (mean power W × minutes / 60) summed per hour, whatever the step (10, 15, 30 or 60 minutes). An hour
 *   whose points are all missing has no row; Enedis filling it later changes the day.
 * - Daily day: a day without any curve value but with a daily energy: one row at the day's first hour
 *   (Paris midnight) holding the whole day, the way peers show meters without a load curve.
 * - Statistic row: what `recorder/import_statistics` takes: `start` (ISO 8601 with the Paris offset, on
 *   the hour), `state` (the hour's Wh) and `sum` (cumulative Wh since the first row).
 */
import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import { PARIS, parisDateOf, parisDayStartMs, type LocalDate } from "../domain/time.js";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface CurveInput {
  startMs: number;
  lengthMin: number;
  /** Mean power over the interval, W; null = missing. */
  powerW: number | null;
}

export interface DailyInput {
  day: LocalDate;
  /** Wh; null = missing. */
  value: number | null;
}

export interface HourRow {
  /** UTC instant the hour starts (epoch ms, a multiple of one hour). */
  startMs: number;
  /** Energy of the hour, Wh (rounded to 1 mWh). */
  energyWh: number;
}

export interface DayRows {
  day: LocalDate;
  /** The day's hour rows, by start. */
  rows: HourRow[];
  source: "curve" | "daily";
}

export interface StatisticRow {
  /** ISO 8601 with the Paris offset: `2025-01-01T00:00:00+01:00`. */
  start: string;
  /** The hour's Wh. */
  state: number;
  /** Cumulative Wh up to the end of this hour. */
  sum: number;
}

/** Rounds to 1 mWh: sums stay exact decimals whatever the order of additions. */
export function roundWh(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Load-curve points summed into clock hours, by start. An interval that crosses an hour (never seen from
 * Enedis, whose points are aligned) is split by its duration. Missing points are left out.
 */
export function hourlyFromCurve(points: readonly CurveInput[]): HourRow[] {
  const hours = new Map<number, number>();
  for (const p of points) {
    if (p.powerW === null) continue;
    const end = p.startMs + p.lengthMin * MINUTE_MS;
    let t = p.startMs;
    while (t < end) {
      const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
      const until = Math.min(end, hour + HOUR_MS);
      const wh = (p.powerW * (until - t)) / HOUR_MS;
      hours.set(hour, (hours.get(hour) ?? 0) + wh);
      t = until;
    }
  }
  return [...hours].sort((a, b) => a[0] - b[0]).map(([startMs, wh]) => ({ startMs, energyWh: roundWh(wh) }));
}

/**
 * The Paris days of one direction, by day: curve days from the load curve, and the days without any curve
 * value from the daily energy (one row at the day's first hour).
 */
export function buildDays(curve: readonly CurveInput[], daily: readonly DailyInput[]): DayRows[] {
  const byDay = new Map<LocalDate, DayRows>();
  for (const row of hourlyFromCurve(curve)) {
    const day = parisDateOf(row.startMs);
    let d = byDay.get(day);
    if (!d) {
      d = { day, rows: [], source: "curve" };
      byDay.set(day, d);
    }
    d.rows.push(row);
  }
  for (const d of daily) {
    if (d.value === null || byDay.has(d.day)) continue;
    byDay.set(d.day, {
      day: d.day,
      rows: [{ startMs: parisDayStartMs(d.day), energyWh: roundWh(d.value) }],
      source: "daily",
    });
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** A digest of a day's rows: equal digests, equal rows. */
export function digestRows(rows: readonly HourRow[]): string {
  const h = createHash("sha256");
  for (const r of rows) h.update(`${r.startMs}:${r.energyWh};`);
  return h.digest("base64url").slice(0, 22);
}

/** An instant as ISO 8601 in Paris time with its offset, second precision. */
export function parisIso(ms: number): string {
  return DateTime.fromMillis(ms, { zone: PARIS }).toISO({ suppressMilliseconds: true }) as string;
}

/** Statistic rows with the cumulative sum continuing from `startSum`. */
export function statisticRows(rows: readonly HourRow[], startSum: number): StatisticRow[] {
  let sum = startSum;
  return rows.map((r) => {
    sum = roundWh(sum + r.energyWh);
    return { start: parisIso(r.startMs), state: r.energyWh, sum };
  });
}
