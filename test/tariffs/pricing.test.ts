/**
 * Pricing on a curve: every expected value is worked out by hand below (`why`). Instants are written
 * with their Paris offset (+01:00 winter, +02:00 summer; 2026: 29 March 02:00 -> 03:00, 25 October
 * 03:00 -> 02:00), so nothing depends on the process time zone (the suite runs in Los Angeles).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parisDayBounds } from "../../src/domain/time.js";
import { parseOfferFile, validateOffer, type Offer } from "../../src/tariffs/offers.js";
import { parseOffPeak } from "../../src/tariffs/offpeak.js";
import {
  priceEnergy,
  subscriptionShareEur,
  type CostRow,
  type CurveInterval,
  type TempoColour,
} from "../../src/tariffs/pricing.js";

const ms = (iso: string) => Date.parse(iso);
const base = (prices: { from: string; base: number; sub?: number }[]): Offer =>
  validateOffer({
    name: "b",
    kind: "base",
    prices: prices.map((p) => ({ from: p.from, subscription_eur_per_month: p.sub ?? 0, base: p.base })),
  });
const hphc = (offpeak: string): Offer =>
  validateOffer({
    name: "h",
    kind: "hphc",
    offpeak,
    prices: [{ from: "2020-01-01", subscription_eur_per_month: 0, hp: 0.25, hc: 0.2 }],
  });
const tempo: Offer = validateOffer({
  name: "t",
  kind: "tempo",
  prices: [
    {
      from: "2020-01-01",
      subscription_eur_per_month: 0,
      hp_bleu: 0.16,
      hc_bleu: 0.13,
      hp_blanc: 0.19,
      hc_blanc: 0.15,
      hp_rouge: 0.7,
      hc_rouge: 0.16,
    },
  ],
});
/** A flat curve of `powerW` over [fromIso, toIso), in `stepMin` intervals. */
function flat(fromIso: string, toIso: string, powerW: number, stepMin = 30): CurveInterval[] {
  const out: CurveInterval[] = [];
  for (let t = ms(fromIso); t < ms(toIso); t += stepMin * 60_000)
    out.push({ startMs: t, lengthMin: stepMin, powerW });
  return out;
}
const energy = (rows: CostRow[]) =>
  Object.fromEntries(
    rows
      .filter((r) => r.period !== "SUBSCRIPTION")
      .map((r) => [`${r.date} ${r.period}`, Number(r.kwh!.toFixed(6))]),
  );

describe("splitting an interval", () => {
  it("at an odd-minute boundary (22:38): the half-hour is prorated", () => {
    // why: 1000 W over 22:30-23:00 = 500 Wh; 8 min before 22:38 are HP (500 × 8/30 = 133.333 Wh), 22 after HC.
    const rows = priceEnergy({
      offer: hphc("HC (22H38-6H38)"),
      from: "2026-01-15",
      to: "2026-01-16",
      curve: [{ startMs: ms("2026-01-15T22:30:00+01:00"), lengthMin: 30, powerW: 1000 }],
      offPeakOn: () => parseOffPeak("HC (22H38-6H38)"),
    });
    expect(energy(rows)).toEqual({ "2026-01-15 HP": 0.133333, "2026-01-15 HC": 0.366667 });
    // why: 0.133333 × 0.25 + 0.366667 × 0.20 = 0.033333 + 0.073333
    expect(rows.find((r) => r.period === "HP")!.eur).toBeCloseTo(0.0333333, 6);
    expect(rows.find((r) => r.period === "HC")!.eur).toBeCloseTo(0.0733333, 6);
  });

  it("with two windows at odd minutes (12H40 inside a 12:30 point)", () => {
    // why: 600 W over 12:30-13:00 = 300 Wh: 10 min HP (100 Wh), 20 min HC (200 Wh).
    const s = parseOffPeak("HC (3H40-8h10;12H40-16H10)");
    const rows = priceEnergy({
      offer: hphc("HC (3H40-8h10;12H40-16H10)"),
      from: "2026-06-10",
      to: "2026-06-11",
      curve: [{ startMs: ms("2026-06-10T12:30:00+02:00"), lengthMin: 30, powerW: 600 }],
      offPeakOn: () => s,
    });
    expect(energy(rows)).toEqual({ "2026-06-10 HP": 0.1, "2026-06-10 HC": 0.2 });
  });

  it("across midnight: each day gets its share", () => {
    // why: 1200 W over 23:45-00:15 = 600 Wh, 15 min on each side of midnight: 300 Wh each.
    const rows = priceEnergy({
      offer: base([{ from: "2026-01-01", base: 0.2 }]),
      from: "2026-01-15",
      to: "2026-01-17",
      curve: [{ startMs: ms("2026-01-15T23:45:00+01:00"), lengthMin: 30, powerW: 1200 }],
    });
    expect(energy(rows)).toEqual({ "2026-01-15 BASE": 0.3, "2026-01-16 BASE": 0.3 });
  });

  it("25 October: the repeated 02:00-03:00 is priced once each time it happens", () => {
    // why: the day has 25 h; 1000 W flat = 25 kWh; HC 2H00-3H00 happens twice = 2 kWh (not 1, not 4).
    const s = parseOffPeak("HC (2H00-3H00)");
    const rows = priceEnergy({
      offer: hphc("HC (2H00-3H00)"),
      from: "2026-10-25",
      to: "2026-10-26",
      curve: flat("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 1000),
      offPeakOn: () => s,
    });
    expect(energy(rows)).toEqual({ "2026-10-25 HP": 23, "2026-10-25 HC": 2 });
  });

  it("29 March: the missing 02:00-03:00 is absent", () => {
    // why: the day has 23 h; HC 2H00-3H00 does not exist that day, so no HC at all; 1H30-3H30 keeps
    // 01:30-02:00 and 03:00-03:30 = 1 h = 1 kWh.
    const curve = flat("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 1000);
    const run = (text: string) =>
      energy(
        priceEnergy({
          offer: hphc(text),
          from: "2026-03-29",
          to: "2026-03-30",
          curve,
          offPeakOn: () => parseOffPeak(text),
        }),
      );
    expect(run("HC (2H00-3H00)")).toEqual({ "2026-03-29 HP": 23 });
    expect(run("HC (1H30-3H30)")).toEqual({ "2026-03-29 HP": 22, "2026-03-29 HC": 1 });
  });

  it("Tempo: 00:00-06:00 belongs to the previous day's colour", () => {
    // why: 1000 W over 05:30-06:30 on 15 Jan (a blue day after a red one): 05:30-06:00 is the red day of
    // 14 Jan, HC (0.5 kWh × 0.16 = 0.08 EUR); 06:00-06:30 the blue day, HP (0.5 × 0.16 = 0.08 EUR).
    const colours: Record<string, TempoColour> = { "2026-01-14": "ROUGE", "2026-01-15": "BLEU" };
    const rows = priceEnergy({
      offer: tempo,
      from: "2026-01-15",
      to: "2026-01-16",
      curve: [{ startMs: ms("2026-01-15T05:30:00+01:00"), lengthMin: 60, powerW: 1000 }],
      tempoColour: (d) => colours[d],
    });
    expect(energy(rows)).toEqual({ "2026-01-15 HP_BLEU": 0.5, "2026-01-15 HC_ROUGE": 0.5 });
    expect(rows.filter((r) => r.period !== "SUBSCRIPTION").map((r) => r.eur)).toEqual([0.08, 0.08]);
    expect(rows.every((r) => !r.estimated)).toBe(true);
  });

  it("Tempo: 22:00 starts the HC of the same colour; an unknown colour is priced blue and marked estimated", () => {
    // why: 21:30-22:30 on a white day: 0.5 kWh HP_BLANC then 0.5 kWh HC_BLANC; the next day (unknown
    // colour) 06:00-07:00 is 1 kWh HP_BLEU, estimated.
    const rows = priceEnergy({
      offer: tempo,
      from: "2026-01-15",
      to: "2026-01-17",
      curve: [
        { startMs: ms("2026-01-15T21:30:00+01:00"), lengthMin: 60, powerW: 1000 },
        { startMs: ms("2026-01-16T06:00:00+01:00"), lengthMin: 60, powerW: 1000 },
      ],
      tempoColour: (d) => (d === "2026-01-15" ? "BLANC" : undefined),
    });
    expect(energy(rows)).toEqual({
      "2026-01-15 HP_BLANC": 0.5,
      "2026-01-15 HC_BLANC": 0.5,
      "2026-01-16 HP_BLEU": 1,
    });
    expect(rows.filter((r) => r.date === "2026-01-16" && r.period === "HP_BLEU")[0]!.estimated).toBe(true);
  });
});

describe("dated prices and subscription", () => {
  it("a price row changing mid-range applies from its day", () => {
    // why: 1000 W all day = 24 kWh; 31 Jan at 0.20 = 4.80 EUR, 1 Feb at 0.25 = 6.00 EUR.
    const rows = priceEnergy({
      offer: base([
        { from: "2026-01-30", base: 0.2 },
        { from: "2026-02-01", base: 0.25 },
      ]),
      from: "2026-01-31",
      to: "2026-02-02",
      curve: flat("2026-01-31T00:00:00+01:00", "2026-02-02T00:00:00+01:00", 1000),
    });
    expect(
      rows.filter((r) => r.period === "BASE").map((r) => [r.date, r.kwh, Number(r.eur.toFixed(6))]),
    ).toEqual([
      ["2026-01-31", 24, 4.8],
      ["2026-02-01", 24, 6],
    ]);
  });

  it("subscription per day = month's price / days in month (28, 29, 30, 31 days)", () => {
    // why: 12 EUR a month: February 2026 12/28 = 0.428571…, February 2028 12/29, April 12/30 = 0.4, January 12/31.
    expect(subscriptionShareEur(12, "2026-02-10")).toBeCloseTo(0.4285714, 6);
    expect(subscriptionShareEur(12, "2028-02-29")).toBeCloseTo(0.4137931, 6);
    expect(subscriptionShareEur(12, "2026-04-30")).toBeCloseTo(0.4, 9);
    expect(subscriptionShareEur(12, "2026-01-01")).toBeCloseTo(0.3870968, 6);
    const rows = priceEnergy({
      offer: base([{ from: "2026-01-01", base: 0.2, sub: 12 }]),
      from: "2026-02-01",
      to: "2026-03-01",
      curve: [],
    });
    // why: 28 rows of 12/28 add up to the month's 12 EUR.
    const subs = rows.filter((r) => r.period === "SUBSCRIPTION");
    expect(subs).toHaveLength(28);
    expect(subs.reduce((s, r) => s + r.eur, 0)).toBeCloseTo(12, 9);
  });

  it("a day before the first price row is refused with the offer's name", () => {
    expect(() =>
      priceEnergy({
        offer: base([{ from: "2026-01-01", base: 0.2 }]),
        from: "2025-12-31",
        to: "2026-01-01",
        curve: [],
      }),
    ).toThrow(/offer "b" has no price on 2025-12-31/);
  });

  it("the per-kVA subscription is used at that power", () => {
    const offer = validateOffer({
      name: "k",
      kind: "base",
      prices: [
        {
          from: "2026-01-01",
          subscription_eur_per_month: 10,
          subscription_eur_per_month_by_kva: { "9": 15.5 },
          base: 0.2,
        },
      ],
    });
    // why: April has 30 days: 15.5 / 30 = 0.516667 at 9 kVA; at 6 kVA (not listed) 10 / 30.
    const at = (kva: number) =>
      priceEnergy({ offer, from: "2026-04-01", to: "2026-04-02", curve: [], subscribedKva: kva })[0]!.eur;
    expect(at(9)).toBeCloseTo(0.516667, 6);
    expect(at(6)).toBeCloseTo(0.333333, 6);
  });
});

describe("days known only by their daily energy", () => {
  it("Base prices the day as such; HP/HC spreads it evenly over the clock and marks it estimated", () => {
    // why: 12 kWh; HC 22H00-6H00 is 8 of 24 h: HC 4 kWh, HP 8 kWh.
    const daily = [{ date: "2026-01-15", energyWh: 12_000 }];
    const b = priceEnergy({
      offer: base([{ from: "2026-01-01", base: 0.2 }]),
      from: "2026-01-15",
      to: "2026-01-16",
      curve: [],
      daily,
    });
    expect(energy(b)).toEqual({ "2026-01-15 BASE": 12 });
    expect(b.every((r) => !r.estimated)).toBe(true);
    const s = parseOffPeak("HC (22H00-6H00)");
    const h = priceEnergy({
      offer: hphc("HC (22H00-6H00)"),
      from: "2026-01-15",
      to: "2026-01-16",
      curve: [],
      daily,
      offPeakOn: () => s,
    });
    expect(energy(h)).toEqual({ "2026-01-15 HP": 8, "2026-01-15 HC": 4 });
    expect(h.filter((r) => r.period !== "SUBSCRIPTION").every((r) => r.estimated)).toBe(true);
  });

  it("on the 25-hour day the spread follows the clock (HC 22H00-6H00 = 9 of 25 h)", () => {
    // why: 00:00-06:00 lasts 7 h on 25 October (02:00-03:00 twice) + 22:00-24:00 = 9 h of 25: 12 × 9/25 = 4.32 kWh.
    const s = parseOffPeak("HC (22H00-6H00)");
    const h = priceEnergy({
      offer: hphc("HC (22H00-6H00)"),
      from: "2026-10-25",
      to: "2026-10-26",
      curve: [],
      daily: [{ date: "2026-10-25", energyWh: 12_000 }],
      offPeakOn: () => s,
    });
    expect(energy(h)).toEqual({ "2026-10-25 HP": 7.68, "2026-10-25 HC": 4.32 });
  });
});

describe("offer files", () => {
  const good = {
    name: "x",
    kind: "hphc",
    offpeak: "HC (22H00-6H00)",
    prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
  };
  const withRows = (prices: unknown[]) => JSON.stringify({ ...good, prices });
  const bad: { why: string; text: string; message: RegExp }[] = [
    {
      why: "no prices",
      text: JSON.stringify({ ...good, prices: [] }),
      message: /offer "x": prices: must be a non-empty list/,
    },
    {
      why: "unknown kind",
      text: JSON.stringify({ ...good, kind: "ejp" }),
      message: /offer "x": kind: must be one of base, hphc, tempo/,
    },
    {
      why: "0H00-0H00",
      text: JSON.stringify({ ...good, offpeak: "HC (0H00-0H00)" }),
      message: /offpeak: .*whole day off-peak/,
    },
    {
      why: "25H00",
      text: JSON.stringify({ ...good, offpeak: "HC (25H00-6H00)" }),
      message: /offpeak: .*25H00/,
    },
    {
      why: "negative price",
      text: withRows([{ from: "2026-01-01", subscription_eur_per_month: 15, hp: -0.1, hc: 0.2 }]),
      message: /prices\[0\]\.hp: must not be negative/,
    },
    {
      why: "missing price",
      text: withRows([{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.1 }]),
      message: /prices\[0\]\.hc: missing/,
    },
    {
      why: "unsorted dates",
      text: withRows([
        { from: "2026-02-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1 },
        { from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1 },
      ]),
      message: /prices\[1\]\.from: 2026-01-01 is not after the previous row's 2026-02-01/,
    },
    {
      why: "overlapping dates",
      text: withRows([
        { from: "2026-01-01", to: "2026-03-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1 },
        { from: "2026-02-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1 },
      ]),
      message: /prices\[1\]\.from: 2026-02-01 overlaps the previous row/,
    },
    {
      why: "a bad date",
      text: withRows([{ from: "2026-13-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1 }]),
      message: /prices\[0\]\.from: must be a date/,
    },
    {
      why: "a base price on an hphc offer",
      text: withRows([{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.1, hc: 0.1, base: 0.1 }]),
      message: /prices\[0\]\.base: unknown key/,
    },
    {
      why: "hphc without off-peak hours",
      text: JSON.stringify({ ...good, offpeak: undefined }),
      message: /offpeak: an hphc offer needs/,
    },
    { why: "not JSON nor YAML", text: "{ name: [", message: /not JSON or YAML/ },
  ];
  for (const b of bad)
    it(`refuses ${b.why}, naming the key`, () => expect(() => parseOfferFile(b.text)).toThrow(b.message));

  it("reads YAML (unquoted dates) and a list of offers", () => {
    const yaml = `- name: "Tarif Bleu HP/HC"\n  kind: hphc\n  offpeak: contract\n  prices:\n    - from: 2026-02-01\n      subscription_eur_per_month: 15.58\n      hp: 0.2146\n      hc: 0.1696\n- name: B\n  kind: base\n  prices:\n    - {from: 2026-02-01, subscription_eur_per_month: 12, base: 0.19}\n`;
    const offers = parseOfferFile(yaml);
    expect(offers.map((o) => [o.name, o.kind, o.offpeak, o.prices[0]!.from])).toEqual([
      ["Tarif Bleu HP/HC", "hphc", "contract", "2026-02-01"],
      ["B", "base", undefined, "2026-02-01"],
    ]);
  });
});

describe("property: the cost rows keep the curve's energy and price it at the period's price", () => {
  const DAY = [
    "2026-03-28",
    "2026-03-29",
    "2026-03-30",
    "2026-10-24",
    "2026-10-25",
    "2026-10-26",
    "2026-01-15",
  ];
  const hm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
  const label = (a: [number, number], b: [number, number]) =>
    `${a[0]}H${String(a[1]).padStart(2, "0")}-${b[0]}H${String(b[1]).padStart(2, "0")}`;
  const offerArb = fc.oneof(
    fc.record({
      kind: fc.constant("base" as const),
      p: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 1 }),
    }),
    fc.record({
      kind: fc.constant("hphc" as const),
      p: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
      windows: fc.array(
        fc.tuple(hm, hm).filter(([a, b]) => a[0] !== b[0] || a[1] !== b[1]),
        { minLength: 1, maxLength: 2 },
      ),
    }),
    fc.record({
      kind: fc.constant("tempo" as const),
      p: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
    }),
  );
  const curveArb = fc.array(
    fc.record({
      day: fc.constantFrom(...DAY),
      startMin: fc.integer({ min: -120, max: 1500 }),
      lengthMin: fc.integer({ min: 1, max: 180 }),
      powerW: fc.double({ min: 0, max: 12_000, noNaN: true }),
    }),
    { maxLength: 40 },
  );
  const colourArb = fc.array(fc.constantFrom<TempoColour | undefined>("BLEU", "BLANC", "ROUGE", undefined), {
    minLength: 400,
    maxLength: 400,
  });

  it("holds for any curve and any offer", () => {
    fc.assert(
      fc.property(offerArb, curveArb, colourArb, (o, pts, colours) => {
        const keys = {
          base: ["base"],
          hphc: ["hp", "hc"],
          tempo: ["hp_bleu", "hc_bleu", "hp_blanc", "hc_blanc", "hp_rouge", "hc_rouge"],
        }[o.kind];
        const offpeak =
          o.kind === "hphc" ? `HC (${o.windows.map(([a, b]) => label(a, b)).join(";")})` : undefined;
        // A schedule covering the whole day is refused on purpose (that is a base offer): not a case here.
        fc.pre(offpeak === undefined || parseOffPeak(offpeak).offPeakMinPerDay < 1440);
        const offer = validateOffer({
          name: "p",
          kind: o.kind,
          ...(offpeak && { offpeak }),
          prices: [
            {
              from: "2025-01-01",
              subscription_eur_per_month: 10,
              ...Object.fromEntries(keys.map((k, i) => [k, o.p[i]])),
            },
          ],
        });
        const curve = pts.map((p) => ({
          startMs: parisDayBounds(p.day).startMs + p.startMin * 60_000,
          lengthMin: p.lengthMin,
          powerW: p.powerW,
        }));
        // Intervals of a curve do not overlap, but the property holds per interval, so overlaps are fine.
        const from = "2026-01-14";
        const to = "2026-10-28";
        const sched = offpeak ? parseOffPeak(offpeak) : undefined;
        const rows = priceEnergy({
          offer,
          from,
          to,
          curve,
          offPeakOn: () => sched,
          tempoColour: (d) => colours[Math.abs(d.split("-").reduce((h, s) => h * 31 + Number(s), 7)) % 400],
        });
        // Reference: each interval's energy shared by overlap with the Paris day's bounds (luxon).
        for (const day of DAY) {
          const { startMs, endMs } = parisDayBounds(day);
          let wh = 0;
          for (const c of curve) {
            const end = c.startMs + c.lengthMin * 60_000;
            const overlap = Math.max(0, Math.min(end, endMs) - Math.max(c.startMs, startMs));
            wh += ((c.powerW * c.lengthMin) / 60) * (overlap / (end - c.startMs));
          }
          const dayRows = rows.filter((r) => r.date === day && r.period !== "SUBSCRIPTION");
          const kwh = dayRows.reduce((s, r) => s + r.kwh!, 0);
          expect(Math.abs(kwh - wh / 1000)).toBeLessThan(1e-6);
          for (const r of dayRows) {
            const key = r.period.toLowerCase();
            expect(keys).toContain(key);
            const priceEur = o.p[keys.indexOf(key)]!;
            expect(Math.abs(r.eur - r.kwh! * priceEur)).toBeLessThan(1e-9);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
