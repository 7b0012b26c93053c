/**
 * Storing load-curve points: the repository path the sync takes versus a bare bulk insert of the same
 * rows into the same table of the same engine, in the same run (issue 3, acceptance 7: ≥ 70%).
 *
 * - Data: BENCH_ROWS points (default 1,000,000) of 30-minute mean power over 30 devices (about 23 months
 *   each, like 30 first syncs), with 0.1% missing measures (NULL).
 * - Repository: `store.transaction(tx => tx.measures.upsertCurve(…), { durability: "relaxed" })` once per
 *   7-day window (336 points), newest window first, as a first sync's backfill does.
 * - Baseline: the fastest plain bulk load we have without extra packages, in ONE transaction, rows in
 *   the key's order (device, then newest first), no conflict handling: SQLite, a prepared 100-row INSERT through better-sqlite3;
 *   PostgreSQL, INSERT … SELECT FROM unnest(arrays) in chunks of 10,000 rows (COPY would need
 *   pg-copy-streams).
 * - PostgreSQL is also measured with 4 windows per transaction, and, with BENCH_PG_FULL=1, with
 *   `durability: "full"` (a WAL flush per window commit).
 *
 * BENCH_RUNS (default 5) runs of each, alternated; medians reported. BENCH_ENGINES narrows the engines.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { parisDayStartMs } from "../src/domain/time.js";
import type { Reading } from "../src/domain/types.js";
import { openStore, type Store } from "../src/store/index.js";
import { measured, pairedRatio, type BenchResult } from "./run.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PG_FULL = process.env.BENCH_PG_FULL === "1";
const DEVICES = 30;
const WINDOW = 336;
const STEP_MS = 1_800_000;
const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Dataset {
  /** Per device: its points in the table's key order (newest first), the bare insert's best case. */
  perDevice: Reading[][];
  /** Per device: its 336-point windows, newest first (the sync's backfill order). */
  windows: Reading[][][];
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeDataset(): Dataset {
  const random = rng(42);
  const start = parisDayStartMs("2023-01-01");
  const perDevice: Reading[][] = [];
  for (let d = 0; d < DEVICES; d++) {
    const n = Math.floor(ROWS / DEVICES) + (d < ROWS % DEVICES ? 1 : 0);
    const points: Reading[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const value = random() < 0.001 ? null : Math.round(200 + random() * 3000);
      points[i] = { startMs: start + i * STEP_MS, lengthMin: 30, value };
    }
    perDevice.push(points);
  }
  const windows = perDevice.map((points) => {
    const w: Reading[][] = [];
    for (let i = 0; i < points.length; i += WINDOW) w.push(points.slice(i, i + WINDOW));
    return w.reverse();
  });
  return { perDevice: perDevice.map((p) => [...p].reverse()), windows };
}

async function createDevices(store: Store): Promise<number[]> {
  const user = await store.users.create({
    username: `bench-${randomBytes(4).toString("hex")}`,
    passwordHash: "x",
  });
  const type = await store.devices.linkyType();
  const ids: number[] = [];
  for (let d = 0; d < DEVICES; d++) {
    const mac = String(10_000_000_000_000 + d);
    ids.push(
      (await store.devices.findOrCreate({ userId: user.id, mac, label: "bench", deviceTypeId: type.id })).id,
    );
  }
  return ids;
}

/** Seconds to store every window through the repository, `windowsPerTx` windows per transaction. */
async function repositoryRun(
  store: Store,
  devices: number[],
  data: Dataset,
  durability: "full" | "relaxed",
  windowsPerTx = 1,
): Promise<number> {
  const t0 = performance.now();
  for (let d = 0; d < devices.length; d++) {
    const device = devices[d] as number;
    const windows = data.windows[d] as Reading[][];
    for (let i = 0; i < windows.length; i += windowsPerTx) {
      const group = windows.slice(i, i + windowsPerTx);
      await store.transaction(
        async (tx) => {
          for (const w of group) await tx.measures.upsertCurve(device, "consumption", w);
        },
        { durability },
      );
    }
  }
  return (performance.now() - t0) / 1000;
}

async function countRows(store: Store): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from curve_value`.execute(store.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

function check(got: number, what: string): void {
  if (got !== ROWS) throw new Error(`${what}: ${got} rows stored, expected ${ROWS}`);
}

// --- SQLite

async function withSqliteStore<T>(fn: (store: Store, devices: number[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "linky-bench-"));
  const store = await openStore({ url: `sqlite:${join(dir, "bench.db")}`, dataDir: dir });
  try {
    return await fn(store, await createDevices(store));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function sqliteBare(store: Store, devices: number[], data: Dataset): number {
  const db = store.database.sqlite;
  if (!db) throw new Error("not SQLite");
  const CHUNK = 100;
  const cols =
    "insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh) values ";
  const many = db.prepare(cols + Array.from({ length: CHUNK }, () => "(?, ?, ?, ?, ?, ?)").join(", "));
  const one = db.prepare(`${cols}(?, ?, ?, ?, ?, ?)`);
  const t0 = performance.now();
  db.exec("begin");
  const params: unknown[] = new Array(CHUNK * 6);
  for (let d = 0; d < devices.length; d++) {
    const device = devices[d] as number;
    const points = data.perDevice[d] as Reading[];
    let i = 0;
    for (; i + CHUNK <= points.length; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        const r = points[i + j] as Reading;
        const k = j * 6;
        params[k] = device;
        params[k + 1] = "consumption";
        params[k + 2] = r.startMs;
        params[k + 3] = r.lengthMin;
        params[k + 4] = r.value;
        params[k + 5] = r.value === null ? null : (r.value * r.lengthMin) / 60;
      }
      many.run(params);
    }
    for (; i < points.length; i++) {
      const r = points[i] as Reading;
      one.run(
        device,
        "consumption",
        r.startMs,
        r.lengthMin,
        r.value,
        r.value === null ? null : (r.value * r.lengthMin) / 60,
      );
    }
  }
  db.exec("commit");
  return (performance.now() - t0) / 1000;
}

async function benchSqlite(data: Dataset): Promise<BenchResult[]> {
  const repo: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    bare.push(
      await withSqliteStore(async (store, devices) => {
        const s = sqliteBare(store, devices, data);
        check(await countRows(store), "SQLite bare");
        return ROWS / s;
      }),
    );
    repo.push(
      await withSqliteStore(async (store, devices) => {
        const s = await repositoryRun(store, devices, data, "relaxed");
        check(await countRows(store), "SQLite repository");
        return ROWS / s;
      }),
    );
    console.error(
      `    SQLite run ${run + 1}: bare ${Math.round(bare.at(-1) ?? 0)} rows/s, repository ${Math.round(repo.at(-1) ?? 0)} rows/s`,
    );
  }
  const r = measured(`SQLite: ${ROWS.toLocaleString("en-US")} curve points via upsertCurve, 336/tx`, repo);
  const b = measured("bare prepared 100-row INSERT, 1 tx", bare);
  return [
    {
      ...r,
      unit: "rows/s",
      baseline: b,
      ratio: pairedRatio(r.runs, b.runs),
      target: 0.7,
      note: "WAL, synchronous=NORMAL for both; repository = one BEGIN IMMEDIATE…COMMIT per 7-day window, newest first, prepared multi-row upserts (64/8/1 rows) through better-sqlite3.",
    },
  ];
}

// --- PostgreSQL

async function pgReachable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("select 1");
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function pgBare(url: string, devices: number[], data: Dataset): Promise<number> {
  const CHUNK = 10_000;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const text = `insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh)
      select $1::integer, $2::text, u.s, u.l, u.p, u.e
      from unnest($3::bigint[], $4::integer[], $5::double precision[], $6::double precision[]) as u(s, l, p, e)`;
    const t0 = performance.now();
    await c.query("begin");
    for (let d = 0; d < devices.length; d++) {
      const points = data.perDevice[d] as Reading[];
      for (let i = 0; i < points.length; i += CHUNK) {
        const chunk = points.slice(i, i + CHUNK);
        await c.query(text, [
          devices[d],
          "consumption",
          chunk.map((r) => r.startMs),
          chunk.map((r) => r.lengthMin),
          chunk.map((r) => r.value),
          chunk.map((r) => (r.value === null ? null : (r.value * r.lengthMin) / 60)),
        ]);
      }
    }
    await c.query("commit");
    return (performance.now() - t0) / 1000;
  } finally {
    await c.end();
  }
}

async function benchPostgres(data: Dataset): Promise<BenchResult[]> {
  const unreachable = await pgReachable();
  if (unreachable !== null) {
    console.error(`    PostgreSQL skipped: ${unreachable}`);
    return [];
  }
  const name = `linky_bench_${randomBytes(4).toString("hex")}`;
  await admin(`create database ${name}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dir = await mkdtemp(join(tmpdir(), "linky-bench-"));
  const store = await openStore({ url, dataDir: dir, poolSize: 2 });
  try {
    const devices = await createDevices(store);
    // Background vacuum/analyze of the table being filled would land in whichever run is going on.
    await sql`alter table curve_value set (autovacuum_enabled = false)`.execute(store.database.db);
    const reset = async () => {
      await sql`truncate curve_value`.execute(store.database.db);
      // Start each run from a clean checkpoint so that one run does not pay for the previous one's WAL.
      await sql`checkpoint`.execute(store.database.db);
    };
    const bare: number[] = [];
    const relaxed: number[] = [];
    const grouped: number[] = [];
    const full: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await reset();
      bare.push(ROWS / (await pgBare(url, devices, data)));
      check(await countRows(store), "PostgreSQL bare");
      await reset();
      relaxed.push(ROWS / (await repositoryRun(store, devices, data, "relaxed")));
      check(await countRows(store), "PostgreSQL repository");
      await reset();
      grouped.push(ROWS / (await repositoryRun(store, devices, data, "relaxed", 4)));
      check(await countRows(store), "PostgreSQL repository (4 windows/tx)");
      if (PG_FULL) {
        await reset();
        full.push(ROWS / (await repositoryRun(store, devices, data, "full")));
        check(await countRows(store), "PostgreSQL repository (full)");
      }
      console.error(
        `    PostgreSQL run ${run + 1}: bare ${Math.round(bare.at(-1) ?? 0)}, relaxed ${Math.round(relaxed.at(-1) ?? 0)}, 4 windows/tx ${Math.round(grouped.at(-1) ?? 0)}${PG_FULL ? `, full ${Math.round(full.at(-1) ?? 0)}` : ""} rows/s`,
      );
    }
    const b = measured("bare unnest INSERT, 10,000-row chunks, 1 tx", bare);
    const r = measured(
      `PostgreSQL: ${ROWS.toLocaleString("en-US")} curve points via upsertCurve, 336/tx`,
      relaxed,
    );
    const g = measured(`PostgreSQL: same, 4 windows (1,344 points) per tx`, grouped);
    const results: BenchResult[] = [
      {
        ...r,
        unit: "rows/s",
        baseline: b,
        ratio: pairedRatio(r.runs, b.runs),
        target: 0.7,
        note: 'one transaction per 7-day window with durability "relaxed" (synchronous_commit off for that transaction, set in the BEGIN round trip): a server crash can lose the last windows whole, never half, and the sync fetches them again. New ranges take a plain INSERT guarded by NOT EXISTS; known ranges the ON CONFLICT upsert.',
      },
      {
        ...g,
        unit: "rows/s",
        baseline: b,
        ratio: pairedRatio(g.runs, b.runs),
        target: 0.7,
        note: "for comparison: a sync could commit several windows of a backfill together (values and watermark still move as one); the difference from 336/tx is what per-transaction round trips (BEGIN, COMMIT) cost.",
      },
    ];
    if (PG_FULL) {
      const f = measured(`PostgreSQL: same, 336/tx, durability "full"`, full);
      results.push({
        ...f,
        unit: "rows/s",
        baseline: b,
        ratio: pairedRatio(f.runs, b.runs),
        note: "for the record: each window commit waits for the WAL flush (synchronous_commit on).",
      });
    }
    return results;
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 200));
    await admin(`drop database if exists ${name} with (force)`);
  }
}

/** BENCH_ENGINES=sqlite,postgres (default both). */
export async function run(): Promise<BenchResult[]> {
  const engines = (process.env.BENCH_ENGINES ?? "sqlite,postgres").split(",");
  const data = makeDataset();
  return [
    ...(engines.includes("sqlite") ? await benchSqlite(data) : []),
    ...(engines.includes("postgres") ? await benchPostgres(data) : []),
  ];
}
