/**
 * Source-neutral facts of each dataset: what it measures, its unit, the Enedis limits every source
 * inherits (7 days of load curve per call, 24 or 36 months of history) and the seed's watermark key.
 * Wire names (Enedis ressources, gateway paths) live with each source under `src/sources/` and
 * `src/enedis/datasets/`.
 */
import type { DatasetKey, DatasetKind, Direction, MeasureTypeCode, Unit } from "./types.js";

export interface DatasetSpec {
  key: DatasetKey;
  kind: DatasetKind;
  direction: Direction;
  /** Native unit of `Reading.value`. */
  unit: Unit;
  /** The `subscribed_services` measure type that says the PRM has this dataset. */
  measureType: MeasureTypeCode;
  /** Fixed maximum span of one call in days (7 for load curves), or null when configurable. */
  hardMaxDaysPerCall: number | null;
  /** History Enedis keeps: months + days before today. */
  historyMonths: number | null;
  historyExtraDays: number;
  /** Experimental datasets are parsed from the Swagger structure only (no real capture seen). */
  experimental: boolean;
  /** Seed's watermark key in the account's JSON config, when the seed had one. */
  seedWatermarkKey: string | null;
}

const curve = { hardMaxDaysPerCall: 7, historyMonths: 24, historyExtraDays: 15 } as const;
const daily = { hardMaxDaysPerCall: null, historyMonths: 36, historyExtraDays: 15 } as const;

const SPECS: readonly DatasetSpec[] = [
  /** 30-minute (or 10/15/60) mean consumed power in W. */
  {
    key: "consumption_load_curve",
    kind: "curve",
    direction: "consumption",
    unit: "W",
    measureType: "CDC",
    ...curve,
    experimental: false,
    seedWatermarkKey: "last_consumption_load_curve",
  },
  /** Energy consumed per Paris day in Wh. */
  {
    key: "daily_consumption",
    kind: "daily",
    direction: "consumption",
    unit: "Wh",
    measureType: "ENERGIE",
    ...daily,
    experimental: false,
    seedWatermarkKey: "last_daily_consumption",
  },
  /** Highest apparent power of each Paris day in VA, with the time of the peak. */
  {
    key: "daily_consumption_max_power",
    kind: "maxPower",
    direction: "consumption",
    unit: "VA",
    measureType: "PMAX",
    ...daily,
    experimental: false,
    seedWatermarkKey: "last_consumption_max_power",
  },
  /** Mean injected power in W per interval. */
  {
    key: "production_load_curve",
    kind: "curve",
    direction: "production",
    unit: "W",
    measureType: "CDC",
    ...curve,
    experimental: false,
    seedWatermarkKey: "last_production_load_curve",
  },
  /** Energy injected per Paris day in Wh. */
  {
    key: "daily_production",
    kind: "daily",
    direction: "production",
    unit: "Wh",
    measureType: "ENERGIE",
    ...daily,
    experimental: false,
    seedWatermarkKey: "last_daily_production",
  },
  /** Experimental: cumulative consumption counters (Wh) per register, one reading a day. */
  {
    key: "consumption_index",
    kind: "index",
    direction: "consumption",
    unit: "Wh",
    measureType: "IDX",
    ...daily,
    experimental: true,
    seedWatermarkKey: "last_consumption_index",
  },
  /** Experimental: cumulative production counters (Wh) per register. */
  {
    key: "production_index",
    kind: "index",
    direction: "production",
    unit: "Wh",
    measureType: "IDX",
    ...daily,
    experimental: true,
    seedWatermarkKey: "last_production_index",
  },
];

const registry = new Map<DatasetKey, DatasetSpec>();
for (const s of SPECS) {
  if (registry.has(s.key)) throw new Error(`dataset ${s.key} is registered twice`);
  registry.set(s.key, s);
}

export function datasetSpec(key: DatasetKey): DatasetSpec {
  const spec = registry.get(key);
  if (!spec) throw new Error(`unknown dataset ${key}`);
  return spec;
}

export function allDatasets(): DatasetSpec[] {
  return [...registry.values()];
}
