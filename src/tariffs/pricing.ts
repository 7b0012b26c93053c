/**
 * Pricing a meter's energy on an offer, per Paris day and period (pure).
 *
 * Glossary:
 * - a curve interval is a load-curve point: mean power `powerW` over [startMs, startMs + lengthMin);
 *   its energy is `powerW × lengthMin / 60` Wh, shared between periods and days in proportion to the time
 *   it spends in each, in Paris wall-clock time (`split.ts`);
 * - a daily value is a Paris day's energy `energyWh` with no curve: Base prices it as such; HP/HC and
 *   Tempo spread it evenly over the day's clock time (as a flat curve) and mark the day `estimated`;
 * - a Tempo day D runs from 06:00 on D to 06:00 on D+1: HP 06:00–22:00, HC 22:00–06:00, so 00:00–06:00
 *   takes the colour of D-1; a day whose colour is unknown is priced blue and marked `estimated`;
 * - `eur` = kWh × the price in force on the calendar day the energy was used; the subscription of a day
 *   is the month's price divided by the number of days in that month.
 */
import { parisMidnightFast } from "../domain/paris-fast.js";
import type { LocalDate } from "../domain/time.js";
import {
  PERIODS,
  PRICE_KEYS,
  priceRowOn,
  subscriptionOf,
  type Offer,
  type Period,
  type PriceRow,
} from "./offers.js";
import { isOffPeakMinute, type OffPeakSchedule } from "./offpeak.js";
import { dayOfNumber, forEachSegment, numberOfDay } from "./split.js";

export type TempoColour = "BLEU" | "BLANC" | "ROUGE";
export const TEMPO_COLOURS: readonly TempoColour[] = ["BLEU", "BLANC", "ROUGE"];

export interface CurveInterval {
  startMs: number;
  lengthMin: number;
  /** Mean power over the interval, W. */
  powerW: number;
}

export interface DailyEnergy {
  /** Paris day. */
  date: LocalDate;
  energyWh: number;
}

export interface PricingInput {
  offer: Offer;
  /** First Paris day, inclusive. */
  from: LocalDate;
  /** Last Paris day, exclusive. */
  to: LocalDate;
  curve: readonly CurveInterval[];
  /** Days with no curve point are priced from these. */
  daily?: readonly DailyEnergy[];
  /** hphc: the off-peak schedule in force on a day (the offer's own string, or the contract's history). */
  offPeakOn?: (day: LocalDate) => OffPeakSchedule | undefined;
  /** tempo: the colour of a Tempo day. */
  tempoColour?: (day: LocalDate) => TempoColour | undefined;
  /** The meter's subscribed power, kVA (chooses a per-kVA subscription when the offer has one). */
  subscribedKva?: number | null;
  /**
   * Called for each priced piece with the UTC hour it starts in (Paris offsets are whole hours, so a
   * Paris hour starts on a UTC hour): the hourly statistics of Home Assistant. A piece of an interval that
   * crosses an hour is booked to the hour it starts in (aligned 10-, 15-, 30- and 60-minute points never do).
   */
  onPiece?: (hourStartMs: number, period: Period, energyWh: number, priceEurPerKwh: number) => void;
}

export interface CostRow {
  date: LocalDate;
  period: Period | "SUBSCRIPTION";
  /** Null for the subscription. */
  kwh: number | null;
  eur: number;
  /** EUR per kWh applied (null for the subscription). */
  priceEurPerKwh: number | null;
  /** HP/HC or Tempo from a daily value only, or a Tempo day of unknown colour. */
  estimated: boolean;
  /** Tempo only: the colour of the Tempo day that starts on `date` at 06:00. */
  tempoColour?: TempoColour | null;
}

export class PricingError extends Error {
  override readonly name = "PricingError";
}

const P = Object.fromEntries(PERIODS.map((p, i) => [p, i])) as Record<Period, number>;
const TEMPO_PERIOD: Record<TempoColour, [hp: number, hc: number]> = {
  BLEU: [P.HP_BLEU, P.HC_BLEU],
  BLANC: [P.HP_BLANC, P.HC_BLANC],
  ROUGE: [P.HP_ROUGE, P.HC_ROUGE],
};
const TEMPO_BOUNDARIES = [360, 1320];
const NO_BOUNDARIES: readonly number[] = [];

interface DayAcc {
  wh: Float64Array;
  /** Bit i set: period i received time. */
  touched: number;
  estimated: boolean;
}

function daysInMonth(d: LocalDate): number {
  return new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)), 0)).getUTCDate();
}

/** One subscription day: the month's price / the days in that month. */
export function subscriptionShareEur(monthlyEur: number, d: LocalDate): number {
  return monthlyEur / daysInMonth(d);
}

/** Costs per day (ordered) and period; every day of [from, to) has a SUBSCRIPTION row. */
export function priceEnergy(input: PricingInput): CostRow[] {
  const { offer } = input;
  const first = numberOfDay(input.from);
  const last = numberOfDay(input.to); // exclusive
  if (last <= first) return [];
  const rowOf = new Map<number, PriceRow>();
  const row = (n: number): PriceRow => {
    let r = rowOf.get(n);
    if (!r) {
      const d = dayOfNumber(n);
      r = priceRowOn(offer, d);
      if (!r)
        throw new PricingError(
          `offer "${offer.name}" has no price on ${d} (its rows run from ${offer.prices[0]?.from ?? "?"}${offer.prices.at(-1)?.to ? ` to ${offer.prices.at(-1)?.to}` : ""})`,
        );
      rowOf.set(n, r);
    }
    return r;
  };
  const acc: (DayAcc | undefined)[] = new Array<DayAcc | undefined>(last - first);
  const accOf = (n: number): DayAcc => {
    let a = acc[n - first];
    if (!a) {
      a = { wh: new Float64Array(PERIODS.length), touched: 0, estimated: false };
      acc[n - first] = a;
    }
    return a;
  };

  // Boundaries and classifier per kind.
  let boundariesOf: (n: number) => readonly number[] = () => NO_BOUNDARIES;
  let classify: (n: number, wallMin: number, a: DayAcc) => number = () => P.BASE;
  if (offer.kind === "hphc") {
    const sched = new Map<number, OffPeakSchedule>();
    const bounds = new Map<number, number[]>();
    const scheduleOf = (n: number): OffPeakSchedule => {
      let s = sched.get(n);
      if (!s) {
        const d = dayOfNumber(n);
        s = input.offPeakOn?.(d);
        if (!s) throw new PricingError(`offer "${offer.name}": no off-peak hours known for ${d}`);
        sched.set(n, s);
      }
      return s;
    };
    boundariesOf = (n) => {
      let b = bounds.get(n);
      if (!b) {
        const s = scheduleOf(n);
        b = [...new Set(s.windows.flatMap((w) => [w.startMin, w.endMin]))]
          .filter((m) => m > 0 && m < 1440)
          .sort((x, y) => x - y);
        bounds.set(n, b);
      }
      return b;
    };
    classify = (n, wallMin) => (isOffPeakMinute(scheduleOf(n), wallMin) ? P.HC : P.HP);
  } else if (offer.kind === "tempo") {
    const colours = new Map<number, TempoColour | null>();
    const colourOf = (n: number): TempoColour | null => {
      let c = colours.get(n);
      if (c === undefined) {
        c = input.tempoColour?.(dayOfNumber(n)) ?? null;
        colours.set(n, c);
      }
      return c;
    };
    boundariesOf = () => TEMPO_BOUNDARIES;
    classify = (n, wallMin, a) => {
      const tempoDay = wallMin < 360 ? n - 1 : n;
      const c = colourOf(tempoDay);
      if (c === null) a.estimated = true;
      const [hp, hc] = TEMPO_PERIOD[c ?? "BLEU"];
      return wallMin >= 360 && wallMin < 1320 ? hp : hc;
    };
  }

  const keys: readonly string[] = PRICE_KEYS[offer.kind];
  const periodKey = new Map<number, string>(keys.map((k) => [PERIODS.indexOf(periodOfKey(k)), k]));
  const onPiece = input.onPiece;
  const price = (start: number, lengthMin: number, powerW: number): void => {
    const end = start + lengthMin * 60_000;
    const whPerMs = (powerW * lengthMin) / 60 / (end - start);
    forEachSegment(start, end, boundariesOf, (n, wallMin, a, b) => {
      if (n < first || n >= last) return;
      const day = accOf(n);
      const p = classify(n, wallMin, day);
      const wh = whPerMs * (b - a);
      day.wh[p] = (day.wh[p] ?? 0) + wh;
      day.touched |= 1 << p;
      if (onPiece)
        onPiece(
          Math.floor(a / 3_600_000) * 3_600_000,
          PERIODS[p]!,
          wh,
          row(n).pricesEurPerKwh[periodKey.get(p)!]!,
        );
    });
  };

  for (const c of input.curve) price(c.startMs, c.lengthMin, c.powerW);
  const fromCurve = acc.map((a) => a !== undefined);
  for (const d of input.daily ?? []) {
    const n = numberOfDay(d.date);
    if (n < first || n >= last || fromCurve[n - first]) continue;
    const start = parisMidnightFast(d.date);
    const lengthMin = (parisMidnightFast(dayOfNumber(n + 1)) - start) / 60_000;
    price(start, lengthMin, (d.energyWh * 60) / lengthMin);
    if (offer.kind !== "base") accOf(n).estimated = true;
  }

  const out: CostRow[] = [];
  for (let n = first; n < last; n++) {
    const date = dayOfNumber(n);
    const r = row(n);
    const a = acc[n - first];
    const tempoColour = offer.kind === "tempo" ? (input.tempoColour?.(date) ?? null) : undefined;
    if (a) {
      for (let p = 0; p < PERIODS.length; p++) {
        if ((a.touched & (1 << p)) === 0) continue;
        const key = periodKey.get(p)!;
        const priceEurPerKwh = r.pricesEurPerKwh[key]!;
        const kwh = a.wh[p]! / 1000;
        out.push({
          date,
          period: PERIODS[p]!,
          kwh,
          eur: kwh * priceEurPerKwh,
          priceEurPerKwh,
          estimated: a.estimated,
          ...(tempoColour !== undefined && { tempoColour }),
        });
      }
    }
    out.push({
      date,
      period: "SUBSCRIPTION",
      kwh: null,
      eur: subscriptionShareEur(subscriptionOf(r, input.subscribedKva), date),
      priceEurPerKwh: null,
      estimated: false,
      ...(tempoColour !== undefined && { tempoColour }),
    });
  }
  return out;
}

function periodOfKey(k: string): Period {
  return k.toUpperCase() as Period;
}

export interface CostTotals {
  kwh: number;
  energyEur: number;
  subscriptionEur: number;
  totalEur: number;
  /** kWh and EUR per period. */
  byPeriod: Partial<Record<Period, { kwh: number; eur: number }>>;
  estimatedDays: number;
  days: number;
}

/** Sums of cost rows (a month, a year, a comparison). */
export function totalsOf(rows: readonly CostRow[]): CostTotals {
  const t: CostTotals = {
    kwh: 0,
    energyEur: 0,
    subscriptionEur: 0,
    totalEur: 0,
    byPeriod: {},
    estimatedDays: 0,
    days: 0,
  };
  const estimated = new Set<string>();
  for (const r of rows) {
    if (r.period === "SUBSCRIPTION") {
      t.subscriptionEur += r.eur;
      t.days++;
    } else {
      t.kwh += r.kwh ?? 0;
      t.energyEur += r.eur;
      const b = (t.byPeriod[r.period] ??= { kwh: 0, eur: 0 });
      b.kwh += r.kwh ?? 0;
      b.eur += r.eur;
      if (r.estimated) estimated.add(r.date);
    }
  }
  t.totalEur = t.energyEur + t.subscriptionEur;
  t.estimatedDays = estimated.size;
  return t;
}
