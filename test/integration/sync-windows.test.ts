/**
 * Daily windows shrink on refusal and the size learned is kept for the next windows and the next
 * accounts (dataconnect-2026.md §9: start at most 365 days, shrink on a 400 or 500). Real SQLite and
 * PostgreSQL, the simulator (which refuses more than 365 days with a 400), one controlled clock; the 500
 * refusal comes from a wrapped client.
 */
import { afterAll, beforeAll, expect, it as baseIt } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { TransientError } from "../../src/domain/errors.js";
import { addMonths, daysBetween, type LocalDate } from "../../src/domain/time.js";
import type { DatasetKey, ReadingBatch } from "../../src/domain/types.js";
import { DataConnectClient, type DataConnectClientOptions } from "../../src/enedis/client.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";
import { describeEachDatabase } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const config = loadConfig({ env: {} });
const SETTINGS = { backfillMonths: { curve: 0, daily: 24 }, baseBackoffMs: 1, maxBackoffMs: 5 };
const FIRST_DAY: LocalDate = addMonths("2026-11-28", -24);
const DAYS = daysBetween(FIRST_DAY, "2026-11-28");
const it = (name: string, fn: () => Promise<void>) => baseIt(name, fn, 180_000);

/** Enedis refusing daily windows longer than 100 days with a 500 (as dataconnect-2026 §9 allows). */
class RefusingLongWindows extends DataConnectClient {
  refusals = 0;
  override async readings(
    dataset: DatasetKey,
    usagePointId: string,
    w: { from: LocalDate; to: LocalDate },
  ): Promise<ReadingBatch> {
    if (dataset !== "consumption_load_curve" && daysBetween(w.from, w.to) > 100) {
      this.refusals++;
      throw new TransientError("Enedis is unavailable (HTTP 500)", { status: 500 });
    }
    return super.readings(dataset, usagePointId, w);
  }
}

describeEachDatabase(
  "sync: daily windows shrink on refusal",
  (db) => {
    const clock = () => T0;
    let sim: RunningSimulator;
    let store: Store;
    const opts = (): DataConnectClientOptions => ({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
      windows: { dailyWindowDays: 366 },
    });

    beforeAll(async () => {
      sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
      store = db.getStore();
      await store.users.create({ username: "alice", passwordHash: "x" });
      await store.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
    });
    afterAll(async () => {
      await sim?.stop();
    });

    async function sync(prm: string, client: DataConnectClient) {
      await registerAccount(store, config, { username: "alice", usagePointId: prm, nowMs: T0 });
      const [a] = await dataConnectAccounts(store, prm);
      const { outcome } = await syncOneAccount(
        { store, client, now: clock, sleep: async () => {} },
        a!,
        SETTINGS,
      );
      expect(outcome.outcome, outcome.message ?? "").toBe("ok");
      const id = (await store.devices.findByMac(prm))[0]!.id;
      for (const series of ["consumption", "max_power"] as const) {
        const days = await store.measures.listDaily(id, series, 0, Number.MAX_SAFE_INTEGER);
        expect(days, `${prm} ${series}`).toHaveLength(DAYS);
        expect(days[0]!.day).toBe(FIRST_DAY);
      }
    }
    const refused = () => sim.requestLog().byApiStatus.mesure_synchrone_auto?.["400"] ?? 0;

    it("a 400 on 366 days: one refusal per dataset, and the next windows and accounts ask the learned size", async () => {
      const client = new DataConnectClient(opts());
      sim.resetLog();
      await sync("22516914714270", client);
      expect(refused()).toBe(2); // daily energy and max power, once each
      expect(client.maxDaysPerCall("daily_consumption")).toBe(183);
      expect(client.maxDaysPerCall("daily_consumption_max_power")).toBe(183);
      await sync("64975835695673", client);
      expect(refused()).toBe(2);
    });

    it("a 500 that the retries do not cure on a long window shrinks it too", async () => {
      const client = new RefusingLongWindows(opts());
      await sync("22315546958763", client);
      expect(client.refusals).toBeGreaterThan(0);
      expect(client.maxDaysPerCall("daily_consumption")).toBeLessThanOrEqual(100);
      const before = client.refusals;
      await sync("63695879465986", client);
      expect(client.refusals).toBe(before);
    });
  },
  {},
);
