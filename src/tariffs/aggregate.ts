/** Cost rows summed per Paris day, month or year and period, with the figures people read. */
import { PERIODS, type Period } from "./offers.js";
import type { CostRow, TempoColour } from "./pricing.js";

export const COST_RESOLUTIONS = ["day", "month", "year"] as const;
export type CostResolution = (typeof COST_RESOLUTIONS)[number];

export interface CostBucket {
  /** `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. */
  bucket: string;
  /** kWh and EUR per period present in the bucket. */
  periods: { period: Period; kwh: number; eur: number }[];
  kwh: number;
  energyEur: number;
  subscriptionEur: number;
  totalEur: number;
  /** EUR of energy per kWh (null without energy). */
  averageEurPerKwh: number | null;
  /** Share of the kWh in off-peak periods (HC, HC_*), null without energy or for Base. */
  offPeakShare: number | null;
  estimated: boolean;
  /** Day buckets of a Tempo offer: the colour of the Tempo day starting that day at 06:00. */
  tempoColour?: TempoColour | null;
}

/** `all`: one bucket for every row (its key is ""). */
const keyLength: Record<CostResolution | "all", number> = { day: 10, month: 7, year: 4, all: 0 };

export function bucketCosts(rows: readonly CostRow[], resolution: CostResolution | "all"): CostBucket[] {
  const out: CostBucket[] = [];
  let cur: (CostBucket & { byPeriod: Map<Period, { kwh: number; eur: number }> }) | undefined;
  let offPeakKwh = 0;
  let hasPeriods = false;
  const close = () => {
    if (!cur) return;
    cur.periods = PERIODS.filter((p) => cur!.byPeriod.has(p)).map((p) => ({
      period: p,
      ...cur!.byPeriod.get(p)!,
    }));
    cur.totalEur = cur.energyEur + cur.subscriptionEur;
    cur.averageEurPerKwh = cur.kwh > 0 ? cur.energyEur / cur.kwh : null;
    cur.offPeakShare = hasPeriods && cur.kwh > 0 ? offPeakKwh / cur.kwh : null;
    const { byPeriod: _drop, ...bucket } = cur;
    out.push(bucket);
  };
  for (const r of rows) {
    const key = r.date.slice(0, keyLength[resolution]);
    if (cur?.bucket !== key) {
      close();
      cur = {
        bucket: key,
        periods: [],
        kwh: 0,
        energyEur: 0,
        subscriptionEur: 0,
        totalEur: 0,
        averageEurPerKwh: null,
        offPeakShare: null,
        estimated: false,
        byPeriod: new Map(),
        ...(resolution === "day" && r.tempoColour !== undefined && { tempoColour: r.tempoColour }),
      };
      offPeakKwh = 0;
      hasPeriods = false;
    }
    if (r.period === "SUBSCRIPTION") {
      cur.subscriptionEur += r.eur;
      continue;
    }
    const kwh = r.kwh ?? 0;
    const p = cur.byPeriod.get(r.period) ?? { kwh: 0, eur: 0 };
    p.kwh += kwh;
    p.eur += r.eur;
    cur.byPeriod.set(r.period, p);
    cur.kwh += kwh;
    cur.energyEur += r.eur;
    if (r.estimated) cur.estimated = true;
    if (r.period !== "BASE") hasPeriods = true;
    if (r.period.startsWith("HC")) offPeakKwh += kwh;
  }
  close();
  return out;
}
