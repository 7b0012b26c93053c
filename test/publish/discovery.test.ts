/**
 * The day-late values' entities (energy, production, max power) with data that arrive late: Enedis
 * publishes day J-1 around 08:00, and a meter may lag days behind. The entity shows the newest day
 * published within the last week, so it is named for what it is ("last published day"), with that day
 * as its `day` attribute; its ids stay `…_yesterday` so that existing entities, their history and
 * dashboards are kept. Older than a week: unknown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayLengthMin, parisDayStartMs } from "../../src/domain/time.js";
import { discoveryMessages, stateMessage } from "../../src/publish/discovery.js";
import { meterSnapshot } from "../../src/publish/meter-state.js";
import { openStore, type Account, type Store } from "../../src/store/index.js";
import { createTarget, type DbTarget } from "../helpers/db.js";
import { meter, writeDaily } from "./helpers.js";

const PRM = "22516914714270";
const NOW = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris on 2026-11-28: yesterday is 2026-11-27
const OPTS = { prefix: "homeassistant", baseTopic: "linky", version: "0.0.0" };
const DAY_LATE = ["energy_yesterday", "production_yesterday", "max_power_yesterday"];

describe("day-late entities with data days behind", () => {
  let target: DbTarget;
  let store: Store;
  let deviceId: number;
  let accountId: number;

  beforeAll(async () => {
    target = await createTarget("sqlite");
    store = await openStore({ url: target.url, dataDir: target.dataDir });
    let account: Account;
    ({ account, deviceId } = await meter(store, PRM));
    accountId = account.id;
    // three days late: the newest day stored is 2026-11-24
    await writeDaily(store, deviceId, PRM, "2026-11-15", "2026-11-25");
    // a producing meter too (the simulator's PRM does not produce: values written here)
    const days = ["2026-11-22", "2026-11-23", "2026-11-24"];
    await store.measures.upsertDaily(
      deviceId,
      "production",
      days.map((d, i) => ({
        startMs: parisDayStartMs(d),
        lengthMin: parisDayLengthMin(d),
        value: 1000 + i,
      })),
    );
    await store.accounts.updateConfig(account.id, {
      dataset_keys: ["daily_consumption", "daily_consumption_max_power", "daily_production"],
    });
  });
  afterAll(async () => {
    await store?.close();
    await target?.cleanup();
  });

  async function snapshotAt(nowMs: number) {
    const account = (await store.accounts.findById(accountId))!;
    const device = (await store.devices.findByUserAndMac(account.userId, account.usagePointId))!;
    return meterSnapshot(store, account, device, nowMs);
  }
  const stored = async (series: "consumption" | "production" | "max_power", day: string) =>
    (await store.measures.listDaily(deviceId, series, parisDayStartMs(day), parisDayStartMs(day) + 1))[0]!
      .value;

  it("names them for the last published day, keeping their ids", async () => {
    const configs = discoveryMessages(OPTS, await snapshotAt(NOW));
    const byKey = new Map(configs.map((c) => [String(c.payload.unique_id).replace(`linky_${PRM}_`, ""), c]));
    expect(DAY_LATE.every((k) => byKey.has(k))).toBe(true);
    for (const key of DAY_LATE) {
      const { payload } = byKey.get(key)!;
      expect(String(payload.name)).not.toMatch(/yesterday/i);
      expect(String(payload.name)).toMatch(/\(last published day\)$/);
      expect(payload.unique_id).toBe(`linky_${PRM}_${key}`);
      expect(payload.default_entity_id).toBe(`sensor.linky_${PRM}_${key}`);
      expect(payload.json_attributes_template).toBe(`{{ value_json.attributes.${key} | tojson }}`);
    }
    expect(byKey.get("energy_yesterday")!.payload.name).toBe("Energy (last published day)");
    expect(byKey.get("production_yesterday")!.payload.name).toBe("Production (last published day)");
    expect(byKey.get("max_power_yesterday")!.payload.name).toBe("Max power (last published day)");
  });

  it("shows the newest day published within a week, with that day as the `day` attribute", async () => {
    const state = stateMessage(await snapshotAt(NOW)) as Record<string, unknown> & {
      attributes: Record<string, Record<string, unknown>>;
    };
    expect(state.energy_yesterday).toBe(await stored("consumption", "2026-11-24"));
    expect(state.production_yesterday).toBe(1002);
    expect(await stored("production", "2026-11-24")).toBe(1002);
    expect(state.max_power_yesterday).toBe(await stored("max_power", "2026-11-24"));
    for (const key of DAY_LATE) expect(state.attributes[key]!.day).toBe("2026-11-24");
  });

  it("is unknown when the newest day is more than a week old", async () => {
    const later = NOW + 9 * 86_400_000; // 2026-12-07: a week back is 2026-11-30
    const state = stateMessage(await snapshotAt(later)) as Record<string, unknown> & {
      attributes: Record<string, Record<string, unknown>>;
    };
    for (const key of DAY_LATE) {
      expect(state[key]).toBeNull();
      expect(state.attributes[key]!.day).toBeNull();
    }
  });
});
