/**
 * "API not subscribed for this application" (403 900908) is a condition of the application, not of one
 * account: recorded once, told once, and every account's sync waits without calling that API until the
 * operator clears it or one sync's hourly probe finds it answering again. Real SQLite and PostgreSQL,
 * the simulator's `unsubscribedApis`, one controlled clock.
 */
import { afterAll, beforeAll, expect, it as baseIt } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import {
  apisNotSubscribed,
  clearApiNotSubscribed,
  dataConnectAccounts,
  syncAccounts,
} from "../../src/sync/service.js";
import { describeEachDatabase } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const MIN = 60_000;
const config = loadConfig({ env: {} });
const SETTINGS = { backfillMonths: { curve: 1, daily: 1 }, baseBackoffMs: 1, maxBackoffMs: 5 };
const PRMS = ["22516914714270", "64975835695673", "22315546958763"];
const MEASURES = "mesure_synchrone_auto";
const it = (name: string, fn: () => Promise<void>) => baseIt(name, fn, 180_000);

describeEachDatabase(
  "sync: an API not subscribed for the application",
  (db) => {
    let now = T0;
    const clock = () => now;
    let sim: RunningSimulator;
    let client: DataConnectClient;
    let store: Store;
    const logs: string[] = [];

    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        now: clock,
        quotaPerSecond: 1e6,
        quotaPerHour: 1e9,
        unsubscribedApis: [MEASURES],
      });
      client = new DataConnectClient({
        apiUrl: sim.url,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now: clock,
      });
      store = db.getStore();
      await store.users.create({ username: "alice", passwordHash: "x" });
      await store.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
      for (const prm of PRMS) {
        await registerAccount(store, config, { username: "alice", usagePointId: prm, nowMs: now });
      }
    });
    afterAll(async () => {
      await sim?.stop();
    });

    const syncAll = async () =>
      syncAccounts(
        { store, client, now: clock, sleep: async () => {}, log: (m) => logs.push(m) },
        await dataConnectAccounts(store),
        SETTINGS,
      );
    const refused = () => sim.requestLog().byApiStatus[MEASURES]?.["403"] ?? 0;
    const measureCalls = () => sim.requestLog().byApi[MEASURES] ?? 0;
    const told = () => logs.filter((l) => l.includes("operator action needed")).length;

    it("one 403 for all accounts, told once; the accounts wait without calling it; one probe per recheck", async () => {
      const first = await syncAll();
      for (const { outcome } of first) {
        expect(outcome.outcome).toBe("failed");
        expect(outcome.message).toMatch(/operator action needed.*not subscribed.*mesure_synchrone_auto/);
      }
      expect(refused()).toBe(1);
      expect(measureCalls()).toBe(1);
      expect(told()).toBe(1);
      const [rec] = await apisNotSubscribed(store);
      expect(rec).toMatchObject({ api: MEASURES, refusedAtMs: T0, nextProbeMs: T0 + 60 * MIN });
      for (const a of await dataConnectAccounts(store)) {
        expect(a.config.api_not_subscribed).toMatchObject({ api: MEASURES, since_ms: T0 });
        expect(a.config.last_error).toMatchObject({ kind: "api_not_subscribed", permanent: true });
        expect(a.config.next_attempt_ms).toBeGreaterThanOrEqual(T0 + 60 * MIN);
        expect(a.config.next_attempt_ms).toBeLessThanOrEqual(T0 + 65 * MIN);
      }
      // 20 minutes later: nobody calls the API (nor, on Data Connect 2026, anything else)
      now = T0 + 20 * MIN;
      sim.resetLog();
      for (const { outcome } of await syncAll()) expect(outcome.outcome).toBe("failed");
      expect(sim.requestLog().total).toBe(0);
      // after the recheck interval: exactly one probe for the three accounts, still refused, not told again
      now = T0 + 61 * MIN;
      sim.resetLog();
      for (const { outcome } of await syncAll()) expect(outcome.outcome).toBe("failed");
      expect(refused()).toBe(1);
      expect(measureCalls()).toBe(1);
      expect(told()).toBe(1);
      expect((await apisNotSubscribed(store))[0]).toMatchObject({
        refusedAtMs: T0,
        nextProbeMs: T0 + 121 * MIN,
      });
    });

    it("the operator subscribes the API: the next check finds it, every account syncs", async () => {
      sim.setUnsubscribedApis([]);
      now = T0 + 122 * MIN;
      sim.resetLog();
      const results = await syncAll();
      for (const { outcome } of results) expect(outcome.outcome).toBe("ok");
      expect(refused()).toBe(0);
      expect(await apisNotSubscribed(store)).toEqual([]);
      expect(logs.filter((l) => l.includes("answers again"))).toHaveLength(1);
      for (const a of await dataConnectAccounts(store)) expect(a.config.api_not_subscribed).toBeNull();
    });

    it("an operator's clear lets the syncs call the API at once, without waiting for the check", async () => {
      sim.setUnsubscribedApis([MEASURES]);
      now = T0 + 86_400_000; // a day later: one new window per dataset
      await syncAll();
      expect(await apisNotSubscribed(store)).toHaveLength(1);
      expect(told()).toBe(2); // a new episode is told again
      sim.setUnsubscribedApis([]);
      now += 5 * MIN;
      expect(await clearApiNotSubscribed(store, MEASURES)).toBe(1);
      for (const { outcome } of await syncAll()) expect(outcome.outcome).toBe("ok");
    });
  },
  {},
);
