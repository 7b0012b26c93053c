/**
 * Costs, comparisons and the subscribed-power advice of one meter: reads what the pricing needs from the
 * store (curve, daily energy, off-peak history, Tempo colours, the meter's tariff) and calls the pure
 * pricing. The CLI, the API and the web pages all go through here.
 */
import { parisFirstInstantOfHourFast, parisMidnightFast } from "../domain/paris-fast.js";
import { addDays, daysBetween, parisDayStartMs, type LocalDate } from "../domain/time.js";
import type { Device } from "../store/repositories/devices.js";
import type { Repositories } from "../store/index.js";
import { PRICE_KEYS, priceRowOn, subscriptionOf, type Offer } from "./offers.js";
import { OffPeakHistory, parseOffPeak, type OffPeakSchedule } from "./offpeak.js";
import {
  PricingError,
  priceEnergy,
  totalsOf,
  type CostRow,
  type CostTotals,
  type CurveInterval,
  type DailyEnergy,
  type PricingInput,
  type TempoColour,
} from "./pricing.js";

export { PricingError };

/** What a meter's data look like to the pricing, read once for several offers. */
export interface MeterEnergy {
  device: Device;
  from: LocalDate;
  to: LocalDate;
  curve: CurveInterval[];
  daily: DailyEnergy[];
  contractOffPeak: OffPeakHistory;
  tempo: Map<LocalDate, TempoColour>;
  subscribedKva: number | null;
}

/**
 * The Paris wall-clock hours at which these offers cut the day, when every cut is on the hour (Base: none;
 * Tempo: 6 and 22; HP/HC: its windows' edges, in every string of the meter's history for `contract`), or
 * null when one is not. Enedis' points (10 to 60 minutes) never cross an hour, so the curve summed per day
 * and part between those hours prices exactly as the raw curve does (`loadMeterEnergy`'s `cutHours`).
 */
export async function wholeHourCuts(
  repos: Repositories,
  device: Device,
  offers: readonly Offer[],
): Promise<number[] | null> {
  const cuts = new Set<number>();
  const add = (label: string): boolean => {
    try {
      for (const w of parseOffPeak(label).windows)
        for (const m of [w.startMin, w.endMin]) {
          if (m % 60 !== 0) return false;
          if (m > 0 && m < 1440) cuts.add(m / 60);
        }
      return true;
    } catch {
      return false;
    }
  };
  for (const o of offers) {
    if (o.kind === "tempo") {
      cuts.add(6);
      cuts.add(22);
    } else if (o.kind === "hphc") {
      let labels = [o.offpeak ?? ""];
      if (o.offpeak === "contract") {
        const history = await repos.tariffs.offPeakHistory(device.id);
        const meta = device.metadata as Record<string, unknown>;
        const known = meta.offpeak_hours ?? meta.off_peak_hours;
        labels = history.length > 0 ? history.map((h) => h.label) : typeof known === "string" ? [known] : [];
      }
      if (!labels.every(add)) return null;
    }
  }
  return [...cuts].sort((a, b) => a - b);
}

export async function loadMeterEnergy(
  repos: Repositories,
  device: Device,
  from: LocalDate,
  to: LocalDate,
  /** Read the curve summed per day and part between these whole hours (see `wholeHourCuts`). */
  opts: { cutHours?: readonly number[] | null } = {},
): Promise<MeterEnergy> {
  const fromMs = parisDayStartMs(from);
  const toMs = parisDayStartMs(to);
  const curve = opts.cutHours
    ? dayPartIntervals(
        await repos.tariffs.curveByDayPart(device.id, fromMs, toMs, opts.cutHours),
        opts.cutHours,
      )
    : (await repos.measures.readings(device.id, "consumption_load_curve", fromMs, toMs)).map((r) => ({
        startMs: r.startMs,
        lengthMin: r.lengthMin,
        powerW: r.value ?? 0,
      }));
  const daily = (await repos.measures.readings(device.id, "daily_consumption", fromMs, toMs)).map((r) => ({
    date: new Date(r.startMs + 12 * 3_600_000).toISOString().slice(0, 10),
    energyWh: r.value ?? 0,
  }));
  const history = await repos.tariffs.offPeakHistory(device.id);
  const meta = device.metadata as Record<string, unknown>;
  const known = meta.offpeak_hours ?? meta.off_peak_hours;
  const contractOffPeak = new OffPeakHistory(
    history.length > 0 ? history : typeof known === "string" ? [{ fromDay: "1970-01-01", label: known }] : [],
  );
  const tempo = new Map(
    (await repos.tariffs.tempoDays(addDays(from, -1), to)).map((d) => [d.day, d.colour] as const),
  );
  const kva = typeof meta.subscribed_power_kva === "number" ? meta.subscribed_power_kva : null;
  return { device, from, to, curve, daily, contractOffPeak, tempo, subscribedKva: kva };
}

/**
 * Each part's energy as a one-minute interval at the first instant of the part's first hour (the spring
 * day's missing hour and the autumn's repeated one accounted for):
 * the pricing then books it to that part's day and period.
 */
function dayPartIntervals(
  parts: readonly { day: string; part: number; energyWh: number }[],
  cutHours: readonly number[],
): CurveInterval[] {
  const out: CurveInterval[] = [];
  for (const p of parts) {
    const firstHour = p.part === 0 ? 0 : cutHours[p.part - 1]!;
    // On the spring day a part starting at 02:00 starts at 03:00, the first hour that exists.
    const t = parisFirstInstantOfHourFast(parisMidnightFast(p.day), firstHour);
    out.push({ startMs: t, lengthMin: 1, powerW: p.energyWh * 60 });
  }
  return out;
}

/** Costs of the meter's energy on one offer over [from, to) of the loaded range (default: all of it). */
export function costsOn(
  e: MeterEnergy,
  offer: Offer,
  range: {
    from?: LocalDate;
    to?: LocalDate;
    subscribedKva?: number | null;
    onPiece?: PricingInput["onPiece"];
  } = {},
): CostRow[] {
  let offPeakOn: ((d: LocalDate) => OffPeakSchedule | undefined) | undefined;
  if (offer.kind === "hphc") {
    if (offer.offpeak === "contract") {
      if (e.contractOffPeak.empty)
        throw new PricingError(
          `offer "${offer.name}" uses the contract's off-peak hours, and none is known for meter ${e.device.mac} yet (sync it, or give the offer an off-peak string)`,
        );
      offPeakOn = (d) => e.contractOffPeak.on(d);
    } else {
      const s = parseOffPeak(offer.offpeak ?? "");
      offPeakOn = () => s;
    }
  }
  return priceEnergy({
    offer,
    from: range.from ?? e.from,
    to: range.to ?? e.to,
    curve: e.curve,
    daily: e.daily,
    ...(offPeakOn && { offPeakOn }),
    tempoColour: (d) => e.tempo.get(d),
    subscribedKva: range.subscribedKva !== undefined ? range.subscribedKva : e.subscribedKva,
    ...(range.onPiece && { onPiece: range.onPiece }),
  });
}

/**
 * Costs with the meter's own tariff: each day on the offer assigned to it (`tariff set`). Days before the
 * first assignment take the first one.
 */
export async function costsOnTariff(repos: Repositories, e: MeterEnergy): Promise<CostRow[]> {
  return costsOnTariffWith(repos, e);
}

/** `costsOnTariff`, calling `onPiece` for each priced piece (Home Assistant's hourly statistics). */
export async function costsOnTariffWith(
  repos: Repositories,
  e: MeterEnergy,
  onPiece?: PricingInput["onPiece"],
): Promise<CostRow[]> {
  const assignments = await repos.tariffs.assignments(e.device.id);
  if (assignments.length === 0)
    throw new PricingError(
      `meter ${e.device.mac} has no tariff: run tariff set --usage-point ${e.device.mac} --offer NAME, or give --offer`,
    );
  const out: CostRow[] = [];
  for (let i = 0; i < assignments.length; i++) {
    const a = assignments[i]!;
    const from = i === 0 ? e.from : a.fromDay > e.from ? a.fromDay : e.from;
    const next = assignments[i + 1]?.fromDay;
    const to = next !== undefined && next < e.to ? next : e.to;
    if (from >= to) continue;
    const stored = await repos.tariffs.findOffer(a.offerName);
    if (!stored)
      throw new PricingError(`meter ${e.device.mac} is on offer "${a.offerName}", which no longer exists`);
    out.push(...costsOn(e, stored.offer, { from, to, ...(onPiece && { onPiece }) }));
  }
  return out;
}

export interface Comparison {
  offer: string;
  kind: Offer["kind"];
  kwh: number;
  energyEur: number;
  subscriptionEur: number;
  totalEur: number;
  /** More than the cheapest, EUR over the range and scaled to a year. */
  differenceEur: number;
  differencePerYearEur: number;
  estimatedDays: number;
  byPeriod: CostTotals["byPeriod"];
  /** Tempo only. */
  tempo?: { redDays: number; redDaysEur: number; shiftRedHp20PctSavingEur: number };
}

export interface ComparisonResult {
  from: LocalDate;
  to: LocalDate;
  days: number;
  offers: Comparison[];
  /** Offers that could not be priced on the range, with why. */
  skipped: { offer: string; reason: string }[];
}

/** Every given offer priced on the meter's own energy, cheapest first. */
export function compareOffers(
  e: MeterEnergy,
  offers: readonly Offer[],
  subscribedKva?: number | null,
): ComparisonResult {
  const priced: Comparison[] = [];
  const skipped: { offer: string; reason: string }[] = [];
  for (const offer of offers) {
    let rows: CostRow[];
    try {
      rows = costsOn(e, offer, subscribedKva !== undefined ? { subscribedKva } : {});
    } catch (err) {
      if (err instanceof PricingError) {
        skipped.push({ offer: offer.name, reason: err.message });
        continue;
      }
      throw err;
    }
    const t = totalsOf(rows);
    const c: Comparison = {
      offer: offer.name,
      kind: offer.kind,
      kwh: t.kwh,
      energyEur: t.energyEur,
      subscriptionEur: t.subscriptionEur,
      totalEur: t.totalEur,
      differenceEur: 0,
      differencePerYearEur: 0,
      estimatedDays: t.estimatedDays,
      byPeriod: t.byPeriod,
    };
    if (offer.kind === "tempo") c.tempo = tempoInsights(offer, rows);
    priced.push(c);
  }
  priced.sort((a, b) => a.totalEur - b.totalEur || a.offer.localeCompare(b.offer));
  const days = Math.max(1, daysBetween(e.from, e.to));
  const cheapest = priced[0]?.totalEur ?? 0;
  for (const c of priced) {
    c.differenceEur = c.totalEur - cheapest;
    c.differencePerYearEur = (c.differenceEur * 365) / days;
  }
  return { from: e.from, to: e.to, days, offers: priced, skipped };
}

/**
 * What the red days cost (energy of HP_ROUGE and HC_ROUGE rows), and what moving 20% of the red days'
 * HP energy into the same days' HC would save: 0.2 × kWh × (hp_rouge − hc_rouge) of each day's prices.
 */
function tempoInsights(offer: Offer, rows: readonly CostRow[]): NonNullable<Comparison["tempo"]> {
  let redDaysEur = 0;
  let saving = 0;
  const redDays = new Set<string>();
  for (const r of rows) {
    if (r.period === "HP_ROUGE" || r.period === "HC_ROUGE") redDaysEur += r.eur;
    if (r.tempoColour === "ROUGE") redDays.add(r.date);
    if (r.period === "HP_ROUGE" && r.kwh !== null) {
      const p = priceRowOn(offer, r.date)!.pricesEurPerKwh;
      saving += 0.2 * r.kwh * ((p.hp_rouge ?? 0) - (p.hc_rouge ?? 0));
    }
  }
  return { redDays: redDays.size, redDaysEur, shiftRedHp20PctSavingEur: saving };
}

export const STANDARD_KVA = [3, 6, 9, 12, 15, 18, 24, 30, 36] as const;

export interface PowerAdvice {
  /** Days with a max power value. */
  days: number;
  maxPowerVa: number | null;
  subscribedKva: number | null;
  /** The smallest standard power with max × 1.1 under it. */
  recommendedKva: number | null;
  /** Days whose max came within 10% of the recommended power. */
  closeDays: { date: LocalDate; maxPowerVa: number }[];
  /** On the chosen offer: yearly subscription now minus at the recommended power (null if unknown). */
  savingPerYearEur: number | null;
}

/**
 * From daily max power: the smallest standard kVA the meter never exceeded with a 10% margin (max ×
 * 1.1 ≤ kVA × 1000), the days that came close (over 90% of it), and the yearly saving on the offer's
 * subscription (its per-kVA prices, at the row in force on `asOf`).
 */
export function adviseSubscribedPower(
  maxPower: readonly { date: LocalDate; maxPowerVa: number }[],
  subscribedKva: number | null,
  offer?: Offer,
  asOf?: LocalDate,
): PowerAdvice {
  const max = maxPower.reduce<number | null>(
    (m, d) => (m === null || d.maxPowerVa > m ? d.maxPowerVa : m),
    null,
  );
  const recommended = max === null ? null : (STANDARD_KVA.find((k) => max * 1.1 <= k * 1000) ?? 36);
  const closeDays =
    recommended === null
      ? []
      : maxPower.filter((d) => d.maxPowerVa > 0.9 * recommended * 1000).map((d) => ({ ...d }));
  let saving: number | null = null;
  if (offer && asOf && recommended !== null && subscribedKva !== null) {
    const row = priceRowOn(offer, asOf);
    const by = row?.subscriptionEurPerMonthByKva;
    if (row && by && by[String(recommended)] !== undefined && by[String(subscribedKva)] !== undefined)
      saving = 12 * (subscriptionOf(row, subscribedKva) - subscriptionOf(row, recommended));
  }
  return {
    days: maxPower.length,
    maxPowerVa: max,
    subscribedKva,
    recommendedKva: recommended,
    closeDays,
    savingPerYearEur: saving,
  };
}

/** The price keys of an offer's kind (for forms and tables). */
export const priceKeysOf = (kind: Offer["kind"]): readonly string[] => PRICE_KEYS[kind];

/** The advice from the meter's stored daily max power over [from, to). */
export async function powerAdviceOf(
  repos: Repositories,
  device: Device,
  from: LocalDate,
  to: LocalDate,
  offer?: Offer,
  asOf?: LocalDate,
): Promise<PowerAdvice> {
  const rows = await repos.measures.readings(
    device.id,
    "daily_consumption_max_power",
    parisDayStartMs(from),
    parisDayStartMs(to),
  );
  const meta = device.metadata as Record<string, unknown>;
  const kva = typeof meta.subscribed_power_kva === "number" ? meta.subscribed_power_kva : null;
  return adviseSubscribedPower(
    rows.map((r) => ({
      date: new Date(r.startMs + 12 * 3_600_000).toISOString().slice(0, 10),
      maxPowerVa: r.value ?? 0,
    })),
    kva,
    offer,
    asOf,
  );
}
