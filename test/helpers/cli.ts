/**
 * The real command line as a child process: `node --import tsx src/cli/main.ts …` from the repository
 * root, with the given environment on top of this process' own. `runCli` waits for the exit; `spawnCli`
 * returns the running child so that a test can kill it (SIGKILL: no handler, no cleanup, like a crash).
 * `syncSnapshot` reads back what a sync wrote, to compare two databases row for row.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ENV_KEYS } from "../../src/config/schema.js";
import { WATERMARK_KEYS, type Store } from "../../src/store/index.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface CliResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit, ms. */
  ms: number;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Output so far (grows while the process runs). */
  stdout(): string;
  stderr(): string;
  /** Resolves true once stderr matches (a pattern, or a test of the whole text so far), false if the
   * process exits first. */
  stderrReaches(test: RegExp | ((stderr: string) => boolean)): Promise<boolean>;
  /** SIGKILL; resolves with the result once the process is gone. */
  kill(): Promise<CliResult>;
  readonly done: Promise<CliResult>;
}

export type CliEnv = Record<string, string | undefined>;

/** Starts the CLI. `env` is added to process.env; a key set to undefined is removed. */
export function spawnCli(
  args: readonly string[],
  env: CliEnv = {},
  opts: { input?: string } = {},
): RunningCli {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: merged,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Standard input: the given text, or closed at once (as "ignore" would, but a pipe either way).
  child.stdin.end(opts.input ?? "");
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ hit: (s: string) => boolean; resolve: (hit: boolean) => void }> = [];
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    for (const w of [...waiters]) {
      if (w.hit(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(true);
      }
    }
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(false);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stderrReaches(test) {
      const hit = typeof test === "function" ? test : (s: string) => test.test(s);
      if (hit(stderr)) return Promise.resolve(true);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
      return new Promise((resolve) => waiters.push({ hit, resolve }));
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return done;
    },
    done,
  };
}

/** Runs the CLI to its end. */
export function runCli(
  args: readonly string[],
  env: CliEnv = {},
  opts: { input?: string } = {},
): Promise<CliResult> {
  return spawnCli(args, env, opts).done;
}

/** Runs the CLI and throws, with its output, unless it exits 0. */
export async function runCliOk(
  args: readonly string[],
  env: CliEnv = {},
  opts: { input?: string } = {},
): Promise<CliResult> {
  const r = await runCli(args, env, opts);
  if (r.code !== 0) {
    throw new Error(
      `linky-dataconnect ${args.join(" ")} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
  return r;
}

/**
 * The environment pointing the CLI at a simulator (sandbox credentials) and a database. Every other
 * configuration variable of this process is removed, so that a developer's or CI's settings do not leak
 * into the child; `extra` adds or overrides.
 */
export function simulatorEnv(opts: {
  simulatorUrl: string;
  databaseUrl: string;
  dataDir: string;
  /** ISO instant the CLI's clock starts at (it then runs). */
  now: string;
  extra?: CliEnv;
}): CliEnv {
  return {
    ...Object.fromEntries(ENV_KEYS.map((k) => [k.env, undefined])),
    ENEDIS_ENV: "sandbox",
    ENEDIS_API_URL: opts.simulatorUrl,
    ENEDIS_AUTHORIZE_URL: opts.simulatorUrl,
    ENEDIS_CLIENT_ID: "simulator-client",
    ENEDIS_CLIENT_SECRET: "simulator-secret",
    ENEDIS_QUOTA_PER_SECOND: "1000",
    ENEDIS_QUOTA_PER_HOUR: "1000000",
    DATABASE_URL: opts.databaseUrl,
    DATA_DIR: opts.dataDir,
    LINKY_NOW: opts.now,
    ...opts.extra,
  };
}

/* ------------------------------------------------------------------------------------------------ */
/* What a sync left in a database, in a form two databases can be compared by (tests of `sync`).     */
/* ------------------------------------------------------------------------------------------------ */

/** One table's rows as JSON strings, ordered by key, devices named by their usage point (not their id). */
export interface SyncSnapshot {
  curve: string[];
  daily: string[];
  monthly: string[];
  index: string[];
  /** The completeness ledger's (day, status, expected, received, missing): not attempts or times. */
  ledger: string[];
  /** The meter's last value (the seed's `device.value` / `dateValue`). */
  devices: string[];
  /** Per usage point: the `last_*` watermarks and each dataset's cursors, as the account config holds them. */
  accounts: Record<string, AccountProgress>;
}

export interface AccountProgress {
  watermarks: Record<string, number | null>;
  datasets: Record<
    string,
    {
      fetched_until: string | null;
      backfill_oldest: string | null;
      data_floor: string | null;
      not_applicable: boolean;
    }
  >;
  dataset_keys: string[];
  expired: boolean;
}

/** Reads everything a sync writes that must not depend on how the sync went (crashes, retries). */
export async function syncSnapshot(store: Store): Promise<SyncSnapshot> {
  const db = store.database.db;
  const rows = (r: unknown[]): string[] => r.map((x) => JSON.stringify(x));
  const curve = await db
    .selectFrom("curve_value as v")
    .innerJoin("device as d", "d.id", "v.device_id")
    .select(["d.mac", "v.direction", "v.start_ms", "v.length_min", "v.power_w", "v.energy_wh"])
    .orderBy("d.mac")
    .orderBy("v.direction")
    .orderBy("v.start_ms")
    .execute();
  const daily = await db
    .selectFrom("daily_value as v")
    .innerJoin("device as d", "d.id", "v.device_id")
    .select(["d.mac", "v.series", "v.day", "v.start_ms", "v.length_min", "v.value", "v.peak_at_ms"])
    .orderBy("d.mac")
    .orderBy("v.series")
    .orderBy("v.start_ms")
    .execute();
  const monthly = await db
    .selectFrom("monthly_value as v")
    .innerJoin("device as d", "d.id", "v.device_id")
    .select([
      "d.mac",
      "v.series",
      "v.month",
      "v.start_ms",
      "v.length_min",
      "v.value",
      "v.peak_at_ms",
      "v.days",
    ])
    .orderBy("d.mac")
    .orderBy("v.series")
    .orderBy("v.start_ms")
    .execute();
  const index = await db
    .selectFrom("index_value as v")
    .innerJoin("device as d", "d.id", "v.device_id")
    .select(["d.mac", "v.direction", "v.register", "v.day", "v.start_ms", "v.length_min", "v.value_wh"])
    .orderBy("d.mac")
    .orderBy("v.direction")
    .orderBy("v.register")
    .orderBy("v.start_ms")
    .execute();
  const ledger = await db
    .selectFrom("completeness as c")
    .innerJoin("device as d", "d.id", "c.device_id")
    .select(["d.mac", "c.dataset", "c.day", "c.status", "c.expected", "c.received", "c.missing"])
    .orderBy("d.mac")
    .orderBy("c.dataset")
    .orderBy("c.day")
    .execute();
  const devices = await db
    .selectFrom("device")
    .select(["mac", "value", "date_value_ms"])
    .orderBy("mac")
    .execute();
  const accounts: Record<string, AccountProgress> = {};
  for (const a of await store.accounts.list({ limit: 1_000_000 })) {
    const c = a.config;
    accounts[a.usagePointId] = {
      watermarks: Object.fromEntries(Object.values(WATERMARK_KEYS).map((k) => [k, c[k] ?? null])),
      datasets: Object.fromEntries(
        Object.entries(c.datasets ?? {})
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([k, s]) => [
            k,
            {
              fetched_until: s.fetched_until ?? null,
              backfill_oldest: s.backfill_oldest ?? null,
              data_floor: s.data_floor ?? null,
              not_applicable: s.not_applicable === true,
            },
          ]),
      ),
      dataset_keys: [...(c.dataset_keys ?? [])].sort(),
      expired: c.expired === true,
    };
  }
  return {
    curve: rows(curve),
    daily: rows(daily),
    monthly: rows(monthly),
    index: rows(index),
    ledger: rows(ledger),
    devices: rows(devices),
    accounts,
  };
}

/**
 * Where two snapshots differ, in a few lines (row counts and the first differing rows of each table),
 * or null when they are equal. Keeps a failure readable where a deep-equal diff of 10,000 rows is not.
 */
export function snapshotDifference(actual: SyncSnapshot, expected: SyncSnapshot): string | null {
  const out: string[] = [];
  for (const table of ["curve", "daily", "monthly", "index", "ledger", "devices"] as const) {
    const a = actual[table];
    const e = expected[table];
    const inA = new Set(a);
    const inE = new Set(e);
    const missing = e.filter((r) => !inA.has(r));
    const extra = a.filter((r) => !inE.has(r));
    if (a.length !== e.length || missing.length > 0 || extra.length > 0) {
      out.push(
        `${table}: ${a.length} rows, expected ${e.length}; ${missing.length} missing, e.g. ${missing.slice(0, 3).join(" ")}; ${extra.length} unexpected, e.g. ${extra.slice(0, 3).join(" ")}`,
      );
    }
  }
  const prms = [...new Set([...Object.keys(actual.accounts), ...Object.keys(expected.accounts)])].sort();
  for (const prm of prms) {
    const a = JSON.stringify(actual.accounts[prm] ?? null);
    const e = JSON.stringify(expected.accounts[prm] ?? null);
    if (a !== e) out.push(`account ${prm}: ${a}\n  expected ${e}`);
  }
  return out.length > 0 ? out.join("\n") : null;
}
