/**
 * Crash safety of `sync` (issue 3, acceptance 2): the real CLI is killed with SIGKILL at random moments,
 * at least ten times, while it fills a database from the simulator; then it runs to its end. The
 * database must then equal, row for row, the one an uninterrupted run of the same sync filled: every
 * measure table, the completeness ledger's (day, status, expected, received), the meters' last values,
 * the accounts' watermarks and dataset cursors. Attempt counts and timestamps legitimately differ.
 *
 * Both databases start as copies of one set up through the CLI (`user add`, `sender add`, `account
 * add`), so that their ids match too. The kill moments come from a seeded generator (SYNC_CRASH_SEED
 * replays a draw) and from each run's own progress (`sync i/N account A …` lines, one per window): every
 * fourth kill falls while the process starts (between 100 ms and the time the reference run took to
 * reach its first window: config, database, migrations, token, services, contract; at the latest when
 * the first window starts), the others inside the window loop: once a run prints its first window, the
 * work it has left is known (its account's N, plus what the later accounts had left when the last run
 * died), and the kill falls after a window drawn up to that work shared among the kills left, at a
 * random point within about one of that run's windows (at the latest when the next window starts,
 * and at once on a window that may be the run's last). So each kill takes at most its share of the
 * work, some always remains for the next run, and no run ends by itself however fast or slow the
 * machine is; each run resumes where the last one was killed, so the kills fall all along the history.
 */
import { afterAll, beforeAll, describe, it, type ExpectStatic } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type DialectKind, type Store } from "../../src/store/index.js";
import {
  runCliOk,
  simulatorEnv,
  snapshotDifference,
  spawnCli,
  syncSnapshot,
  type CliEnv,
  type RunningCli,
} from "../helpers/cli.js";
import { cloneTarget, createTarget, probePostgres, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";

/** 2026-11-28 11:00 Paris: day D-1 is published, and nothing happens near 08:00 during the test. */
const T0 = Date.UTC(2026, 10, 28, 10);
/** Consumption only; consumption + production (self-consumption), so both curve directions. */
const PRMS = ["22516914714270", "12655648759651"];
const MIN_KILLS = 10;
const SEED = Number(process.env.SYNC_CRASH_SEED ?? 20261128);
/** Both databases and every process share one key, so that the copied token stays readable. */
const SECRET_KEY = Buffer.alloc(32, 0x5a).toString("hex");

/** mulberry32: a small seeded generator, enough to pick kill delays reproducibly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROGRESS = /^sync \d+\/\d+ /m;
/** `sync i/N account A dataset from..to (purpose)`: window i of the N this run planned for that account. */
const PROGRESS_PARTS = /^sync (\d+)\/(\d+) account (\d+) /gm;

interface Progress {
  i: number;
  n: number;
  /** The account (its id as printed). */
  prm: string;
}

function progressLines(stderr: string): Progress[] {
  return [...stderr.matchAll(PROGRESS_PARTS)].map((m) => ({
    i: Number(m[1]),
    n: Number(m[2]),
    prm: m[3] as string,
  }));
}

/** Resolves after `ms`, or when `other` settles first (the timer is then cleared). */
async function sleepOrUntil(ms: number, other: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms)))), other]);
  clearTimeout(timer);
}

/** A running CLI's progress lines, each with the moment this process saw it. */
function trackProgress(run: RunningCli): {
  lines: () => Array<Progress & { at: number }>;
  reaches: (test: (lines: Array<Progress & { at: number }>) => boolean) => Promise<boolean>;
} {
  const seen: Array<Progress & { at: number }> = [];
  const update = (stderr: string) => {
    const ls = progressLines(stderr);
    while (seen.length < ls.length) seen.push({ ...(ls[seen.length] as Progress), at: Date.now() });
  };
  // Timestamps even while no one waits; the helper's own listener (and its waiters) run first.
  run.child.stderr?.on("data", () => update(run.stderr()));
  return {
    lines: () => {
      update(run.stderr());
      return seen;
    },
    reaches: (test) =>
      run.stderrReaches((e) => {
        update(e);
        return test(seen);
      }),
  };
}

/** A copy of a database that no process holds open: SQLite file copy, PostgreSQL template. */
async function curveRows(store: Store): Promise<number> {
  const r = await store.database.db
    .selectFrom("curve_value")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

interface Kill {
  phase: "start" | "windows";
  /** "windows": the kill came after this run's n-th window started (drawn; 0: the run printed none). */
  window: number;
  /** Windows this run had left when it printed its first (its account's N plus the later accounts'). */
  windowsLeft: number;
  /** Drawn delay: from the spawn ("start") or from the n-th window ("windows"; 0: killed at once, that
   * window may have been the run's last). */
  delayMs: number;
  /** When the kill came, from the spawn. */
  atMs: number;
  killed: boolean;
  /** Progress lines the process had printed: > 0 means it died inside the window loop. */
  windowsStarted: number;
}

const pgProbe = await probePostgres();

describe("sync killed at random moments, then run to the end, equals an uninterrupted sync", () => {
  let sim: RunningSimulator;
  const targets: DbTarget[] = [];
  const stores: Store[] = [];

  beforeAll(async () => {
    // The simulator's clock starts at T0 and runs, as the CLI's does with LINKY_NOW.
    const started = Date.now();
    sim = await startSimulator({
      port: 0,
      now: () => T0 + (Date.now() - started),
      quotaPerSecond: 1000,
      quotaPerHour: 1_000_000,
    });
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const t of targets) await t.cleanup();
    await sim?.stop();
  });

  /** The whole scenario on one engine. */
  async function crashAndCompare(kind: DialectKind, expect: ExpectStatic): Promise<void> {
    const envOf = (t: DbTarget): CliEnv =>
      simulatorEnv({
        simulatorUrl: sim.url,
        databaseUrl: t.url,
        dataDir: t.dataDir,
        now: new Date(T0).toISOString(),
        extra: {
          LINKY_SECRET_KEY: SECRET_KEY,
          // 3 months of curve = 14 windows per direction; a year of daily data = 1 window each.
          SYNC_BACKFILL_MONTHS_CURVE: "3",
          SYNC_BACKFILL_MONTHS_DAILY: "12",
        },
      });

    // One database set up through the CLI, copied: `crashed` is killed, `reference` is not.
    const crashed = await createTarget(kind);
    targets.push(crashed);
    const setup = envOf(crashed);
    await runCliOk(["user", "add", "alice", "--password", "correct horse 1"], setup);
    await runCliOk(
      [
        "sender",
        "add",
        "--libelle",
        "Enedis DataConnect",
        "--impl",
        "dataconnect",
        "--cron",
        "0 0/10 * * * ?",
      ],
      setup,
    );
    await Promise.all(
      PRMS.map((prm) => runCliOk(["account", "add", "--user", "alice", "--usage-point", prm], setup)),
    );
    const reference = await cloneTarget(crashed, "ref");
    targets.push(reference);

    // The uninterrupted run, timed: its startup and its sync time bound the kill delays.
    const ref = spawnCli(["sync", "--all"], envOf(reference));
    const spawnedAt = Date.now();
    await ref.stderrReaches(PROGRESS);
    const startupMs = Date.now() - spawnedAt;
    const refResult = await ref.done;
    expect(refResult.code, refResult.stderr).toBe(0);
    const syncMs = refResult.ms - startupMs;
    const refLines = progressLines(refResult.stderr);
    const refWindows = refLines.length;
    const windowMs = syncMs / refWindows;
    // The accounts in the order every run syncs them, and the windows each has left (the reference's
    // plan at first, then what the last crashed run showed).
    const order = [...new Set(refLines.map((l) => l.prm))];
    const left = new Map(order.map((prm) => [prm, refLines.find((l) => l.prm === prm)?.n ?? 0]));
    // Accounts that may have nothing left: a run died on their last window, perhaps after its commit.
    const mayBeDone = new Set<string>();
    const leftAfter = (prm: string) =>
      order.slice(order.indexOf(prm) + 1).reduce((sum, q) => sum + (left.get(q) ?? 0), 0);
    /** True when this window may be the run's last: no work is certainly left after it. */
    const mayBeLast = (l: Progress) =>
      l.i === l.n && order.slice(order.indexOf(l.prm) + 1).every((q) => mayBeDone.has(q));
    const refStore = await openStore({
      url: reference.url,
      dataDir: reference.dataDir,
      secretKey: SECRET_KEY,
    });
    stores.push(refStore);
    const refCurveRows = await curveRows(refStore);
    expect(refCurveRows).toBeGreaterThan(8000);
    // At least a window per kill: a kill takes at most its share of what is left, so some always remains.
    expect(refWindows).toBeGreaterThanOrEqual(MIN_KILLS);

    const crashStore = await openStore({
      url: crashed.url,
      dataDir: crashed.dataDir,
      secretKey: SECRET_KEY,
    });
    stores.push(crashStore);
    // One draw per engine, so that the two runs kill at different moments.
    const seed = SEED + (kind === "postgres" ? 1 : 0);
    const rnd = random(seed);
    const kills: Kill[] = [];
    const env = envOf(crashed);
    // A window's time as the last run that showed it went (the reference's at first).
    let lastWindowMs = windowMs;
    for (let attempt = 0; kills.filter((k) => k.killed).length < MIN_KILLS; attempt++) {
      if (attempt >= 3 * MIN_KILLS) break;
      const killsLeft = MIN_KILLS - kills.filter((k) => k.killed).length;
      const run = spawnCli(["sync", "--all"], env);
      const progress = trackProgress(run);
      const startedAt = Date.now();
      let phase: Kill["phase"];
      let window = 0;
      let windowsLeft = 0;
      let delayMs = 0;
      if (attempt % 4 === 1) {
        // While the process starts: modules, config, database and migrations, token, services, contract;
        // at the latest when its first window starts (it then has all its work left).
        phase = "start";
        delayMs = Math.round(100 + rnd() * Math.max(0, startupMs - 100));
        await sleepOrUntil(
          delayMs,
          progress.reaches((ls) => ls.length >= 1),
        );
      } else {
        // Inside the window loop: after the n-th window of this run has started (n drawn up to the work
        // this run has left shared among the kills left, so that the next runs still have some),
        // anywhere within about one of this run's windows: during the call, the parsing or the commit.
        phase = "windows";
        if (await progress.reaches((ls) => ls.length >= 1)) {
          const first = progress.lines()[0] as Progress;
          windowsLeft = first.n - first.i + 1 + leftAfter(first.prm);
          window = 1 + Math.floor(rnd() * Math.max(1, Math.floor(windowsLeft / killsLeft)));
          const draw = rnd();
          // Stops early on a window that may be the run's last: past it, the run could end by itself.
          const reached = await progress.reaches(
            (ls) => ls.length >= window || mayBeLast(ls[ls.length - 1] as Progress),
          );
          const ls = [...progress.lines()];
          const current = ls[ls.length - 1] as Progress & { at: number };
          if (reached && !mayBeLast(current)) {
            const first = ls[0] as { at: number };
            if (ls.length >= 2) lastWindowMs = (current.at - first.at) / (ls.length - 1);
            delayMs = Math.round(draw * lastWindowMs);
            // At the latest when the next window starts: the kill never takes more than its share.
            await sleepOrUntil(
              current.at + delayMs - Date.now(),
              progress.reaches((l) => l.length > ls.length),
            );
          }
        }
      }
      const r = await run.kill();
      const lines = progressLines(r.stderr);
      const windowsStarted = lines.length;
      if (r.signal !== "SIGKILL") expect(r.code, `a run that was not killed failed: ${r.stderr}`).toBe(0);
      kills.push({
        phase,
        window,
        windowsLeft,
        delayMs,
        atMs: Date.now() - startedAt,
        killed: r.signal === "SIGKILL",
        windowsStarted,
      });
      if (r.signal !== "SIGKILL" && phase === "windows") break; // the work is done: no more kills to give
      // What each account has left, from what this run showed.
      if (lines.length > 0) {
        const firstAt = order.indexOf((lines[0] as Progress).prm);
        for (const q of order.slice(0, Math.max(0, firstAt))) {
          left.set(q, 0); // it printed nothing: it had nothing left
          mayBeDone.add(q);
        }
        for (const [k, l] of lines.entries()) {
          const next = lines[k + 1];
          if (next && next.prm === l.prm) continue;
          if (next || r.signal !== "SIGKILL") {
            left.set(l.prm, 0); // the run went on to the next account (or ended): this one is done
            mayBeDone.add(l.prm);
          } else {
            left.set(l.prm, l.n - l.i + 1); // it died in window i: that window is done again
            if (l.i === l.n) mayBeDone.add(l.prm);
            else mayBeDone.delete(l.prm);
          }
        }
      }
    }
    const leftAfterKills = 1 - (await curveRows(crashStore)) / refCurveRows;
    const summary = `seed ${seed}, startup ${startupMs} ms, sync ${syncMs} ms, ${Math.round(leftAfterKills * 100)}% of the curve left for the last run; kills (phase[window of windows left] +delay @ms from spawn: windows started): ${kills
      .map(
        (k) =>
          `${k.phase}[${k.window}/${k.windowsLeft}] +${k.delayMs} @${k.atMs}: ${k.windowsStarted}${k.killed ? "" : " (ended by itself)"}`,
      )
      .join(", ")}`;
    expect(kills.filter((k) => k.killed).length, summary).toBeGreaterThanOrEqual(MIN_KILLS);
    // Most kills land inside the window loop, some in the process' start.
    expect(kills.filter((k) => k.killed && k.windowsStarted > 0).length, summary).toBeGreaterThanOrEqual(
      MIN_KILLS / 2,
    );
    console.info(`[${kind}] ${summary}`);

    const last = await runCliOk(["sync", "--all"], env);
    expect(last.code).toBe(0);

    const diff = snapshotDifference(await syncSnapshot(crashStore), await syncSnapshot(refStore));
    expect(diff, summary).toBeNull();
    // The run that finished the job says so on every account.
    for (const a of await crashStore.accounts.list()) {
      expect(a.config.last_sync?.outcome, `${a.usagePointId}: ${a.config.last_sync?.message}`).toBe("ok");
    }
  }

  for (const kind of ["sqlite", "postgres"] as DialectKind[]) {
    const name = `[${kind}] keeps every window whole across ${MIN_KILLS}+ SIGKILLs`;
    if (kind === "postgres" && !pgProbe.ok) {
      if (REQUIRE_SERVICES) {
        it(`${name}: needs PostgreSQL (REQUIRE_SERVICES=1)`, () => {
          throw new Error(pgProbe.reason);
        });
      } else {
        console.warn(`skipping the PostgreSQL crash test: ${pgProbe.reason}`);
        // Skipped on purpose: no PostgreSQL on this machine (reason printed); CI sets REQUIRE_SERVICES=1.
        it.skip(name, () => undefined);
      }
      continue;
    }
    // Both engines at once, so that both cores work while the fault test mostly sleeps through backoffs.
    // Long: a loaded two-core machine took up to 300 s (the reference run, 10+ killed runs that each
    // start the CLI anew, up to 25 s, and the last run); twice that, so that load alone cannot fail it.
    it.concurrent(name, { timeout: 600_000 }, ({ expect }) => crashAndCompare(kind, expect));
  }
});
