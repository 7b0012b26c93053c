/**
 * Offers: what a supplier charges, as dated price rows.
 *
 * Glossary:
 * - kind: `base` (one price), `hphc` (peak / off-peak), `tempo` (peak / off-peak × blue / white / red day);
 * - a price row applies from its `from` day (a Paris day) until the day before the next row's `from`, or
 *   until its own `to` (inclusive) when it has one; prices are EUR per kWh, taxes included;
 * - the subscription is EUR per month; `subscription_eur_per_month_by_kva` may give it per subscribed
 *   power (kVA) so that an offer can be priced at another power than the meter's;
 * - a period is the bucket a kWh is priced in: `BASE`, `HP`, `HC`, `HP_BLEU`…`HC_ROUGE`.
 */
import { parse as parseYaml } from "yaml";
import { isLocalDate, type LocalDate } from "../domain/time.js";
import { OffPeakParseError, parseOffPeak } from "./offpeak.js";

export const OFFER_KINDS = ["base", "hphc", "tempo"] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];

export const PERIODS = [
  "BASE",
  "HP",
  "HC",
  "HP_BLEU",
  "HC_BLEU",
  "HP_BLANC",
  "HC_BLANC",
  "HP_ROUGE",
  "HC_ROUGE",
] as const;
export type Period = (typeof PERIODS)[number];

/** The price keys of each kind, in the order of `PERIODS`. */
export const PRICE_KEYS = {
  base: ["base"],
  hphc: ["hp", "hc"],
  tempo: ["hp_bleu", "hc_bleu", "hp_blanc", "hc_blanc", "hp_rouge", "hc_rouge"],
} as const satisfies Record<OfferKind, readonly string[]>;

/** Period of each price key. */
export const PERIOD_OF_KEY: Record<string, Period> = {
  base: "BASE",
  hp: "HP",
  hc: "HC",
  hp_bleu: "HP_BLEU",
  hc_bleu: "HC_BLEU",
  hp_blanc: "HP_BLANC",
  hc_blanc: "HC_BLANC",
  hp_rouge: "HP_ROUGE",
  hc_rouge: "HC_ROUGE",
};

export interface PriceRow {
  from: LocalDate;
  /** Last day the row applies (inclusive); absent: until the next row. */
  to?: LocalDate;
  subscriptionEurPerMonth: number;
  /** Per subscribed power, kVA → EUR per month. */
  subscriptionEurPerMonthByKva?: Record<string, number>;
  /** EUR per kWh per price key (`base`, `hp`, `hc`, `hp_bleu`…). */
  pricesEurPerKwh: Record<string, number>;
}

export interface Offer {
  name: string;
  kind: OfferKind;
  /** hphc only: `contract` or an Enedis-style string. */
  offpeak?: string;
  /** Free text: where the prices come from. */
  source?: string;
  prices: PriceRow[];
}

export class OfferValidationError extends Error {
  override readonly name = "OfferValidationError";
}

function fail(where: string, message: string): never {
  throw new OfferValidationError(`${where}: ${message}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function price(v: unknown, where: string): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) fail(where, `must be a number, got ${JSON.stringify(v)}`);
  if (n < 0) fail(where, `must not be negative, got ${n}`);
  return n;
}

function day(v: unknown, where: string): LocalDate {
  // YAML reads an unquoted 2026-02-01 as a Date at UTC midnight.
  const s = v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v;
  if (typeof s !== "string" || !isLocalDate(s))
    fail(where, `must be a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return s;
}

const TOP_KEYS = new Set(["name", "kind", "offpeak", "source", "prices"]);

/** Checks one offer object (as read from JSON or YAML); the message names the key that is wrong. */
export function validateOffer(input: unknown, where = "offer"): Offer {
  if (!isRecord(input)) fail(where, "must be an object with name, kind and prices");
  const name = input.name;
  if (typeof name !== "string" || name.trim() === "") fail(`${where}.name`, "must be a non-empty string");
  const at = `offer "${name}"`;
  for (const k of Object.keys(input)) if (!TOP_KEYS.has(k)) fail(`${at}: ${k}`, "unknown key");
  const kind = input.kind;
  if (typeof kind !== "string" || !(OFFER_KINDS as readonly string[]).includes(kind))
    fail(`${at}: kind`, `must be one of ${OFFER_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
  const k = kind as OfferKind;
  const offer: Offer = { name: name.trim(), kind: k, prices: [] };
  if (input.source !== undefined) {
    if (typeof input.source !== "string") fail(`${at}: source`, "must be a string");
    offer.source = input.source;
  }
  if (k === "hphc") {
    const op = input.offpeak;
    if (typeof op !== "string" || op.trim() === "")
      fail(`${at}: offpeak`, `an hphc offer needs "contract" or an off-peak string like "HC (22H00-6H00)"`);
    if (op.trim() !== "contract") {
      try {
        const s = parseOffPeak(op);
        if (s.offPeakMinPerDay >= 1440)
          fail(`${at}: offpeak`, `"${op}" makes the whole day off-peak: that is a base offer`);
      } catch (e) {
        if (e instanceof OffPeakParseError) fail(`${at}: offpeak`, e.message);
        throw e;
      }
    }
    offer.offpeak = op.trim();
  } else if (input.offpeak !== undefined) {
    fail(`${at}: offpeak`, `only an hphc offer has off-peak hours (this one is ${k})`);
  }
  const rows = input.prices;
  if (!Array.isArray(rows) || rows.length === 0)
    fail(`${at}: prices`, "must be a non-empty list of price rows");
  const keys: readonly string[] = PRICE_KEYS[k];
  rows.forEach((r: unknown, i: number) => {
    const w = `${at}: prices[${i}]`;
    if (!isRecord(r)) fail(w, "must be an object");
    const allowed = new Set([
      "from",
      "to",
      "subscription_eur_per_month",
      "subscription_eur_per_month_by_kva",
      ...keys,
    ]);
    for (const key of Object.keys(r))
      if (!allowed.has(key)) fail(`${w}.${key}`, `unknown key for a ${k} offer (prices: ${keys.join(", ")})`);
    const row: PriceRow = {
      from: day(r.from, `${w}.from`),
      subscriptionEurPerMonth: price(r.subscription_eur_per_month, `${w}.subscription_eur_per_month`),
      pricesEurPerKwh: {},
    };
    if (r.to !== undefined) {
      row.to = day(r.to, `${w}.to`);
      if (row.to < row.from) fail(`${w}.to`, `${row.to} is before its from ${row.from}`);
    }
    if (r.subscription_eur_per_month_by_kva !== undefined) {
      const by = r.subscription_eur_per_month_by_kva;
      if (!isRecord(by)) fail(`${w}.subscription_eur_per_month_by_kva`, "must map kVA to EUR per month");
      row.subscriptionEurPerMonthByKva = {};
      for (const [kva, v] of Object.entries(by)) {
        if (!/^\d+$/.test(kva)) fail(`${w}.subscription_eur_per_month_by_kva.${kva}`, "must be a whole kVA");
        row.subscriptionEurPerMonthByKva[kva] = price(v, `${w}.subscription_eur_per_month_by_kva.${kva}`);
      }
    }
    for (const key of keys) {
      if (r[key] === undefined) fail(`${w}.${key}`, `missing (a ${k} offer needs ${keys.join(", ")})`);
      row.pricesEurPerKwh[key] = price(r[key], `${w}.${key}`);
    }
    const prev = offer.prices[offer.prices.length - 1];
    if (prev) {
      if (row.from <= prev.from)
        fail(
          `${w}.from`,
          `${row.from} is not after the previous row's ${prev.from}: rows must be sorted by date`,
        );
      if (prev.to !== undefined && prev.to >= row.from)
        fail(`${w}.from`, `${row.from} overlaps the previous row, which runs to ${prev.to}`);
    }
    offer.prices.push(row);
  });
  return offer;
}

/** Reads an offer file: JSON or YAML, one offer or a list. Nothing is returned unless every offer is good. */
export function parseOfferFile(text: string, fileName = "file"): Offer[] {
  let doc: unknown;
  try {
    doc =
      text.trimStart().startsWith("{") || text.trimStart().startsWith("[")
        ? JSON.parse(text)
        : parseYaml(text);
  } catch (e) {
    throw new OfferValidationError(
      `${fileName}: not JSON or YAML (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const list = Array.isArray(doc) ? doc : [doc];
  if (list.length === 0) throw new OfferValidationError(`${fileName}: holds no offer`);
  const offers = list.map((o, i) => validateOffer(o, Array.isArray(doc) ? `offer [${i}]` : "offer"));
  const names = new Set<string>();
  for (const o of offers) {
    if (names.has(o.name))
      throw new OfferValidationError(`offer "${o.name}": name given twice in ${fileName}`);
    names.add(o.name);
  }
  return offers;
}

/** The price row in force on a day, or undefined (before the first row, or in a gap after a `to`). */
export function priceRowOn(offer: Offer, d: LocalDate): PriceRow | undefined {
  let found: PriceRow | undefined;
  for (const r of offer.prices) {
    if (r.from <= d) found = r;
    else break;
  }
  if (found?.to !== undefined && found.to < d) return undefined;
  return found;
}

/** Monthly subscription of a row at a subscribed power (the per-kVA price when given, else the row's). */
export function subscriptionOf(row: PriceRow, kva?: number | null): number {
  if (kva != null && row.subscriptionEurPerMonthByKva) {
    const v = row.subscriptionEurPerMonthByKva[String(kva)];
    if (v !== undefined) return v;
  }
  return row.subscriptionEurPerMonth;
}

/** The offer as the file format writes it (for `offer list --json`, the API and the edit form). */
export function offerToFile(o: Offer): Record<string, unknown> {
  return {
    name: o.name,
    kind: o.kind,
    ...(o.offpeak !== undefined && { offpeak: o.offpeak }),
    ...(o.source !== undefined && { source: o.source }),
    prices: o.prices.map((r) => ({
      from: r.from,
      ...(r.to !== undefined && { to: r.to }),
      subscription_eur_per_month: r.subscriptionEurPerMonth,
      ...(r.subscriptionEurPerMonthByKva && {
        subscription_eur_per_month_by_kva: r.subscriptionEurPerMonthByKva,
      }),
      ...r.pricesEurPerKwh,
    })),
  };
}
