/**
 * Monitoring that scales (issue 16): `/stats` and `/metrics` at 50,000 DataConnect accounts, over HTTP
 * on the real server (SQLite), median latency, target under 50 ms each. Both read one snapshot of the
 * database figures per `server.statsCacheMs` (5 s), computed with aggregate queries (`statusGroups`:
 * accounts folded by state and cursors in the database); a scraper polling every 15 s therefore meets
 * the cold computation too: it is measured apart (`computeSnapshot`, no cache), with the bare aggregate
 * query as its baseline. `/healthz` (one trivial query) is the static baseline of the HTTP rows.
 *
 * Accounts: consumer meters in a quota plan's steady state (each dataset last fetched on its phase day
 * of strides 6/5/22), 10% with history still to fetch, 2% failing, 1% expired, last successes spread over
 * the last week. `npm run bench -- web` runs this file with `web.bench.ts`.
 *
 * BENCH_RUNS (default 5) runs of BENCH_REQUESTS (default 30) requests each.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppContext } from "../src/app/context.js";
import { addDays, parisDateOf, type LocalDate } from "../src/domain/time.js";
import { findImplementation } from "../src/senders/registry.js";
import { computeSnapshot } from "../src/web/metrics.js";
import { startWebServer } from "../src/web/server.js";
import { median, measured, type BenchResult } from "./run.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 50_000);
const TARGET_MS = 50;
const KEYS = ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"] as const;
const STRIDES = [6, 5, 22];

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "linky-bench-monitoring-"));
  const nowIso = "2026-12-07T10:00:00Z";
  const nowMs = Date.parse(nowIso);
  const ctx = await createAppContext({
    env: {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      LINKY_NOW: nowIso,
    },
    log: () => undefined,
  });
  try {
    const { store } = ctx;
    const user = await store.users.create({ username: "bench", passwordHash: "x" });
    const sender = await store.senders.create({
      libelle: ctx.config.enedis.appName,
      implClass: "dataconnect",
      // No cron: nothing syncs them during the measure (the figures are the database's).
      cron: null,
      role: null,
    });
    const today = parisDateOf(nowMs);
    const floor = addDays(today, -400);
    const db = store.database.db;
    for (let i = 0; i < ACCOUNTS; i += 500) {
      const rows = [];
      for (let id = i + 1; id <= Math.min(ACCOUNTS, i + 500); id++) {
        const backlog = id % 10 === 0;
        const datasets = Object.fromEntries(
          KEYS.map((k, j) => {
            const fetched = addDays(today, -(id % STRIDES[j]!)) as LocalDate;
            return [
              k,
              {
                fetched_until: fetched,
                backfill_oldest: backlog ? addDays(today, -30) : floor,
                data_floor: floor,
                last_success_ms: nowMs - (id % 7) * 86_400_000,
              },
            ];
          }),
        );
        const prm = String(20_000_000_000_000 + id);
        const outcome = id % 50 === 0 ? "failed" : "ok";
        rows.push({
          sender_id: sender.id,
          user_id: user.id,
          usage_point_id: prm,
          config: JSON.stringify({
            usage_point_id: prm,
            expired: id % 100 === 0,
            dataset_keys: [...KEYS],
            datasets,
            last_success_ms: nowMs - (id % 7) * 86_400_000 - (id % 3600) * 1000,
            last_sync: {
              started_at_ms: nowMs - 3_600_000,
              finished_at_ms: nowMs - 3_590_000,
              outcome,
              message: outcome === "failed" ? "Enedis is unavailable" : null,
              calls: 2,
              retries: 0,
              datasets: {},
            },
          }),
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        });
      }
      await db.insertInto("notification_account").values(rows).execute();
    }
    // The data are valid for the repository (its schema), and all of them are counted.
    if ((await store.accounts.list({ offset: ACCOUNTS - 1, limit: 1 })).length !== 1)
      throw new Error("the accounts were not written");

    const server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      async function timed(path: string): Promise<{ ms: number; body: string }> {
        const t = performance.now();
        const res = await fetch(`${base}${path}`);
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
        return { ms: performance.now() - t, body };
      }
      const first = JSON.parse((await timed("/stats")).body) as {
        accounts: number;
        states: Record<string, number>;
      };
      if (first.accounts !== ACCOUNTS) throw new Error(`/stats counts ${first.accounts} accounts`);
      const metricsText = (await timed("/metrics")).body;
      const seriesLines = metricsText
        .split("\n")
        .filter((l) => l.startsWith("linky_account_last_success_age_seconds{")).length;
      const statsRuns: number[] = [];
      const metricsRuns: number[] = [];
      const healthRuns: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const s: number[] = [];
        const m: number[] = [];
        const h: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          h.push((await timed("/healthz")).ms);
          s.push((await timed("/stats")).ms);
          m.push((await timed("/metrics")).ms);
        }
        healthRuns.push(median(h));
        statsRuns.push(median(s));
        metricsRuns.push(median(m));
      }
      // The cold computation (what one request in `statsCacheMs` pays), and the bare aggregate query.
      const ids = (await store.senders.list({ limit: 100 }))
        .filter((x) => findImplementation(x.implClass)?.key === "dataconnect")
        .map((x) => x.id);
      const coldRuns: number[] = [];
      const queryRuns: number[] = [];
      let groups = 0;
      for (let r = 0; r < RUNS; r++) {
        let t = performance.now();
        groups = (await store.accounts.statusGroups(ids, nowMs - 86_400_000)).length;
        queryRuns.push(performance.now() - t);
        t = performance.now();
        await computeSnapshot(store, ctx.config, nowMs);
        coldRuns.push(performance.now() - t);
      }
      const us = (xs: number[]) => xs.map((x) => x * 1000);
      const ok = (x: number) => (x < TARGET_MS ? "✅" : "❌");
      const cache = ctx.config.server.statsCacheMs;
      const states = Object.entries(first.states)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ");
      return [
        {
          ...measured(
            `/stats at ${ACCOUNTS.toLocaleString("en-US")} accounts, median latency`,
            us(statsRuns),
          ),
          unit: "µs",
          baseline: measured("GET /healthz (one trivial query)", us(healthRuns)),
          note:
            `GET /stats over HTTP, SQLite, ${REQUESTS} requests per run (median of each run), one snapshot per ${cache} ms shared with /metrics; ` +
            `target: under ${TARGET_MS} ms ${ok(median(statsRuns))}. States: ${states}.`,
        },
        {
          ...measured(
            `/metrics at ${ACCOUNTS.toLocaleString("en-US")} accounts, median latency`,
            us(metricsRuns),
          ),
          unit: "µs",
          baseline: measured("GET /healthz (one trivial query)", us(healthRuns)),
          note:
            `GET /metrics (Prometheus text, ${(metricsText.length / 1024).toFixed(0)} KiB, ${seriesLines} per-account last-success series among the rest), same snapshot; ` +
            `target: under ${TARGET_MS} ms ${ok(median(metricsRuns))}.`,
        },
        {
          ...measured(
            "/stats and /metrics snapshot computed cold at 50,000 accounts (no cache)",
            us(coldRuns),
          ),
          unit: "µs",
          baseline: measured("the bare aggregate query (statusGroups)", us(queryRuns)),
          note:
            `computeSnapshot: the aggregate query (${groups} groups for ${ACCOUNTS.toLocaleString("en-US")} accounts), the plan and catch-up estimate by the status code, ` +
            `the last-success ages (one narrow query), quota, ledger and gateways; what the first request of each ${cache}-ms window pays.`,
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
