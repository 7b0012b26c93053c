/**
 * The sync engine close to the wire (issue 16): the full first sync of BENCH_SYNC_METERS (default 6)
 * simulated meters by the real sync engine, against a bare replay of the same calls in the same run.
 *
 * - The simulator runs in a child process (`linky-dataconnect simulator`, quotas lifted), so that this
 *   process's CPU time (`process.cpuUsage`, user + system) is the client's own: the sync's, or the bare
 *   replay's.
 * - Sync: what `linky-dataconnect sync --all` runs, through the composition root (`createAppContext`:
 *   the shared quota limiter and its slot writes, the encrypted token store, the client, the store),
 *   the CLI's settings, each account under its lease, into a fresh database per run.
 * - Recording: a first, unmeasured sync records every request it sends (URL, method, headers, body) and
 *   the rows it stores for each measure call.
 * - Bare replay: the same successful requests, sent again one after the other to the same simulator
 *   (which answers the same bytes: its data are deterministic), each answer read and `JSON.parse`d, and
 *   the rows of each measure call bulk-inserted into our empty table (`curve_value` / `daily_value` of a
 *   freshly migrated database; no conflict handling, no checks, one transaction per call): SQLite, a
 *   prepared multi-row INSERT through better-sqlite3 with the store's pragmas; PostgreSQL, one
 *   `INSERT … SELECT FROM unnest(arrays)` named prepared statement per call, `synchronous_commit = off`
 *   as the sync's relaxed window commits.
 * - Runs interleave (who goes first alternates); ratios are paired per run. Wall: calls per second over
 *   the whole N-meter sync (≤ 1.5× the replay's wall = ≥ 66.7%). CPU: this process's CPU time per HTTP
 *   call made (target ≤ 10 ms).
 *
 * BENCH_RUNS (default 3) measured runs; BENCH_ENGINES=sqlite,postgres narrows the engines (PostgreSQL at
 * BENCH_PG_URL / TEST_PG_URL, skipped with a note when unreachable).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { registerAccount } from "../src/accounts/service.js";
import { createAppContext, type AppContext } from "../src/app/context.js";
import { parisDateOf } from "../src/domain/time.js";
import type { DatasetKey, Reading, UsagePointId } from "../src/domain/types.js";
import type { RawMeasure } from "../src/enedis/client.js";
import type { Window } from "../src/domain/windows.js";
import { syncAccountLeased } from "../src/scheduler/lease.js";
import { openStore } from "../src/store/index.js";
import { DATASET_LOCATIONS } from "../src/store/repositories/measures.js";
import { dataConnectAccounts, syncSettingsOf } from "../src/sync/service.js";
import { measured, median, pairedRatio, type BenchResult } from "./run.js";

const METERS = Number(process.env.BENCH_SYNC_METERS ?? 6);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ENGINES = (process.env.BENCH_ENGINES ?? "sqlite,postgres").split(",").map((s) => s.trim());
const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** The demo households (heating, heat pump, water heater, car, solar producer) and a sandbox PRM. */
const ALL_PRMS = [
  "09900000000001",
  "09900000000002",
  "09900000000003",
  "09900000000004",
  "09900000000005",
  "22516914714270",
  "30000000100060",
  "30000000891930",
];
const PRMS = ALL_PRMS.slice(0, METERS);
const SECRET_KEY = Buffer.alloc(32, 0x42).toString("hex");
/** Wall target: the sync's calls per second at least this share of the replay's (1/1.5, rounded up). */
const WALL_TARGET = 0.667;
const CPU_TARGET_MS = 10;

type Engine = "sqlite" | "postgres";

// ------------------------------------------------------------------------------------------ simulator

interface ChildSimulator {
  url: string;
  stop(): Promise<void>;
}

export async function startChildSimulator(): Promise<ChildSimulator> {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "src/cli/main.ts"),
      "simulator",
      "--port",
      "0",
      "--open-consent",
      "--quota-per-second",
      "1000000",
      "--quota-per-hour",
      "1000000000",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${err}`)), 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${String(code)}): ${err}`));
    });
  });
  child.stderr?.removeAllListeners("data");
  child.stderr?.resume();
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// ----------------------------------------------------------------------------------------- databases

interface Target {
  url: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

async function pgAdmin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function pgReachable(): Promise<string | null> {
  try {
    await pgAdmin("select 1");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function target(kind: Engine): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), "linky-bench-sync-"));
  if (kind === "sqlite") {
    return {
      url: `sqlite:${join(dataDir, "linky.db")}`,
      dataDir,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `linky_bench_sync_${randomBytes(4).toString("hex")}`;
  await pgAdmin(`create database ${name}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    dataDir,
    async cleanup() {
      await pgAdmin(`drop database if exists ${name} with (force)`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function appEnv(t: Target, simUrl: string): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: t.url,
    DATA_DIR: t.dataDir,
    LINKY_SECRET_KEY: SECRET_KEY,
    ENEDIS_ENV: "simulator",
    ENEDIS_API_URL: simUrl,
    ENEDIS_AUTHORIZE_URL: simUrl,
    ENEDIS_CLIENT_ID: "simulator-client",
    ENEDIS_CLIENT_SECRET: "simulator-secret",
    // Quotas lifted, as on the simulator: the limiter still takes (and writes) a slot per call.
    ENEDIS_QUOTA_PER_SECOND: "1000000",
    ENEDIS_QUOTA_PER_HOUR: "1000000000",
  };
}

// -------------------------------------------------------------------------------------------- sync

/**
 * BENCH_SYNC_CPU_PROF=file.cpuprofile: the measured part of each sync (not the setup) is profiled, as
 * `node --cpu-prof` would (the last sync's profile is kept); open it in Chrome's DevTools.
 */
const PROFILE_FILE = process.env.BENCH_SYNC_CPU_PROF;

async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return {
    async stop(file) {
      const { profile } = (await post("Profiler.stop")) as { profile: unknown };
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** One recorded request and what the sync stored from its answer. */
interface Call {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | undefined;
  status: number;
  bytes: number;
  rows?: StoredRows;
}

/** The rows one measure call stored, as the bare replay writes them. */
type StoredRows =
  | { table: "curve_value"; meter: number; direction: string; readings: Reading[] }
  | { table: "daily_value"; meter: number; series: string; readings: (Reading & { day: string })[] };

interface Recording {
  calls: Call[];
}

interface SyncRun {
  wallMs: number;
  cpuMs: number;
  calls: number;
  points: number;
  logged: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Sends fetches through a recorder while `fn` runs. */
async function recordingFetch<T>(calls: Call[], fn: () => Promise<T>): Promise<T> {
  const real = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.clone().text();
    const res = await real(req);
    const text = await res.clone().text();
    calls.push({
      url: req.url,
      method: req.method,
      headers: [...req.headers],
      body,
      status: res.status,
      bytes: Buffer.byteLength(text),
    });
    return res;
  };
  try {
    return await fn();
  } finally {
    globalThis.fetch = real;
  }
}

function queryKey(path: string, query: Record<string, string>): string {
  const q = Object.entries(query)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return `${path.replace(/^\//, "")}?${q}`;
}

function urlKey(url: string): string {
  const u = new URL(url);
  const q = [...u.searchParams.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return `${u.pathname.replace(/^\//, "")}?${q}`;
}

/** The full first sync of every meter, as `sync --all` runs it; with a recording when asked. */
export async function syncOnce(kind: Engine, simUrl: string, recording?: Recording): Promise<SyncRun> {
  const t = await target(kind);
  let logged = 0;
  let ctx: AppContext | undefined;
  try {
    ctx = await createAppContext({
      env: appEnv(t, simUrl),
      log: () => {
        logged++;
      },
    });
    const { store, config } = ctx;
    await store.users.create({ username: "bench", passwordHash: "x" });
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
    });
    for (const prm of PRMS) await registerAccount(store, config, { username: "bench", usagePointId: prm });
    const accounts = await dataConnectAccounts(store);
    // The CLI's settings (`sync`: a quota pause longer than a minute stops the run).
    ctx.limiter.maxWaitMs = 60_000;
    const base = syncSettingsOf(config);
    const settings = { ...base, maxQuotaWaitMs: 60_000 };
    const client = ctx.client;
    let calls = 0;
    const stopCounting = client.observeCalls(() => calls++);
    // What each measure call stored, by request (recording only).
    const batches = new Map<string, { dataset: DatasetKey; prm: string; readings: Reading[] }>();
    if (recording) {
      const real = client.measureRaw.bind(client);
      client.measureRaw = async (dataset: DatasetKey, prm: UsagePointId, w: Window): Promise<RawMeasure> => {
        const r = await real(dataset, prm, w);
        batches.set(queryKey(r.request.path, r.request.query), {
          dataset,
          prm,
          readings: r.batch.readings,
        });
        return r;
      };
    }
    const deps = { store, client, sources: ctx.sources, now: ctx.now, log: ctx.log };
    const run = async () => {
      for (const a of accounts) {
        const r = await syncAccountLeased(deps, a.id, settings, { label: "bench", waitMs: 60_000 });
        const outcome = r.ran ? r.value?.outcome : undefined;
        if (!outcome || (outcome.outcome !== "ok" && outcome.outcome !== "partial"))
          throw new Error(
            `sync of ${a.usagePointId}: ${outcome?.outcome ?? "not run"} ${outcome?.message ?? ""}`,
          );
        points += Object.values(outcome.datasets).reduce((s, d) => s + (d.points ?? 0), 0);
      }
    };
    let points = 0;
    const profile = !recording && PROFILE_FILE ? await startProfile() : null;
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (recording) await recordingFetch(recording.calls, run);
    else await run();
    const wallMs = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    if (profile) await profile.stop(PROFILE_FILE as string);
    stopCounting();
    if (recording) {
      for (const c of recording.calls) {
        const b = batches.get(urlKey(c.url));
        if (!b || c.status !== 200) continue;
        const meter = PRMS.indexOf(b.prm);
        const loc = DATASET_LOCATIONS[b.dataset];
        // The sync stores readings with a value (a missing one is counted by the ledger).
        const readings = b.readings.filter((r) => r.value !== null);
        if (readings.length === 0) continue;
        if (loc.table === "curve_value")
          c.rows = {
            table: "curve_value",
            meter,
            direction: loc.direction,
            readings: [...readings].reverse(),
          };
        else if (loc.table === "daily_value")
          c.rows = {
            table: "daily_value",
            meter,
            series: loc.series,
            readings: readings.map((r) => ({ ...r, day: parisDateOf(r.startMs) })),
          };
      }
      // What the sync stored is what the replay stores: the same row count.
      const stored = recording.calls.reduce((s, c) => s + (c.rows?.readings.length ?? 0), 0);
      if (stored !== points)
        throw new Error(`recording: ${stored} rows paired with calls, the sync reported ${points} points`);
    }
    return { wallMs, cpuMs, calls, points, logged };
  } finally {
    await ctx?.close();
    await t.cleanup();
  }
}

// ------------------------------------------------------------------------------------- bare replay

interface Writer {
  write(rows: StoredRows): Promise<void>;
  close(): Promise<void>;
}

const SQLITE_CHUNKS = [64, 8, 1] as const;

function sqliteWriter(file: string, devices: number[]): Writer {
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("wal_autocheckpoint = 10000");
  db.pragma("cache_size = -32768");
  const statements = new Map<string, BetterSqlite3.Statement>();
  const stmt = (table: string, n: number) => {
    const key = `${table}:${n}`;
    let s = statements.get(key);
    if (!s) {
      const cols =
        table === "curve_value"
          ? "(device_id, direction, start_ms, length_min, power_w, energy_wh)"
          : "(device_id, series, day, start_ms, length_min, value, peak_at_ms)";
      const one = table === "curve_value" ? "(?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?)";
      s = db.prepare(
        `insert into ${table} ${cols} values ${Array.from({ length: n }, () => one).join(", ")}`,
      );
      statements.set(key, s);
    }
    return s;
  };
  const insert = db.transaction((rows: StoredRows) => {
    const device = devices[rows.meter] as number;
    const width = rows.table === "curve_value" ? 6 : 7;
    let i = 0;
    const n = rows.readings.length;
    for (const size of SQLITE_CHUNKS) {
      if (n - i < size) continue;
      const s = stmt(rows.table, size);
      const params: unknown[] = new Array(size * width);
      while (n - i >= size) {
        for (let j = 0; j < size; j++) {
          const k = j * width;
          if (rows.table === "curve_value") {
            const r = rows.readings[i + j] as Reading;
            params[k] = device;
            params[k + 1] = rows.direction;
            params[k + 2] = r.startMs;
            params[k + 3] = r.lengthMin;
            params[k + 4] = r.value;
            params[k + 5] = ((r.value as number) * r.lengthMin) / 60;
          } else {
            const r = rows.readings[i + j] as Reading & { day: string };
            params[k] = device;
            params[k + 1] = rows.series;
            params[k + 2] = r.day;
            params[k + 3] = r.startMs;
            params[k + 4] = r.lengthMin;
            params[k + 5] = r.value;
            params[k + 6] = r.peakAtMs ?? null;
          }
        }
        s.run(params);
        i += size;
      }
    }
  });
  return {
    write: async (rows) => {
      insert(rows);
    },
    close: async () => {
      db.close();
    },
  };
}

async function pgWriter(url: string, devices: number[]): Promise<Writer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("set synchronous_commit = off");
  return {
    async write(rows) {
      const device = devices[rows.meter] as number;
      const rs = rows.readings;
      if (rows.table === "curve_value") {
        await client.query({
          name: "bare_curve",
          text: `insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh)
            select $1::int, $2::text, * from unnest($3::bigint[], $4::int[], $5::float8[], $6::float8[])`,
          values: [
            device,
            rows.direction,
            rs.map((r) => r.startMs),
            rs.map((r) => r.lengthMin),
            rs.map((r) => r.value),
            rs.map((r) => ((r.value as number) * r.lengthMin) / 60),
          ],
        });
      } else {
        const ds = rows.readings;
        await client.query({
          name: "bare_daily",
          text: `insert into daily_value (device_id, series, day, start_ms, length_min, value, peak_at_ms)
            select $1::int, $2::text, * from unnest($3::text[], $4::bigint[], $5::int[], $6::float8[], $7::bigint[])`,
          values: [
            device,
            rows.series,
            ds.map((r) => r.day),
            ds.map((r) => r.startMs),
            ds.map((r) => r.lengthMin),
            ds.map((r) => r.value),
            ds.map((r) => r.peakAtMs ?? null),
          ],
        });
      }
    },
    close: () => client.end(),
  };
}

/** The recorded successful calls sent again, parsed, and their rows bulk-inserted into our empty tables. */
async function replayOnce(kind: Engine, recording: Recording): Promise<SyncRun> {
  const t = await target(kind);
  try {
    // A freshly migrated database with the meters' devices: our tables, empty.
    const devices: number[] = [];
    {
      const store = await openStore({ url: t.url, dataDir: t.dataDir, secretKey: SECRET_KEY });
      try {
        const user = await store.users.create({ username: "bench", passwordHash: "x" });
        const type = await store.devices.linkyType();
        for (const prm of PRMS) {
          const d = await store.devices.findOrCreate({
            userId: user.id,
            mac: prm,
            label: "Compteur électrique (Linky)",
            deviceTypeId: type.id,
          });
          devices.push(d.id);
        }
      } finally {
        await store.close();
      }
    }
    const writer =
      kind === "sqlite"
        ? sqliteWriter(t.url.slice("sqlite:".length), devices)
        : await pgWriter(t.url, devices);
    const calls = recording.calls.filter((c) => c.status >= 200 && c.status < 300);
    let points = 0;
    try {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (const c of calls) {
        const init: RequestInit = { method: c.method, headers: c.headers };
        if (c.body !== undefined) init.body = c.body;
        const res = await fetch(c.url, init);
        const text = await res.text();
        if (res.status !== c.status || text.length === 0)
          throw new Error(`replay: ${c.method} ${new URL(c.url).pathname} answered ${res.status}`);
        JSON.parse(text);
        if (c.rows) {
          await writer.write(c.rows);
          points += c.rows.readings.length;
        }
      }
      const wallMs = performance.now() - started;
      return { wallMs, cpuMs: cpuMsSince(cpu), calls: calls.length, points, logged: 0 };
    } finally {
      await writer.close();
    }
  } finally {
    await t.cleanup();
  }
}

// --------------------------------------------------------------------------------------------- main

async function benchEngine(kind: Engine, simUrl: string): Promise<BenchResult[]> {
  const engine = kind === "sqlite" ? "SQLite" : "PostgreSQL";
  console.error(`  ${engine}: recording sync of ${PRMS.length} meters`);
  const recording: Recording = { calls: [] };
  const rec = await syncOnce(kind, simUrl, recording);
  const failed = recording.calls.filter((c) => c.status < 200 || c.status >= 300);
  const syncs: SyncRun[] = [];
  const bares: SyncRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? (["sync", "bare"] as const) : (["bare", "sync"] as const);
    for (const which of order) {
      if (which === "sync") syncs.push(await syncOnce(kind, simUrl));
      else bares.push(await replayOnce(kind, recording));
    }
    const s = syncs.at(-1) as SyncRun;
    const b = bares.at(-1) as SyncRun;
    console.error(
      `  ${engine} run ${r + 1}/${RUNS}: sync ${(s.wallMs / 1000).toFixed(1)} s, ${(s.cpuMs / s.calls).toFixed(1)} ms CPU/call; bare ${(b.wallMs / 1000).toFixed(1)} s, ${(b.cpuMs / b.calls).toFixed(1)} ms CPU/call`,
    );
  }
  for (const s of syncs)
    if (s.calls !== rec.calls || s.points !== rec.points)
      throw new Error(
        `a sync made ${s.calls} calls / ${s.points} points, the recording ${rec.calls} / ${rec.points}`,
      );
  const rate = (x: SyncRun) => (x.calls / x.wallMs) * 1000;
  const syncRate = syncs.map(rate);
  const bareRate = bares.map(rate);
  const cpuPerCall = syncs.map((s) => (s.cpuMs / s.calls) * 1000);
  const bareCpu = bares.map((b) => (b.cpuMs / b.calls) * 1000);
  const wallX = median(syncs.map((s, i) => s.wallMs / (bares[i] as SyncRun).wallMs));
  const what = `${PRMS.length} meters' full first sync (${rec.calls} calls, ${rec.points.toLocaleString("en-US")} rows)`;
  return [
    {
      ...measured(`sync, ${engine}: ${what}, calls per second of wall time`, syncRate),
      unit: "calls/s",
      baseline: measured(`bare replay (fetch + JSON.parse + bulk insert of the same rows)`, bareRate),
      ratio: pairedRatio(syncRate, bareRate),
      target: WALL_TARGET,
      note: `wall: sync median ${(median(syncs.map((s) => s.wallMs)) / 1000).toFixed(1)} s, bare replay ${(median(bares.map((b) => b.wallMs)) / 1000).toFixed(1)} s: ${wallX.toFixed(2)}× (target ≤ 1.5×, i.e. ≥ 66.7% of the replay's calls per second). Simulator in a child process, quotas lifted; ${rec.calls} calls per sync (${recording.calls.length - failed.length} answered 2xx and replayed${failed.length ? `, ${failed.length} refusals the sync acts on not replayed` : ""}), ${rec.logged} log lines per sync.`,
    },
    {
      ...measured(`sync, ${engine}: CPU time per call of the same sync`, cpuPerCall),
      unit: "µs",
      baseline: measured(
        `the target (${CPU_TARGET_MS} ms of CPU per call)`,
        cpuPerCall.map(() => CPU_TARGET_MS * 1000),
      ),
      ratio: (CPU_TARGET_MS * 1000) / median(cpuPerCall),
      target: 1,
      note: `process.cpuUsage (user + system) of the bench process over the whole sync / HTTP calls made; the bare replay spends ${(median(bareCpu) / 1000).toFixed(2)} ms per call (fetch + JSON.parse + insert); ratio = target / median (≥ 100%: within it).`,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const sim = await startChildSimulator();
  const results: BenchResult[] = [];
  try {
    for (const kind of ENGINES as Engine[]) {
      if (kind === "postgres") {
        const why = await pgReachable();
        if (why) {
          console.error(`  PostgreSQL skipped: ${why}`);
          continue;
        }
      }
      results.push(...(await benchEngine(kind, sim.url)));
    }
  } finally {
    await sim.stop();
  }
  return results;
}
