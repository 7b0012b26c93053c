/**
 * The scheduler's rules from issue 4, on real databases with the simulator (the clock is the only fake):
 * - "no data yet" (D-1 published late) is retried later the same day, spread out (jitter) so that the
 *   accounts do not all come back in the same second;
 * - backfill only uses the quota the fresh syncs leave free: above 80% of the hourly quota used (measured
 *   by the shared limiter in the database) it is put off;
 * - a failing account never stops the rest of its page.
 */
import { beforeAll, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { parisDateOf } from "../../src/domain/time.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { MEASURES_API_2026 } from "../../src/enedis/datasets/index.js";
import { unlimited } from "../../src/enedis/quota.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { SharedQuotaLimiter } from "../../src/scheduler/quota-shared.js";
import { Scheduler, type SchedulerDeps } from "../../src/scheduler/scheduler.js";
import { profileOf, startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { AccountConfigPatch, Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

/** 2026-11-28 10:00 UTC, 11:00 Paris: D-1 is normally published. */
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const MINUTE = 60_000;

/** Consumers with a load curve (3 measure datasets). */
function consumers(n: number, seed: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const prm = `4${String(seed + i * 7919).padStart(11, "0")}${i % 2 ? "30" : "60"}`;
    const p = profileOf(prm);
    if (p.consumption && !p.production && p.loadCurve) out.push(prm);
  }
  return out;
}

/** Synced yesterday up to D-2, history done: today's sync asks D-1 of each dataset. */
function steadyState(prm: string): Omit<AccountConfigPatch, "usage_point_id"> {
  const p = profileOf(prm);
  const keys = ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"];
  return {
    dataset_keys: keys,
    subscribed_services_at_ms: T0 - 86_400_000,
    contract_checked_at_ms: T0 - 86_400_000,
    datasets: Object.fromEntries(
      keys.map((k) => [
        k,
        { fetched_until: "2026-11-27", backfill_oldest: "2026-10-01", data_floor: p.consumptionActivation },
      ]),
    ),
  };
}

describeEachDatabase("scheduler rules: retries, backfill admission, failing accounts", (db) => {
  let now = T0;
  const clock = () => now;
  let sim: RunningSimulator;
  let store: Store;
  let client: DataConnectClient;
  let userId: number;
  let senderId: number;
  const config = loadConfig({ env: {} });
  const late = consumers(4, 1000);

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      now: clock,
      openConsent: true,
      quotaPerSecond: 1e6,
      quotaPerHour: 1e9,
      // D-1 of these meters is published a day late: "no data yet" today.
      lateDays: Object.fromEntries(late.map((p) => [p, 1])),
    });
    store = db.getStore();
    client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
      limiter: unlimited,
      tokenStore: store.secrets.tokenStore(),
    });
    userId = (await store.users.create({ username: "alice", passwordHash: "x" })).id;
    senderId = (
      await store.senders.create({
        libelle: config.enedis.appName,
        implClass: "dataconnect",
        cron: "0 * * * * ?",
      })
    ).id;
    return async () => {
      await sim.stop();
    };
  });

  function scheduler(queue: MemoryQueue, logs: string[], extra: Partial<SchedulerDeps> = {}): Scheduler {
    return new Scheduler({
      store,
      client,
      queue,
      config,
      now: clock,
      log: (m) => logs.push(m),
      syncSettings: { backfillMonths: { curve: 1, daily: 1 }, baseBackoffMs: 1, maxBackoffMs: 2 },
      quotaLoad: async () => 0,
      sleep: async () => {},
      ...extra,
    });
  }

  it("'no data yet' is retried later the same day, each account at its own jittered time", async () => {
    now = T0;
    const ids: number[] = [];
    for (const prm of late)
      ids.push(
        (await store.accounts.create({ senderId, userId, usagePointId: prm, config: steadyState(prm) })).id,
      );
    const queue = new MemoryQueue({ now: clock });
    const logs: string[] = [];
    const s = scheduler(queue, logs);
    for (const id of ids) await s.handle({ kind: "account", accountId: id, fireTimeMs: T0, mode: "fresh" });
    const retries = new Map(
      queue
        .pending()
        .filter((p) => p.key.startsWith("retry:"))
        .map((p) => [p.job.kind === "account" ? p.job.accountId : -1, p]),
    );
    const times: number[] = [];
    for (const id of ids) {
      const a = (await store.accounts.findById(id))!;
      expect(a.config.last_sync?.datasets?.daily_consumption?.outcome, `account ${id}`).toBe("no_data_yet");
      const at = a.config.next_attempt_ms!;
      // An hour later, plus up to 15 min of jitter; the same Paris day.
      expect(at).toBeGreaterThanOrEqual(T0 + 60 * MINUTE);
      expect(at).toBeLessThan(T0 + 75 * MINUTE);
      expect(parisDateOf(at)).toBe("2026-11-28");
      // The retry job runs at that time.
      expect(retries.get(id)?.runAtMs, `account ${id}`).toBe(at);
      times.push(at);
    }
    // Spread: no two accounts come back at the same instant.
    expect(new Set(times).size).toBe(ids.length);
    // Until then, the next fire times leave these accounts alone.
    now = T0 + MINUTE;
    await s.handle({ kind: "page", sinceMs: T0, fireTimeMs: T0 + MINUTE, offset: 0, limit: 25 });
    expect(queue.pendingKeys().filter((k) => k.startsWith("sync:"))).toEqual([]);
    // Clean up for the next tests: these accounts leave the page.
    for (const id of ids) await store.accounts.delete(id);
  }, 60_000);

  it("backfill waits while more than 80% of the hourly measure quota was used in the last hour", async () => {
    now = T0 + 2 * 3_600_000;
    const [prm] = consumers(1, 5000);
    const { account } = await registerAccount(store, config, {
      username: "alice",
      usagePointId: prm!,
      nowMs: now,
    });
    const measureCalls = () => sim.requestLog().byApi[MEASURES_API_2026] ?? 0;
    // The shared limiter, as the application's (10 calls an hour): 9 calls of the hour are used.
    const busy = new SharedQuotaLimiter(store, {
      perSecond: 1e6,
      perHour: 10,
      now: clock,
      sleep: async () => {},
    });
    for (let i = 0; i < 9; i++) await busy.acquire(MEASURES_API_2026);
    expect(await busy.load(MEASURES_API_2026)).toBeCloseTo(0.9);
    const queue = new MemoryQueue({ now: clock });
    const logs: string[] = [];
    const before = measureCalls();
    await scheduler(queue, logs, { quotaLoad: () => busy.load(MEASURES_API_2026) }).handle({
      kind: "account",
      accountId: account.id,
      fireTimeMs: now,
      mode: "backfill",
    });
    expect(measureCalls()).toBe(before);
    const later = queue.pending().filter((p) => p.key.startsWith(`backfill:${account.id}:later:`));
    expect(later).toHaveLength(1);
    expect(later[0]!.runAtMs).toBe(now + 5 * MINUTE);
    // With the quota at 9 of 100 (9%), it runs.
    const idle = new SharedQuotaLimiter(store, {
      perSecond: 1e6,
      perHour: 100,
      now: clock,
      sleep: async () => {},
    });
    await scheduler(new MemoryQueue({ now: clock }), logs, {
      quotaLoad: () => idle.load(MEASURES_API_2026),
    }).handle({ kind: "account", accountId: account.id, fireTimeMs: now, mode: "backfill" });
    expect(measureCalls()).toBeGreaterThan(before);
    await store.accounts.delete(account.id);
  }, 60_000);

  it("a failing account never stops the rest of its page", async () => {
    now = T0 + 4 * 3_600_000;
    const prms = consumers(3, 9000);
    const ids: number[] = [];
    for (const prm of prms)
      ids.push((await store.accounts.create({ senderId, userId, usagePointId: prm, config: {} })).id);
    // The middle one's row is damaged: reading it throws.
    await store.database.db
      .updateTable("notification_account")
      .set({ config: "{not json" })
      .where("id", "=", ids[1]!)
      .execute();
    const queue = new MemoryQueue({ now: clock });
    const logs: string[] = [];
    await scheduler(queue, logs).handle({
      kind: "page",
      sinceMs: now - MINUTE,
      fireTimeMs: Math.floor(now / MINUTE) * MINUTE,
      offset: 0,
      limit: 25,
    });
    expect(logs.join("\n")).toMatch(new RegExp(`account ${ids[1]}: .*config is not JSON`));
    expect(queue.pendingKeys().sort()).toEqual([`sync:${ids[0]}`, `sync:${ids[2]}`].sort());
  });
});
