/**
 * The analysis views of a meter (what people liked in aeneria, and more), served by the page and the API
 * alike. Every figure comes from the stored load curve and daily energies; nothing here knows HTTP.
 *
 * - heatmap: one row per Paris day, one cell per half-hour from Paris midnight to the next (48; 46 on
 *   the spring change, 50 on the autumn one), the mean power of the cell (W), null where nothing is
 *   stored;
 * - weekday profile: per weekday (1 = Monday … 7 = Sunday) and per wall-clock half-hour (0 = 00:00 …
 *   47 = 23:30), the mean power (W) over the period; then weekdays (Mon–Fri) against the weekend;
 * - comparison: the period's energy (kWh) against the previous period of the same length and against
 *   the same dates a year earlier, with the differences in kWh and %;
 * - base load: per month, the median over its nights of the mean power 01:00–05:00 (Paris), W.
 *
 * Units are in the names: W for power, kWh for energy; days are Paris days `YYYY-MM-DD`, `to` exclusive.
 */
import { addDaysFast, parisMidnightFast, parisOffsetFast } from "../../domain/paris-fast.js";
import type { Direction } from "../../domain/types.js";
import type { Store } from "../../store/index.js";

const HALF_HOUR_MS = 30 * 60_000;

export const ANALYSES = ["heatmap", "weekday", "compare", "baseload"] as const;
export type AnalysisKind = (typeof ANALYSES)[number];

export function isAnalysis(s: string): s is AnalysisKind {
  return (ANALYSES as readonly string[]).includes(s);
}

export interface DayRange {
  from: string;
  to: string;
}

function round(v: number | null, digits: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  for (let d = range.from; d < range.to; d = addDaysFast(d, 1)) out.push(d);
  return out;
}

/** Mean power per UTC half-hour (Paris half-hours are UTC half-hours) of a curve, by the half-hour's start. */
async function halfHourMeans(
  store: Store,
  deviceId: number,
  direction: Direction,
  fromMs: number,
  toMs: number,
): Promise<Map<number, number>> {
  const sums = new Map<number, [number, number]>();
  for (const p of await store.measures.listCurve(deviceId, direction, fromMs, toMs)) {
    if (p.powerW === null) continue;
    const slot = Math.floor(p.startMs / HALF_HOUR_MS) * HALF_HOUR_MS;
    const s = sums.get(slot) ?? [0, 0];
    s[0] += p.powerW;
    s[1] += 1;
    sums.set(slot, s);
  }
  return new Map([...sums].map(([k, [sum, n]]) => [k, sum / n]));
}

export interface HeatmapDay {
  day: string;
  /** Epoch seconds of each half-hour's start (46, 48 or 50 of them). */
  x: number[];
  /** Mean power of each half-hour, W. */
  values: Array<number | null>;
}

export interface Heatmap {
  kind: "heatmap";
  unit: "W";
  from: string;
  to: string;
  days: HeatmapDay[];
  /** Highest cell, W (the colour scale's top), or null without data. */
  max_w: number | null;
}

export async function heatmap(
  store: Store,
  deviceId: number,
  range: DayRange,
  direction: Direction = "consumption",
): Promise<Heatmap> {
  const fromMs = parisMidnightFast(range.from);
  const toMs = parisMidnightFast(range.to);
  const means = await halfHourMeans(store, deviceId, direction, fromMs, toMs);
  let max: number | null = null;
  const days = daysOf(range).map((day) => {
    const start = parisMidnightFast(day);
    const end = parisMidnightFast(addDaysFast(day, 1));
    const x: number[] = [];
    const values: Array<number | null> = [];
    for (let t = start; t < end; t += HALF_HOUR_MS) {
      x.push(t / 1000);
      const v = round(means.get(t) ?? null, 0);
      values.push(v);
      if (v !== null && (max === null || v > max)) max = v;
    }
    return { day, x, values };
  });
  return { kind: "heatmap", unit: "W", from: range.from, to: range.to, days, max_w: max };
}

export interface WeekdayProfile {
  kind: "weekday";
  unit: "W";
  from: string;
  to: string;
  /** Wall-clock half-hours: "00:00" … "23:30". */
  slots: string[];
  /** Index 0 = Monday … 6 = Sunday: mean power per slot, W. */
  weekdays: Array<Array<number | null>>;
  /** Days of data behind each weekday's profile. */
  weekday_days: number[];
  /** Mean over Monday–Friday and over Saturday–Sunday, per slot, W. */
  workdays: Array<number | null>;
  weekend: Array<number | null>;
  /** Mean daily energy of a workday and of a weekend day, kWh (from the curve). */
  workday_kwh: number | null;
  weekend_kwh: number | null;
}

export const SLOTS = Array.from(
  { length: 48 },
  (_, i) => `${String(Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`,
);

export async function weekdayProfile(
  store: Store,
  deviceId: number,
  range: DayRange,
  direction: Direction = "consumption",
): Promise<WeekdayProfile> {
  const fromMs = parisMidnightFast(range.from);
  const toMs = parisMidnightFast(range.to);
  const means = await halfHourMeans(store, deviceId, direction, fromMs, toMs);
  // [weekday][slot] = [sum, n]; the autumn change's repeated hour adds to its slot twice, the spring
  // change's missing hour adds nothing.
  const acc = Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => [0, 0] as [number, number]));
  const group = [0, 1].map(() => Array.from({ length: 48 }, () => [0, 0] as [number, number]));
  const daysWith = Array.from({ length: 7 }, () => new Set<string>());
  const energy = [0, 0];
  const energyDays = [new Set<string>(), new Set<string>()];
  for (const [t, w] of means) {
    const local = new Date(t + parisOffsetFast(t));
    const wd = (local.getUTCDay() + 6) % 7;
    const slot = local.getUTCHours() * 2 + (local.getUTCMinutes() >= 30 ? 1 : 0);
    const day = local.toISOString().slice(0, 10);
    const a = acc[wd]![slot]!;
    a[0] += w;
    a[1] += 1;
    const g = wd >= 5 ? 1 : 0;
    const b = group[g]![slot]!;
    b[0] += w;
    b[1] += 1;
    daysWith[wd]!.add(day);
    energy[g]! += (w * 30) / 60 / 1000;
    energyDays[g]!.add(day);
  }
  const mean = ([s, n]: [number, number]) => (n === 0 ? null : round(s / n, 0));
  return {
    kind: "weekday",
    unit: "W",
    from: range.from,
    to: range.to,
    slots: SLOTS,
    weekdays: acc.map((row) => row.map(mean)),
    weekday_days: daysWith.map((s) => s.size),
    workdays: group[0]!.map(mean),
    weekend: group[1]!.map(mean),
    workday_kwh: energyDays[0]!.size === 0 ? null : round(energy[0]! / energyDays[0]!.size, 2),
    weekend_kwh: energyDays[1]!.size === 0 ? null : round(energy[1]! / energyDays[1]!.size, 2),
  };
}

export interface ComparedPeriod {
  from: string;
  to: string;
  /** Energy of the days with a daily value, kWh; null when none has one. */
  kwh: number | null;
  days_with_data: number;
}

export interface Comparison {
  kind: "compare";
  unit: "kWh";
  current: ComparedPeriod;
  previous: ComparedPeriod & { diff_kwh: number | null; diff_pct: number | null };
  year_before: ComparedPeriod & { diff_kwh: number | null; diff_pct: number | null };
}

/** The same dates a year earlier (29 February becomes 28 February). */
function yearEarlier(day: string): string {
  const y = String(Number(day.slice(0, 4)) - 1).padStart(4, "0");
  const md = day.slice(5) === "02-29" ? "02-28" : day.slice(5);
  return `${y}-${md}`;
}

async function energyOf(
  store: Store,
  deviceId: number,
  range: DayRange,
  direction: Direction,
): Promise<ComparedPeriod> {
  const daily = await store.measures.listDaily(
    deviceId,
    direction,
    parisMidnightFast(range.from),
    parisMidnightFast(range.to),
  );
  let wh: number | null = null;
  let n = 0;
  for (const d of daily) {
    if (d.value === null) continue;
    wh = (wh ?? 0) + d.value;
    n++;
  }
  return { from: range.from, to: range.to, kwh: wh === null ? null : round(wh / 1000, 2), days_with_data: n };
}

function diff(current: number | null, other: number | null) {
  if (current === null || other === null) return { diff_kwh: null, diff_pct: null };
  return {
    diff_kwh: round(current - other, 2),
    diff_pct: other === 0 ? null : round(((current - other) / other) * 100, 1),
  };
}

export async function comparison(
  store: Store,
  deviceId: number,
  range: DayRange,
  direction: Direction = "consumption",
): Promise<Comparison> {
  const length = Math.round(
    (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000,
  );
  const previousRange = { from: addDaysFast(range.from, -length), to: range.from };
  const yearRange = { from: yearEarlier(range.from), to: yearEarlier(range.to) };
  const [current, previous, year] = await Promise.all([
    energyOf(store, deviceId, range, direction),
    energyOf(store, deviceId, previousRange, direction),
    energyOf(store, deviceId, yearRange, direction),
  ]);
  return {
    kind: "compare",
    unit: "kWh",
    current,
    previous: { ...previous, ...diff(current.kwh, previous.kwh) },
    year_before: { ...year, ...diff(current.kwh, year.kwh) },
  };
}

export interface BaseLoadMonth {
  month: string;
  /** Median over the month's nights of the mean power 01:00–05:00, W. */
  base_w: number | null;
  nights: number;
}

export interface BaseLoad {
  kind: "baseload";
  unit: "W";
  from: string;
  to: string;
  months: BaseLoadMonth[];
  /** Change from the first month with data to the last, W (null with fewer than two). */
  trend_w: number | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export async function baseLoad(store: Store, deviceId: number, range: DayRange): Promise<BaseLoad> {
  const nights = await store.measures.nightLoadByParisDay(
    deviceId,
    "consumption",
    parisMidnightFast(range.from),
    parisMidnightFast(range.to),
  );
  const byMonth = new Map<string, number[]>();
  for (
    let d = range.from.slice(0, 7);
    d < range.to.slice(0, 7) || (d === range.to.slice(0, 7) && range.to.slice(8) !== "01");
  ) {
    byMonth.set(d, []);
    const [y, m] = d.split("-").map(Number) as [number, number];
    d = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
  }
  for (const n of nights) byMonth.get(n.day.slice(0, 7))?.push(n.nightW);
  const months = [...byMonth].map(([month, list]) => ({
    month,
    base_w: round(median(list), 0),
    nights: list.length,
  }));
  const withData = months.filter((m) => m.base_w !== null);
  const trend =
    withData.length >= 2
      ? round((withData.at(-1)!.base_w as number) - (withData[0]!.base_w as number), 0)
      : null;
  return { kind: "baseload", unit: "W", from: range.from, to: range.to, months, trend_w: trend };
}
