/**
 * The dispatcher's timer, through the real start path (`startScheduler`, as `serve` and `worker` run it),
 * with a controlled clock and timer: no test waits for real minutes.
 * - A timer firing more than a tick late (a loaded machine, a suspended process) loses no fire time: the
 *   missed ones are folded into the newest.
 * - After a downtime the missed fire times are caught up once, not once per missed minute.
 * Real databases, the built-in simulator.
 */
import { afterEach, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { schedulerLifecycle } from "../../src/cli/worker.js";
import { startScheduler, type RunningScheduler } from "../../src/scheduler/runtime.js";
import type { SchedulerTimers } from "../../src/scheduler/scheduler.js";
import { describeEachDatabase, type TestDatabase } from "../helpers/db.js";

const MINUTE = 60_000;
/** 2026-11-28 09:00 UTC (10:00 Paris): D-1 is published. */
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const PRM = "22516914714270";

/** A timer the test fires by hand (after moving the clock). */
class ManualTimers implements SchedulerTimers {
  private pending: { fn: () => void; ms: number } | null = null;
  set(fn: () => void, ms: number): unknown {
    this.pending = { fn, ms };
    return this.pending;
  }
  clear(handle: unknown): void {
    if (this.pending === handle) this.pending = null;
  }
  /** Delay the armed timer asked for. */
  get armedMs(): number | null {
    return this.pending?.ms ?? null;
  }
  fire(): void {
    const p = this.pending;
    if (!p) throw new Error("no timer armed");
    this.pending = null;
    p.fn();
  }
}

async function context(
  db: TestDatabase,
  clock: () => number,
  logs: string[],
  cron: string,
  opts: { env?: Record<string, string>; prms?: string[] } = {},
): Promise<AppContext> {
  const target = await db.freshTarget();
  const ctx = await createAppContext({
    env: {
      DATA_DIR: target.dataDir,
      DATABASE_URL: target.url,
      ENEDIS_ENV: "simulator",
      ENEDIS_QUOTA_PER_SECOND: "1000",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
      SYNC_BACKFILL_MONTHS_CURVE: "1",
      SYNC_BACKFILL_MONTHS_DAILY: "1",
      ...opts.env,
    },
    now: clock,
    log: (m) => logs.push(m),
  });
  await ctx.store.users.create({ username: "alice", passwordHash: "x" });
  await ctx.store.senders.create({ libelle: ctx.config.enedis.appName, implClass: "dataconnect", cron });
  for (const usagePointId of opts.prms ?? [PRM])
    await registerAccount(ctx.store, ctx.config, { username: "alice", usagePointId, nowMs: clock() });
  return ctx;
}

const freshSyncs = (logs: string[]) =>
  logs.flatMap((l) => {
    const m = /^scheduler: account \d+ fresh sync for (\S+): (\w+)/.exec(l);
    return m ? [m[1]!] : [];
  });

async function ticks(ctx: AppContext): Promise<number[]> {
  const rows = await ctx.store.database.db
    .selectFrom("scheduler_tick")
    .select("fire_time_ms")
    .orderBy("fire_time_ms")
    .execute();
  return rows.map((r) => Number(r.fire_time_ms));
}

describeEachDatabase("the dispatcher's timer (startScheduler, controlled clock)", (db) => {
  const open: Array<{ ctx: AppContext; running: RunningScheduler | null }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.running?.stop();
      await o.ctx.close();
    }
  });

  it("a timer firing more than a tick late loses no fire time", { timeout: 60_000 }, async () => {
    let now = T0 + 30_000;
    const logs: string[] = [];
    // Fires only at 09:02 UTC (10:02 Paris).
    const ctx = await context(db, () => now, logs, "0 2 10 * * ?");
    const entry: { ctx: AppContext; running: RunningScheduler | null } = { ctx, running: null };
    open.push(entry);
    const timers = new ManualTimers();
    const running = await startScheduler(ctx, { timers });
    entry.running = running;
    expect(await ticks(ctx)).toEqual([T0]);
    expect(timers.armedMs).toBe(30_000);
    // The timer meant for 09:01 runs at 09:03:30: the 09:02 fire time must not be lost.
    now = T0 + 3 * MINUTE + 30_000;
    timers.fire();
    await running.scheduler.idle();
    await running.queue.drain();
    expect(freshSyncs(logs)).toEqual([new Date(T0 + 3 * MINUTE).toISOString()]);
    expect(await ticks(ctx)).toEqual([T0, T0 + 3 * MINUTE]);
    // Back on time: the next timer is for 09:04, and covers (09:03, 09:04] only.
    expect(timers.armedMs).toBe(30_000);
    now = T0 + 4 * MINUTE;
    timers.fire();
    await running.scheduler.idle();
    await running.queue.drain();
    expect(await ticks(ctx)).toEqual([T0, T0 + 3 * MINUTE, T0 + 4 * MINUTE]);
    expect(freshSyncs(logs)).toHaveLength(1);
  });

  it("after a downtime, the missed fire times are caught up once", { timeout: 60_000 }, async () => {
    let now = T0 + 30_000;
    const logs: string[] = [];
    // Every minute.
    const ctx = await context(db, () => now, logs, "0 * * * * ?");
    const entry: { ctx: AppContext; running: RunningScheduler | null } = { ctx, running: null };
    open.push(entry);
    // The previous run dispatched 08:00 and stopped; everything was down for an hour.
    await ctx.store.scheduler.claimTick(T0 - 60 * MINUTE, "the previous run");
    await ctx.store.scheduler.setTickPages(T0 - 60 * MINUTE, 0);
    const timers = new ManualTimers();
    const running = await startScheduler(ctx, { timers });
    entry.running = running;
    await running.queue.drain();
    expect(logs.join("\n")).toMatch(/catching up the fire times after 2026-11-28T08:00:00.000Z once/);
    // Sixty missed minutes, one dispatch, one sync.
    expect(await ticks(ctx)).toEqual([T0 - 60 * MINUTE, T0]);
    expect(freshSyncs(logs)).toEqual([new Date(T0).toISOString()]);
    // The next tick is an ordinary one.
    now = T0 + MINUTE;
    timers.fire();
    await running.scheduler.idle();
    await running.queue.drain();
    expect(await ticks(ctx)).toEqual([T0 - 60 * MINUTE, T0, T0 + MINUTE]);
    expect(freshSyncs(logs)).toEqual([new Date(T0).toISOString(), new Date(T0 + MINUTE).toISOString()]);
    expect(logs.filter((l) => l.includes("catching up"))).toHaveLength(1);
  });

  it(
    "scheduler.pageSize and scheduler.tickSeconds are honoured (serve's scheduler part)",
    { timeout: 60_000 },
    async () => {
      let now = T0 + 30_000;
      const logs: string[] = [];
      const prms = ["22516914714270", "12345678901234", "64975835695673", "63695879465986", "22315546958763"];
      // A cron that does not fire now: only the dispatch is looked at.
      const ctx = await context(db, () => now, logs, "0 0 3 * * ?", {
        env: { SCHEDULER_PAGE_SIZE: "2", SCHEDULER_TICK_SECONDS: "600" },
        prms,
      });
      const entry: { ctx: AppContext; running: RunningScheduler | null } = { ctx, running: null };
      open.push(entry);
      const lifecycle = schedulerLifecycle(ctx);
      await lifecycle.start();
      try {
        // Five accounts, pages of two: three page jobs for the fire time dispatched at start.
        const tick = await ctx.store.database.db
          .selectFrom("scheduler_tick")
          .selectAll()
          .where("fire_time_ms", "=", T0)
          .executeTakeFirstOrThrow();
        expect(tick.pages).toBe(3);
        expect(logs.join("\n")).toMatch(/a dispatch every 600 s, pages of 2/);
      } finally {
        await lifecycle.stop();
      }
      // The tick: the next dispatch is at the next multiple of 10 minutes.
      now = T0 + 11 * MINUTE;
      const timers = new ManualTimers();
      entry.running = await startScheduler(ctx, { timers });
      expect(timers.armedMs).toBe(9 * MINUTE);
      now = T0 + 20 * MINUTE;
      timers.fire();
      await entry.running.scheduler.idle();
      expect(await ticks(ctx)).toEqual([T0, T0 + 10 * MINUTE, T0 + 20 * MINUTE]);
    },
  );
});
