/**
 * Everything the simulator knows about one PRM, derived deterministically from its 14 digits (plus the
 * sandbox overrides of sandbox.ts): directions, load-curve step, activation dates, contract (subscribed
 * power, off-peak hours, tariff, supplier), meter, holder and address. The household's behaviour, which
 * also depends on the seed, lives in data.ts.
 */
import { addDays, type LocalDate } from "../domain/time.js";
import { hashString, unit } from "./hash.js";
import { householdKindOf, type HouseholdKind } from "./households.js";
import { SANDBOX_PRMS, type SandboxPrm } from "./sandbox.js";

/** One off-peak window in wall-clock minutes since midnight, [startMin, endMin) with endMin ≤ 1440. */
export type MinuteRange = readonly [number, number];

export interface OffPeak {
  /** As Enedis writes it, e.g. `HC (22H00-6H00)`. */
  label: string;
  /** Windows split at midnight. */
  ranges: readonly MinuteRange[];
  /** Wall-clock minute the first window starts at (when the water heater switches on). */
  firstStartMin: number;
}

export interface Holder {
  customerId: string;
  title: string;
  firstname: string;
  lastname: string;
  email: string;
  phone: string;
  landline: string;
}

export interface SiteAddress {
  number: number;
  street: string;
  postalCode: string;
  city: string;
  inseeCode: string;
  latitude: number;
  longitude: number;
}

export interface PrmProfile {
  prm: string;
  consumption: boolean;
  production: boolean;
  /** Load-curve recording activated. */
  loadCurve: boolean;
  /** Load-curve step in minutes (10, 15, 30 or 60). */
  stepMin: number;
  consumptionActivation: LocalDate | null;
  productionActivation: LocalDate | null;
  /** Sandbox load-curve holes (Tuesdays 10:00–14:00, Wednesdays). */
  gaps: boolean;
  sandbox: SandboxPrm | null;
  /** Subscribed (consumption) power in kVA: 3, 6, 9 or 12. */
  subscribedKva: number;
  /** 1 or 3 (three-phase from 12 kVA). */
  phases: 1 | 3;
  /** Peak power of the solar plant in kWp (production PRMs), else 0. */
  productionKwp: number;
  offPeak: OffPeak;
  distributionTariff: { code: string; label: string };
  supplier: string;
  meterSerial: string;
  holder: Holder;
  address: SiteAddress;
  /** Segment of the consumption contract (C5) and of the injection contract (P4). */
  segments: string[];
  /** The demo household's kind (households.ts), or null: the generic household of data.ts. */
  kind: HouseholdKind | null;
}

/** What each demo household's contract says (power in kVA, plant in kWp). */
const KIND_CONTRACTS: Record<HouseholdKind, { kva: number; offPeak: string; kwp: number }> = {
  electric_heating: { kva: 9, offPeak: "HC (22H00-6H00)", kwp: 0 },
  heat_pump: { kva: 9, offPeak: "HC (23H00-7H00)", kwp: 0 },
  water_heater: { kva: 6, offPeak: "HC (22H30-6H30)", kwp: 0 },
  ev: { kva: 12, offPeak: "HC (23H00-7H00)", kwp: 0 },
  solar: { kva: 6, offPeak: "HC (1H30-8H00;12H30-14H00)", kwp: 4.5 },
};

const OFF_PEAK_LABELS = [
  "HC (22H00-6H00)",
  "HC (23H00-7H00)",
  "HC (23h30-7h30)",
  "HC (22H30-6H30)",
  "HC (1H30-8H00;12H30-14H00)",
  "HC (2H00-7H00;14H00-17H00)",
] as const;

/** Parses an Enedis off-peak string (`HC (23h30-7h30)`, `HC (1H30-8H00;12H30-14H00)`). */
export function parseOffPeak(label: string): OffPeak {
  const inner = /\(([^)]*)\)/.exec(label)?.[1] ?? "";
  const ranges: MinuteRange[] = [];
  let firstStartMin = -1;
  for (const part of inner.split(";")) {
    const m = /^\s*(\d{1,2})[hH](\d{2})\s*-\s*(\d{1,2})[hH](\d{2})\s*$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]) * 60 + Number(m[2]);
    const b = Number(m[3]) * 60 + Number(m[4]);
    if (firstStartMin < 0) firstStartMin = a;
    if (a < b) ranges.push([a, b]);
    else {
      ranges.push([a, 1440]);
      if (b > 0) ranges.push([0, b]);
    }
  }
  return { label, ranges, firstStartMin: Math.max(0, firstStartMin) };
}

export function isOffPeak(offPeak: OffPeak, minuteOfDay: number): boolean {
  for (const [a, b] of offPeak.ranges) if (minuteOfDay >= a && minuteOfDay < b) return true;
  return false;
}

const FIRSTNAMES = [
  "Camille",
  "Louis",
  "Léa",
  "Hugo",
  "Manon",
  "Jules",
  "Chloé",
  "Lucas",
  "Inès",
  "Gabriel",
  "Anne",
  "Yann",
];
const LASTNAMES = [
  "Martin",
  "Bernard",
  "Le Gall",
  "Dubois",
  "Moreau",
  "Laurent",
  "Girard",
  "Morel",
  "Fournier",
  "Guérin",
  "Kerouac'h",
  "Lefèvre",
];
const STREETS = [
  "RUE DES LILAS",
  "AVENUE JEAN JAURES",
  "RUE DE LA REPUBLIQUE",
  "IMPASSE DES CHENES",
  "ALLEE DES TILLEULS",
  "BOULEVARD VICTOR HUGO",
  "RUE DU MOULIN",
  "CHEMIN DES VIGNES",
];
const CITIES: readonly { postalCode: string; city: string; insee: string; lat: number; lon: number }[] = [
  { postalCode: "75011", city: "PARIS", insee: "75111", lat: 48.8579, lon: 2.3806 },
  { postalCode: "69003", city: "LYON", insee: "69383", lat: 45.7597, lon: 4.8589 },
  { postalCode: "35000", city: "RENNES", insee: "35238", lat: 48.1147, lon: -1.6794 },
  { postalCode: "44000", city: "NANTES", insee: "44109", lat: 47.2184, lon: -1.5536 },
  { postalCode: "31000", city: "TOULOUSE", insee: "31555", lat: 43.6045, lon: 1.4442 },
  { postalCode: "59000", city: "LILLE", insee: "59350", lat: 50.6292, lon: 3.0573 },
  { postalCode: "33000", city: "BORDEAUX", insee: "33063", lat: 44.8378, lon: -0.5792 },
  { postalCode: "67000", city: "STRASBOURG", insee: "67482", lat: 48.5734, lon: 7.7521 },
  { postalCode: "29200", city: "BREST", insee: "29019", lat: 48.3904, lon: -4.4861 },
  { postalCode: "34000", city: "MONTPELLIER", insee: "34172", lat: 43.6108, lon: 3.8767 },
  { postalCode: "38000", city: "GRENOBLE", insee: "38185", lat: 45.1885, lon: 5.7245 },
  { postalCode: "29000", city: "QUIMPER", insee: "29232", lat: 47.996, lon: -4.1024 },
];
const SUPPLIERS = ["EDF", "ENGIE", "TotalEnergies", "Octopus Energy", "Ekwateur", "Enercoop"];
const POWERS_KVA = [3, 6, 6, 6, 9, 9, 9, 12] as const;

/** Load-curve step by the PRM's last two digits: 15 → 15 min, 60 → 60 min, 10 → 10 min, else 30. */
export function stepMinutesOf(prm: string): number {
  switch (prm.slice(-2)) {
    case "15":
      return 15;
    case "60":
      return 60;
    case "10":
      return 10;
    default:
      return 30;
  }
}

function pick<T>(list: readonly T[], r: number): T {
  return list[Math.min(list.length - 1, Math.floor(r * list.length))] as T;
}

function deburr(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

function digits(h: number, salt: number, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += String(Math.floor(unit(h, salt, i) * 10));
  return out;
}

function buildProfile(prm: string): PrmProfile {
  const h = hashString(`prm:${prm}`);
  const sandbox = SANDBOX_PRMS[prm] ?? null;
  const kind = householdKindOf(prm);
  const contract = kind ? KIND_CONTRACTS[kind] : null;
  const consumption = sandbox ? sandbox.consumption : true;
  const production = sandbox ? sandbox.production : kind === "solar";
  // Generic meters were commissioned during the Linky rollout (2016-01-01 + up to ~3.5 years).
  const rollout = addDays("2016-01-01", Math.floor(unit(h, 1) * 1270));
  const subscribedKva = contract ? contract.kva : pick(POWERS_KVA, unit(h, 2));
  const firstname = pick(FIRSTNAMES, unit(h, 3));
  const lastname = pick(LASTNAMES, unit(h, 4));
  const city = pick(CITIES, unit(h, 5));
  const offPeak = parseOffPeak(contract ? contract.offPeak : pick(OFF_PEAK_LABELS, unit(h, 6)));
  const segments: string[] = [];
  if (consumption) segments.push("C5");
  if (production) segments.push("P4");
  return {
    prm,
    consumption,
    production,
    loadCurve: sandbox?.loadCurve ?? true,
    stepMin: stepMinutesOf(prm),
    consumptionActivation: consumption ? (sandbox?.consumptionActivation ?? rollout) : null,
    productionActivation: production ? (sandbox?.productionActivation ?? addDays(rollout, 400)) : null,
    gaps: sandbox?.gaps ?? false,
    sandbox,
    subscribedKva,
    phases: subscribedKva >= 12 ? 3 : 1,
    productionKwp:
      contract && production ? contract.kwp : production ? Math.round((3 + unit(h, 7) * 6) * 10) / 10 : 0,
    offPeak,
    distributionTariff: {
      code: "BTINFMUDT",
      label: "Tarif BT<=36kVA Moyenne Utilisation heures pleines heures creuses",
    },
    supplier: pick(SUPPLIERS, unit(h, 8)),
    meterSerial: `0218${digits(h, 9, 10)}`,
    holder: {
      customerId: `1${digits(h, 10, 9)}`,
      title: unit(h, 11) < 0.5 ? "M." : "Mme",
      firstname,
      lastname,
      email: `${deburr(firstname)}.${deburr(lastname)}@example.fr`,
      phone: `06${digits(h, 12, 8)}`,
      landline: `0${1 + Math.floor(unit(h, 13) * 5)}${digits(h, 14, 8)}`,
    },
    address: {
      number: 1 + Math.floor(unit(h, 15) * 120),
      street: pick(STREETS, unit(h, 16)),
      postalCode: city.postalCode,
      city: city.city,
      inseeCode: city.insee,
      latitude: city.lat,
      longitude: city.lon,
    },
    segments,
    kind,
  };
}

const profiles = new Map<string, PrmProfile>();

/** The PRM's profile (memoised; bounded so that open-consent runs over many PRMs stay small). */
export function profileOf(prm: string): PrmProfile {
  let p = profiles.get(prm);
  if (!p) {
    if (profiles.size >= 10_000) profiles.clear();
    p = buildProfile(prm);
    profiles.set(prm, p);
  }
  return p;
}

export function activationOf(p: PrmProfile, direction: "consumption" | "production"): LocalDate | null {
  return direction === "consumption" ? p.consumptionActivation : p.productionActivation;
}
