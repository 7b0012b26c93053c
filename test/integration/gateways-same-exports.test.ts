/**
 * Issue 13, acceptance 2: the same simulated PRMs synced directly (Enedis Data Connect) and through each
 * community gateway (Conso API, MyElectricalData v1 and v2) give identical exports, row for row: every
 * dataset the meters have, over five weeks that include the autumn DST day (50 half-hours), with the
 * gateways' budgets in force (the history is spread over several daily runs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { parisDayStartMs } from "../../src/domain/time.js";
import type { DatasetKey } from "../../src/domain/types.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { exportRows } from "../../src/export/format.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { GatewayId } from "../../src/sources/port.js";
import { createSourceResolver, gatewayEntry } from "../../src/sources/registry.js";
import { openStore, type Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris: 27/11 is published
const config = loadConfig({ env: {} });
const SETTINGS = {
  backfillMonths: { curve: 2, daily: 2 },
  repairWindowDays: 10,
  baseBackoffMs: 1,
  maxBackoffMs: 5,
};
const CONSUMER = "22516914714270";
const PRODUCER = "24880057139941";
const PRMS = [CONSUMER, PRODUCER];
const DATASETS: DatasetKey[] = [
  "consumption_load_curve",
  "daily_consumption",
  "daily_consumption_max_power",
  "production_load_curve",
  "daily_production",
];
const FROM = "2026-10-20";
const TO = "2026-11-27";

type Way = "direct" | GatewayId;

describe("direct and gateway syncs give identical exports", () => {
  let now = T0;
  const clock = () => now;
  let sim: RunningSimulator;
  let dir: string;
  const stores = new Map<Way, Store>();
  const exports = new Map<Way, Map<string, string[]>>();

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
    dir = mkdtempSync(join(tmpdir(), "same-exports-"));
  });
  afterAll(async () => {
    for (const s of stores.values()) await s.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(way: Way): Promise<Map<string, string[]>> {
    now = T0;
    const store = await openStore({ url: `sqlite:${join(dir, `${way}.db`)}`, dataDir: join(dir, way) });
    stores.set(way, store);
    await store.users.create({ username: "alice", passwordHash: "x" });
    const direct = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
    });
    if (way === "direct")
      await store.senders.create({
        libelle: config.enedis.appName,
        implClass: "dataconnect",
        cron: "0 0/10 * * * ?",
      });
    const devices = new Map<string, number>();
    let token = "";
    if (way !== "direct") {
      const res = await fetch(`${sim.url}/__simulator/gateway-token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ usagePointIds: PRMS, gateway: way }),
      });
      token = ((await res.json()) as { token: string }).token;
    }
    for (const prm of PRMS) {
      if (way !== "direct") {
        const covered = await gatewayEntry(way).covered(
          { accountId: 0, token, baseUrl: sim.url, ledger: store.gateways, accountsOnGateway: 1, now: clock },
          [prm],
        );
        expect(covered).toContain(prm);
      }
      const r = await registerAccount(store, config, {
        username: "alice",
        usagePointId: prm,
        nowMs: now,
        ...(way === "direct" ? {} : { gateway: { id: way, token, prms: PRMS } }),
      });
      devices.set(prm, r.device.id);
    }
    const sources = createSourceResolver({
      direct,
      store: store.gateways,
      ledger: store.gateways,
      config,
      simulatorUrl: sim.url,
      now: clock,
    });
    // Daily runs, 13 h apart at most five times: the gateways' budgets spread the history.
    for (let day = 0; day < 5; day++) {
      for (const prm of PRMS) {
        const accounts =
          way === "direct"
            ? await dataConnectAccounts(store, prm)
            : await store.accounts.findByUsagePoint(prm);
        await syncOneAccount(
          { store, client: direct, sources, now: clock, sleep: async () => {} },
          accounts[0]!,
          SETTINGS,
        );
      }
      now += 13 * 3_600_000;
    }
    const out = new Map<string, string[]>();
    for (const prm of PRMS)
      for (const ds of DATASETS) {
        const rows = exportRows(
          ds,
          await store.measures.readings(devices.get(prm)!, ds, parisDayStartMs(FROM), parisDayStartMs(TO)),
        );
        out.set(
          `${prm}:${ds}`,
          rows.map((r) => JSON.stringify(r)),
        );
      }
    return out;
  }

  it("direct: the reference", { timeout: 120_000 }, async () => {
    const ref = await run("direct");
    exports.set("direct", ref);
    expect(ref.get(`${CONSUMER}:consumption_load_curve`)).toHaveLength(38 * 48 + 2);
    expect(ref.get(`${PRODUCER}:production_load_curve`)).toHaveLength(38 * 48 + 2);
    expect(ref.get(`${CONSUMER}:daily_consumption`)).toHaveLength(38);
    expect(ref.get(`${CONSUMER}:daily_production`)).toHaveLength(0);
  });

  it.each<GatewayId>(["conso-api", "myelectricaldata", "myelectricaldata-v2"])(
    "%s: the same rows as the direct API",
    { timeout: 120_000 },
    async (gw) => {
      const ref = exports.get("direct")!;
      const got = await run(gw);
      // Read through the gateway, not the direct API.
      const log = (await (await fetch(`${sim.url}/__simulator/log`)).json()) as {
        byApi: Record<string, number>;
      };
      expect(log.byApi[gw]).toBeGreaterThan(0);
      for (const [key, rows] of ref) expect(got.get(key), key).toEqual(rows);
    },
  );
});
