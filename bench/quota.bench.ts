/**
 * Enedis' quotas spent by two workers (issue 4, acceptance 4). Two "workers" hammer the simulator's
 * measures API with daily-consumption calls, each with its own DataConnect client, its own
 * SharedQuotaLimiter and its own connection pool to one PostgreSQL database (what two `worker` processes
 * share); several calls in flight per worker, so that only the limiter holds them back.
 *
 * - Per second: the simulator refuses more than 5 calls in any second (real clock), its hourly quota out
 *   of reach; BENCH_QUOTA_SECONDS (default 60) of calls. Result: the achieved rate per 10-second window
 *   (calls/min), against the quota's 300 calls/min; no 429 allowed.
 * - Per hour: the simulator and the limiters run on a clock BENCH_QUOTA_SPEED (default 60) times faster
 *   than real time, with 1,000 calls/h (its per-second quota out of reach): BENCH_QUOTA_HOURS (default 2)
 *   compressed hours, i.e. 2 real minutes. Result: calls per compressed hour, against 1,000; no 429.
 *   The limiter's hourly margin is 1 s of real time as in production, i.e. 60 s of the compressed clock.
 *
 * Needs PostgreSQL (BENCH_PG_URL or TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { addDays, parisToday } from "../src/domain/time.js";
import { DataConnectClient } from "../src/enedis/client.js";
import { MEASURES_API_2026 } from "../src/enedis/datasets/index.js";
import { SharedQuotaLimiter } from "../src/scheduler/quota-shared.js";
import { startSimulator, type RunningSimulator } from "../src/simulator/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { measured, type BenchResult } from "./run.js";

const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_QUOTA_SECONDS ?? 60);
const SPEED = Number(process.env.BENCH_QUOTA_SPEED ?? 60);
const HOURS = Number(process.env.BENCH_QUOTA_HOURS ?? 2);
const WORKERS = 2;
/** Calls in flight per worker. */
const IN_FLIGHT = 4;
const HOUR = 3_600_000;
const PRMS = ["22516914714270", "12655648759651", "30000000100060", "30000000891930"];

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

interface Database {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

async function createDatabase(): Promise<Database> {
  const name = `linky_bench_quota_${randomBytes(4).toString("hex")}`;
  await admin(`create database ${name}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), "linky-bench-quota-"));
  return {
    url: u.toString(),
    dataDir,
    async drop() {
      await admin(`drop database if exists ${name} with (force)`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

function clock(startMs: number, speed: number): Clock {
  const origin = Date.now();
  return {
    now: () => startMs + (Date.now() - origin) * speed,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms / speed)),
  };
}

interface Outcome {
  /** Clock instants of the calls answered 200. */
  ok: number[];
  /** Calls answered 429 (the client's view; the simulator's log must agree). */
  refused: number;
  other: string[];
  perWorker: number[];
}

/** Two workers calling until `endMs` on `clk`; per worker its own store (pool), limiter and client. */
async function hammer(
  sim: RunningSimulator,
  db: Database,
  clk: Clock,
  quota: { perSecond: number; perHour: number; hourMarginMs: number },
  endMs: number,
): Promise<Outcome> {
  const secretKey = Buffer.alloc(32, 0x42).toString("hex");
  const stores: Store[] = [];
  const out: Outcome = { ok: [], refused: 0, other: [], perWorker: [] };
  try {
    for (let w = 0; w < WORKERS; w++) {
      stores.push(await openStore({ url: db.url, dataDir: db.dataDir, secretKey, poolSize: IN_FLIGHT + 2 }));
    }
    const day = addDays(parisToday(clk.now()), -3);
    await Promise.all(
      stores.map(async (store, w) => {
        const limiter = new SharedQuotaLimiter(store, { ...quota, now: clk.now, sleep: clk.sleep });
        const client = new DataConnectClient({
          apiUrl: sim.url,
          clientId: "simulator-client",
          clientSecret: "simulator-secret",
          now: clk.now,
          limiter,
          tokenStore: store.secrets.tokenStore(),
        });
        let mine = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async (_, k) => {
            for (let i = 0; clk.now() < endMs; i++) {
              const prm = PRMS[(w * IN_FLIGHT + k + i) % PRMS.length]!;
              try {
                await client.measureRaw("daily_consumption", prm, { from: day, to: addDays(day, 1) });
                out.ok.push(clk.now());
                mine++;
              } catch (e) {
                const kind = (e as { kind?: string }).kind;
                if (kind === "quota") out.refused++;
                else out.other.push(e instanceof Error ? e.message : String(e));
                if (out.other.length > 20) throw e;
              }
            }
          }),
        );
        out.perWorker[w] = mine;
      }),
    );
  } finally {
    for (const s of stores) await s.close();
  }
  return out;
}

async function perSecondBench(): Promise<BenchResult> {
  const db = await createDatabase();
  const sim = await startSimulator({
    port: 0,
    quotaPerSecond: 5,
    quotaPerHour: 1_000_000,
    openConsent: true,
  });
  try {
    const clk = clock(Date.now(), 1);
    // The token first, so that the measured run is measure calls only.
    const warm = clk.now() + 500;
    await hammer(sim, db, clk, { perSecond: 5, perHour: 1_000_000, hourMarginMs: 1000 }, warm);
    sim.resetLog();
    const start = clk.now();
    const end = start + SECONDS * 1000;
    const r = await hammer(sim, db, clk, { perSecond: 5, perHour: 1_000_000, hourMarginMs: 1000 }, end);
    const log = sim.requestLog();
    if (r.other.length > 0) throw new Error(`unexpected failures: ${r.other.slice(0, 3).join("; ")}`);
    // Calls per minute in each 10-second window of the run.
    const windows = Math.floor(SECONDS / 10);
    const runs = Array.from(
      { length: windows },
      (_, i) => r.ok.filter((t) => t >= start + i * 10_000 && t < start + (i + 1) * 10_000).length * 6,
    );
    const overall = (r.ok.filter((t) => t < end).length / SECONDS) * 60;
    const m = measured(`2 workers, 5 calls/s quota: achieved rate over ${SECONDS} s (10-s windows)`, runs);
    return {
      ...m,
      unit: "calls/min",
      baseline: measured(
        "the per-second quota (5 calls/s)",
        runs.map(() => 300),
      ),
      ratio: m.median / 300,
      target: 0.9,
      note: `${log.quotaRefused} calls refused with 429 by the simulator (${r.refused} seen by the clients), ${
        log.byApiStatus[MEASURES_API_2026]?.["200"] ?? 0
      } answered; ${overall.toFixed(1)} calls/min over the whole run; split between the workers ${r.perWorker.join(
        " / ",
      )}. Calls are spaced 210 ms apart (200 ms + a 10 ms margin for network jitter), hence at most 95.2%.`,
    };
  } finally {
    await sim.stop();
    await db.drop();
  }
}

async function perHourBench(): Promise<BenchResult> {
  const db = await createDatabase();
  const clk = clock(Date.now(), SPEED);
  const sim = await startSimulator({
    port: 0,
    now: clk.now,
    quotaPerSecond: 100_000,
    quotaPerHour: 1000,
    openConsent: true,
  });
  try {
    const quota = { perSecond: 100_000, perHour: 1000, hourMarginMs: 1000 * SPEED };
    // No warm-up: the first call of each worker gets the application token (not a measure call).
    const start = clk.now();
    const end = start + HOURS * HOUR;
    const r = await hammer(sim, db, clk, quota, end);
    const log = sim.requestLog();
    if (r.other.length > 0) throw new Error(`unexpected failures: ${r.other.slice(0, 3).join("; ")}`);
    const runs = Array.from(
      { length: Math.floor(HOURS) },
      (_, i) => r.ok.filter((t) => t >= start + i * HOUR && t < start + (i + 1) * HOUR).length,
    );
    const m = measured(
      `2 workers, 1,000 calls/h quota, clock ${SPEED}× faster: calls per hour over ${HOURS} hours`,
      runs,
    );
    return {
      ...m,
      unit: "calls/h",
      baseline: measured(
        "the hourly quota (1,000 calls/h)",
        runs.map(() => 1000),
      ),
      ratio: m.median / 1000,
      target: 0.9,
      note: `${log.quotaRefused} calls refused with 429 by the simulator (${r.refused} seen by the clients); split between the workers ${r.perWorker.join(
        " / ",
      )}. Each hour's calls go out at once (as fast as the database and the simulator answer), then the limiters wait until the hour's oldest call is an hour old plus a 1 s margin (${SPEED} s of this clock): in a long steady run, 1,000 calls every hour and ${SPEED} s, ${(100 / (1 + SPEED / 3600)).toFixed(1)}% of the quota.`,
    };
  } finally {
    await sim.stop();
    await db.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  console.error(`  per second: ${SECONDS} s`);
  results.push(await perSecondBench());
  console.error(`  per hour: ${HOURS} hours at ${SPEED}× (${((HOURS * 3600) / SPEED).toFixed(0)} s)`);
  results.push(await perHourBench());
  return results;
}
