/**
 * The quota limiter shared through the database (issue 4, acceptance 4): two SharedQuotaLimiter
 * instances, one in this process and one in a child process (two processes, two connections to one
 * database), hand out call slots that never put more than N calls in any 1-second window nor M in
 * any hour, per API; a pause asked by one (after a 429) holds the other back until its end. On SQLite
 * (one file, two processes: `serve` and a `sync` run side by side) and on PostgreSQL (workers).
 *
 * Start: the child (quota-shared-child.ts) loads (tsx) and opens the database at its own pace, then says
 * "ready"; only then does this process choose the common start instant and send it to the child, so both
 * sides start together whatever the child's load time on a busy machine.
 *
 * Clocks: both processes compute the same clock from that common real origin; for the hourly quota it
 * runs SPEED times faster than real time and the limiters' sleeps are shortened as much. The per-second
 * test checks the instants each `acquire` returned at (when its caller would send), in real time. The
 * hourly test checks the slots the limiters reserved (every `reserveQuotaSlot` of both processes, with
 * the clock it was asked at), not the instants: 1,500 times compressed, a loaded machine's milliseconds
 * of lateness are minutes of that clock, and its slow transactions a good part of an hour. Each side
 * stops after a number of calls, not at an instant of the clock.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { addDays, parisToday } from "../../src/domain/time.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { MEASURES_API_2026 } from "../../src/enedis/datasets/index.js";
import { SharedQuotaLimiter } from "../../src/scheduler/quota-shared.js";
import { startSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { describeEachDatabase, type TestDatabase } from "../helpers/db.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { acquireLoop, type Run, type Side } from "./quota-shared-child.js";

const HOUR = 3_600_000;
const CHILD = `${REPO_ROOT}test/integration/quota-shared-child.ts`;
/** Real time between the start instant's choice and the start: the child reads it on stdin meanwhile. */
const START_LEAD_MS = 300;

interface Child {
  /** Resolves once the child has loaded and opened the database. */
  ready: Promise<void>;
  /** Sends the common start instant. */
  go(realOrigin: number): void;
  /** What the child saw. */
  result: Promise<Side>;
}

/** The acquire loop of `run` in a child process, on its own connection to the database. */
function startChild(db: TestDatabase, run: Run): Child {
  const target = db.target();
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      QUOTA_RUN: JSON.stringify(run),
      QUOTA_DB_URL: target.url,
      QUOTA_DATA_DIR: target.dataDir,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let isReady!: () => void;
  const ready = new Promise<void>((r) => (isReady = r));
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    if (out.startsWith("ready\n")) isReady();
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  const result = new Promise<Side>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 || !out.startsWith("ready\n")) reject(new Error(`limiter child exited ${code}: ${err}`));
      else resolve(JSON.parse(out.slice("ready\n".length)) as Side);
    });
  });
  // A child that dies before "ready" fails the test through `result`, not a wait for ever.
  return {
    ready: Promise.race([ready, result.then(() => undefined)]),
    go: (realOrigin) => child.stdin.end(`${JSON.stringify({ realOrigin })}\n`),
    result,
  };
}

/** Both sides' loops, started together once the child is ready. */
async function bothSides(db: TestDatabase, run: Run): Promise<[Side, Side]> {
  const child = startChild(db, run);
  await child.ready;
  const realOrigin = Date.now() + START_LEAD_MS;
  child.go(realOrigin);
  return Promise.all([acquireLoop(run, db.getStore(), realOrigin), child.result]);
}

/** The most calls any window of `windowMs` holds (windows end at a call; (t - windowMs, t]). */
function busiestWindow(instants: number[], windowMs: number): number {
  const s = [...instants].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < s.length; hi++) {
    while ((s[lo] as number) <= (s[hi] as number) - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * The reserved slots (in order: each is after the previous one) that are not the earliest the quotas
 * allowed when they were asked: the latest of the clock then, the previous slot + the per-second spacing
 * (whole ms), and, when the hour before that instant already holds `perHour` slots, the hour of the
 * `perHour`-th newest of them + the margin. Earlier would break a quota or its margin; later would leave
 * the quota unused (a slow machine asks later, that's all).
 */
function slotsNotAsExpected(
  reserved: Side["slots"],
  q: { spacingMs: number; perHour: number; hourMarginMs: number },
): string[] {
  const slots = reserved.map((r) => r.slot);
  return reserved.flatMap((r, i) => {
    const earlier = slots.slice(0, i);
    const candidate = Math.max(r.askedAt, i > 0 ? earlier[i - 1]! + q.spacingMs : -Infinity);
    const inHour = earlier.filter((t) => t > candidate - HOUR);
    const expected =
      inHour.length >= q.perHour
        ? Math.max(candidate, inHour[inHour.length - q.perHour]! + HOUR + q.hourMarginMs)
        : candidate;
    return r.slot === expected
      ? []
      : [`slot ${i}: +${r.slot - slots[0]!} ms, expected +${expected - slots[0]!}`];
  });
}

describeEachDatabase("quota limiter shared through the database, two processes", (db) => {
  it("never more than 5 calls in any second, and the quota is used", { timeout: 120_000 }, async () => {
    const run: Run = {
      api: "per_second_api",
      perSecond: 5,
      perHour: 1_000_000,
      clockStart: Date.UTC(2026, 10, 28, 12),
      speed: 1,
      forClockMs: 4_000,
      callers: 3,
    };
    const [here, there] = await bothSides(db, run);
    // Both sides got calls: they share the quota, neither is shut out.
    expect(here.got.length).toBeGreaterThan(3);
    expect(there.got.length).toBeGreaterThan(3);
    const all = [...here.got, ...there.got];
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(5);
    // The quota is used, by the limiters: each slot is the earliest the quota allows when it was asked
    // (the clock then, or the previous slot + 200 ms + 10 ms), whichever process asked.
    const reserved = [...here.slots, ...there.slots].sort((a, b) => a.slot - b.slot);
    expect(
      slotsNotAsExpected(reserved, { spacingMs: 210, perHour: run.perHour, hourMarginMs: 1000 }),
    ).toEqual([]);
    // And by their callers: 20 slots fit in the 4 s run (0, 210, ..., 3990 ms). A caller that wakes more
    // than 50 ms late on a loaded machine does not call at its slot but takes a new one (the lost slot
    // stays counted: tested with a controlled clock below), and a slot just before the end may be called
    // just after it; a machine with a load average of 12 called 15-19 of them. At least 12 must be called
    // (3 calls/s): a limiter spacing calls by a second, or per process, or one process holding the other
    // off, calls at most 4-10. Calls of the last loop round that return after the run's end are not
    // counted.
    const inRun = all.filter((t) => t <= run.clockStart + run.forClockMs!);
    expect(inRun.length, JSON.stringify(all.map((t) => t - run.clockStart))).toBeGreaterThanOrEqual(12);
  });

  it(
    "never more than M calls in any (compressed) hour, and no slot later than needed",
    { timeout: 120_000 },
    async () => {
      // One hour = 2.4 real seconds. The hourly margin is 300 ms of real time here (1 s by default).
      const speed = 1500;
      const perHour = 30;
      const hourMarginMs = 300 * speed;
      const run: Run = {
        api: "per_hour_api",
        perSecond: 1000,
        perHour,
        hourMarginMs,
        // Lateness is magnified too (a 70 ms hiccup of a busy machine is 105 s here): this test is about the
        // hourly quota (the per-second one, 1,000/s, is not at stake), so late callers call.
        lateToleranceMs: HOUR,
        clockStart: Date.UTC(2026, 10, 28, 12),
        speed,
        // Three hours' worth of calls between the two processes.
        count: (perHour * 3) / 2,
        callers: 2,
      };
      const [here, there] = await bothSides(db, run);
      expect(here.got).toHaveLength(run.count!);
      expect(there.got).toHaveLength(run.count!);
      // Both sides reserved slots: they share the quota.
      expect(here.slots.length).toBeGreaterThan(0);
      expect(there.slots.length).toBeGreaterThan(0);
      // Slots follow each other in the order they were reserved (each is after the previous one's).
      const reserved = [...here.slots, ...there.slots].sort((a, b) => a.slot - b.slot);
      const slots = reserved.map((r) => r.slot);
      // Every call had a slot (a caller more than an hour late takes another: more slots, never fewer).
      expect(slots.length).toBeGreaterThanOrEqual(perHour * 3);
      expect(new Set(slots).size).toBe(slots.length);
      // Never more than M in any hour, across both processes.
      expect(busiestWindow(slots, HOUR)).toBeLessThanOrEqual(perHour);
      // Each slot is the earliest the quotas allow when it was asked: the latest of the clock then, the
      // previous slot + the per-second spacing (1.05 ms: 2 whole ms), and, when the hour before that
      // instant already holds M slots, the hour of the M-th newest of them + the margin. Not earlier (the
      // margin is kept), not later (the quota is used; a slow machine asks later, that's all).
      expect(slotsNotAsExpected(reserved, { spacingMs: 2, perHour, hourMarginMs })).toEqual([]);
      // The hourly margin at work: the (M+1)-th slot waited for the first one's hour and the margin (unless
      // it was asked so late that the first had left the hour by then).
      if (reserved[perHour]!.askedAt < slots[0]! + HOUR)
        expect(slots[perHour]).toBe(slots[0]! + HOUR + hourMarginMs);
    },
  );

  it("a pause from one process holds the other back until its end", { timeout: 120_000 }, async () => {
    const api = "paused_api";
    const limiter = new SharedQuotaLimiter(db.getStore(), { perSecond: 5, perHour: 1000 });
    const waits: Array<{ api: string; ms: number }> = [];
    limiter.observeWaits((a, ms) => waits.push({ api: a, ms }));
    await limiter.acquire(api);
    // As after a 429 with Retry-After: the pause is written in the background; the next acquire of the
    // same limiter waits for that write.
    const until = Date.now() + 1500;
    limiter.pause(api, until);
    await limiter.acquire("another_api");
    // The child asks when its clock reads 3 s before the pause's end, however long it took to load.
    const run: Run = {
      api,
      perSecond: 5,
      perHour: 1000,
      clockStart: until - 3000,
      clockFromOwnStart: true,
      speed: 1,
      count: 1,
      callers: 1,
    };
    const child = startChild(db, run);
    await child.ready;
    child.go(Date.now());
    const there = await child.result;
    expect(there.got).toHaveLength(1);
    expect(there.got[0]).toBeGreaterThanOrEqual(until);
    // It was held back by the pause (its first slot was the pause's end), not by the per-second spacing.
    expect(there.slots[0]?.slot).toBe(until);
    expect(there.waits.filter((w) => w.api === api).map((w) => w.ms)[0]).toBeGreaterThan(1000);
    // Other APIs are not paused: no wait longer than the per-second spacing (210 ms) on another_api.
    await limiter.acquire("another_api");
    expect(waits.filter((w) => w.api === "another_api" && w.ms > 210)).toEqual([]);
    const row = (await db.getStore().scheduler.quotaRows(Date.now())).find((r) => r.api === api);
    expect(row?.refused).toBe(1);
    expect(row?.pausedUntilMs).toBe(until);
  });
});

describeEachDatabase("a 429 from Enedis pauses every worker", (db) => {
  it(
    "the other worker's next call waits for the retry time, and gets through",
    { timeout: 30_000 },
    async () => {
      // The simulator allows 1 call/s; both limiters believe 5/s (a quota lowered by Enedis, or another
      // application of the same account): the second call gets a 429 with its retry time. The simulator's
      // clock stands still across a's two calls, so that they fall in one of its seconds however slow the
      // machine (a's limiter spaces them by 210 ms of real time); it runs again for b's call.
      let frozen: number | undefined;
      const sim = await startSimulator({
        port: 0,
        quotaPerSecond: 1,
        quotaPerHour: 1000,
        openConsent: true,
        now: () => frozen ?? Date.now(),
      });
      const t = db.target();
      const other = await openStore({ url: t.url, dataDir: t.dataDir });
      try {
        const calls: Array<{ who: string; at: number; status: number | null }> = [];
        const worker = (who: string, store: Store) => {
          const limiter = new SharedQuotaLimiter(store, { perSecond: 5, perHour: 1000 });
          const client = new DataConnectClient({
            apiUrl: sim.url,
            clientId: "simulator-client",
            clientSecret: "simulator-secret",
            limiter,
            tokenStore: store.secrets.tokenStore(),
            onCall: (e) => {
              if (e.api === MEASURES_API_2026) calls.push({ who, at: Date.now(), status: e.status });
            },
          });
          return { limiter, client };
        };
        const a = worker("a", db.getStore());
        const b = worker("b", other);
        const day = addDays(parisToday(Date.now()), -3);
        const fetch = (w: typeof a) =>
          w.client.measureRaw("daily_consumption", "22516914714270", { from: day, to: addDays(day, 1) });
        frozen = Date.now();
        await fetch(a);
        const refused = await fetch(a).then(
          () => null,
          (e: unknown) => e,
        );
        const refusedAt = frozen;
        frozen = undefined;
        expect((refused as { kind?: string }).kind).toBe("quota");
        // Retry-After: 1 (s), read on a's clock, which did not stand still: a second after the refusal.
        const retryAt = (refused as { retryAtMs?: number }).retryAtMs!;
        expect(retryAt).toBeGreaterThanOrEqual(refusedAt + 1000);
        // The pause is written in the background; a's next acquire waits for it.
        await a.limiter.acquire("another_api");
        await fetch(b);
        const last = calls.at(-1)!;
        expect(last).toMatchObject({ who: "b", status: 200 });
        expect(last.at).toBeGreaterThanOrEqual(retryAt);
        expect(calls.map((c) => c.status)).toEqual([200, 429, 200]);
        expect(sim.requestLog().quotaRefused).toBe(1);
      } finally {
        await other.close();
        await sim.stop();
      }
    },
  );
});

describeEachDatabase(
  "a caller that reaches its slot late takes a new one (controlled clock and sleep)",
  (db) => {
    /** A clock moved only by the limiter's sleeps, each overslept by `late(i)` ms (a loaded machine). */
    function lateSleeper(start: number, late: (i: number) => number) {
      let now = start;
      const sleeps: number[] = [];
      return {
        now: () => now,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms + late(sleeps.length - 1);
        },
        sleeps,
      };
    }
    const slotsOf = async (api: string) =>
      (await db.getStore().scheduler.quotaRows(Date.UTC(2030, 0, 1))).find((r) => r.api === api)?.calls ?? 0;

    it("a wake 80 ms late (more than the 50 ms tolerance) reserves a new slot and calls on time", async () => {
      const T = Date.UTC(2029, 11, 31, 12);
      const c = lateSleeper(T, (i) => (i === 0 ? 80 : 0));
      const logs: string[] = [];
      const limiter = new SharedQuotaLimiter(db.getStore(), {
        perSecond: 5,
        perHour: 1_000_000,
        now: c.now,
        sleep: c.sleep,
        log: (m) => logs.push(m),
      });
      expect(limiter.lateToleranceMs).toBe(50);
      await limiter.acquire("late_api"); // the first slot is now: no sleep
      expect(c.now()).toBe(T);
      await limiter.acquire("late_api"); // slot T + 210, woken at T + 290: too late, a new slot
      expect(logs.join("\n")).toMatch(/late_api: 80 ms late for its slot; taking a new one/);
      // The second slot was T + 420 (after T + 210's): the caller woke on time for it.
      expect(c.sleeps).toEqual([210, 130]);
      expect(c.now()).toBe(T + 420);
      // Three slots counted: the late one stays counted (conservative).
      expect(await slotsOf("late_api")).toBe(3);
    });

    it("a wake late by less than the tolerance calls", async () => {
      const T = Date.UTC(2029, 11, 31, 13);
      const c = lateSleeper(T, () => 40);
      const limiter = new SharedQuotaLimiter(db.getStore(), { perSecond: 5, perHour: 1_000_000, ...c });
      await limiter.acquire("slightly_late_api");
      await limiter.acquire("slightly_late_api");
      expect(c.sleeps).toEqual([210]);
      expect(await slotsOf("slightly_late_api")).toBe(2);
    });

    it("always late (every commit returns 200 ms after its slot): gives up after 5 slots and calls (no livelock)", async () => {
      // A machine so loaded that every step takes 100 ms of the clock.
      let now = Date.UTC(2029, 11, 31, 14);
      const logs: string[] = [];
      const limiter = new SharedQuotaLimiter(db.getStore(), {
        perSecond: 5,
        perHour: 1_000_000,
        now: () => (now += 100),
        sleep: async () => {},
        log: (m) => logs.push(m),
      });
      await limiter.acquire("always_late_api");
      expect(await slotsOf("always_late_api")).toBe(5);
      expect(logs.filter((l) => l.includes("taking a new one"))).toHaveLength(4);
      expect(logs.join("\n")).toMatch(
        /always_late_api: \d+ ms late for its slot after 5 slots; calling anyway/,
      );
    });
  },
);

describe("busiestWindow (the checker)", () => {
  it("counts calls in half-open windows", () => {
    expect(busiestWindow([0, 100, 999, 1000, 1999], 1000)).toBe(3);
    expect(busiestWindow([0, 1000, 2000], 1000)).toBe(1);
    expect(busiestWindow([0, 1, 2, 3, 4, 5], 1000)).toBe(6);
    expect(busiestWindow([], 1000)).toBe(0);
  });
});
