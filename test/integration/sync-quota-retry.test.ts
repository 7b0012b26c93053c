/**
 * A 429 whose retry time is beyond what a run waits (here the hourly quota, an hour away): the run stops
 * calling that API and the account's next attempt is Enedis' time plus a little jitter, not "about an hour
 * later". Real SQLite and PostgreSQL, the simulator's hourly quota, one frozen clock.
 */
import { afterAll, beforeAll, expect, it as baseIt } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";
import { describeEachDatabase } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const HOUR = 3_600_000;
const config = loadConfig({ env: {} });
const it = (name: string, fn: () => Promise<void>) => baseIt(name, fn, 180_000);

describeEachDatabase(
  "sync: a long quota wait",
  (db) => {
    const clock = () => T0;
    let sim: RunningSimulator;
    let store: Store;

    beforeAll(async () => {
      // Three calls per hour per API: the fourth measure call of the run is refused until T0 + 1 h.
      sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 3 });
      store = db.getStore();
      await store.users.create({ username: "alice", passwordHash: "x" });
      await store.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
    });
    afterAll(async () => {
      await sim?.stop();
    });

    it("the next attempt is Enedis' retry time (plus under a minute), and the API is not asked again in the run", async () => {
      const prm = "22516914714270";
      await registerAccount(store, config, { username: "alice", usagePointId: prm, nowMs: T0 });
      const [a] = await dataConnectAccounts(store, prm);
      const client = new DataConnectClient({
        apiUrl: sim.url,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now: clock,
      });
      const slept: number[] = [];
      const { outcome } = await syncOneAccount(
        {
          store,
          client,
          now: clock,
          sleep: async (ms) => {
            slept.push(ms);
          },
          random: () => 0.5,
        },
        a!,
        { backfillMonths: { curve: 1, daily: 1 }, baseBackoffMs: 1, maxBackoffMs: 5 },
      );
      expect(outcome.outcome).not.toBe("ok");
      expect(outcome.message).toMatch(/quota/i);
      // no wait of an hour inside the run
      expect(slept.every((ms) => ms <= 15 * 60_000)).toBe(true);
      // one refusal: the other datasets of the same API were not asked once the quota was known spent
      expect(sim.requestLog().byApiStatus.mesure_synchrone_auto?.["429"]).toBe(1);
      const [after] = await dataConnectAccounts(store, prm);
      expect(after!.config.next_attempt_ms).toBeGreaterThanOrEqual(T0 + HOUR);
      expect(after!.config.next_attempt_ms).toBeLessThan(T0 + HOUR + 60_000);
    });
  },
  {},
);
