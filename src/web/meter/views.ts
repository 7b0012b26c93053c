/**
 * What a meter's page and the API's `views/{period}` show for one period: the charts' series at the
 * resolution that fits (raw 30-minute points for a day or a week, hourly means for a month, daily values
 * for a year: never tens of thousands of points to draw), the summary table and the completeness
 * calendar. Every figure comes from the store; nothing here knows about HTTP or HTML.
 *
 * Units: curves in W (mean power over the interval), per-point energy in Wh, daily energy in kWh, max
 * power in kVA; instants as epoch seconds (what uPlot draws), shown in Europe/Paris by the page.
 */
import { addDaysFast, parisMidnightFast } from "../../domain/paris-fast.js";
import type { DatasetKey } from "../../domain/types.js";
import type { Account, CurvePoint, DailyPoint, Device, Store } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";
import { completenessDays, type CompletenessDay } from "./completeness.js";
import { periodCosts, type ViewCosts } from "./costs.js";
import { calendarRange, periodRange, type Period, type PeriodRange } from "./periods.js";

export type Resolution = "raw" | "hour" | "day";

export interface DaySummary {
  day: string;
  kwh: number;
}

export interface Summary {
  /** Energy over the period, kWh (daily values; the curve's when there are none). */
  total_kwh: number | null;
  days_with_data: number;
  average_kwh_per_day: number | null;
  min_day: DaySummary | null;
  max_day: DaySummary | null;
  /** Median over the nights of the period of the mean power 01:00-05:00 (Paris), W. */
  night_base_load_w: number | null;
  /** Highest daily max power, kVA, and when (ISO UTC). Consumption only. */
  max_power_kva: number | null;
  max_power_at: string | null;
}

export interface SeriesChart {
  unit: string;
  resolution: Resolution;
  /** Epoch seconds of each point's start. */
  x: number[];
  consumption: Array<number | null>;
  production?: Array<number | null>;
}

export interface MeterView {
  usage_point_id: string;
  period: Period;
  date: string;
  from: string;
  to: string;
  prev: string;
  next: string | null;
  label: string;
  days: number;
  hours: number;
  /** Last published day (data of later days do not exist yet). */
  last_published_day: string;
  subscribed_power_kva: number | null;
  has_production: boolean;
  charts: {
    /** Mean power, W. */
    power: SeriesChart | null;
    /** Energy: Wh per curve point for a day, kWh per day otherwise. */
    energy: SeriesChart;
    /** Daily max power, kVA, against the subscribed power. */
    max_power: (SeriesChart & { subscribed_kva: number | null }) | null;
    /** Year view: kWh per month, this year and the one before. */
    compare: {
      unit: "kWh";
      year: string;
      previous_year: string;
      current: Array<number | null>;
      previous: Array<number | null>;
    } | null;
  };
  summary: { consumption: Summary; production: Summary | null };
  completeness: { dataset: DatasetKey; from: string; to: string; days: CompletenessDay[] };
  /** Year view of a meter on an offer: costs per month and period, totals, Tempo days (else null). */
  costs: ViewCosts | null;
}

/** The datasets a meter has: from its account, else what the store holds. */
export async function meterDatasets(
  store: Store,
  device: Device,
  account: Account | undefined,
): Promise<Set<DatasetKey>> {
  const keys = account?.config.dataset_keys;
  if (keys && keys.length > 0) return new Set(keys as DatasetKey[]);
  const out = new Set<DatasetKey>([
    "consumption_load_curve",
    "daily_consumption",
    "daily_consumption_max_power",
  ]);
  if ((await store.measures.countCurve(device.id, "production")).rows > 0) {
    out.add("production_load_curve");
    out.add("daily_production");
  }
  return out;
}

/** The account a device's data come from (same user, same usage point). */
export async function accountOf(store: Store, device: Device): Promise<Account | undefined> {
  const accounts = await store.accounts.list({ userId: device.userId, limit: 1000 });
  return accounts.find((a) => a.usagePointId === device.mac);
}

function sec(ms: number): number {
  return Math.round(ms / 1000);
}

function round(v: number | null, digits: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Raw curve points, with a null where points are absent (so that a line breaks over a hole). */
function rawSeries(
  cons: CurvePoint[],
  prod: CurvePoint[] | null,
): {
  x: number[];
  c: Array<number | null>;
  p: Array<number | null>;
  ce: Array<number | null>;
  pe: Array<number | null>;
} {
  const byStart = new Map<number, { c: CurvePoint | null; p: CurvePoint | null }>();
  for (const pt of cons) byStart.set(pt.startMs, { c: pt, p: null });
  for (const pt of prod ?? []) {
    const e = byStart.get(pt.startMs);
    if (e) e.p = pt;
    else byStart.set(pt.startMs, { c: null, p: pt });
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  const out = {
    x: [] as number[],
    c: [] as Array<number | null>,
    p: [] as Array<number | null>,
    ce: [] as Array<number | null>,
    pe: [] as Array<number | null>,
  };
  let expected: number | null = null;
  for (const s of starts) {
    const e = byStart.get(s) as { c: CurvePoint | null; p: CurvePoint | null };
    if (expected !== null && s > expected) {
      out.x.push(sec(expected));
      out.c.push(null);
      out.p.push(null);
      out.ce.push(null);
      out.pe.push(null);
    }
    out.x.push(sec(s));
    out.c.push(e.c?.powerW ?? null);
    out.p.push(e.p?.powerW ?? null);
    out.ce.push(round(e.c?.energyWh ?? null, 1));
    out.pe.push(round(e.p?.energyWh ?? null, 1));
    const len = (e.c ?? e.p)?.lengthMin ?? 30;
    expected = s + len * 60_000;
  }
  return out;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function summarize(
  daily: DailyPoint[],
  curveDays: Array<{ day: string; energyWh: number | null }>,
  nightLoads: Array<{ nightW: number }>,
  maxPower: DailyPoint[] | null,
): Summary {
  let days: DaySummary[] = daily
    .filter((d) => d.value !== null)
    .map((d) => ({ day: d.day, kwh: (d.value as number) / 1000 }));
  if (days.length === 0) {
    days = curveDays
      .filter((d) => d.energyWh !== null)
      .map((d) => ({ day: d.day, kwh: (d.energyWh as number) / 1000 }));
  }
  let total: number | null = null;
  let min: DaySummary | null = null;
  let max: DaySummary | null = null;
  for (const d of days) {
    total = (total ?? 0) + d.kwh;
    if (!min || d.kwh < min.kwh) min = d;
    if (!max || d.kwh > max.kwh) max = d;
  }
  let peak: DailyPoint | null = null;
  for (const p of maxPower ?? [])
    if (p.value !== null && (!peak || p.value > (peak.value as number))) peak = p;
  const nights = nightLoads.map((d) => d.nightW);
  return {
    total_kwh: round(total, 3),
    days_with_data: days.length,
    average_kwh_per_day: total === null ? null : round(total / days.length, 3),
    min_day: min && { day: min.day, kwh: round(min.kwh, 3) as number },
    max_day: max && { day: max.day, kwh: round(max.kwh, 3) as number },
    night_base_load_w: round(median(nights), 0),
    max_power_kva: peak ? round((peak.value as number) / 1000, 2) : null,
    max_power_at: peak?.peakAtMs ? new Date(peak.peakAtMs).toISOString().replace(/\.\d{3}Z$/, "Z") : null,
  };
}

/** Daily values aligned on the range's days (null where a day has none). */
function dailyAligned(
  days: string[],
  points: DailyPoint[],
  scale: number,
  digits: number,
): Array<number | null> {
  const byDay = new Map(points.map((p) => [p.day, p.value]));
  return days.map((d) => {
    const v = byDay.get(d);
    return v === undefined || v === null ? null : round(v / scale, digits);
  });
}

export interface ViewRequest {
  device: Device;
  account: Account | undefined;
  period: Period;
  date: string;
  nowMs: number;
  /** Dataset shown in the completeness calendar (default: the consumption load curve). */
  calendarDataset?: DatasetKey;
}

export async function meterView(store: Store, req: ViewRequest): Promise<MeterView> {
  const { device } = req;
  const range: PeriodRange = periodRange(req.period, req.date);
  const datasets = await meterDatasets(store, device, req.account);
  const hasProduction = datasets.has("production_load_curve") || datasets.has("daily_production");
  const hasConsumption =
    datasets.has("consumption_load_curve") || datasets.has("daily_consumption") || !hasProduction;
  const { fromMs, toMs } = range;
  const lastPublished = addDaysFast(publishedUntil(req.nowMs), -1);

  const days: string[] = [];
  for (let d = range.from; d < range.to; d = addDaysFast(d, 1)) days.push(d);
  const dayStarts = days.map((d) => sec(parisMidnightFast(d)));

  const [consDaily, prodDaily, maxPower, consNights] = await Promise.all([
    hasConsumption ? store.measures.listDaily(device.id, "consumption", fromMs, toMs) : Promise.resolve([]),
    hasProduction ? store.measures.listDaily(device.id, "production", fromMs, toMs) : Promise.resolve([]),
    hasConsumption ? store.measures.listDaily(device.id, "max_power", fromMs, toMs) : Promise.resolve([]),
    hasConsumption
      ? store.measures.nightLoadByParisDay(device.id, "consumption", fromMs, toMs)
      : Promise.resolve([]),
  ]);
  // Days of energy from the curve, only where Enedis' daily values are missing altogether.
  const curveDays = async (daily: DailyPoint[], direction: "consumption" | "production", wanted: boolean) =>
    wanted && daily.every((d) => d.value === null)
      ? store.measures.curveByParisDay(device.id, direction, fromMs, toMs)
      : [];
  const [consDays, prodDays] = await Promise.all([
    curveDays(consDaily, "consumption", hasConsumption),
    curveDays(prodDaily, "production", hasProduction),
  ]);
  let power: SeriesChart | null = null;
  let energy: SeriesChart;
  if (req.period === "day" || req.period === "week" || req.period === "last7") {
    const [cons, prod] = await Promise.all([
      hasConsumption ? store.measures.listCurve(device.id, "consumption", fromMs, toMs) : Promise.resolve([]),
      hasProduction ? store.measures.listCurve(device.id, "production", fromMs, toMs) : Promise.resolve(null),
    ]);
    const raw = rawSeries(cons, prod);
    power = {
      unit: "W",
      resolution: "raw",
      x: raw.x,
      consumption: raw.c,
      ...(hasProduction ? { production: raw.p } : {}),
    };
    energy =
      req.period === "day"
        ? {
            unit: "Wh",
            resolution: "raw",
            x: raw.x,
            consumption: raw.ce,
            ...(hasProduction ? { production: raw.pe } : {}),
          }
        : {
            unit: "kWh",
            resolution: "day",
            x: dayStarts,
            consumption: dailyAligned(days, consDaily, 1000, 3),
            ...(hasProduction ? { production: dailyAligned(days, prodDaily, 1000, 3) } : {}),
          };
  } else {
    if (req.period === "month") {
      const [cons, prod] = await Promise.all([
        hasConsumption
          ? store.measures.curveHourly(device.id, "consumption", fromMs, toMs)
          : Promise.resolve([]),
        hasProduction
          ? store.measures.curveHourly(device.id, "production", fromMs, toMs)
          : Promise.resolve([]),
      ]);
      const byHour = new Map<number, [number | null, number | null]>();
      for (const b of cons) byHour.set(b.startMs, [round(b.meanW, 1), null]);
      for (const b of prod) {
        const e = byHour.get(b.startMs);
        if (e) e[1] = round(b.meanW, 1);
        else byHour.set(b.startMs, [null, round(b.meanW, 1)]);
      }
      const hours = [...byHour.keys()].sort((a, b) => a - b);
      const x: number[] = [];
      const c: Array<number | null> = [];
      const p: Array<number | null> = [];
      let expected: number | null = null;
      for (const h of hours) {
        if (expected !== null && h > expected) {
          x.push(sec(expected));
          c.push(null);
          p.push(null);
        }
        const e = byHour.get(h) as [number | null, number | null];
        x.push(sec(h));
        c.push(e[0]);
        p.push(e[1]);
        expected = h + 3_600_000;
      }
      power = {
        unit: "W",
        resolution: "hour",
        x,
        consumption: c,
        ...(hasProduction ? { production: p } : {}),
      };
    }
    energy = {
      unit: "kWh",
      resolution: "day",
      x: dayStarts,
      consumption: dailyAligned(days, consDaily, 1000, 3),
      ...(hasProduction ? { production: dailyAligned(days, prodDaily, 1000, 3) } : {}),
    };
  }

  const subscribed = device.metadata.subscribed_power_kva ?? null;
  const maxPowerChart =
    req.period === "day" || !hasConsumption
      ? null
      : {
          unit: "kVA",
          resolution: "day" as const,
          x: dayStarts,
          consumption: dailyAligned(days, maxPower, 1000, 2),
          subscribed_kva: subscribed,
        };

  let compare: MeterView["charts"]["compare"] = null;
  if (req.period === "year") {
    const year = range.from.slice(0, 4);
    const previousYear = String(Number(year) - 1);
    const series = hasConsumption ? "consumption" : "production";
    const [cur, prev] = await Promise.all([
      store.measures.listMonthly(device.id, series, `${year}-01`, `${year}-12`),
      store.measures.listMonthly(device.id, series, `${previousYear}-01`, `${previousYear}-12`),
    ]);
    const byMonth = (rows: typeof cur) => {
      const m = new Map(rows.map((r) => [Number(r.month.slice(5, 7)), r.value]));
      return Array.from({ length: 12 }, (_, i) => {
        const v = m.get(i + 1);
        return v === undefined ? null : round(v / 1000, 1);
      });
    };
    compare = {
      unit: "kWh",
      year,
      previous_year: previousYear,
      current: byMonth(cur),
      previous: byMonth(prev),
    };
  }

  const calDataset =
    req.calendarDataset ?? (hasConsumption ? "consumption_load_curve" : "production_load_curve");
  const cal = calendarRange(range);
  const calendarDays = await completenessDays(store, device.id, calDataset, cal.from, cal.to, req.nowMs);
  const costs =
    req.period === "year" && hasConsumption
      ? await periodCosts(store, device, range.from, range.to, lastPublished)
      : null;

  return {
    usage_point_id: device.mac,
    period: range.period,
    date: range.date,
    from: range.from,
    to: range.to,
    prev: range.prev,
    next:
      range.next <= lastPublished
        ? range.next
        : range.period === "last7" && range.date < lastPublished
          ? lastPublished
          : null,
    label: range.label,
    days: range.days,
    hours: range.hours,
    last_published_day: lastPublished,
    subscribed_power_kva: subscribed,
    has_production: hasProduction,
    charts: { power, energy, max_power: maxPowerChart, compare },
    summary: {
      consumption: summarize(consDaily, consDays, consNights, maxPower),
      production: hasProduction ? summarize(prodDaily, prodDays, [], null) : null,
    },
    completeness: { dataset: calDataset, from: cal.from, to: cal.to, days: calendarDays },
    costs,
  };
}
