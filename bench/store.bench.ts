/**
 * Storing load-curve points: the repository path the sync takes versus a bare bulk insert of the same
 * rows into the same table of the same engine, in the same run (issue 3, acceptance 7: ≥ 70%).
 *
 * - Data: BENCH_ROWS points (default 1,000,000) of 30-minute mean power over 30 meters (about 23 months
 *   each, like 30 first syncs), with 0.1% missing measures (NULL). Each method stores all of them, into
 *   devices of its own, in the same table.
 * - Repository: `store.transaction(tx => tx.measures.upsertCurve(…), { durability: "relaxed" })` once per
 *   7-day window (336 points), newest window first, as a first sync's backfill does.
 * - Baseline ("bare"): the fastest plain bulk load we have without extra packages, one transaction per
 *   meter (33,000 rows), rows in the key's order (newest first), no conflict handling, no validation:
 *   SQLite, a prepared 100-row INSERT through better-sqlite3; PostgreSQL, INSERT … SELECT FROM
 *   unnest(arrays) in chunks of 10,000 rows, through a plain pg client.
 * - PostgreSQL floor ("COPY"): `COPY … FROM STDIN (FORMAT binary)` of each meter's rows, one transaction
 *   per meter, into `curve_copy`, an empty copy of curve_value (`like … including all`). The bulk paths
 *   are compared with it: the sync's writer given 4 windows per transaction, and the history imports'
 *   writer with 92-day chunks; the bare INSERT above is measured against it too.
 * - Interleaved: meter by meter, the methods take turns (who goes first rotates), each into a device
 *   created just before, so that load from other processes hits every method alike and every method
 *   appends at the end of the index, as a new meter's first sync does.
 * - PostgreSQL is also measured with 4 windows per transaction, and, with BENCH_PG_FULL=1, with
 *   `durability: "full"` (a WAL flush per window commit).
 *
 * BENCH_RUNS (default 3) runs, each on an empty table; medians of the runs, and the median of the per-run
 * ratios. BENCH_ENGINES=sqlite,postgres narrows the engines.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { parisDayStartMs } from "../src/domain/time.js";
import type { Reading } from "../src/domain/types.js";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { writeImportedCurve } from "../src/import/curve-writer.js";
import { binaryCopyBody, openStore, type Store } from "../src/store/index.js";
import { writer } from "../src/sync/store-adapter.js";
import { measured, pairedRatio, type BenchResult } from "./run.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG_FULL = process.env.BENCH_PG_FULL === "1";
const METERS = 30;
const WINDOW = 336;
const STEP_MS = 1_800_000;
const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Dataset {
  /** Per meter: its points in the table's key order (newest first), the bare insert's best case. */
  perMeter: Reading[][];
  /** Per meter: its 336-point windows, newest first (the sync's backfill order). */
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
  const perMeter: Reading[][] = [];
  for (let m = 0; m < METERS; m++) {
    const n = Math.floor(ROWS / METERS) + (m < ROWS % METERS ? 1 : 0);
    const points: Reading[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const value = random() < 0.001 ? null : Math.round(200 + random() * 3000);
      points[i] = { startMs: start + i * STEP_MS, lengthMin: 30, value };
    }
    perMeter.push(points);
  }
  const windows = perMeter.map((points) => {
    const w: Reading[][] = [];
    for (let i = 0; i < points.length; i += WINDOW) w.push(points.slice(i, i + WINDOW));
    return w.reverse();
  });
  return { perMeter: perMeter.map((p) => [...p].reverse()), windows };
}

/** One way of storing a meter's points into a device. */
interface Method {
  name: string;
  write(meter: number, deviceId: number): Promise<void>;
}

/** Who writes which meter when: meter by meter, the methods in turn, the first one rotating. */
function schedule(methods: number): Array<{ meter: number; method: number }> {
  const out: Array<{ meter: number; method: number }> = [];
  for (let meter = 0; meter < METERS; meter++) {
    for (let k = 0; k < methods; k++) out.push({ meter, method: (meter + k) % methods });
  }
  return out;
}

/** Devices for a schedule, created in the order they will be written (ids ascending). */
async function createDevices(store: Store, methods: number): Promise<number[][]> {
  const user = await store.users.create({
    username: `bench-${randomBytes(4).toString("hex")}`,
    passwordHash: "x",
  });
  const type = await store.devices.linkyType();
  const ids: number[][] = Array.from({ length: methods }, () => new Array<number>(METERS));
  for (const { meter, method } of schedule(methods)) {
    const mac = String(10_000_000_000_000 + method * 1000 + meter);
    const d = await store.devices.findOrCreate({
      userId: user.id,
      mac,
      label: "bench",
      deviceTypeId: type.id,
    });
    (ids[method] as number[])[meter] = d.id;
  }
  return ids;
}

/** Runs the schedule once; rows/s of each method. */
async function interleaved(methods: Method[], devices: number[][]): Promise<number[]> {
  const seconds = methods.map(() => 0);
  for (const { meter, method } of schedule(methods.length)) {
    const t0 = performance.now();
    await (methods[method] as Method).write(meter, (devices[method] as number[])[meter] as number);
    seconds[method] = (seconds[method] as number) + (performance.now() - t0) / 1000;
  }
  return seconds.map((s) => ROWS / s);
}

/** The repository path: one transaction per `windowsPerTx` windows, one upsertCurve per window. */
function repository(
  name: string,
  store: Store,
  data: Dataset,
  durability: "full" | "relaxed",
  windowsPerTx = 1,
): Method {
  return {
    name,
    async write(meter, device) {
      const windows = data.windows[meter] as Reading[][];
      for (let i = 0; i < windows.length; i += windowsPerTx) {
        const group = windows.slice(i, i + windowsPerTx);
        await store.transaction(
          async (tx) => {
            for (const w of group) await tx.measures.upsertCurve(device, "consumption", w);
          },
          { durability },
        );
      }
    },
  };
}

async function countRows(store: Store): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from curve_value`.execute(store.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

function check(got: number, expected: number, what: string): void {
  if (got !== expected) throw new Error(`${what}: ${got} rows stored, expected ${expected}`);
}

function summary(
  name: string,
  runs: number[],
  baseline: { name: string; runs: number[] },
  extra: Partial<BenchResult>,
): BenchResult {
  return {
    ...measured(name, runs),
    unit: "rows/s",
    baseline: measured(baseline.name, baseline.runs),
    ratio: pairedRatio(runs, baseline.runs),
    ...extra,
  };
}

// --- SQLite

function sqliteBare(store: Store, data: Dataset): Method {
  const db = store.database.sqlite;
  if (!db) throw new Error("not SQLite");
  const CHUNK = 100;
  const cols =
    "insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh) values ";
  const many = db.prepare(cols + Array.from({ length: CHUNK }, () => "(?, ?, ?, ?, ?, ?)").join(", "));
  const one = db.prepare(`${cols}(?, ?, ?, ?, ?, ?)`);
  const params: unknown[] = new Array(CHUNK * 6);
  return {
    name: "bare",
    async write(meter, device) {
      const points = data.perMeter[meter] as Reading[];
      db.exec("begin");
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
      db.exec("commit");
    },
  };
}

async function benchSqlite(data: Dataset): Promise<BenchResult[]> {
  const bare: number[] = [];
  const repo: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = await mkdtemp(join(tmpdir(), "linky-bench-"));
    const store = await openStore({ url: `sqlite:${join(dir, "bench.db")}`, dataDir: dir });
    try {
      const devices = await createDevices(store, 2);
      const [b, r] = await interleaved(
        [sqliteBare(store, data), repository("repository", store, data, "relaxed")],
        devices,
      );
      check(await countRows(store), 2 * ROWS, "SQLite");
      bare.push(b as number);
      repo.push(r as number);
      console.error(
        `    SQLite run ${run + 1}: bare ${Math.round(b as number)} rows/s, repository ${Math.round(r as number)} rows/s`,
      );
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return [
    summary(
      `SQLite: ${ROWS.toLocaleString("en-US")} curve points via upsertCurve, 336/tx`,
      repo,
      { name: "bare prepared 100-row INSERT, 1 tx per meter", runs: bare },
      {
        target: 0.7,
        note: "WAL, synchronous=NORMAL for both; repository = one BEGIN IMMEDIATE…COMMIT per 7-day window, newest first, prepared multi-row upserts (64/8/1 rows) through better-sqlite3.",
      },
    ),
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

/** A plain pg client (no Kysely, no store) inserting a meter's rows in one transaction. */
function pgBare(client: pg.Client, data: Dataset): Method {
  const CHUNK = 10_000;
  const text = `insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh)
    select $1::integer, $2::text, u.s, u.l, u.p, u.e
    from unnest($3::bigint[], $4::integer[], $5::double precision[], $6::double precision[]) as u(s, l, p, e)`;
  return {
    name: "bare",
    async write(meter, device) {
      const points = data.perMeter[meter] as Reading[];
      await client.query("begin");
      for (let i = 0; i < points.length; i += CHUNK) {
        const chunk = points.slice(i, i + CHUNK);
        await client.query(text, [
          device,
          "consumption",
          chunk.map((r) => r.startMs),
          chunk.map((r) => r.lengthMin),
          chunk.map((r) => r.value),
          chunk.map((r) => (r.value === null ? null : (r.value * r.lengthMin) / 60)),
        ]);
      }
      await client.query("commit");
    },
  };
}

/**
 * The floor: `COPY … FROM STDIN (FORMAT binary)` of a meter's rows (newest first) into `curve_copy`, an
 * empty copy of curve_value (`like curve_value including all`: same columns, checks and unique index),
 * one transaction per meter, through a plain pg client.
 */
function pgCopyFloor(client: pg.Client, data: Dataset): Method {
  return {
    name: "COPY floor",
    async write(meter, device) {
      const points = data.perMeter[meter] as Reading[];
      await client.query("begin");
      await pipeline(
        Readable.from([binaryCopyBody(device, "consumption", points)]),
        client.query(
          copyFrom(
            "copy curve_copy (device_id, direction, start_ms, length_min, power_w, energy_wh) from stdin (format binary)",
          ),
        ),
      );
      await client.query("commit");
    },
  };
}

/** The sync's writer with several windows handed as one batch per transaction (the bulk path on PostgreSQL). */
function writerBatches(name: string, store: Store, data: Dataset, windowsPerTx: number): Method {
  return {
    name,
    async write(meter, device) {
      const windows = data.windows[meter] as Reading[][];
      for (let i = 0; i < windows.length; i += windowsPerTx) {
        const batch = windows.slice(i, i + windowsPerTx).flat();
        await store.transaction((tx) => writer(tx).saveReadings(device, "consumption_load_curve", batch), {
          durability: "relaxed",
        });
      }
    },
  };
}

/** The history imports' writer (`writeImportedCurve`), a chunk of `days` days per transaction, oldest first. */
function importChunks(name: string, store: Store, data: Dataset, days: number): Method {
  return {
    name,
    async write(meter, device) {
      const points = [...(data.perMeter[meter] as Reading[])].reverse();
      const per = days * 48;
      for (let i = 0; i < points.length; i += per) {
        const chunk = points.slice(i, i + per);
        const range = { fromMs: chunk[0]!.startMs, toMs: chunk[chunk.length - 1]!.startMs + 1 };
        await store.transaction((tx) => writeImportedCurve(tx, device, chunk, range), {
          durability: "relaxed",
        });
      }
    },
  };
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
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const methods: Method[] = [
      pgBare(client, data),
      repository("336/tx", store, data, "relaxed"),
      repository("4 windows/tx", store, data, "relaxed", 4),
      pgCopyFloor(client, data),
      writerBatches("bulk 4 windows/tx", store, data, 4),
      importChunks("import 92 days/tx", store, data, 92),
      ...(PG_FULL ? [repository("336/tx full", store, data, "full")] : []),
    ];
    const devices = await createDevices(store, methods.length);
    await sql`create table curve_copy (like curve_value including all)`.execute(store.database.db);
    // Background vacuum/analyze of the tables being filled would land in whichever method is running.
    await sql`alter table curve_value set (autovacuum_enabled = false)`.execute(store.database.db);
    await sql`alter table curve_copy set (autovacuum_enabled = false)`.execute(store.database.db);
    const runs: number[][] = methods.map(() => []);
    for (let run = 0; run < RUNS; run++) {
      await sql`truncate curve_value`.execute(store.database.db);
      await sql`truncate curve_copy`.execute(store.database.db);
      await sql`checkpoint`.execute(store.database.db);
      const rates = await interleaved(methods, devices);
      check(await countRows(store), (methods.length - 1) * ROWS, "PostgreSQL");
      const copied = await sql<{ n: number }>`select count(*) as n from curve_copy`.execute(
        store.database.db,
      );
      check(Number(copied.rows[0]?.n ?? 0), ROWS, "PostgreSQL COPY floor");
      rates.forEach((r, i) => (runs[i] as number[]).push(r));
      console.error(
        `    PostgreSQL run ${run + 1}: ${methods.map((m, i) => `${m.name} ${Math.round(rates[i] as number)}`).join(", ")} rows/s`,
      );
    }
    const baseline = {
      name: "bare unnest INSERT, 10,000-row chunks, 1 tx per meter",
      runs: runs[0] as number[],
    };
    const results: BenchResult[] = [
      summary(
        `PostgreSQL: ${ROWS.toLocaleString("en-US")} curve points via upsertCurve, 336/tx`,
        runs[1] as number[],
        baseline,
        {
          target: 0.7,
          note: 'one transaction per 7-day window with durability "relaxed" (synchronous_commit off for that transaction, set in the BEGIN round trip): a server crash can lose the last windows whole, never half, and the sync fetches them again. New ranges take a plain INSERT guarded by NOT EXISTS (a named prepared statement); known ranges the ON CONFLICT upsert.',
        },
      ),
      summary(`PostgreSQL: same, 4 windows (1,344 points) per tx`, runs[2] as number[], baseline, {
        note: "for comparison: a sync could commit several windows of a backfill together (values and watermark still move as one); the difference from 336/tx is the cost of per-transaction round trips (BEGIN, COMMIT).",
      }),
    ];
    const copy = {
      name: "COPY (binary, FROM STDIN) into an empty copy of curve_value, 1 tx per meter",
      runs: runs[3] as number[],
    };
    results.push(
      summary(
        `PostgreSQL: bulk path, 4 windows (1,344 points) per tx through the sync's writer`,
        runs[4] as number[],
        copy,
        {
          target: 0.7,
          note: "several windows handed to the writer as one batch: the meter's range is claimed (advisory lock + emptiness check in the transaction), then COPY (binary) straight into curve_value, whose device reference is checked per statement (migration 060); plus the writer's last-value update, as a sync does.",
        },
      ),
      summary(
        `PostgreSQL: bulk path, history import, 92-day chunks (4,416 points) per tx`,
        runs[5] as number[],
        copy,
        {
          target: 0.7,
          note: "writeImportedCurve (the file import's and the seed migration's writer): claim, COPY into the empty range, last value; one transaction per chunk as import-seed --chunk-days 92 commits.",
        },
      ),
      summary(
        `PostgreSQL: bare unnest INSERT (the per-window baseline) against COPY`,
        runs[0] as number[],
        copy,
        {
          note: "for the record: how far the multi-row INSERT baseline above is from COPY into the same table.",
        },
      ),
    );
    if (PG_FULL) {
      results.push(
        summary(`PostgreSQL: same, 336/tx, durability "full"`, runs[6] as number[], baseline, {
          note: "for the record: each window commit waits for the WAL flush (synchronous_commit on).",
        }),
      );
    }
    return results;
  } finally {
    await client.end();
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
