/**
 * Costs (issue 14, acceptance 4):
 * - one year of a 30-minute load curve (17,520 points) priced on three offers (Base; HP/HC with two
 *   odd-minute windows `HC (3H40-8h10;12H40-16H10)`; Tempo with a colour for every day), pure pricing:
 *   median ms for the three together (target: under 50 ms); the same-run baseline is the least any
 *   pricing does: each point's energy summed into its Paris day (ratio = pricing / baseline);
 * - the year with costs answered by the API (`/costs?resolution=month` over 12 months on the Tempo offer:
 *   reading the year's curve per day part and daily values from SQLite, pricing, bucketing, JSON) and the
 *   year view with its costs (`/views/year` of the meter put on the Tempo offer: charts, summary,
 *   calendar and the year's costs per month and Tempo day): median latency (target: under 20 ms).
 *
 * BENCH_RUNS (default 7) runs; each latency run is the median of BENCH_REQUESTS (default 15) requests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppContext } from "../src/app/context.js";
import { addDaysFast, parisDateFast, parisMidnightFast } from "../src/domain/paris-fast.js";
import type { Reading } from "../src/domain/types.js";
import { parseOfferFile } from "../src/tariffs/offers.js";
import { parseOffPeak } from "../src/tariffs/offpeak.js";
import { priceEnergy, type CurveInterval, type TempoColour } from "../src/tariffs/pricing.js";
import { newToken } from "../src/web/api/tokens.js";
import { startWebServer } from "../src/web/server.js";
import { median, measured, pairedRatio, type BenchResult } from "./run.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 15);
const PRM = "22516914714270";
const FROM = "2025-11-01";
const TO = "2026-11-01";

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OFFERS = parseOfferFile(
  JSON.stringify([
    {
      name: "base",
      kind: "base",
      prices: [
        { from: "2025-01-01", subscription_eur_per_month: 12, base: 0.19 },
        { from: "2026-02-01", subscription_eur_per_month: 12.5, base: 0.194 },
      ],
    },
    {
      name: "hphc",
      kind: "hphc",
      offpeak: "HC (3H40-8h10;12H40-16H10)",
      prices: [
        { from: "2025-01-01", subscription_eur_per_month: 15, hp: 0.21, hc: 0.17 },
        { from: "2026-02-01", subscription_eur_per_month: 15.5, hp: 0.2146, hc: 0.1696 },
      ],
    },
    {
      name: "tempo",
      kind: "tempo",
      prices: [
        {
          from: "2025-01-01",
          subscription_eur_per_month: 16,
          hp_bleu: 0.16,
          hc_bleu: 0.13,
          hp_blanc: 0.19,
          hc_blanc: 0.15,
          hp_rouge: 0.7,
          hc_rouge: 0.16,
        },
      ],
    },
  ]),
);

export async function run(): Promise<BenchResult[]> {
  const random = rng(14);
  const curve: CurveInterval[] = [];
  const readings: Reading[] = [];
  const daily: Reading[] = [];
  const colours = new Map<string, TempoColour>();
  for (let d = addDaysFast(FROM, -1); d < TO; d = addDaysFast(d, 1)) {
    const r = random();
    colours.set(d, r < 0.06 ? "ROUGE" : r < 0.18 ? "BLANC" : "BLEU");
    if (d < FROM) continue;
    const start = parisMidnightFast(d);
    const end = parisMidnightFast(addDaysFast(d, 1));
    let wh = 0;
    for (let t = start; t < end; t += 1_800_000) {
      const w = Math.round(250 + random() * 2500);
      curve.push({ startMs: t, lengthMin: 30, powerW: w });
      readings.push({ startMs: t, lengthMin: 30, value: w });
      wh += w / 2;
    }
    daily.push({ startMs: start, lengthMin: (end - start) / 60_000, value: Math.round(wh) });
  }
  const schedule = parseOffPeak("HC (3H40-8h10;12H40-16H10)");
  const priceAll = () => {
    let rows = 0;
    for (const offer of OFFERS)
      rows += priceEnergy({
        offer,
        from: FROM,
        to: TO,
        curve,
        offPeakOn: () => schedule,
        tempoColour: (d) => colours.get(d),
      }).length;
    return rows;
  };
  const baselineOnce = () => {
    const perDay = new Map<string, number>();
    for (const c of curve) {
      const d = parisDateFast(c.startMs);
      perDay.set(d, (perDay.get(d) ?? 0) + (c.powerW * c.lengthMin) / 60);
    }
    return perDay.size;
  };
  for (let i = 0; i < 5; i++) {
    priceAll();
    baselineOnce();
  }
  const pricing: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    baselineOnce();
    baseline.push(performance.now() - t);
    t = performance.now();
    priceAll();
    pricing.push(performance.now() - t);
  }

  // The API on a stored year.
  const dir = await mkdtemp(join(tmpdir(), "linky-bench-costs-"));
  const ctx = await createAppContext({
    env: {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      LINKY_NOW: "2026-11-28T11:00:00Z",
    },
    log: () => undefined,
  });
  const yearCosts: number[] = [];
  const yearView: number[] = [];
  try {
    const { store } = ctx;
    const user = await store.users.create({ username: "bench", passwordHash: "x" });
    const sender = await store.senders.create({
      libelle: ctx.config.enedis.appName,
      implClass: "dataconnect",
      cron: null,
      role: null,
    });
    await store.accounts.create({
      senderId: sender.id,
      userId: user.id,
      usagePointId: PRM,
      config: { dataset_keys: ["consumption_load_curve", "daily_consumption"] },
    });
    const device = await store.devices.findOrCreate({
      userId: user.id,
      mac: PRM,
      label: "Compteur",
      deviceTypeId: (await store.devices.linkyType()).id,
      metadata: { subscribed_power_kva: 9 },
    });
    await store.measures.upsertCurve(device.id, "consumption", readings);
    await store.measures.upsertDaily(device.id, "consumption", daily);
    await store.measures.recomputeMonths(device.id, "consumption", FROM.slice(0, 7), "2026-10");
    await store.tariffs.saveOffers(OFFERS);
    await store.tariffs.saveTempoDays(
      [...colours].map(([day, colour]) => ({ day, colour, source: "bench" })),
    );
    // The meter on the Tempo offer: its year view carries the year's costs.
    await store.tariffs.assign(device.id, "1970-01-01", "tempo");
    const token = newToken();
    await store.apiTokens.create({
      userId: user.id,
      name: "bench",
      tokenHash: token.hash,
      prefix: token.prefix,
    });
    const server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${server.port}`;
    const headers = { authorization: `Bearer ${token.token}` };
    try {
      const timed = async (path: string) => {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, { headers });
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        return performance.now() - t;
      };
      const costsPath = `/api/v1/usage-points/${PRM}/costs?from=${FROM}&to=${TO}&offer=tempo&resolution=month`;
      const viewPath = `/api/v1/usage-points/${PRM}/views/year?date=2026-06-15`;
      const check = (await (await fetch(`${base}${viewPath}`, { headers })).json()) as {
        costs: { months: unknown[]; error: string | null } | null;
      };
      // why: 2026 up to the clock's last published day (27 November): January to November.
      if (!check.costs || check.costs.error !== null || check.costs.months.length !== 11)
        throw new Error(`the year view carries no costs: ${JSON.stringify(check.costs).slice(0, 200)}`);
      for (let i = 0; i < 5; i++) {
        await timed(costsPath);
        await timed(viewPath);
      }
      for (let r = 0; r < RUNS; r++) {
        const c: number[] = [];
        const v: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          c.push(await timed(costsPath));
          v.push(await timed(viewPath));
        }
        yearCosts.push(median(c));
        yearView.push(median(v));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  }
  const us = (xs: number[]) => xs.map((x) => Math.round(x * 1000));
  return [
    {
      ...measured(
        "costs: one year of a 30-min curve priced on Base, HP/HC (odd minutes) and Tempo",
        us(pricing),
      ),
      unit: "µs",
      baseline: measured("each point's energy summed into its Paris day", us(baseline)),
      ratio: pairedRatio(pricing, baseline),
      note: `${curve.length} points × 3 offers, pure pricing (rows out: ${priceAll()}); target: median under 50 ms; ratio = pricing / baseline (lower is better).`,
    },
    {
      ...measured("costs API: a year by month on Tempo (read + price + JSON), median latency", us(yearCosts)),
      unit: "µs",
      note: `GET /costs?resolution=month over ${FROM}..${TO} on the stored curve, ${REQUESTS} requests per run; target: under 20 ms.`,
    },
    {
      ...measured("API year view with costs (Tempo, a year), median latency", us(yearView)),
      unit: "µs",
      note: "GET /views/year?date=2026-06-15 of the meter on the Tempo offer, same database: the charts, summary and calendar of the year plus its costs per month and per Tempo day; target: under 20 ms.",
    },
  ];
}
