/**
 * The MQTT publisher against the real Mosquitto (MQTT_TEST_URL, default mqtt://127.0.0.1:1883): a
 * subscriber checks each discovery topic and payload against Home Assistant's rules (shared docs,
 * home-assistant.md §1a): topic form, required keys, `default_entity_id` and no `object_id`, `unique_id`,
 * device and origin blocks, units and device classes, availability with a last will, retained flags, and
 * the re-publication after Home Assistant's `online` on its status topic (`mqtt.statusTopic`, apart from
 * the discovery prefix), a production meter's entity, and the will's `offline` kept retained. Topics carry a prefix unique to the run, and every
 * retained message created is cleared at the end. Skipped with the reason printed when no broker answers,
 * unless REQUIRE_SERVICES=1.
 */
import { randomBytes } from "node:crypto";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src/app/events.js";
import { addDays, parisDayStartMs } from "../../src/domain/time.js";
import { ENTITIES } from "../../src/publish/discovery.js";
import { publishersFor } from "../../src/publish/index.js";
import { MqttPublisher } from "../../src/publish/mqtt.js";
import { loadConfig } from "../../src/config/load.js";
import { eraseAccount, openStore, type Account, type Store } from "../../src/store/index.js";
import { createTarget, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";
import { meter, writeCurve, writeDaily } from "./helpers.js";

const BROKER = process.env.MQTT_TEST_URL ?? "mqtt://127.0.0.1:1883";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `hatest_${RUN}`;
const BASE = `linkytest_${RUN}`;
/** Home Assistant's status topic in this run (set apart from the discovery prefix, as in HA). */
const STATUS = `hastatustest_${RUN}/status`;
const PRM = "22516914714270";
const NOW = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris: 2026-11-27 is published

async function probe(): Promise<string | null> {
  try {
    const c = await connectAsync(BROKER, { connectTimeout: 2000, reconnectPeriod: 0 });
    await c.endAsync();
    return null;
  } catch (e) {
    return `MQTT broker at ${BROKER} is not reachable: ${(e as Error).message}`;
  }
}
const unreachable = await probe();

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

let markers = 0;

/**
 * A subscriber that records everything under the run's topics. It returns once the broker has delivered
 * every retained copy: the broker queues them at the subscription, so a marker this client publishes
 * after it (QoS 1, not retained, not recorded) comes back after them.
 */
async function subscriber(): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await connectAsync(BROKER, { reconnectPeriod: 0 });
  const seen: Seen[] = [];
  const marker = `${BASE}/_marker/${++markers}`;
  let markerBack!: () => void;
  const back = new Promise<void>((r) => (markerBack = r));
  client.on("message", (topic, payload, packet) => {
    if (topic === marker) markerBack();
    else seen.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync([`${PREFIX}/#`, `${BASE}/#`], { qos: 1 });
  await client.publishAsync(marker, "", { qos: 1 });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    back,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the marker ${marker} never came back`)), 10_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return { client, seen };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

/** Units Home Assistant accepts per device class (the ones we use), null = no unit allowed. */
const UNITS: Record<string, readonly string[] | null> = {
  energy: ["Wh", "kWh", "MWh"],
  power: ["W", "kW"],
  apparent_power: ["VA"],
  duration: ["d", "h", "min", "s"],
  timestamp: null,
  date: null,
  enum: null,
  problem: null,
};

/** Checks one discovery message against Home Assistant's rules; returns the payload. */
function checkConfig(
  m: Seen,
  at: { prefix: string; base: string; prm: string } = { prefix: PREFIX, base: BASE, prm: PRM },
): Record<string, unknown> {
  const { prefix: PREFIX, base: BASE, prm: PRM } = at;
  const match = new RegExp(`^${PREFIX}/(sensor|binary_sensor)/([A-Za-z0-9_-]+)/config$`).exec(m.topic);
  expect(match, m.topic).not.toBeNull();
  const [, component, objectId] = match!;
  const p = JSON.parse(m.payload) as Record<string, unknown>;
  expect(p.unique_id).toBe(objectId); // best practice: object_id = unique_id, no node_id
  expect(String(p.unique_id)).toContain(PRM);
  expect(p.default_entity_id).toBe(`${component}.${objectId}`);
  expect(p).not.toHaveProperty("object_id");
  expect(p).not.toHaveProperty("obj_id");
  expect(typeof p.name).toBe("string");
  expect(p.state_topic).toBe(`${BASE}/${PRM}/state`);
  expect(p.value_template).toMatch(/^\{\{ value_json\.[a-z_]+ \}\}$/);
  expect(p.device).toEqual({
    identifiers: [`linky_${PRM}`],
    name: `Linky ${PRM}`,
    manufacturer: "Enedis",
    model: "Linky",
    serial_number: PRM,
  });
  expect(p.origin).toMatchObject({ name: "linky-dataconnect" });
  // one availability form only: the list, on the topic the will sets offline
  expect(p.availability).toEqual([{ topic: `${BASE}/bridge/state` }]);
  expect(p).not.toHaveProperty("availability_topic");
  const dc = p.device_class as string | undefined;
  if (dc !== undefined) {
    expect(Object.keys(UNITS), `device class ${dc}`).toContain(dc);
    const units = UNITS[dc];
    if (units === null) expect(p).not.toHaveProperty("unit_of_measurement");
    else expect(units).toContain(p.unit_of_measurement);
  }
  // D-1 values carry no state_class (HA would book them at the hour they arrive); energy never `measurement`
  expect(p).not.toHaveProperty("state_class");
  if (component === "binary_sensor") expect(p).toMatchObject({ payload_on: "ON", payload_off: "OFF" });
  if (dc === "enum") expect(Array.isArray(p.options)).toBe(true);
  return p;
}

function configs(seen: readonly Seen[], prefix = PREFIX): Seen[] {
  return seen.filter(
    (s) =>
      new RegExp(`^${prefix}/(sensor|binary_sensor)/[A-Za-z0-9_-]+/config$`).test(s.topic) &&
      s.payload !== "",
  );
}

if (unreachable && !REQUIRE_SERVICES) console.warn(`skipping MQTT tests: ${unreachable}`);

describe.skipIf(unreachable !== null && !REQUIRE_SERVICES)(
  "MQTT publisher with Home Assistant discovery",
  () => {
    let target: DbTarget;
    let store: Store;
    let account: Account;
    let deviceId: number;
    const events = new EventBus();
    const logs: string[] = [];
    let publisher: MqttPublisher;

    beforeAll(async () => {
      if (unreachable) throw new Error(`${unreachable} (REQUIRE_SERVICES=1)`);
      target = await createTarget("sqlite");
      store = await openStore({ url: target.url, dataDir: target.dataDir });
      ({ account, deviceId } = await meter(store, PRM));
      await writeCurve(store, deviceId, PRM, "2026-11-25", "2026-11-28");
      await writeDaily(store, deviceId, PRM, "2026-11-20", "2026-11-28");
      await store.devices.updateMetadata(deviceId, { subscribed_power_kva: 6 });
      const end = parisDayStartMs("2026-11-28");
      const last = (await store.measures.listCurve(deviceId, "consumption", end - 1_800_000, end))[0]!;
      await store.devices.setLastValue(deviceId, last.powerW, end);
      const keys = ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"];
      await store.accounts.updateConfig(account.id, {
        dataset_keys: keys,
        datasets: Object.fromEntries(keys.map((k) => [k, { fetched_until: "2026-11-28" }])),
        last_success_ms: NOW - 60_000,
        last_sync: {
          started_at_ms: NOW - 120_000,
          finished_at_ms: NOW - 60_000,
          outcome: "ok",
          message: null,
          calls: 3,
          retries: 0,
          datasets: {},
        },
      });
      publisher = new MqttPublisher({
        store,
        events,
        now: () => NOW,
        log: (m) => logs.push(m),
        url: BROKER,
        prefix: PREFIX,
        baseTopic: BASE,
        statusTopic: STATUS,
        republishDelayMs: 0,
        pollMs: 0,
        clientOptions: { reconnectPeriod: 200 },
      });
      await publisher.start();
      await publisher.idle();
    });

    afterAll(async () => {
      await publisher?.stop();
      // Clear every retained message this run created, then check that none is left.
      const { client, seen } = await subscriber(); // with every retained copy
      for (const t of new Set(seen.filter((s) => s.retain && s.payload !== "").map((s) => s.topic)))
        await client.publishAsync(t, "", { retain: true, qos: 1 });
      await client.endAsync();
      const check = await subscriber();
      await check.client.endAsync();
      expect(check.seen.filter((s) => s.retain && s.payload !== "")).toEqual([]);
      await store?.close();
      await target?.cleanup();
    });

    it("publishes retained discovery configs that follow Home Assistant's rules", async () => {
      const { client, seen } = await subscriber();
      await until(() => configs(seen).length >= 10);
      await settle();
      await client.endAsync();
      const cfg = configs(seen);
      expect(cfg.every((c) => c.retain)).toBe(true);
      const payloads = cfg.map((c) => checkConfig(c));
      const keys = payloads.map((p) => String(p.unique_id).replace(`linky_${PRM}_`, "")).sort();
      expect(keys).toEqual(
        [
          "consent_problem",
          "data_lag",
          "data_until",
          "energy_yesterday",
          "last_sync",
          "last_sync_outcome",
          "max_power_share",
          "max_power_yesterday",
          "power",
          "subscribed_power",
        ].sort(),
      );
      const byKey = new Map(payloads.map((p) => [String(p.unique_id).replace(`linky_${PRM}_`, ""), p]));
      expect(byKey.get("energy_yesterday")).toMatchObject({
        device_class: "energy",
        unit_of_measurement: "Wh",
      });
      expect(byKey.get("max_power_yesterday")).toMatchObject({
        device_class: "apparent_power",
        unit_of_measurement: "VA",
      });
      expect(byKey.get("power")).toMatchObject({ device_class: "power", unit_of_measurement: "W" });
      expect(byKey.get("last_sync")).toMatchObject({
        device_class: "timestamp",
        entity_category: "diagnostic",
      });
      expect(byKey.get("consent_problem")).toMatchObject({ device_class: "problem" });
      expect(String(byKey.get("consent_problem")!.unique_id)).toBe(`linky_${PRM}_consent_problem`);
      expect(cfg.find((c) => c.topic.includes("consent_problem"))!.topic).toBe(
        `${PREFIX}/binary_sensor/linky_${PRM}_consent_problem/config`,
      );

      // the availability topic is retained online; the state is retained and has every templated value
      const avail = seen.find((s) => s.topic === `${BASE}/bridge/state`)!;
      expect(avail).toMatchObject({ payload: "online", retain: true });
      const stateMsg = seen.find((s) => s.topic === `${BASE}/${PRM}/state`)!;
      expect(stateMsg.retain).toBe(true);
      const state = JSON.parse(stateMsg.payload) as Record<string, unknown> & {
        attributes: Record<string, unknown>;
      };
      for (const p of payloads) {
        const key = /value_json\.([a-z_]+)/.exec(String(p.value_template))![1]!;
        expect(state, key).toHaveProperty(key);
        if (p.json_attributes_template) expect(state.attributes, key).toHaveProperty(key);
      }
      const yesterday = (
        await store.measures.listDaily(
          deviceId,
          "consumption",
          parisDayStartMs("2026-11-27"),
          parisDayStartMs("2026-11-28"),
        )
      )[0]!;
      const power = (
        await store.measures.listDaily(
          deviceId,
          "max_power",
          parisDayStartMs("2026-11-27"),
          parisDayStartMs("2026-11-28"),
        )
      )[0]!;
      expect(state.energy_yesterday).toBe(yesterday.value);
      expect(state.attributes.energy_yesterday).toEqual({ day: "2026-11-27" });
      expect(state.max_power_yesterday).toBe(power.value);
      expect(state.max_power_share).toBe(Math.round((power.value! / 6000) * 1000) / 10);
      expect(state.subscribed_power).toBe(6);
      expect(state.consent_problem).toBe("OFF");
      expect(state.last_sync_outcome).toBe("ok");
      expect(state.last_sync).toBe("2026-11-28T10:59:00+01:00");
      expect(state.data_until).toBe("2026-11-27");
      expect(state.data_lag).toBe(0);
      // the curve's last 30 minutes (23:30-24:00 on the 27th), with their end as an attribute
      const lastHalfHour = await store.measures.listCurve(
        deviceId,
        "consumption",
        parisDayStartMs("2026-11-28") - 1_800_000,
        parisDayStartMs("2026-11-28"),
      );
      expect(state.power).toBe(lastHalfHour[0]!.powerW);
      expect(state.attributes.power).toMatchObject({ measured_at: "2026-11-28T00:00:00+01:00" });
      // production_yesterday and the four tariff entities (no offer) do not apply to this meter
      expect(ENTITIES.length).toBe(15);
      expect(seen.some((s) => s.topic.endsWith("/tariff"))).toBe(false);
      expect(seen.some((s) => s.topic.includes("production_yesterday"))).toBe(false);
    });

    it("publishes the configs again when Home Assistant announces online, and only the state after a sync", async () => {
      const { client, seen } = await subscriber();
      expect(configs(seen).filter((c) => c.retain)).toHaveLength(10); // the retained copies, all in
      seen.length = 0;
      await client.publishAsync(STATUS, "online", { qos: 1 });
      await until(() => configs(seen).length >= 10);
      await publisher.idle();
      await settle();
      expect(configs(seen)).toHaveLength(10);
      expect(configs(seen).every((c) => !c.retain)).toBe(true); // live copies (the broker keeps them retained)
      configs(seen).forEach((c) => checkConfig(c));
      expect(seen.some((s) => s.topic === `${BASE}/${PRM}/state`)).toBe(true);

      // a sync: its state goes out again, identical configs do not
      seen.length = 0;
      await store.accounts.updateConfig(account.id, { expired: true, expired_reason: "consent revoked" });
      events.emit("sync.finished", {
        accountId: account.id,
        deviceId,
        usagePointId: PRM,
        outcome: {
          started_at_ms: NOW,
          finished_at_ms: NOW,
          outcome: "expired",
          message: null,
          calls: 1,
          retries: 0,
          datasets: {},
        },
      });
      await until(() => seen.some((s) => s.topic === `${BASE}/${PRM}/state`));
      await publisher.idle();
      await settle();
      expect(configs(seen)).toEqual([]);
      const state = JSON.parse(seen.find((s) => s.topic === `${BASE}/${PRM}/state`)!.payload) as Record<
        string,
        unknown
      > & {
        attributes: Record<string, Record<string, unknown>>;
      };
      expect(state.consent_problem).toBe("ON");
      expect(state.attributes.consent_problem!.reason).toBe("consent revoked");
      await client.endAsync();
    });

    it("has a last will: a lost connection makes the entities unavailable, the reconnection available again", async () => {
      const { client, seen } = await subscriber();
      seen.length = 0; // the retained copies (all in)
      publisher.mqttClient!.stream.destroy(); // a crash: no DISCONNECT, the broker sends the will
      await until(() => seen.some((s) => s.topic === `${BASE}/bridge/state` && s.payload === "offline"));
      await until(
        () => seen.some((s) => s.topic === `${BASE}/bridge/state` && s.payload === "online"),
        10_000,
      );
      await until(() => configs(seen).length >= 10); // everything again after a reconnection
      await publisher.idle();
      await client.endAsync();
      expect(logs.some((l) => l.startsWith("mqtt: connected to"))).toBe(true);
    });

    it("says offline, retained, when it stops", async () => {
      await publisher.stop();
      const { client, seen } = await subscriber();
      await until(() => seen.some((s) => s.topic === `${BASE}/bridge/state`));
      expect(seen.find((s) => s.topic === `${BASE}/bridge/state`)).toMatchObject({
        payload: "offline",
        retain: true,
      });
      await client.endAsync();
      void addDays;
    });

    it("keeps the will's offline retained: a subscriber that connects after the crash sees it", async () => {
      const base = `${BASE}/will`;
      const avail = `${base}/bridge/state`;
      const pub = new MqttPublisher({
        store,
        now: () => NOW,
        log: () => {},
        url: BROKER,
        prefix: `${PREFIX}/will`,
        baseTopic: base,
        statusTopic: STATUS,
        pollMs: 0,
        clientOptions: { reconnectPeriod: 0 }, // no reconnection: nothing says online again
      });
      await pub.start();
      await pub.idle();
      const live = await subscriber();
      await until(() => live.seen.some((s) => s.topic === avail && s.payload === "online"), 10_000);
      pub.mqttClient!.stream.destroy(); // a crash: no DISCONNECT, the broker sends the will
      await until(() => live.seen.some((s) => s.topic === avail && s.payload === "offline"), 10_000);
      await live.client.endAsync();
      // a client connecting later (Home Assistant after its own restart) gets the retained will
      const late = await connectAsync(BROKER, { reconnectPeriod: 0 });
      const got: Seen[] = [];
      late.on("message", (topic, payload, packet) =>
        got.push({ topic, payload: payload.toString(), retain: packet.retain }),
      );
      await late.subscribeAsync(avail, { qos: 1 });
      await until(() => got.length > 0, 10_000);
      expect(got[0]).toEqual({ topic: avail, payload: "offline", retain: true });
      await late.endAsync();
      await pub.stop();
    });

    it("publishes production_yesterday for a producing meter, following the same rules", async () => {
      const prodTarget = await createTarget("sqlite");
      const prodStore = await openStore({ url: prodTarget.url, dataDir: prodTarget.dataDir });
      const prm = "24880057139941"; // a simulator producer (solar), no consumption
      const prefix = `${PREFIX}/prod`;
      const base = `${BASE}/prod`;
      let pub: MqttPublisher | null = null;
      try {
        const m = await meter(prodStore, prm);
        await writeDaily(prodStore, m.deviceId, prm, "2026-11-20", "2026-11-28", "production");
        const keys = ["daily_production", "production_load_curve"];
        await prodStore.accounts.updateConfig(m.account.id, {
          dataset_keys: keys,
          datasets: Object.fromEntries(keys.map((k) => [k, { fetched_until: "2026-11-28" }])),
        });
        pub = new MqttPublisher({
          store: prodStore,
          now: () => NOW,
          log: () => {},
          url: BROKER,
          prefix,
          baseTopic: base,
          statusTopic: STATUS,
          pollMs: 0,
        });
        await pub.start();
        await pub.idle();
        const { client, seen } = await subscriber(); // after: it gets the retained copies
        await until(
          () => configs(seen, prefix).some((c) => c.topic.includes("production_yesterday")),
          10_000,
        );
        await until(() => seen.some((s) => s.topic === `${base}/${prm}/state`), 10_000);
        await client.endAsync();
        const cfg = configs(seen, prefix);
        expect(cfg.every((c) => c.retain)).toBe(true);
        const payloads = cfg.map((c) => checkConfig(c, { prefix, base, prm }));
        const ids = payloads.map((p) => String(p.unique_id).replace(`linky_${prm}_`, ""));
        expect(ids).toContain("production_yesterday");
        expect(ids).not.toContain("energy_yesterday"); // no consumption on this meter
        const production = payloads.find((p) => p.unique_id === `linky_${prm}_production_yesterday`)!;
        expect(production).toMatchObject({
          device_class: "energy",
          unit_of_measurement: "Wh",
          default_entity_id: `sensor.linky_${prm}_production_yesterday`,
          state_topic: `${base}/${prm}/state`,
        });
        const state = JSON.parse(seen.find((s) => s.topic === `${base}/${prm}/state`)!.payload) as Record<
          string,
          unknown
        > & { attributes: Record<string, unknown> };
        const produced = (
          await prodStore.measures.listDaily(
            m.deviceId,
            "production",
            parisDayStartMs("2026-11-27"),
            parisDayStartMs("2026-11-28"),
          )
        )[0]!;
        expect(produced.value).toBeGreaterThan(0);
        expect(state.production_yesterday).toBe(produced.value);
        expect(state.attributes.production_yesterday).toEqual({ day: "2026-11-27" });
      } finally {
        await pub?.stop();
        await prodStore.close();
        await prodTarget.cleanup();
      }
    });

    it("with a custom discovery prefix, listens on Home Assistant's default status topic (config)", async () => {
      const prefix = `${PREFIX}/custom`;
      const config = loadConfig({
        env: { MQTT_URL: BROKER, MQTT_PREFIX: prefix, MQTT_BASE_TOPIC: `${BASE}/custom` },
      });
      expect(config.mqtt.statusTopic).toBe("homeassistant/status");
      const pubs = publishersFor(
        { config, store, events: new EventBus(), now: () => NOW, log: () => {} },
        {},
      );
      const pub = pubs.find((p) => p.name === "mqtt") as MqttPublisher;
      try {
        await pub.start();
        await pub.idle();
        const { client, seen } = await subscriber();
        await until(() => configs(seen, prefix).length >= 10, 10_000); // the retained copies
        seen.length = 0; // all in: subscriber() returns after them
        await client.publishAsync("homeassistant/status", "online", { qos: 1 });
        // published again, live (not a retained copy), after the publisher's default 2 s wait
        await until(() => configs(seen, prefix).filter((c) => !c.retain).length >= 10, 20_000);
        configs(seen, prefix).forEach((c) => checkConfig(c, { prefix, base: `${BASE}/custom`, prm: PRM }));
        await client.endAsync();
        expect(pub.statusTopic).toBe("homeassistant/status");
      } finally {
        await pub.stop();
      }
    });
  },
);

// Skipped only without a broker (reason printed above) and outside CI; REQUIRE_SERVICES=1 makes it run.
describe.skipIf(unreachable !== null && !REQUIRE_SERVICES)(
  "MQTT: an erased meter leaves Home Assistant",
  () => {
    const ERASED = "11453290002823";
    const SHARED = "12345678901234";

    it("clears the erased meter's retained configs and state; a PRM another user still has stays", async () => {
      const target = await createTarget("sqlite");
      const store = await openStore({ url: target.url, dataDir: target.dataDir });
      const events = new EventBus();
      const publisher = new MqttPublisher({
        store,
        events,
        now: () => NOW,
        log: () => undefined,
        url: BROKER,
        prefix: PREFIX,
        baseTopic: BASE,
        statusTopic: STATUS,
        pollMs: 0,
      });
      try {
        const gone = await meter(store, ERASED, "erin");
        const kept = await meter(store, SHARED, "erin");
        await meter(store, SHARED, "frank"); // a household of two: the same PRM under another user
        await publisher.start();
        await publisher.idle();
        const retainedFor = async (prm: string) => {
          const { client, seen } = await subscriber();
          await client.endAsync();
          return seen.filter((x) => x.retain && x.payload !== "" && x.topic.includes(prm));
        };
        expect((await retainedFor(ERASED)).length).toBeGreaterThan(3);
        expect((await retainedFor(SHARED)).length).toBeGreaterThan(3);
        // Erin deletes both services with their data (what the web pages do), and the event follows.
        for (const { account } of [gone, kept]) {
          const r = await eraseAccount(store, account.id, { eraseData: true });
          expect(r.dataErased).toBe(true);
          events.emit("meter.erased", { usagePointId: account.usagePointId });
        }
        const cleared = async () => (await retainedFor(ERASED)).length === 0;
        const deadline = Date.now() + 10_000;
        while (!(await cleared())) {
          if (Date.now() > deadline) throw new Error("the erased meter's retained messages are still there");
          await new Promise((r) => setTimeout(r, 100));
        }
        // Frank still has the shared PRM: its entities stay.
        expect((await retainedFor(SHARED)).length).toBeGreaterThan(3);
      } finally {
        await publisher.stop();
        const { client, seen } = await subscriber();
        for (const t of new Set(seen.filter((x) => x.retain && x.payload !== "").map((x) => x.topic)))
          if (t.includes(ERASED) || t.includes(SHARED))
            await client.publishAsync(t, "", { retain: true, qos: 1 });
        await client.endAsync();
        await store.close();
        await target.cleanup();
      }
    }, 60_000);
  },
);

describe.runIf(unreachable !== null && REQUIRE_SERVICES)("MQTT broker", () => {
  it("is reachable (REQUIRE_SERVICES=1)", () => {
    throw new Error(unreachable ?? "");
  });
});
