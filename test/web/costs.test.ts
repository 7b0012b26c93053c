/**
 * Costs on a simulated meter (synced through the real sync from the embedded simulator), through the
 * API and the pages. The expected figures are computed here from the meter's own export, independently
 * of the pricing code: each 30-minute point's energy (W × 0.5 h) booked to the Paris day and to HP or HC
 * by its start in Paris wall-clock time (luxon), against the off-peak string the simulator's contract
 * gave (its windows start and end on the half-hour, so no point straddles a boundary).
 */
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOfferFile } from "../../src/tariffs/offers.js";
import { csrfOf } from "./helpers.js";
import { meterFixture, PRM, type MeterFixture } from "./meter-fixture.js";

const FROM = "2026-11-16";
const TO = "2026-11-23";

interface Bucket {
  bucket: string;
  periods: { period: string; kwh: number; eur: number }[];
  kwh: number;
  subscription_eur: number;
  total_eur: number;
  estimated: boolean;
  tempo_colour?: string | null;
}

describe("costs on a simulated meter", () => {
  let m: MeterFixture;
  let offPeakLabel: string;
  /** Wh per Paris day and per HP/HC, from the export. */
  const expected = new Map<string, { wh: number; hcWh: number; hourWh: number[] }>();

  beforeAll(async () => {
    m = await meterFixture();
    const store = m.f.ctx.store;
    const history = await store.tariffs.offPeakHistory(m.devices[PRM]!);
    expect(history).toHaveLength(1);
    offPeakLabel = history[0]!.label;
    await store.tariffs.saveOffers(
      parseOfferFile(
        JSON.stringify([
          {
            name: "c-base",
            kind: "base",
            prices: [{ from: "2026-01-01", subscription_eur_per_month: 12, base: 0.2 }],
          },
          {
            name: "c-hphc",
            kind: "hphc",
            offpeak: "contract",
            prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.1 }],
          },
          {
            name: "c-tempo",
            kind: "tempo",
            prices: [
              {
                from: "2026-01-01",
                subscription_eur_per_month: 16,
                ...{
                  hp_bleu: 0.16,
                  hc_bleu: 0.13,
                  hp_blanc: 0.19,
                  hc_blanc: 0.15,
                  hp_rouge: 0.7,
                  hc_rouge: 0.16,
                },
              },
            ],
          },
        ]),
      ),
    );
    const colours = ["BLEU", "ROUGE", "BLANC", "BLEU", "ROUGE", "BLEU", "BLANC", "BLEU"] as const;
    await store.tariffs.saveTempoDays(
      colours.map((colour, i) => ({
        day: DateTime.fromISO("2026-11-15").plus({ days: i }).toISODate()!,
        colour,
        source: "import",
      })),
    );
    // The reference: HC windows of the simulator's string, read by hand here (a simple H/h format).
    const inner = /\(([^)]*)\)/.exec(offPeakLabel)![1]!;
    const windows = inner.split(";").map((w) => {
      const [a, b] = w.split("-").map((t) => {
        const [h, mi] = t.split(/[hH]/).map(Number);
        return h! * 60 + mi!;
      });
      return [a!, b!] as const;
    });
    const isHc = (min: number) =>
      windows.some(([a, b]) => (a < b ? min >= a && min < b : min >= a || min < b));
    const rows = (
      await m.owner.get(
        `/api/v1/usage-points/${PRM}/export?dataset=consumption_load_curve&from=${FROM}&to=${TO}&format=json`,
      )
    ).json() as {
      start: string;
      end: string;
      value: number;
    }[];
    for (const r of rows) {
      const start = DateTime.fromISO(r.start).setZone("Europe/Paris");
      const hours = (Date.parse(r.end) - Date.parse(r.start)) / 3_600_000;
      const day = start.toISODate()!;
      const e = expected.get(day) ?? { wh: 0, hcWh: 0, hourWh: [] };
      e.wh += r.value * hours;
      if (isHc(start.hour * 60 + start.minute)) e.hcWh += r.value * hours;
      e.hourWh[start.hour] = (e.hourWh[start.hour] ?? 0) + r.value * hours;
      expected.set(day, e);
    }
    expect(expected.size).toBe(7);
  }, 180_000);
  afterAll(() => m?.f.close());

  const costs = async (offer: string, resolution = "day") =>
    (
      await m.owner.get(
        `/api/v1/usage-points/${PRM}/costs?from=${FROM}&to=${TO}&offer=${offer}&resolution=${resolution}`,
      )
    ).json() as {
      buckets: Bucket[];
      totals: { kwh: number; total_eur: number; subscription_eur: number };
    };

  it("HP/HC with the contract's windows: HC kWh and euros as the curve says", async () => {
    const { buckets } = await costs("c-hphc");
    expect(buckets.map((b) => b.bucket)).toEqual([...expected.keys()]);
    for (const b of buckets) {
      const e = expected.get(b.bucket)!;
      const hc = b.periods.find((p) => p.period === "HC")!;
      const hp = b.periods.find((p) => p.period === "HP")!;
      expect(hc.kwh).toBeCloseTo(e.hcWh / 1000, 5);
      expect(hp.kwh).toBeCloseTo((e.wh - e.hcWh) / 1000, 5);
      // why: 0.10 EUR/kWh in HC, 0.25 in HP.
      expect(hc.eur).toBeCloseTo((e.hcWh / 1000) * 0.1, 5);
      expect(hp.eur).toBeCloseTo(((e.wh - e.hcWh) / 1000) * 0.25, 5);
      // why: November has 30 days: 15 / 30 = 0.5 EUR a day.
      expect(b.subscription_eur).toBeCloseTo(0.5, 9);
      expect(b.estimated).toBe(false);
    }
  });

  it("Tempo with the imported colours: 00:00-06:00 in the previous day's colour", async () => {
    const { buckets } = await costs("c-tempo");
    // 17 Nov is white after a red 16 Nov: its 00:00-06:00 is HC_ROUGE, 06:00-22:00 HP_BLANC, then HC_BLANC.
    const b = buckets.find((x) => x.bucket === "2026-11-17")!;
    const e = expected.get("2026-11-17")!;
    const sum = (from: number, to: number) =>
      e.hourWh.slice(from, to).reduce((s, v) => s + (v ?? 0), 0) / 1000;
    expect(b.tempo_colour).toBe("BLANC");
    expect(b.periods.map((p) => p.period).sort()).toEqual(["HC_BLANC", "HC_ROUGE", "HP_BLANC"]);
    expect(b.periods.find((p) => p.period === "HC_ROUGE")!.kwh).toBeCloseTo(sum(0, 6), 5);
    expect(b.periods.find((p) => p.period === "HP_BLANC")!.kwh).toBeCloseTo(sum(6, 22), 5);
    expect(b.periods.find((p) => p.period === "HC_BLANC")!.kwh).toBeCloseTo(sum(22, 24), 5);
    expect(b.periods.find((p) => p.period === "HC_ROUGE")!.eur).toBeCloseTo(sum(0, 6) * 0.16, 5);
  });

  it("Base per month: the month's energy at 0.20 and a week of subscription", async () => {
    const { buckets, totals } = await costs("c-base", "month");
    const wh = [...expected.values()].reduce((s, e) => s + e.wh, 0);
    expect(buckets).toHaveLength(1);
    expect(buckets[0]!.bucket).toBe("2026-11");
    expect(buckets[0]!.kwh).toBeCloseTo(wh / 1000, 4);
    // why: 7 days of 12 / 30 = 2.8 EUR.
    expect(totals.subscription_eur).toBeCloseTo(2.8, 6);
    expect(totals.total_eur).toBeCloseTo((wh / 1000) * 0.2 + 2.8, 4);
  });

  it("compare: cheapest first, each total = energy + subscription, the same kWh for all", async () => {
    const c = (await m.owner.get(`/api/v1/usage-points/${PRM}/compare?from=${FROM}&to=${TO}`)).json() as {
      offers: {
        offer: string;
        kwh: number;
        energy_eur: number;
        subscription_eur: number;
        total_eur: number;
        difference_per_year_eur: number;
        tempo?: { red_days: number };
      }[];
    };
    expect(c.offers).toHaveLength(3);
    const totals = c.offers.map((o) => o.total_eur);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
    for (const o of c.offers) {
      expect(o.total_eur).toBeCloseTo(o.energy_eur + o.subscription_eur, 5);
      expect(o.kwh).toBeCloseTo(c.offers[0]!.kwh, 5);
    }
    // why: 365 / 7 days × the difference over the week.
    expect(c.offers[1]!.difference_per_year_eur).toBeCloseTo(
      ((c.offers[1]!.total_eur - c.offers[0]!.total_eur) * 365) / 7,
      3,
    );
    // why: 16 and 19 November are red (the Tempo days starting on them).
    expect(c.offers.find((o) => o.offer === "c-tempo")!.tempo!.red_days).toBe(2);
  });

  it("the page compares the offers and puts the meter on one (CSRF, POST-redirect-GET)", async () => {
    const id = m.devices[PRM]!;
    const page = await m.owner.get(`/devices/${id}/costs?from=${FROM}&to=${TO}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Comparer les offres");
    const order = [...page.body.matchAll(/<tr data-offer="([^"]+)"/g)].map((x) => x[1]);
    expect(order).toHaveLength(3);
    expect(page.body).toContain(offPeakLabel);
    const forged = await m.owner.post(`/devices/${id}/tariff`, { offer: "c-base", _csrf: "forged" });
    expect(forged.statusCode).toBe(403);
    expect(await m.f.ctx.store.tariffs.assignments(id)).toEqual([]);
    const res = await m.owner.post(`/devices/${id}/tariff`, {
      offer: "c-hphc",
      from: "2026-11-01",
      _csrf: csrfOf(page.body)!,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/devices/${id}/costs?done=tariff`);
    const after = await m.owner.get(String(res.headers.location));
    expect(after.body).toContain("Offre du compteur enregistrée.");
    expect(after.body).toMatch(/<strong>c-hphc<\/strong> depuis le 2026-11-01/);
    // The meter's own tariff now prices the costs without --offer.
    const own = (await m.owner.get(`/api/v1/usage-points/${PRM}/costs?from=${FROM}&to=${TO}`)).json() as {
      totals: { total_eur: number };
    };
    const hphc = await costs("c-hphc");
    expect(own.totals.total_eur).toBeCloseTo(hphc.totals.total_eur, 9);
  });

  it("the year view shows the costs per month, the period's totals and the Tempo days coloured", async () => {
    const id = m.devices[PRM]!;
    // The page test above put the meter on c-hphc from 1 November: the same day's row is replaced.
    await m.f.ctx.store.tariffs.assign(id, "2026-11-01", "c-tempo");
    const res = await m.owner.get(`/api/v1/usage-points/${PRM}/views/year?date=2026-11-20`);
    expect(res.statusCode).toBe(200);
    const c = (
      res.json() as {
        costs: {
          offers: string[];
          from: string;
          to: string;
          months: Bucket[];
          totals: Bucket & { off_peak_share: number | null; average_eur_per_kwh: number | null };
          tempo_days: { date: string; colour: string | null; eur: number }[];
          error: string | null;
        };
      }
    ).costs;
    expect(c.error).toBeNull();
    expect(c.offers).toEqual(["c-tempo"]);
    // why: the fixture's clock is 28 November: published up to the 27th, so the year runs to the 28th.
    expect([c.from, c.to]).toEqual(["2026-01-01", "2026-11-28"]);
    expect(c.months.map((b) => b.bucket)).toEqual(
      Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`),
    );
    // The same figures as the costs API by month on the meter's tariff.
    const api = (
      await m.owner.get(`/api/v1/usage-points/${PRM}/costs?from=${c.from}&to=${c.to}&resolution=month`)
    ).json() as { buckets: Bucket[] };
    expect(c.months).toEqual(api.buckets);
    expect(c.totals.total_eur).toBeCloseTo(
      c.months.reduce((s, b) => s + b.total_eur, 0),
      4,
    );
    // Worked out from the export: 17 Nov is white after a red 16 Nov.
    const e = expected.get("2026-11-17")!;
    const sum = (from: number, to: number) =>
      e.hourWh.slice(from, to).reduce((acc, v) => acc + (v ?? 0), 0) / 1000;
    const day = c.tempo_days.find((d) => d.date === "2026-11-17")!;
    expect(day.colour).toBe("BLANC");
    expect(day.eur).toBeCloseTo(sum(0, 6) * 0.16 + sum(6, 22) * 0.19 + sum(22, 24) * 0.15 + 16 / 30, 3);
    expect(c.tempo_days.find((d) => d.date === "2026-06-01")!.colour).toBeNull();
    expect(c.totals.off_peak_share).toBeGreaterThan(0);
    expect(c.totals.off_peak_share).toBeLessThan(1);

    const page = await m.owner.get(`/devices/${id}?view=year&date=2026-11-20`);
    expect(page.statusCode).toBe(200);
    const section = /<section class="card" id="year-costs">([\s\S]*?)<\/section>/.exec(page.body)![1]!;
    expect([...section.matchAll(/<tr data-month="(2026-\d\d)"/g)].map((x) => x[1])).toEqual(
      c.months.map((b) => b.bucket),
    );
    expect(section).toContain("Prix moyen du kWh");
    expect(section).toContain("Part en heures creuses");
    expect(section).toMatch(/data-period="HP_BLANC"/);
    // Tempo days coloured: the imported red and white days, the others unknown.
    expect(section).toMatch(/data-month="2026-11"[\s\S]*data-day="16" data-colour="ROUGE"/);
    expect(section).toMatch(/data-day="17" data-colour="BLANC"/);
    expect(section).toContain("de couleur inconnue");
    // The off-peak windows in force and their dated history, on the meter's page.
    expect(page.body).toMatch(/<dd id="offpeak-now">\d\d:\d\d-\d\d:\d\d/);
    expect(page.body).toContain('id="offpeak-history"');
    expect(page.body).toContain(offPeakLabel);
    // Other periods carry no costs.
    const month = (await m.owner.get(`/api/v1/usage-points/${PRM}/views/month?date=2026-11-20`)).json() as {
      costs: unknown;
    };
    expect(month.costs).toBeNull();
  });

  it("administrators edit offers; a bad one is refused naming the key and nothing is stored", async () => {
    const admin = (await m.f.signedIn("odile", { admin: true })).agent;
    const page = await admin.get("/admin/offers");
    expect(page.statusCode).toBe(200);
    const bad = await admin.post("/admin/offers", {
      offer:
        '{"name": "c-bad", "kind": "hphc", "offpeak": "HC (0H00-0H00)", "prices": [{"from": "2026-01-01", "subscription_eur_per_month": 1, "hp": 0.2, "hc": 0.1}]}',
      _csrf: csrfOf(page.body)!,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("offpeak");
    expect(bad.body).toContain("whole day off-peak");
    expect(await m.f.ctx.store.tariffs.findOffer("c-bad")).toBeUndefined();
    const edit = await admin.get("/admin/offers?edit=c-base");
    expect(edit.body).toContain("base: 0.2");
    const saved = await admin.post("/admin/offers", {
      offer:
        "name: c-base\nkind: base\nprices:\n  - {from: 2026-01-01, subscription_eur_per_month: 12, base: 0.3}\n",
      _csrf: csrfOf(edit.body)!,
    });
    expect(saved.statusCode).toBe(303);
    expect((await m.f.ctx.store.tariffs.findOffer("c-base"))!.offer.prices[0]!.pricesEurPerKwh.base).toBe(
      0.3,
    );
    expect((await m.owner.get("/admin/offers")).statusCode).toBe(403);
  });
});
