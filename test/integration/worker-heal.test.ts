/**
 * Workers that heal (issue 11, acceptance 1): two `worker` processes (the real CLI) run a first
 * backfill of a few simulator accounts on a PostgreSQL cluster of the test's own (test/helpers/
 * pg-cluster.ts, never the shared server). While they work, the cluster is restarted twice (fast stop:
 * every connection is cut, mid-query included; down for OUTAGE_MS) and its postmaster is killed once
 * (SIGKILL: crash recovery at the next start). The workers must carry on by themselves: rebuild their
 * graphile-worker runners, release the jobs of dead runners, retry the failed jobs; a worker may also
 * exit non-zero on purpose (saying so), and the test's supervisor loop then starts it again, as systemd
 * would. A crash (an unhandled error) is a failure.
 *
 * Then the data must equal, row for row (`syncSnapshot`), a fault-free run of the same scheduler in one
 * process on a copy of the same database, within DONE_AFTER_LAST_FAULT_MS of the last fault's end.
 *
 * Pace: the measures API is limited to 5 calls a second (the shared limiter, as in production), so that
 * the backfill (~150 calls) lasts long enough for three faults at 20%, 45% and 70% of its rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { simulatorEnv, snapshotDifference, spawnCli, syncSnapshot, type RunningCli } from "../helpers/cli.js";
import { REQUIRE_SERVICES } from "../helpers/db.js";
import { runReferenceScheduler } from "../helpers/reference.js";
import { clusterProbe, startCluster, type PgCluster } from "../helpers/pg-cluster.js";

/** 2026-11-28 11:00 Paris: D-1 is published, nothing happens near 08:00 during the test. */
const T0 = Date.UTC(2026, 10, 28, 10);
/** Consumption only; consumption + production; two more consumers. */
const PRMS = ["22516914714270", "12655648759651", "31000000000060", "31000791930030"];
const SECRET_KEY = Buffer.alloc(32, 0x6b).toString("hex");
/** How long the database stays down at each fault (part of the scenario, not a wait). */
const OUTAGE_MS = 3_000;
/** Faults when the curve table holds these shares of the reference's rows. */
const FAULT_AT = [0.2, 0.45, 0.7] as const;
/** The bound of acceptance 1: all data in, from the end of the last fault. */
const DONE_AFTER_LAST_FAULT_MS = 150_000;
/** Each fault threshold must be reached within this (the workers make progress between faults). */
const PROGRESS_BOUND_MS = 120_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, boundMs: number, test: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await test().catch(() => false)) return Date.now() - start;
    if (Date.now() - start > boundMs) throw new Error(`${what}: not within ${boundMs / 1000} s`);
    await sleep(250);
  }
}

/** Rows of a table, on a connection of its own (the server may just have come back). */
async function count(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on("error", () => undefined);
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`select count(*) as n from ${table}`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end().catch(() => undefined);
  }
}

interface Exit {
  slot: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string;
}

const probe = clusterProbe();
const title = "worker processes heal after database restarts and a postmaster crash [own PostgreSQL cluster]";

if (!probe.ok && !REQUIRE_SERVICES) {
  console.warn(`skipping the worker healing test: ${probe.reason}`);
  // Skipped on purpose: no PostgreSQL binaries here (reason printed); CI sets REQUIRE_SERVICES=1.
  describe.skip(title, () => {
    it("needs initdb", () => undefined);
  });
} else {
  describe(title, () => {
    let sim: RunningSimulator;
    let cluster: PgCluster | undefined;
    const stores: Store[] = [];
    const slots: RunningCli[] = [];
    const dirs: string[] = [];
    let finishing = false;

    beforeAll(async () => {
      if (!probe.ok) throw new Error(`needs initdb (REQUIRE_SERVICES=1): ${probe.reason}`);
      const started = Date.now();
      sim = await startSimulator({
        port: 0,
        now: () => T0 + (Date.now() - started),
        openConsent: true,
        quotaPerSecond: 1000,
        quotaPerHour: 1_000_000,
      });
      cluster = await startCluster();
    }, 120_000);

    afterAll(async () => {
      finishing = true;
      await Promise.all(slots.map((w) => w.kill()));
      for (const s of stores) await s.close().catch(() => undefined);
      await cluster?.destroy();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
      await sim?.stop();
    }, 120_000);

    it(
      "two workers carry on through two restarts and a SIGKILL of the postmaster; data equal a fault-free run",
      { timeout: 480_000 },
      async () => {
        const c = cluster!;
        const phases: string[] = [];
        const t0 = Date.now();
        const mark = (what: string) => phases.push(`${what} +${((Date.now() - t0) / 1000).toFixed(1)} s`);

        await c.createDatabase("linky");
        const url = c.url("linky");
        const dir = await mkdtemp(join(tmpdir(), "linky-heal-"));
        dirs.push(dir);
        const setup = await openStore({ url, dataDir: dir, secretKey: SECRET_KEY });
        const user = await setup.users.create({ username: "u", passwordHash: "-", roles: ["ROLE_USER"] });
        const sender = await setup.senders.create({
          libelle: "Enedis DataConnect",
          implClass: "dataconnect",
          cron: "0 * * * * ?",
        });
        for (const prm of PRMS)
          await setup.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: prm });
        await setup.close();
        await c.createDatabase("reference", "linky");

        const started = Date.now();
        const envAt = (databaseUrl: string) =>
          simulatorEnv({
            simulatorUrl: sim.url,
            databaseUrl,
            dataDir: dir,
            // A restarted worker's clock goes on from where the others' are.
            now: new Date(T0 + (Date.now() - started)).toISOString(),
            extra: {
              LINKY_SECRET_KEY: SECRET_KEY,
              SYNC_BACKFILL_MONTHS_CURVE: "6",
              SYNC_BACKFILL_MONTHS_DAILY: "12",
              ENEDIS_QUOTA_PER_SECOND: "5",
              SCHEDULER_TICK_SECONDS: "10",
            },
          });

        // The fault-free reference (test/helpers/reference.ts).
        const refStore = await openStore({ url: c.url("reference"), dataDir: dir, secretKey: SECRET_KEY });
        stores.push(refStore);
        expect(
          await runReferenceScheduler({
            store: refStore,
            simulatorUrl: sim.url,
            env: envAt(c.url("reference")),
            now: () => T0 + (Date.now() - started),
          }),
        ).toBe(1);
        const reference = await syncSnapshot(refStore);
        const refCurve = reference.curve.length;
        expect(refCurve).toBeGreaterThan(20_000);
        mark("reference");

        // Two workers, each restarted by this loop if it exits by itself (a supervisor's job).
        const exits: Exit[] = [];
        const spawnSlot = (slot: number) => {
          const w = spawnCli(["worker", "--concurrency", "2"], envAt(url));
          slots[slot] = w;
          void w.done.then((r) => {
            if (finishing || slots[slot] !== w) return;
            exits.push({ slot, code: r.code, signal: r.signal, tail: r.stderr.slice(-1500) });
            spawnSlot(slot);
          });
        };
        spawnSlot(0);
        spawnSlot(1);
        for (const w of slots) expect(await w.stderrReaches(/^worker: running/m), w.stderr()).toBe(true);
        mark("workers up");

        const faultEnds: number[] = [];
        for (const [i, share] of FAULT_AT.entries()) {
          await until(`${share * 100}% of the curve rows`, PROGRESS_BOUND_MS, async () => {
            return (await count(url, "curve_value")) >= refCurve * share;
          });
          if (i < 2) await c.stop();
          else await c.killPostmaster();
          mark(i < 2 ? `restart ${i + 1}` : "postmaster killed");
          await sleep(OUTAGE_MS);
          await c.start();
          faultEnds.push(Date.now());
        }
        const lastFault = faultEnds[faultEnds.length - 1]!;
        const logsBefore = slots.map((w) => w.stderr().length);

        // Every row in, within the bound.
        const store = await openStore({ url, dataDir: dir, secretKey: SECRET_KEY });
        stores.push(store);
        let diff: string | null = "not compared yet";
        const tookMs = await until("the data equal the reference", DONE_AFTER_LAST_FAULT_MS, async () => {
          if ((await count(url, "curve_value")) !== refCurve) return false;
          diff = snapshotDifference(await syncSnapshot(store), reference);
          return diff === null;
        }).catch((e: Error) => {
          throw new Error(
            `${e.message}; ${diff}\nphases: ${phases.join(", ")}\nexits: ${JSON.stringify(exits)}\n${slots.map((w) => w.stderr().slice(-3000)).join("\n---\n")}`,
          );
        });
        mark("data equal");

        // No worker crashed: any exit was on purpose (the message says a supervisor restarts it).
        for (const e of exits) {
          expect(e.code, e.tail).toBe(1);
          expect(e.tail, "a deliberate exit").toMatch(/exiting so that a supervisor restarts the worker/);
        }
        const all = slots.map((w) => w.stderr()).join("\n");
        expect(all).not.toMatch(/Unhandled 'error' event|uncaughtException|UnhandledPromiseRejection/);
        // Both carried on after the last fault: each synced since or took jobs again (its queue back and
        // ready: when little was left, the other worker may have done it all), and stops cleanly now.
        for (const [i, w] of slots.entries()) {
          const since = w.stderr().slice(exits.some((e) => e.slot === i) ? 0 : logsBefore[i]);
          expect(since, `worker ${i} neither synced nor took jobs again after the last fault`).toMatch(
            /^(scheduler: account \d+ (fresh|backfill) sync for |job queue: worker \S+ ready)/m,
          );
        }
        finishing = true;
        for (const w of slots) w.child.kill("SIGTERM");
        for (const w of slots) {
          const r = await w.done;
          expect(r.code, r.stderr.slice(-2000)).toBe(0);
        }
        const rebuilt = (all.match(/job queue: runner rebuilt/g) ?? []).length;
        const released = (all.match(/released \d+ job\(s\) held by dead worker/g) ?? []).length;
        console.info(
          `worker healing: done ${(tookMs / 1000).toFixed(1)} s after the last fault (bound ${DONE_AFTER_LAST_FAULT_MS / 1000} s); ${rebuilt} runner rebuild(s), ${released} release(s) of dead workers' jobs, ${exits.length} supervisor restart(s); ${phases.join(", ")}, ${((Date.now() - lastFault) / 1000).toFixed(1)} s after the last fault at the end`,
        );
      },
    );
  });
}
