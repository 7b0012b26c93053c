/**
 * What the year view shows of costs, for a meter put on an offer (`tariff set`): each month's cost
 * stacked by price period, the year's total per period, the average price per kWh, the off-peak share,
 * and on Tempo each day's colour with its cost. Priced on the meter's own tariff by the same code as the
 * costs API (`tariffs/service.ts`), from the curve summed per day part when every cut is on the hour.
 */
import { addDaysFast } from "../../domain/paris-fast.js";
import type { Device, Store } from "../../store/index.js";
import { bucketCosts } from "../../tariffs/aggregate.js";
import { bucketJson, type CostBucketJson } from "../../tariffs/format.js";
import type { Offer } from "../../tariffs/offers.js";
import type { TempoColour } from "../../tariffs/pricing.js";
import { PricingError, costsOnTariff, loadMeterEnergy, wholeHourCuts } from "../../tariffs/service.js";

export interface ViewCosts {
  /** The offers the meter is on over the period, in order. */
  offers: string[];
  from: string;
  /** Exclusive: the day after the last published one, or the period's end. */
  to: string;
  months: CostBucketJson[];
  totals: CostBucketJson | null;
  /** Tempo: each day's colour (06:00 to 06:00) and cost, EUR. */
  tempo_days: { date: string; colour: TempoColour | null; eur: number }[] | null;
  /** Why the period could not be priced (no price for a day, no off-peak hours known…). */
  error: string | null;
}

/** Costs of [from, to) ∩ published days, or null when the meter is on no offer. */
export async function periodCosts(
  store: Store,
  device: Device,
  from: string,
  to: string,
  lastPublished: string,
): Promise<ViewCosts | null> {
  const assignments = await store.tariffs.assignments(device.id);
  if (assignments.length === 0) return null;
  const end = addDaysFast(lastPublished, 1) < to ? addDaysFast(lastPublished, 1) : to;
  const offers: Offer[] = [];
  const names: string[] = [];
  for (const a of assignments) {
    const o = await store.tariffs.findOffer(a.offerName);
    if (o) offers.push(o.offer);
    const inRange = a.fromDay < end && (assignments[assignments.indexOf(a) + 1]?.fromDay ?? "9999") > from;
    if (inRange && !names.includes(a.offerName)) names.push(a.offerName);
  }
  if (names.length === 0) names.push(assignments[0]!.offerName);
  const empty: ViewCosts = {
    offers: names,
    from,
    to: end,
    months: [],
    totals: null,
    tempo_days: null,
    error: null,
  };
  if (end <= from) return empty;
  try {
    const cutHours = await wholeHourCuts(store, device, offers);
    const energy = await loadMeterEnergy(store, device, from, end, { cutHours });
    const rows = await costsOnTariff(store, energy);
    const tempo = rows.some((r) => r.tempoColour !== undefined);
    return {
      ...empty,
      months: bucketCosts(rows, "month").map(bucketJson),
      totals: rows.length > 0 ? bucketJson(bucketCosts(rows, "all")[0]!) : null,
      tempo_days: tempo
        ? bucketCosts(rows, "day").map((b) => ({
            date: b.bucket,
            colour: b.tempoColour ?? null,
            eur: Math.round(b.totalEur * 1e4) / 1e4,
          }))
        : null,
    };
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    return { ...empty, error: e.message };
  }
}
