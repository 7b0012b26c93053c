/**
 * The web API on three years of one meter's data (issue 6, acceptance 3):
 * - the year view (daily resolution) and the month view (hourly) answered by the API: median latency,
 *   each under 20 ms;
 * - the load curve over the three years downloaded as CSV, streamed: rows per second (≥ 200,000) and
 *   the process's resident memory during the download (peak minus before: a streamed export must not
 *   grow with the file).
 *
 * Data: 30-minute load curve (52,608 points), daily energy and max power, monthly totals and a ledger
 * day for each dataset and day, written straight into a fresh SQLite database; the real server listens
 * on 127.0.0.1 and is called over HTTP with a personal API token, as a script would.
 *
 * BENCH_RUNS (default 5) runs; each latency run is the median of BENCH_REQUESTS (default 30) requests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppContext } from "../src/app/context.js";
import { addDaysFast, parisMidnightFast } from "../src/domain/paris-fast.js";
import type { Reading } from "../src/domain/types.js";
import { newToken } from "../src/web/api/tokens.js";
import { startWebServer } from "../src/web/server.js";
import { median, measured, type BenchResult } from "./run.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const PRM = "22516914714270";
const FROM = "2023-11-01";
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

function mib(bytes: number): number {
  return bytes / 2 ** 20;
}

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "linky-bench-web-"));
  const ctx = await createAppContext({
    env: {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      LINKY_NOW: "2026-11-28T11:00:00Z",
    },
    log: () => undefined,
  });
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
      config: {
        dataset_keys: ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"],
      },
    });
    const type = await store.devices.linkyType();
    const device = await store.devices.findOrCreate({
      userId: user.id,
      mac: PRM,
      label: "Compteur",
      deviceTypeId: type.id,
      metadata: { subscribed_power_kva: 9 },
    });

    // Three years of data.
    const random = rng(7);
    const curve: Reading[] = [];
    const daily: Reading[] = [];
    const peaks: Reading[] = [];
    const ledger: Array<{
      day: string;
      expected: number;
      received: number;
      missing: number;
      status: "complete";
    }> = [];
    for (let d = FROM; d < TO; d = addDaysFast(d, 1)) {
      const start = parisMidnightFast(d);
      const end = parisMidnightFast(addDaysFast(d, 1));
      let wh = 0;
      let peak = 0;
      let peakAt = start;
      for (let t = start; t < end; t += 1_800_000) {
        const w = Math.round(250 + random() * 2500);
        curve.push({ startMs: t, lengthMin: 30, value: w });
        wh += w / 2;
        if (w > peak) [peak, peakAt] = [w, t + 600_000];
      }
      daily.push({ startMs: start, lengthMin: (end - start) / 60_000, value: Math.round(wh) });
      peaks.push({
        startMs: start,
        lengthMin: (end - start) / 60_000,
        value: Math.round(peak * 1.2),
        peakAtMs: peakAt,
      });
      ledger.push({
        day: d,
        expected: (end - start) / 1_800_000,
        received: (end - start) / 1_800_000,
        missing: 0,
        status: "complete",
      });
    }
    await store.measures.upsertCurve(device.id, "consumption", curve);
    await store.measures.upsertDaily(device.id, "consumption", daily);
    await store.measures.upsertMaxPower(device.id, peaks);
    await store.measures.recomputeMonths(device.id, "consumption", FROM.slice(0, 7), "2026-10");
    await store.measures.recomputeMonths(device.id, "max_power", FROM.slice(0, 7), "2026-10");
    for (const ds of [
      "consumption_load_curve",
      "daily_consumption",
      "daily_consumption_max_power",
    ] as const) {
      await store.ledger.record(device.id, ds, ledger);
    }
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
      async function timed(path: string): Promise<number> {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, { headers });
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        return performance.now() - t;
      }
      const year = `/api/v1/usage-points/${PRM}/views/year?date=2025-06-15`;
      const month = `/api/v1/usage-points/${PRM}/views/month?date=2025-10-15`;
      const exportPath = `/api/v1/usage-points/${PRM}/export?dataset=consumption_load_curve&from=${FROM}&to=${TO}`;
      for (let i = 0; i < 10; i++) {
        await timed(year);
        await timed(month);
      }
      const yearRuns: number[] = [];
      const monthRuns: number[] = [];
      const csvRuns: number[] = [];
      const rssRuns: number[] = [];
      let rows = 0;
      let bytes = 0;
      for (let r = 0; r < RUNS; r++) {
        const y: number[] = [];
        const m: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          y.push(await timed(year));
          m.push(await timed(month));
        }
        yearRuns.push(median(y) * 1000);
        monthRuns.push(median(m) * 1000);

        // The 3-year CSV, read as it streams (never kept): rows per second and memory while it runs.
        global.gc?.();
        const before = process.memoryUsage().rss;
        let peak = before;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 5);
        const t = performance.now();
        const res = await fetch(`${base}${exportPath}`, { headers });
        const reader = res.body!.getReader();
        rows = 0;
        bytes = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.length;
          for (let i = 0; i < value.length; i++) if (value[i] === 10) rows++;
          peak = Math.max(peak, process.memoryUsage().rss);
        }
        const seconds = (performance.now() - t) / 1000;
        clearInterval(sampler);
        rows -= 1; // the header
        if (rows !== curve.length) throw new Error(`export: ${rows} rows, expected ${curve.length}`);
        csvRuns.push(rows / seconds);
        rssRuns.push(mib(peak - before));
      }
      const peakRss = mib(process.resourceUsage().maxRSS * 1024);
      const verdict = (v: number) => (v < 20_000 ? "✅" : "❌");
      return [
        {
          ...measured("API year view (daily resolution, 3 years stored): median latency", yearRuns),
          unit: "µs",
          note: `GET /api/v1/usage-points/{prm}/views/year over HTTP with an API token, SQLite, ${REQUESTS} requests per run (median of each run); target: under 20,000 µs (20 ms) ${verdict(median(yearRuns))}. The answer: 365 daily energy and max power values, 12 months against the previous year's 12, summary with the night base load (a scan of the year's 17,520 curve points in SQL), the completeness calendar (365 days).`,
        },
        {
          ...measured("API month view (hourly resolution, 3 years stored): median latency", monthRuns),
          unit: "µs",
          note: `GET …/views/month: 744 hourly means folded in SQL from 1,488 points, 31 days of energy and max power, summary, calendar; target: under 20,000 µs ${verdict(median(monthRuns))}.`,
        },
        {
          ...measured("CSV export of a 3-year load curve, streamed over HTTP", csvRuns),
          unit: "rows/s",
          note: `GET …/export?dataset=consumption_load_curve&from=${FROM}&to=${TO}: ${rows.toLocaleString("en-US")} rows, ${(bytes / 1e6).toFixed(1)} MB, read by the client as it streams (nothing kept); read from the store 42 days at a time (a load curve), a slice per query. Target: ≥ 200,000 rows/s ${median(csvRuns) >= 200_000 ? "✅" : "❌"}.`,
        },
        {
          ...measured("CSV export: resident memory growth during the download (peak − before)", rssRuns),
          unit: "MiB",
          note: `Sampled every 5 ms and at each chunk, server and client in one process; the CSV itself is ${mib(bytes).toFixed(1)} MiB. Peak RSS of the whole bench process (data generation included): ${peakRss.toFixed(0)} MiB.`,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  }
}
