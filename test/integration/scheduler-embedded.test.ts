/**
 * The embedded scheduler (in-process queue) with a controlled clock: a sender cron of every minute syncs
 * every account, history comes after fresh data, and in steady state each account costs at most one
 * measure call per dataset per day (plus retries while D-1 is not published), with one application token
 * per ~3.5 hours. No test waits for real minutes: fire times are dispatched by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { unlimited } from "../../src/enedis/quota.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { createTarget, type DbTarget } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0); // 10:00 Paris
const HOUR = 3_600_000;
const PRMS = ["22516914714270", "12345678901234", "64975835695673", "63695879465986", "22315546958763"];

describe("embedded scheduler", () => {
  let now = T0;
  const clock = () => now;
  let sim: RunningSimulator;
  let target: DbTarget;
  let store: Store;
  let queue: MemoryQueue;
  let scheduler: Scheduler;
  let tokens = 0;
  const config = loadConfig({ env: {} });

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
    target = await createTarget("sqlite");
    store = await openStore({ url: target.url, dataDir: target.dataDir, now: clock });
    const client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
      limiter: unlimited,
      tokenStore: store.secrets.tokenStore(),
      onTokenFetch: () => tokens++,
    });
    await store.users.create({ username: "alice", passwordHash: "x" });
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 * * * * ?",
    });
    for (const prm of PRMS)
      await registerAccount(store, config, { username: "alice", usagePointId: prm, nowMs: now });
    queue = new MemoryQueue({ concurrency: 2, now: clock });
    scheduler = new Scheduler(
      {
        store,
        client,
        queue,
        config,
        now: clock,
        log: () => {},
        syncSettings: { backfillMonths: { curve: 2, daily: 2 }, baseBackoffMs: 1, maxBackoffMs: 2 },
        quotaLoad: async () => 0,
        sleep: async () => {},
      },
      { backfillWindowsPerJob: 4 },
    );
    await queue.start((job) => scheduler.handle(job));
  }, 60_000);

  afterAll(async () => {
    await queue?.stop();
    await store?.close();
    await sim?.stop();
    await target?.cleanup();
  });

  const measureCalls = () => sim.requestLog().byApi.mesure_synchrone_auto ?? 0;

  it("a fire time syncs every account whose cron matches; history follows in lower-priority jobs", async () => {
    const pages = await scheduler.dispatch(T0);
    expect(pages).toBe(1);
    // the same fire time is dispatched once, whoever asks
    expect(await scheduler.dispatch(T0)).toBeNull();
    await queue.drain();
    for (const prm of PRMS) {
      const [a] = await store.accounts.findByUsagePoint(prm);
      expect(a!.config.last_sync?.outcome, prm).toBe("ok");
      const st = a!.config.datasets?.consumption_load_curve;
      expect(st?.fetched_until).toBe("2026-11-28");
      // two months of history were backfilled by the follow-up jobs
      expect((st?.backfill_oldest ?? "9999") <= "2026-09-28").toBe(true);
    }
    const dev = (await store.devices.findByMac(PRMS[0]!))[0]!;
    expect((await store.measures.countCurve(dev.id, "consumption")).rows).toBeGreaterThan(2800);
  }, 120_000);

  it("a cron that does not fire at that minute syncs nothing", async () => {
    await store.senders.update((await store.senders.findByLibelle(config.enedis.appName))!.id, {
      cron: "0 0 3 * * ?",
    });
    sim.resetLog();
    await scheduler.dispatch(T0 + 60_000);
    await queue.drain();
    expect(sim.requestLog().total).toBe(0);
  });

  it("steady state: at most one call per dataset per account per day, one token per ~3.5 hours", async () => {
    // hourly cron from now on, three simulated days
    await store.senders.update((await store.senders.findByLibelle(config.enedis.appName))!.id, {
      cron: "0 0 * * * ?",
    });
    sim.resetLog();
    tokens = 0;
    const start = T0 + HOUR;
    for (let t = start; t < start + 72 * HOUR; t += HOUR) {
      now = t;
      await scheduler.dispatch(t, t - HOUR);
      await queue.drain();
    }
    const calls = measureCalls();
    // 5 accounts x 3 datasets x 3 days
    expect(calls).toBe(45);
    // One application token serves every account until it expires (3.5 h): a token is fetched only when a
    // call needs one, so here about one a day, never one per account or per run as the seed did.
    expect(tokens).toBeGreaterThanOrEqual(1);
    expect(tokens).toBeLessThanOrEqual(Math.ceil(72 / 3.5));
    expect(tokens * 10).toBeLessThan(calls);
    for (const prm of PRMS) {
      const [a] = await store.accounts.findByUsagePoint(prm);
      expect(a!.config.datasets?.daily_consumption?.fetched_until).toBe("2026-12-01");
    }
  }, 180_000);
});
