/**
 * `serve` resumes after a crash within minutes (issue 11, acceptance 2): the real `serve` (SQLite, the
 * in-process queue) runs the first backfill of two simulator accounts and is killed with SIGKILL ten
 * times along it (when the curve table holds 1/12, 2/12 … 10/12 of the reference's rows), each time
 * started again at once. After the last start, the backfill must complete within
 * DONE_AFTER_LAST_START_MS, and the data equal, row for row (`syncSnapshot`), a fault-free run of the
 * same scheduler on a copy of the same database.
 *
 * On the code before the fix, a kill after a backfill job that stopped at its window budget left the
 * account "partial" with its next attempt an hour away and its chained backfill job lost with the
 * in-process queue: nothing happened for an hour, and a progress bound below fails.
 *
 * Pace: the measures API is limited to 5 calls a second (as a real quota would), so that the backfill
 * (~85 calls) spans the ten kills; the dispatcher runs every 10 s (SCHEDULER_TICK_SECONDS) instead of
 * 60 s, which only shortens the wait for the first dispatch after a start in an already claimed minute.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { simulatorEnv, snapshotDifference, spawnCli, syncSnapshot, type RunningCli } from "../helpers/cli.js";
import { cloneTarget, createTarget, type DbTarget } from "../helpers/db.js";
import { runReferenceScheduler } from "../helpers/reference.js";

/** 2026-11-28 11:00 Paris: D-1 is published, nothing happens near 08:00 during the test. */
const T0 = Date.UTC(2026, 10, 28, 10);
/** Consumption only; consumption + production (two curve directions). */
const PRMS = ["22516914714270", "12655648759651"];
const SECRET_KEY = Buffer.alloc(32, 0x4e).toString("hex");
const KILLS = 10;
/** Acceptance 2's bound: the backfill is complete this long after the last start, at the latest. */
const DONE_AFTER_LAST_START_MS = 180_000;
/** Each kill's progress threshold must be reached within this after the previous start. */
const PROGRESS_BOUND_MS = 90_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, boundMs: number, test: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await test()) return Date.now() - start;
    if (Date.now() - start > boundMs) throw new Error(`${what}: not within ${boundMs / 1000} s`);
    await sleep(200);
  }
}

describe("serve killed ten times during a first backfill resumes at once [sqlite]", () => {
  let sim: RunningSimulator;
  const targets: DbTarget[] = [];
  const stores: Store[] = [];
  let serve: RunningCli | undefined;

  beforeAll(async () => {
    const started = Date.now();
    sim = await startSimulator({
      port: 0,
      now: () => T0 + (Date.now() - started),
      quotaPerSecond: 1000,
      quotaPerHour: 1_000_000,
    });
  });

  afterAll(async () => {
    await serve?.kill();
    for (const s of stores) await s.close();
    for (const t of targets) await t.cleanup();
    await sim?.stop();
  });

  it(
    `completes within ${DONE_AFTER_LAST_START_MS / 1000} s of the last restart and equals a fault-free run`,
    { timeout: 480_000 },
    async () => {
      const phases: string[] = [];
      const t0 = Date.now();
      const mark = (what: string) => phases.push(`${what} +${((Date.now() - t0) / 1000).toFixed(1)} s`);

      const target = await createTarget("sqlite");
      targets.push(target);
      const setup = await openStore({ url: target.url, dataDir: target.dataDir, secretKey: SECRET_KEY });
      const user = await setup.users.create({ username: "u", passwordHash: "-", roles: ["ROLE_USER"] });
      const sender = await setup.senders.create({
        libelle: "Enedis DataConnect",
        implClass: "dataconnect",
        cron: "0 * * * * ?",
      });
      for (const prm of PRMS)
        await setup.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: prm });
      await setup.close();
      const refTarget = await cloneTarget(target, "ref");
      targets.push(refTarget);

      const started = Date.now();
      const now = () => T0 + (Date.now() - started);
      const envOf = (t: DbTarget) =>
        simulatorEnv({
          simulatorUrl: sim.url,
          databaseUrl: t.url,
          dataDir: t.dataDir,
          // A restarted serve's clock goes on where the last one's was.
          now: new Date(now()).toISOString(),
          extra: {
            LINKY_SECRET_KEY: SECRET_KEY,
            SYNC_BACKFILL_MONTHS_CURVE: "6",
            SYNC_BACKFILL_MONTHS_DAILY: "12",
            ENEDIS_QUOTA_PER_SECOND: "5",
            SCHEDULER_TICK_SECONDS: "10",
          },
        });

      const refStore = await openStore({
        url: refTarget.url,
        dataDir: refTarget.dataDir,
        secretKey: SECRET_KEY,
      });
      stores.push(refStore);
      expect(
        await runReferenceScheduler({ store: refStore, simulatorUrl: sim.url, env: envOf(refTarget), now }),
      ).toBe(1);
      const reference = await syncSnapshot(refStore);
      const refCurve = reference.curve.length;
      expect(refCurve).toBeGreaterThan(15_000);
      mark("reference");

      const file = target.url.slice("sqlite:".length);
      const reader = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      const curveRows = () =>
        Number((reader.prepare("select count(*) as n from curve_value").get() as { n: number }).n);
      const start = async () => {
        serve = spawnCli(["serve", "--port", "0", "--host", "127.0.0.1"], envOf(target));
        expect(await serve.stderrReaches(/^scheduler started/m), serve.stderr()).toBe(true);
      };
      try {
        const killedAt: number[] = [];
        for (let k = 1; k <= KILLS; k++) {
          await start();
          const threshold = (refCurve * k) / (KILLS + 2);
          const s = serve!;
          await until(`kill ${k}: ${k}/${KILLS + 2} of the curve rows`, PROGRESS_BOUND_MS, async () => {
            if (s.child.exitCode !== null)
              throw new Error(`serve exited by itself: ${s.stderr().slice(-2000)}`);
            return curveRows() >= threshold;
          }).catch((e: Error) => {
            throw new Error(`${e.message}\nphases: ${phases.join(", ")}\n${s.stderr().slice(-4000)}`);
          });
          const r = await s.kill();
          expect(r.signal).toBe("SIGKILL");
          killedAt.push(curveRows());
          mark(`kill ${k}`);
        }
        expect(killedAt[KILLS - 1]!).toBeLessThan(refCurve);
        await start();
        const lastStart = Date.now();
        mark("last start");
        let diff: string | null = "not compared yet";
        const s = serve!;
        await until(
          "the backfill complete and equal to the reference",
          DONE_AFTER_LAST_START_MS,
          async () => {
            if (curveRows() !== refCurve) return false;
            const store = await openStore({
              url: target.url,
              dataDir: target.dataDir,
              secretKey: SECRET_KEY,
            });
            try {
              diff = snapshotDifference(await syncSnapshot(store), reference);
            } finally {
              await store.close();
            }
            return diff === null;
          },
        ).catch((e: Error) => {
          throw new Error(`${e.message}: ${diff}\nphases: ${phases.join(", ")}\n${s.stderr().slice(-4000)}`);
        });
        const tookMs = Date.now() - lastStart;
        mark("complete");
        s.child.kill("SIGTERM");
        const r = await s.done;
        expect(r.code, r.stderr.slice(-2000)).toBe(0);
        console.info(
          `serve crash: ${KILLS} SIGKILLs at ${killedAt.join(", ")} of ${refCurve} curve rows; complete ${(tookMs / 1000).toFixed(1)} s after the last start (bound ${DONE_AFTER_LAST_START_MS / 1000} s); ${phases.join(", ")}`,
        );
      } finally {
        reader.close();
      }
    },
  );
});
