/**
 * The synthetic household model: deterministic per (PRM, seed), the single source of every measure the
 * simulator serves (load curves, daily energies, max power, indexes, in both API generations).
 *
 * Consumption (mean power over each interval, integer W): a night base load of 150–400 W, a morning peak
 * (7–9h on weekdays, later at weekends), a lunch bump at weekends, an evening peak (18–22h), electric
 * heating in the heating season (strongest mid-January, nothing from mid-April to mid-October), a water
 * heater at the start of the off-peak hours, appliance spikes, day-to-day variation and a few days away;
 * noise is a hash of (PRM, seed, instant). Amplitudes scale with the subscribed power, and the curve stays
 * under 85 % of it.
 * Production: a solar plant (sun elevation at the site's latitude, day clearness, passing clouds).
 * Self-consumption PRMs: both, netted: consumption = max(0, C − S), production = max(0, S − C).
 *
 * Derived values:
 * - daily energy (Wh) = round(Σ W × step / 60) over the day's intervals, exactly the curve's energy;
 * - daily max power (VA) = the day's highest interval mean × 1.05–1.6, capped at the subscribed power
 *   but never below that mean, timed at a second inside that interval;
 * - indexes (Wh) = cumulative energy per time class (HP/HC from the off-peak hours) since activation,
 *   read at Paris midnight: index(D+1) − index(D) summed over classes = energy of D.
 */
import { addDays, daysBetween, type LocalDate } from "../domain/time.js";
import type { Direction } from "../domain/types.js";
import { hashString, seedWord, unit } from "./hash.js";
import { dstBounds, parisDay } from "./paris.js";
import { isHoliday, type HouseholdKind } from "./households.js";
import { activationOf, isOffPeak, profileOf, type PrmProfile } from "./profile.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One load-curve interval. */
export interface CurvePoint {
  /** UTC instants of the interval [startMs, endMs). */
  startMs: number;
  endMs: number;
  stepMin: number;
  /** Mean power over the interval, W. */
  valueW: number;
  /** The interval starts in the off-peak hours (HC). */
  offPeak: boolean;
}

export interface DailyMaxPower {
  /** Highest apparent power of the day, VA. */
  valueVa: number;
  /** Instant of the peak (inside the interval of the highest mean power). */
  atMs: number;
  /** Three-phase PRMs: the per-phase maxima (VA) and their instants. */
  phases: { valueVa: number; atMs: number }[] | null;
}

export interface IndexClass {
  idClasseTemporelle: string;
  libelleClasseTemporelle: string;
  codeCadran: string;
  /** Cumulative counter, Wh. */
  valueWh: number;
}

export interface IndexRegisters {
  date: LocalDate;
  idCalendrier: string;
  libelleCalendrier: string;
  classes: IndexClass[];
  /** Sum of the classes (the totalising register), Wh. */
  totalWh: number;
}

interface DayData {
  startMs: number;
  stepMin: number;
  offPeak: Uint8Array;
  cons: Int32Array | null;
  prod: Int32Array | null;
  /** Σ W × stepMin: integers, so sums stay exact. */
  consWmin: number;
  consOffPeakWmin: number;
  prodWmin: number;
  prodOffPeakWmin: number;
}

interface Household {
  baseW: number;
  morningW: number;
  middayW: number;
  eveningW: number;
  heatingW: number;
  waterW: number;
  waterHours: number;
  capW: number;
  solarEfficiency: number;
}

/** The demo households' equipment (households.ts), power in W: fixed amplitudes, same every run. */
const KIND_HOUSEHOLDS: Record<HouseholdKind, Omit<Household, "capW" | "solarEfficiency">> = {
  // Convectors: up to 2.4 kW on average on a January day (with the peaks of the morning and the evening).
  electric_heating: {
    baseW: 220,
    morningW: 600,
    middayW: 300,
    eveningW: 1000,
    heatingW: 2000,
    waterW: 2000,
    waterHours: 2,
  },
  // A heat pump: a third of the convectors' power for the same warmth.
  heat_pump: {
    baseW: 250,
    morningW: 800,
    middayW: 450,
    eveningW: 1400,
    heatingW: 1150,
    waterW: 0,
    waterHours: 0,
  },
  water_heater: {
    baseW: 200,
    morningW: 700,
    middayW: 400,
    eveningW: 1200,
    heatingW: 0,
    waterW: 2400,
    waterHours: 3,
  },
  ev: { baseW: 230, morningW: 800, middayW: 400, eveningW: 1400, heatingW: 0, waterW: 2000, waterHours: 2.5 },
  solar: { baseW: 260, morningW: 700, middayW: 900, eveningW: 1300, heatingW: 0, waterW: 0, waterHours: 0 },
};

function household(p: PrmProfile, seed: number): Household {
  const h = hashString(`household:${p.prm}:${seed}`);
  const scale = p.subscribedKva / 9;
  if (p.kind)
    return {
      ...KIND_HOUSEHOLDS[p.kind],
      capW: 0.85 * p.subscribedKva * 1000,
      solarEfficiency: 0.85 + 0.1 * unit(h, 10),
    };
  return {
    baseW: 150 + 250 * unit(h, 1),
    morningW: (600 + 900 * unit(h, 2)) * scale,
    middayW: (300 + 700 * unit(h, 3)) * scale,
    eveningW: (900 + 1400 * unit(h, 4)) * scale,
    heatingW: unit(h, 5) < 0.3 ? 0 : (800 + 2200 * unit(h, 6)) * scale,
    waterW: p.subscribedKva >= 6 && unit(h, 7) < 0.8 ? (1200 + 1800 * unit(h, 8)) * scale : 0,
    waterHours: 1.5 + 2 * unit(h, 9),
    capW: 0.85 * p.subscribedKva * 1000,
    solarEfficiency: 0.75 + 0.25 * unit(h, 10),
  };
}

function gauss(x: number, mu: number, sigma: number): number {
  const d = (x - mu) / sigma;
  return Math.exp(-0.5 * d * d);
}

/** 0 from mid-April to mid-October, up to 1 in mid-January. */
export function heatingFactor(dayOfYear: number): number {
  const x = Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
  return x <= 0.05 ? 0 : ((x - 0.05) / 0.95) ** 1.3;
}

function dayOfYearOf(date: LocalDate): number {
  const y = Number(date.slice(0, 4));
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(y, 0, 1)) / DAY_MS) + 1;
}

function computeDay(p: PrmProfile, seed: number, date: LocalDate): DayData {
  const { startMs, endMs } = parisDay(date);
  const stepMin = p.stepMin;
  const stepMs = stepMin * MINUTE_MS;
  const n = Math.round((endMs - startMs) / stepMs);
  const hh = household(p, seed);
  const prmWord = hashString(p.prm);
  const dayNumber = Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
  const doy = dayOfYearOf(date);
  const heat = heatingFactor(doy);
  const kind = p.kind;
  // Demo households: holidays with low use (the water heater and frost protection only).
  const away = kind ? isHoliday(date) : unit(prmWord, seed, dayNumber, 11) < 0.03;
  const dayFactor = away ? 0.35 : 0.85 + 0.35 * unit(prmWord, seed, dayNumber, 12);
  const clearness = 0.15 + 0.85 * unit(prmWord, seed, dayNumber, 13) ** 0.6;
  const cloudiness = 1 - clearness;
  const waterMinutes = hh.waterHours * 60 * (0.8 + 0.4 * heat);
  // Sun: declination of the day, site latitude.
  const decl = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + doy)) / 365);
  const lat = (p.address.latitude * Math.PI) / 180;
  const lonHours = p.address.longitude / 15;
  const solarPeakW = p.productionKwp * 1000 * hh.solarEfficiency;

  const offPeak = new Uint8Array(n);
  const cons = p.consumption ? new Int32Array(n) : null;
  const prod = p.production ? new Int32Array(n) : null;
  let consWmin = 0;
  let consOffPeakWmin = 0;
  let prodWmin = 0;
  let prodOffPeakWmin = 0;

  // Wall-clock minutes without luxon or Date objects per point: the day's offsets are known.
  const dst = dstBounds(Number(date.slice(0, 4)));
  const offsetMin = (ms: number) => (ms >= dst.startMs && ms < dst.endMs ? 120 : 60);
  const localMidnight = startMs + offsetMin(startMs) * MINUTE_MS;
  const wallMinute = (ms: number) => (ms + offsetMin(ms) * MINUTE_MS - localMidnight) / MINUTE_MS;
  const weekday = ((new Date(Date.parse(`${date}T00:00:00Z`)).getUTCDay() + 6) % 7) + 1;
  const weekend = weekday >= 6;

  for (let i = 0; i < n; i++) {
    const t = startMs + i * stepMs;
    const mid = t + stepMs / 2;
    const isHc = isOffPeak(p.offPeak, wallMinute(t));
    offPeak[i] = isHc ? 1 : 0;
    const minuteOfDay = wallMinute(mid);
    const hour = minuteOfDay / 60;
    const minuteNo = Math.floor(t / MINUTE_MS);

    let c = 0;
    if (p.consumption) {
      const morning = weekend ? 0.8 * gauss(hour, 9.5, 1.2) : gauss(hour, 7.5, 0.8);
      const midday = weekend ? gauss(hour, 12.8, 1.0) : 0.35 * gauss(hour, 12.5, 0.8);
      const evening = (weekend ? 1.1 : 1) * gauss(hour, 19.8, 1.6);
      const heating =
        hh.heatingW * heat * Math.min(1, 0.45 + 0.55 * (gauss(hour, 7, 2) + gauss(hour, 20, 3)));
      let w =
        (hh.baseW + hh.morningW * morning + hh.middayW * midday + hh.eveningW * evening + heating) *
        dayFactor *
        (0.85 + 0.3 * unit(prmWord, seed, minuteNo, 1));
      if (hour >= 7 && hour < 23 && unit(prmWord, seed, minuteNo, 2) < 0.05 && !away) {
        w += (800 + 1400 * unit(prmWord, seed, minuteNo, 3)) * (p.subscribedKva / 9);
      }
      if (hh.waterW > 0) {
        const since = (minuteOfDay - p.offPeak.firstStartMin + 1440) % 1440;
        if (since < waterMinutes) w += hh.waterW;
      }
      if (kind === "heat_pump") {
        // Summer cooling in the afternoons of July and August.
        const cool = Math.max(0, Math.cos((2 * Math.PI * (doy - 205)) / 365.25)) ** 6;
        w += 900 * cool * gauss(hour, 16, 2.5) * (away ? 0 : 1);
      }
      if (kind === "ev" && !away) {
        // 7.4 kW from 23:00 Paris, on the nights after Monday, Wednesday and Friday (2–3 h) and Sunday (4 h).
        const hours =
          weekday === 7
            ? 4
            : weekday === 1 || weekday === 3 || weekday === 5
              ? 2 + unit(prmWord, seed, dayNumber, 14)
              : 0;
        const sinceEleven = minuteOfDay >= 23 * 60 ? minuteOfDay - 23 * 60 : -1;
        if (sinceEleven >= 0 && sinceEleven < hours * 60) w += 7400;
        // The end of a charge started the day before, after midnight.
        const yesterday = weekday === 1 ? 7 : weekday - 1;
        const before =
          yesterday === 7
            ? 4
            : yesterday === 1 || yesterday === 3 || yesterday === 5
              ? 2 + unit(prmWord, seed, dayNumber - 1, 14)
              : 0;
        if (minuteOfDay < (before - 1) * 60) w += 7400;
      }
      c = Math.min(hh.capW, w);
    }

    let s = 0;
    if (p.production) {
      const utcHours = (mid % DAY_MS) / 3_600_000;
      const hourAngle = ((utcHours + lonHours - 12) * 15 * Math.PI) / 180;
      const sinEl = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
      if (sinEl > 0) {
        const cloud = 1 - 0.6 * cloudiness * unit(prmWord, seed, minuteNo, 4);
        s = Math.min(0.95 * p.productionKwp * 1000, solarPeakW * sinEl ** 1.15 * clearness * cloud);
      }
    }

    if (cons && prod) {
      const net = Math.round(c) - Math.round(s);
      cons[i] = net > 0 ? net : 0;
      prod[i] = net < 0 ? -net : 0;
    } else {
      if (cons) cons[i] = Math.max(0, Math.round(c));
      if (prod) prod[i] = Math.max(0, Math.round(s));
    }
    if (cons) {
      consWmin += (cons[i] as number) * stepMin;
      if (isHc) consOffPeakWmin += (cons[i] as number) * stepMin;
    }
    if (prod) {
      prodWmin += (prod[i] as number) * stepMin;
      if (isHc) prodOffPeakWmin += (prod[i] as number) * stepMin;
    }
  }
  return { startMs, stepMin, offPeak, cons, prod, consWmin, consOffPeakWmin, prodWmin, prodOffPeakWmin };
}

/** A small LRU on a Map (insertion order = recency). */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
}

// Day computations are cached: a 36-month request reads ~1,100 days, an index walks every day since
// activation, and the same days are asked again in both API generations.
const dayCache = new Lru<string, DayData>(20_000);

function dayData(prm: string, seed: string | number, date: LocalDate): DayData {
  const sw = seedWord(seed);
  const key = `${prm}|${sw}|${date}`;
  let d = dayCache.get(key);
  if (!d) {
    d = computeDay(profileOf(prm), sw, date);
    dayCache.set(key, d);
  }
  return d;
}

function hasDirection(p: PrmProfile, direction: Direction): boolean {
  return direction === "consumption" ? p.consumption : p.production;
}

/**
 * Load-curve intervals of the Paris days [fromDate, toDate), full model (no publication delay, no
 * sandbox gaps). Empty when the PRM has no such direction.
 */
export function curvePoints(
  prm: string,
  seed: string | number,
  fromDate: LocalDate,
  toDate: LocalDate,
  direction: Direction = "consumption",
): CurvePoint[] {
  const p = profileOf(prm);
  if (!hasDirection(p, direction)) return [];
  const out: CurvePoint[] = [];
  for (let date = fromDate; date < toDate; date = addDays(date, 1)) {
    const d = dayData(prm, seed, date);
    const values = direction === "consumption" ? d.cons : d.prod;
    if (!values) continue;
    const stepMs = d.stepMin * MINUTE_MS;
    for (let i = 0; i < values.length; i++) {
      const startMs = d.startMs + i * stepMs;
      out.push({
        startMs,
        endMs: startMs + stepMs,
        stepMin: d.stepMin,
        valueW: values[i] as number,
        offPeak: d.offPeak[i] === 1,
      });
    }
  }
  return out;
}

/** Energy of one Paris day in Wh (the curve's energy, rounded once), or null without that direction. */
export function dailyEnergyWh(
  prm: string,
  seed: string | number,
  date: LocalDate,
  direction: Direction = "consumption",
): number | null {
  const p = profileOf(prm);
  if (!hasDirection(p, direction)) return null;
  const d = dayData(prm, seed, date);
  return Math.round((direction === "consumption" ? d.consWmin : d.prodWmin) / 60);
}

/** Off-peak share of a day's energy (Wh), rounded so that HC + HP = the daily energy exactly. */
function dailyClassesWh(prm: string, seed: string | number, date: LocalDate, direction: Direction) {
  const d = dayData(prm, seed, date);
  const total = Math.round((direction === "consumption" ? d.consWmin : d.prodWmin) / 60);
  const hc = Math.round((direction === "consumption" ? d.consOffPeakWmin : d.prodOffPeakWmin) / 60);
  return { hc, hp: total - hc };
}

/** The day's highest apparent power (consumption), or null for a PRM without consumption. */
export function dailyMaxPower(prm: string, seed: string | number, date: LocalDate): DailyMaxPower | null {
  const p = profileOf(prm);
  if (!p.consumption) return null;
  const d = dayData(prm, seed, date);
  const values = d.cons as Int32Array;
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  const meanW = values[best] as number;
  const sw = seedWord(seed);
  const h = hashString(`pmax:${prm}:${sw}:${date}`);
  const factor = 1.05 + 0.55 * unit(h, 1);
  const valueVa = Math.max(meanW, Math.min(Math.round(meanW * factor), p.subscribedKva * 1000));
  const stepS = d.stepMin * 60;
  const intervalStart = d.startMs + best * stepS * 1000;
  // A whole second strictly inside the interval.
  const atMs = intervalStart + (1 + Math.floor(unit(h, 2) * (stepS - 2))) * 1000;
  let phases: DailyMaxPower["phases"] = null;
  if (p.phases === 3) {
    phases = [1, 2, 3].map((k) => ({
      valueVa: Math.round(valueVa * (0.38 + 0.25 * unit(h, 10 + k))),
      atMs: intervalStart + (1 + Math.floor(unit(h, 20 + k) * (stepS - 2))) * 1000,
    }));
  }
  return { valueVa, atMs, phases };
}

interface Cumulative {
  start: LocalDate;
  hc: number[];
  hp: number[];
}

const cumulativeCache = new Lru<string, Cumulative>(500);

/**
 * Index registers (cumulative Wh per time class) read at Paris midnight starting `date`, or null before
 * the activation of that direction or without it. The counters start near zero at activation.
 */
export function indexRegisters(
  prm: string,
  seed: string | number,
  date: LocalDate,
  direction: Direction = "consumption",
): IndexRegisters | null {
  const p = profileOf(prm);
  const activation = activationOf(p, direction);
  if (!hasDirection(p, direction) || activation === null || date < activation) return null;
  const sw = seedWord(seed);
  const key = `${prm}|${sw}|${direction}`;
  let cum = cumulativeCache.get(key);
  if (!cum) {
    const h = hashString(`index:${key}`);
    cum = { start: activation, hc: [Math.floor(unit(h, 1) * 50_000)], hp: [Math.floor(unit(h, 2) * 50_000)] };
    cumulativeCache.set(key, cum);
  }
  const target = daysBetween(cum.start, date);
  while (cum.hc.length <= target) {
    const i = cum.hc.length - 1;
    const c = dailyClassesWh(prm, seed, addDays(cum.start, i), direction);
    cum.hc.push((cum.hc[i] as number) + c.hc);
    cum.hp.push((cum.hp[i] as number) + c.hp);
  }
  const hc = cum.hc[target] as number;
  const hp = cum.hp[target] as number;
  const cadran = direction === "consumption" ? "EAS" : "EAI";
  return {
    date,
    idCalendrier: "DI000002",
    libelleCalendrier: "Heures pleines / heures creuses (distributeur)",
    classes: [
      {
        idClasseTemporelle: "HC",
        libelleClasseTemporelle: "Heures Creuses",
        codeCadran: `${cadran} D1`,
        valueWh: hc,
      },
      {
        idClasseTemporelle: "HP",
        libelleClasseTemporelle: "Heures Pleines",
        codeCadran: `${cadran} D2`,
        valueWh: hp,
      },
    ],
    totalWh: hc + hp,
  };
}
