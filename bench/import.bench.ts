/**
 * `import-seed` throughput: 10 meters × 3 years of 30-minute load curve (525,600 rows) in a generated
 * database shaped like the original application's (test/helpers/seed-db.ts), migrated into SQLite and
 * into PostgreSQL, against the floor measured in the same run on the same rows:
 * - PostgreSQL: `COPY` of the rows (a CSV the server reads) into an empty copy of `curve_value`;
 * - SQLite: a bare prepared single-row INSERT loop into `curve_value`, one transaction per meter.
 * The migration reads the seed database (a binary COPY stream per meter), resolves the naive labels,
 * checks and writes through the bulk writer with the ledger and cursors: all of that is in its time; the
 * floor only writes. Peak resident memory is sampled every 20 ms. BENCH_IMPORT_RUNS (default 2) runs per engine.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { SeedMigration } from "../src/import/seed.js";
import { openStore, type Store } from "../src/store/index.js";
import {
  createSeedDb,
  DATACONNECT_IMPL,
  halfHourEnds,
  LINKY_IMPL,
  naiveParis,
  SeedBuilder,
} from "../test/helpers/seed-db.js";
import { measured, pairedRatio, type BenchResult } from "./run.js";

const PG_ADMIN = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const METERS = 10;
const FROM = "2023-11-01";
const TO = "2026-11-01";
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 2);

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Target {
  url: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

async function target(kind: "sqlite" | "postgres"): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), "linky-bench-import-"));
  if (kind === "sqlite")
    return {
      url: `sqlite:${join(dataDir, "linky.db")}`,
      dataDir,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  const name = `bench_import_${process.pid}_${randomBytes(3).toString("hex")}`;
  await admin(`create database ${name}`);
  return {
    url: dbUrl(name),
    dataDir,
    async cleanup() {
      await admin(`drop database if exists ${name} with (force)`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Peak RSS growth (MiB, peak − before) while `fn` runs. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMiB: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<BenchResult[]> {
  const seed = await createSeedDb();
  const tmp = await mkdtemp(join(tmpdir(), "linky-bench-copy-"));
  await chmod(tmp, 0o755);
  try {
    const b = new SeedBuilder(seed.client);
    const linky = await b.deviceType("Compteur électrique (Linky)", LINKY_IMPL);
    const dc = await b.sender("Enedis DataConnect", DATACONNECT_IMPL, "0 0/10 * * * ?");
    const ends = halfHourEnds(FROM, TO);
    const labels = ends.map(naiveParis);
    // What the floor writes: the same rows, already resolved (device ids 1..10 in a fresh store).
    const csv: string[] = [];
    for (let m = 0; m < METERS; m++) {
      const prm = String(22516914714270 + m * 7919).padStart(14, "0");
      const user = await b.user(`meter${m}@example.org`, `password ${m}`, { rounds: 4 });
      await b.account(user, dc, {
        usage_point_id: prm,
        last_consumption_load_curve: Date.parse(`${TO}T00:00:00+01:00`),
      });
      const d = await b.device(user, linky, prm, "Compteur électrique (Linky)");
      const value = (i: number) => 150 + ((i * 37 + m * 101) % 2500);
      await b.values(
        d,
        labels.map((label, i) => ({ label, name: null, value: value(i) })),
      );
      for (let i = 0; i < ends.length; i++) {
        const w = value(i);
        csv.push(`${m + 1},consumption,${ends[i]! - 1_800_000},30,${w},${w / 2}`);
      }
    }
    const rows = csv.length;
    const csvPath = join(tmp, "curve.csv");
    await writeFile(csvPath, csv.join("\n") + "\n");
    await chmod(csvPath, 0o644);
    await seed.client.query("analyze");

    const results: BenchResult[] = [];
    for (const kind of ["sqlite", "postgres"] as const) {
      const ours: number[] = [];
      const floor: number[] = [];
      let peak = 0;
      for (let r = 0; r < RUNS; r++) {
        // The floor first, then the migration, each into a fresh database.
        {
          const t = await target(kind);
          const store = await openStore({ url: t.url, dataDir: t.dataDir });
          try {
            floor.push(
              rows /
                ((await (kind === "sqlite" ? sqliteFloor(store, csv) : pgFloor(store, t.url, csvPath))) /
                  1000),
            );
          } finally {
            await store.close();
            await t.cleanup();
          }
        }
        {
          const t = await target(kind);
          const store = await openStore({ url: t.url, dataDir: t.dataDir });
          try {
            const started = performance.now();
            const { value: report, peakMiB } = await withPeakRss(() =>
              SeedMigration.run(store, seed.url, {
                nowMs: Date.parse("2026-11-02T12:00:00Z"),
                chunkDays: 92,
              }),
            );
            const ms = performance.now() - started;
            if (report.measures.consumption_load_curve !== rows)
              throw new Error(`migrated ${report.measures.consumption_load_curve} rows, not ${rows}`);
            ours.push(rows / (ms / 1000));
            peak = Math.max(peak, peakMiB);
          } finally {
            await store.close();
            await t.cleanup();
          }
        }
      }
      const engine = kind === "sqlite" ? "SQLite" : "PostgreSQL";
      results.push({
        ...measured(
          `import-seed into ${engine}: ${METERS} meters × 3 years of 30-min curve (${rows.toLocaleString("en-US")} rows)`,
          ours,
        ),
        unit: "rows/s",
        baseline: measured(
          kind === "sqlite"
            ? "bare prepared INSERT loop, 1 tx per meter"
            : "COPY into an empty copy of curve_value",
          floor,
        ),
        ratio: pairedRatio(ours, floor),
        target: 0.7,
        note: `migration = read the seed (one binary COPY stream per meter), resolve naive Paris labels (the series walk on change days), de-duplicate, check, write through the bulk writer (${kind === "sqlite" ? "prepared multi-row INSERTs" : "binary COPY into the claimed empty range"}) with the ledger and the resumable cursor in one transaction per 92-day chunk; resident memory grew by at most ${Math.round(peak)} MiB during the migration (peak − before; the bench's own copy of the rows for the floor is already there before).`,
      });
      results.push({
        ...measured(
          `import-seed into ${engine}: resident memory growth during the migration (peak − before)`,
          [peak],
        ),
        unit: "MiB",
      });
    }
    return results;
  } finally {
    await seed.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function sqliteFloor(store: Store, csv: readonly string[]): Promise<number> {
  // The meters the rows belong to (curve_value's foreign key), before the clock starts.
  const user = await store.users.create({ username: "floor", passwordHash: "x" });
  const type = await store.devices.linkyType();
  for (let m = 0; m < METERS; m++)
    await store.devices.findOrCreate({
      userId: user.id,
      mac: String(m).padStart(14, "0"),
      label: "Linky",
      deviceTypeId: type.id,
    });
  const db = store.database.sqlite!;
  const parsed = csv.map((l) => l.split(","));
  const started = performance.now();
  const stmt = db.prepare(
    "insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh) values (?, ?, ?, ?, ?, ?)",
  );
  const perMeter = db.transaction((part: string[][]) => {
    for (const p of part) stmt.run(Number(p[0]), p[1], Number(p[2]), 30, Number(p[4]), Number(p[5]));
  });
  const n = parsed.length / METERS;
  for (let m = 0; m < METERS; m++) perMeter(parsed.slice(m * n, (m + 1) * n));
  return performance.now() - started;
}

async function pgFloor(_store: Store, url: string, csvPath: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("create table curve_copy (like curve_value including all)");
    const started = performance.now();
    await c.query(
      `copy curve_copy (device_id, direction, start_ms, length_min, power_w, energy_wh) from '${csvPath}' with (format csv)`,
    );
    return performance.now() - started;
  } finally {
    await c.end();
  }
}
