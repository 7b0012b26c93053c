/**
 * `sync` under injected faults (issue 3, acceptance 3): with the simulator answering 20% of the API calls
 * with a fault (500 SI coeur, 503, a stalled response cut by the client's timeout, a truncated body),
 * the first sync of 20 PRMs through the real CLI ends with the same data as a fault-free run: every
 * measure table row for row, the completeness ledger's (day, status, expected, received), the meters'
 * last values, the accounts' watermarks and cursors. The per-account outcome (`last_sync` in the account
 * config) shows the retries: some on the faulty run, in total and per dataset, none on the clean one, and
 * every extra call of the faulty run is one of them.
 *
 * The 20 PRMs are sandbox PRMs (consumers, one with production) and generated 14-digit PRMs of every
 * load-curve step (15, 30, 60 and 10 minutes), on one month of history. The fault-free reference is
 * one `sync --all` of the twenty. Under faults they are synced by `sync --all` in five databases of four
 * PRMs each, running at once: the engine waits about 1 s, 2 s, 4 s… (exponential backoff with jitter,
 * not configurable) before each retry, so one process syncing all twenty would spend about two and a
 * half minutes asleep (measured: 149 s); five share that wait. The fault picker is seeded, but the five
 * processes share it, so which call gets which fault varies from run to run: the assertions hold for any.
 *
 * A sync that does not converge in one run (a call failing five times in a row: at 20% faults about one
 * call in 3,000, for a measure window or for one of the contract's three ITC calls, each of which is
 * retried on its own) is run again on that database, at most three more times, and the console says so:
 * the next runs must finish the job.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store, type SyncOutcome } from "../../src/store/index.js";
import {
  runCli,
  simulatorEnv,
  snapshotDifference,
  syncSnapshot,
  type CliEnv,
  type CliResult,
  type SyncSnapshot,
} from "../helpers/cli.js";

/** 2026-11-28 11:00 Paris: day D-1 is published, and nothing happens near 08:00 during the test. */
const T0 = Date.UTC(2026, 10, 28, 10);
const SEED = "sync-faults";
const SANDBOX = [
  "22516914714270",
  "11453290002823",
  "32320647321714", // load curve off: daily data only
  "12345678901234",
  "64975835695673",
  "63695879465986",
  "22315546958763",
  "12655648759651", // consumption + production
  "14000000000001",
  "14000000000002",
];
/** Generated PRMs (consented through `openConsent`); the last two digits choose the load-curve step:
 * 15 -> 15 min, 60 -> 60 min, 10 -> 10 min, else 30 min. */
const GENERATED = [
  "31234567890115",
  "41234567890160",
  "51234567890110",
  "61234567890127",
  "71234567890133",
  "81234567890115",
  "91234567890160",
  "30234567890168",
  "40234567890110",
  "50234567890189",
];
const PRMS = [...SANDBOX, ...GENERATED];
const SHARDS = 5;
const SECRET_KEY = Buffer.alloc(32, 0x3c).toString("hex");

interface Db {
  prms: string[];
  dir: string;
  url: string;
  env: CliEnv;
  store: Store;
}

describe("sync --all of 20 PRMs under a 20% fault rate ends with the data of a fault-free run", () => {
  let clean: RunningSimulator;
  let faulty: RunningSimulator;
  const dbs: Db[] = [];

  beforeAll(async () => {
    // Both simulators share the data seed (the data come from it) and a clock that starts at T0 and
    // runs, as the CLI's does with LINKY_NOW.
    const started = Date.now();
    const now = () => T0 + (Date.now() - started);
    const common = {
      port: 0,
      now,
      seed: SEED,
      openConsent: true,
      quotaPerSecond: 1000,
      quotaPerHour: 1_000_000,
    };
    clean = await startSimulator(common);
    faulty = await startSimulator({ ...common, faultRate: 0.2, stallMs: 1500 });
  });

  afterAll(async () => {
    for (const db of dbs) {
      await db.store.close();
      await rm(db.dir, { recursive: true, force: true });
    }
    await clean?.stop();
    await faulty?.stop();
  });

  /** A database with one account per PRM, registered the way `account add` does. */
  async function database(sim: RunningSimulator, prms: string[], timeoutMs?: number): Promise<Db> {
    const dir = await mkdtemp(join(tmpdir(), "linky-faults-"));
    const url = `sqlite:${join(dir, "linky.db")}`;
    const env = simulatorEnv({
      simulatorUrl: sim.url,
      databaseUrl: url,
      dataDir: dir,
      now: new Date(T0).toISOString(),
      extra: {
        LINKY_SECRET_KEY: SECRET_KEY,
        SYNC_BACKFILL_MONTHS_CURVE: "1",
        SYNC_BACKFILL_MONTHS_DAILY: "1",
        ...(timeoutMs ? { ENEDIS_TIMEOUT_MS: String(timeoutMs) } : {}),
      },
    });
    const store = await openStore({ url, dataDir: dir, secretKey: SECRET_KEY });
    const db: Db = { prms, dir, url, env, store };
    dbs.push(db);
    // Twenty `account add` processes would cost half a minute of CPU; what they do is done here instead
    // (the crash test creates its accounts through the CLI).
    const config = loadConfig({ env: env as NodeJS.ProcessEnv });
    await store.users.create({ username: "alice", passwordHash: "not-a-login", roles: ["ROLE_USER"] });
    await store.senders.create({
      libelle: "Enedis DataConnect",
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
      role: null,
    });
    for (const prm of prms) await registerAccount(store, config, { username: "alice", usagePointId: prm });
    return db;
  }

  it("retries every fault and stores the same rows", { timeout: 300_000 }, async () => {
    expect(new Set(PRMS).size).toBe(20);
    for (const p of PRMS) expect(p).toMatch(/^\d{14}$/);

    // The reference: one fault-free `sync --all` of the twenty. The faulty syncs: one per shard, all at
    // once. A stalled call is given up after 1 s (the simulator would answer 504 after 1.5 s).
    const reference = await database(clean, PRMS);
    const shards: Db[] = [];
    for (let i = 0; i < SHARDS; i++) {
      shards.push(
        await database(
          faulty,
          PRMS.filter((_, j) => j % SHARDS === i),
          1000,
        ),
      );
    }
    const sync = (db: Db) => runCli(["sync", "--all"], db.env);
    const [cleanRun, ...faultyRuns] = (await Promise.all([reference, ...shards].map(sync))) as [
      CliResult,
      ...CliResult[],
    ];
    const log = faulty.requestLog();
    const injected = Object.values(log.faults).reduce((a, b) => a + b, 0);
    const summaryHead = `${log.total} calls to the faulty simulator, ${injected} faults ${JSON.stringify(log.faults)}`;
    expect(clean.requestLog().faults).toEqual({});
    expect(injected, summaryHead).toBeGreaterThan(0.1 * log.total);

    // The fault-free run: everything in one go, no retry anywhere.
    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    const cleanOut = await outcomes(reference.store);
    for (const prm of PRMS) {
      const co = cleanOut.get(prm)!;
      expect(co.outcome, `${prm}: ${co.message}`).toBe("ok");
      expect(co.retries, prm).toBe(0);
      for (const [k, d] of Object.entries(co.datasets)) expect(d.retries ?? 0, `${prm} ${k}`).toBe(0);
    }

    const notes: string[] = [];
    const unfinished: Db[] = [];
    let totalRetries = 0;
    let datasetRetries = 0;
    let failedAttempts = 0;
    for (const [i, shard] of shards.entries()) {
      const f = faultyRuns[i]!;
      const faultyOut = await outcomes(shard.store);
      let converged = f.code === 0;
      for (const prm of shard.prms) {
        const co = cleanOut.get(prm)!;
        const fo = faultyOut.get(prm)!;
        const context = `${prm}\nclean  ${JSON.stringify(co)}\nfaulty ${JSON.stringify(fo)}\n${f.stderr
          .split("\n")
          .filter((l) => l.includes(prm) && !l.startsWith("sync "))
          .join("\n")}`;
        totalRetries += fo.retries;
        const perDataset = Object.values(fo.datasets).reduce((a, d) => a + (d.retries ?? 0), 0);
        datasetRetries += perDataset;
        // Window retries are part of the account's, which also counts the services' and contract's.
        expect(perDataset, context).toBeLessThanOrEqual(fo.retries);
        // A contract left unread after its retries is said on stderr, and read again on the next run.
        const contractLost = f.stderr.includes(`contract of ${prm} not read`);
        if (fo.outcome !== "ok" || contractLost) {
          converged = false;
          notes.push(`${prm}: ${fo.outcome}${contractLost ? ", contract not read" : ""}`);
        }
        // Calls given up (the attempt after the last retry): a contract, a window, the services.
        const givenUp =
          (contractLost ? 1 : 0) +
          Object.values(fo.datasets).filter((d) => d.outcome === "failed").length +
          (fo.outcome === "failed" && Object.keys(fo.datasets).length === 0 ? 1 : 0);
        failedAttempts += fo.retries + givenUp;
        if (fo.outcome === "ok") {
          // Same plan, same operations (services, contract, windows): every extra call is a retry.
          expect(fo.calls, `calls of the faulty run: ${context}`).toBe(co.calls + fo.retries);
        }
      }
      if (!converged) unfinished.push(shard);
    }
    // Not converged in one run: run `sync --all` again there (at most three more times, each still under
    // 20% faults), until every account is ok and every contract was read.
    for (let round = 2; unfinished.length > 0; round++) {
      expect(round, notes.join("; ")).toBeLessThanOrEqual(4);
      const again = await Promise.all(unfinished.map(sync));
      const still: Db[] = [];
      for (const [k, shard] of unfinished.entries()) {
        const r = again[k]!;
        const out = await outcomes(shard.store);
        const left = shard.prms.filter(
          (prm) => out.get(prm)?.outcome !== "ok" || r.stderr.includes(`contract of ${prm} not read`),
        );
        notes.push(
          `run ${round} of ${shard.prms.join(", ")}: ${left.length ? `${left.join(", ")} still unfinished` : "done"}`,
        );
        if (left.length > 0) still.push(shard);
      }
      unfinished.splice(0, unfinished.length, ...still);
    }
    const summary = `${summaryHead}, ${totalRetries} retries (${datasetRetries} on measure windows)${notes.length ? `; ${notes.join("; ")}` : ""}`;
    console.info(summary);
    expect(totalRetries, summary).toBeGreaterThan(0);
    expect(datasetRetries, summary).toBeGreaterThan(0);
    // Every fault of the first runs was seen and handled: retried, or the last attempt of a call given up.
    expect(failedAttempts, summary).toBeGreaterThanOrEqual(injected);

    // The twenty PRMs of the five faulty databases hold, row for row, what the fault-free run stored.
    const faultySnapshot = mergeSnapshots(await Promise.all(shards.map((s) => syncSnapshot(s.store))));
    expect(snapshotDifference(faultySnapshot, await syncSnapshot(reference.store)), summary).toBeNull();
  });
});

function mergeSnapshots(list: SyncSnapshot[]): SyncSnapshot {
  const rows = (k: Exclude<keyof SyncSnapshot, "accounts">) => list.flatMap((s) => s[k]);
  return {
    curve: rows("curve"),
    daily: rows("daily"),
    monthly: rows("monthly"),
    index: rows("index"),
    ledger: rows("ledger"),
    devices: rows("devices"),
    accounts: Object.assign({}, ...list.map((s) => s.accounts)) as SyncSnapshot["accounts"],
  };
}

/** The last sync outcome of each account, by usage point. */
async function outcomes(store: Store): Promise<Map<string, SyncOutcome>> {
  const out = new Map<string, SyncOutcome>();
  for (const a of await store.accounts.list()) {
    if (!a.config.last_sync) throw new Error(`${a.usagePointId}: no last_sync recorded`);
    out.set(a.usagePointId, a.config.last_sync);
  }
  return out;
}
