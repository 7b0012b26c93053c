/**
 * Home Assistant statistics of what the energy cost, on the meter's own tariff (`tariff set`):
 * - `linky:<prm>_cost`: EUR per hour of energy (kWh × the price in force that day; the subscription is
 *   not in it: the Energy dashboard prices energy), `unit_class: null`, `mean_type: 0`, with a sum;
 * - the energy per period, Wh: `linky:<prm>_hp`, `_hc` (HP/HC), `_hp_bleu` … `_hc_rouge` (Tempo), so
 *   that the Energy dashboard shows HP and HC apart (and the cost without an entity).
 * Imported by the same incremental machinery as the energy (`importStatistic`): a day whose rows change
 * (a new price row, a changed off-peak history, a Tempo colour, a corrected curve) is sent again from its
 * first changed hour with every later sum, so that no sum goes backwards.
 */
import type { Store } from "../store/index.js";
import { PERIODS, type Period } from "../tariffs/offers.js";
import { PricingError } from "../tariffs/pricing.js";
import { costsOnTariffWith, loadMeterEnergy } from "../tariffs/service.js";
import { addDaysFast, parisDateFast } from "../domain/paris-fast.js";
import {
  STATISTIC_SOURCE,
  importStatistic,
  type ImportDeps,
  type ImportReport,
} from "./homeassistant-statistics.js";
import { roundWh, type DayRows } from "./hourly.js";

export const costStatisticId = (prm: string) => `${STATISTIC_SOURCE}:${prm.toLowerCase()}_cost`;
export const periodStatisticId = (prm: string, period: Period) =>
  `${STATISTIC_SOURCE}:${prm.toLowerCase()}_${period.toLowerCase()}`;

/** 2026.11 metadata: EUR has no unit converter (`unit_class: null`). */
export function costMetadata(prm: string) {
  return {
    source: STATISTIC_SOURCE,
    statistic_id: costStatisticId(prm),
    name: `Linky ${prm} cost`,
    unit_of_measurement: "EUR",
    has_sum: true,
    mean_type: 0,
    unit_class: null,
  };
}

export function periodMetadata(prm: string, period: Period) {
  return {
    source: STATISTIC_SOURCE,
    statistic_id: periodStatisticId(prm, period),
    name: `Linky ${prm} ${period}`,
    unit_of_measurement: "Wh",
    has_sum: true,
    mean_type: 0,
    unit_class: "energy",
  };
}

function toDays(hours: Map<number, number>): DayRows[] {
  const byDay = new Map<string, { startMs: number; energyWh: number }[]>();
  for (const [startMs, v] of [...hours].sort((a, b) => a[0] - b[0])) {
    const day = parisDateFast(startMs);
    const rows = byDay.get(day) ?? [];
    rows.push({ startMs, energyWh: roundWh(v) });
    byDay.set(day, rows);
  }
  return [...byDay].map(([day, rows]) => ({ day, rows, source: "curve" as const }));
}

/** Imports the cost and per-period statistics of one meter; nothing when it has no tariff or no curve. */
export async function importCostStatistics(
  deps: ImportDeps,
  target: { deviceId: number; prm: string },
): Promise<ImportReport[]> {
  const { store } = deps;
  const assignments = await store.tariffs.assignments(target.deviceId);
  if (assignments.length === 0) return [];
  const range = await curveRange(store, target.deviceId);
  if (!range) return [];
  const device = await store.devices.findById(target.deviceId);
  if (!device) return [];
  const cost = new Map<number, number>();
  const perPeriod = new Map<Period, Map<number, number>>();
  try {
    const e = await loadMeterEnergy(store, device, range.from, range.to);
    await costsOnTariffWith(store, e, (hourMs, period, wh, priceEurPerKwh) => {
      cost.set(hourMs, (cost.get(hourMs) ?? 0) + (wh / 1000) * priceEurPerKwh);
      if (period === "BASE") return;
      const m = perPeriod.get(period) ?? new Map<number, number>();
      m.set(hourMs, (m.get(hourMs) ?? 0) + wh);
      perPeriod.set(period, m);
    });
  } catch (err) {
    if (err instanceof PricingError) {
      deps.log?.(`homeassistant: costs of ${target.prm} not imported: ${err.message}`);
      return [];
    }
    throw err;
  }
  const t = { deviceId: target.deviceId, prm: target.prm, direction: "consumption" as const };
  const reports = [
    await importStatistic(deps, t, {
      statisticId: costStatisticId(target.prm),
      metadata: costMetadata(target.prm),
      days: toDays(cost),
    }),
  ];
  for (const period of PERIODS) {
    const m = perPeriod.get(period);
    if (!m) continue;
    reports.push(
      await importStatistic(deps, t, {
        statisticId: periodStatisticId(target.prm, period),
        metadata: periodMetadata(target.prm, period),
        days: toDays(m),
      }),
    );
  }
  return reports;
}

/** The Paris days from the first to the last stored curve point (exclusive end). */
async function curveRange(store: Store, deviceId: number): Promise<{ from: string; to: string } | null> {
  const first = await store.measures.listCurve(
    deviceId,
    "consumption",
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  if (first.length === 0) return null;
  const from = parisDateFast(first[0]!.startMs);
  const to = addDaysFast(parisDateFast(first[first.length - 1]!.startMs), 1);
  return { from, to };
}
