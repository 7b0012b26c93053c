/**
 * A dataset of a meter over a range at a resolution, for the API's `datasets/{dataset}`: the stored
 * points (`raw`), or folded into hours, Paris days or Paris months in the database (load curves) or here
 * (daily values: a few hundred rows at most).
 *
 * Values stay in the dataset's native unit: W for curves (the mean power of the points with a value over
 * the bucket, plus their energy in Wh), Wh for daily energy (summed per month), VA for max power (the
 * highest per month, with its `peak_at`). A stored missing measure is a `null` value, never a zero.
 */
import { addDaysFast, parisMidnightFast } from "../../domain/paris-fast.js";
import { isoUtc } from "../../domain/time.js";
import type { DatasetKey } from "../../domain/types.js";
import { datasetSpec } from "../../enedis/datasets/index.js";
import { DATASET_LOCATIONS, type CurveBucket, type Store } from "../../store/index.js";

export const RESOLUTIONS = ["raw", "hour", "day", "month"] as const;
export type DatasetResolution = (typeof RESOLUTIONS)[number];

export interface DatasetPoint {
  start: string;
  end: string;
  value: number | null;
  /** Curves: energy of the points with a value, Wh. */
  energy_wh?: number | null;
  /** Aggregates: points (curves) or days (daily values) with a value in the bucket. */
  points?: number;
  /** Max power: when the peak happened. */
  peak_at?: string | null;
  /** Indexes: the register. */
  register?: string;
}

export class ResolutionError extends Error {
  override readonly name = "ResolutionError";
}

/** The resolutions a dataset can be read at (its native step and coarser). */
export function resolutionsOf(dataset: DatasetKey): DatasetResolution[] {
  const kind = datasetSpec(dataset).kind;
  if (kind === "curve") return ["raw", "hour", "day", "month"];
  if (kind === "index") return ["raw"];
  return ["raw", "day", "month"];
}

function monthOf(day: string): string {
  return day.slice(0, 7);
}

function nextMonthStart(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

function curvePoint(b: CurveBucket, endMs: number): DatasetPoint {
  return {
    start: isoUtc(b.startMs),
    end: isoUtc(endMs),
    value: b.meanW,
    energy_wh: b.energyWh,
    points: b.points,
  };
}

export async function datasetPoints(
  store: Store,
  deviceId: number,
  dataset: DatasetKey,
  fromMs: number,
  toMs: number,
  resolution: DatasetResolution,
): Promise<DatasetPoint[]> {
  if (!resolutionsOf(dataset).includes(resolution)) {
    throw new ResolutionError(
      `${dataset} can be read at ${resolutionsOf(dataset).join(", ")}, not at "${resolution}"`,
    );
  }
  const loc = DATASET_LOCATIONS[dataset];
  if (loc.table === "curve_value") {
    if (resolution === "raw") {
      return (await store.measures.listCurve(deviceId, loc.direction, fromMs, toMs)).map((p) => ({
        start: isoUtc(p.startMs),
        end: isoUtc(p.startMs + p.lengthMin * 60_000),
        value: p.powerW,
        energy_wh: p.energyWh,
      }));
    }
    if (resolution === "hour") {
      return (await store.measures.curveHourly(deviceId, loc.direction, fromMs, toMs)).map((b) =>
        curvePoint(b, b.startMs + 3_600_000),
      );
    }
    const days = await store.measures.curveByParisDay(deviceId, loc.direction, fromMs, toMs);
    if (resolution === "day") {
      return days.map((b) => curvePoint(b, parisMidnightFast(addDaysFast(b.day, 1))));
    }
    // Months: weighted by points (a curve has one step), energy summed.
    const months = new Map<string, { sumW: number; points: number; rows: number; energy: number | null }>();
    for (const b of days) {
      const m = months.get(monthOf(b.day)) ?? { sumW: 0, points: 0, rows: 0, energy: null };
      if (b.meanW !== null) m.sumW += b.meanW * b.points;
      m.points += b.points;
      m.rows += b.rows;
      if (b.energyWh !== null) m.energy = (m.energy ?? 0) + b.energyWh;
      months.set(monthOf(b.day), m);
    }
    return [...months].map(([month, m]) => ({
      start: isoUtc(parisMidnightFast(`${month}-01`)),
      end: isoUtc(parisMidnightFast(nextMonthStart(month))),
      value: m.points > 0 ? m.sumW / m.points : null,
      energy_wh: m.energy,
      points: m.points,
    }));
  }
  if (loc.table === "index_value") {
    return (await store.measures.listIndex(deviceId, loc.direction, fromMs, toMs)).map((p) => ({
      start: isoUtc(p.startMs),
      end: isoUtc(p.startMs + p.lengthMin * 60_000),
      value: p.valueWh,
      register: p.register,
    }));
  }
  const maxPower = loc.series === "max_power";
  const daily = await store.measures.listDaily(deviceId, loc.series, fromMs, toMs);
  if (resolution !== "month") {
    return daily.map((p) => ({
      start: isoUtc(p.startMs),
      end: isoUtc(p.startMs + p.lengthMin * 60_000),
      value: p.value,
      ...(maxPower ? { peak_at: p.peakAtMs ? isoUtc(p.peakAtMs) : null } : {}),
    }));
  }
  const months = new Map<string, { value: number | null; peakAtMs: number | null; days: number }>();
  for (const p of daily) {
    const m = months.get(monthOf(p.day)) ?? { value: null, peakAtMs: null, days: 0 };
    if (p.value !== null) {
      m.days++;
      if (maxPower) {
        if (m.value === null || p.value > m.value) {
          m.value = p.value;
          m.peakAtMs = p.peakAtMs;
        }
      } else m.value = (m.value ?? 0) + p.value;
    }
    months.set(monthOf(p.day), m);
  }
  return [...months].map(([month, m]) => ({
    start: isoUtc(parisMidnightFast(`${month}-01`)),
    end: isoUtc(parisMidnightFast(nextMonthStart(month))),
    value: m.value,
    points: m.days,
    ...(maxPower ? { peak_at: m.peakAtMs ? isoUtc(m.peakAtMs) : null } : {}),
  }));
}
