/**
 * Issue 17, the MQTT / Home Assistant channel against the real Mosquitto: a meter alert becomes the
 * retained discovery config of the meter's `event` entity (Home Assistant's rules: unique_id = object id,
 * default_entity_id, the publisher's device block, event_types listing every kind) and one event
 * (`event_type` = the kind, `alert_id`, not retained); a user-level alert (the summary) goes to each of the
 * user's meters. Skipped without a broker unless REQUIRE_SERVICES=1.
 */
import { randomBytes } from "node:crypto";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretName } from "../../src/alerts/channels/types.js";
import { DeliveryRunner } from "../../src/alerts/delivery.js";
import { ALERT_KINDS } from "../../src/alerts/kinds.js";
import type { Config } from "../../src/config/schema.js";
import { openStore, type Store } from "../../src/store/index.js";
import { createTarget, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";
import { config as baseConfig, meter } from "./helpers.js";

const BROKER = process.env.MQTT_TEST_URL ?? "mqtt://127.0.0.1:1883";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `haalerts_${RUN}`;
const BASE = `linkyalerts_${RUN}`;

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
if (unreachable && !REQUIRE_SERVICES) console.warn(`skipping the MQTT alert channel tests: ${unreachable}`);

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for the broker's messages");
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Skipped on purpose without a broker (reason printed above); CI sets REQUIRE_SERVICES=1.
(unreachable && !REQUIRE_SERVICES ? describe.skip : describe)("MQTT alert channel", () => {
  let target: DbTarget;
  let store: Store;
  let sub: MqttClient;
  const seen: Seen[] = [];
  const config: Config = {
    ...baseConfig,
    mqtt: { ...baseConfig.mqtt, url: BROKER, prefix: PREFIX, baseTopic: BASE },
  };

  beforeAll(async () => {
    target = await createTarget("sqlite");
    store = await openStore({ url: target.url, dataDir: target.dataDir });
    sub = await connectAsync(BROKER, { reconnectPeriod: 0 });
    sub.on("message", (topic, payload, packet) =>
      seen.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await sub.subscribeAsync([`${PREFIX}/#`, `${BASE}/#`], { qos: 1 });
  });
  afterAll(async () => {
    // Clear the retained configs this run left on the shared broker.
    for (const s of seen.filter((m) => m.topic.endsWith("/config")))
      await sub.publishAsync(s.topic, "", { retain: true, qos: 1 });
    await sub?.endAsync();
    await store?.close();
    await target?.cleanup();
  });

  it("announces the meter's alert event entity and publishes each alert as an event", async () => {
    const a = await meter(store, "09900000000001", "mqtt-alice");
    const b = await meter(store, "09900000000002", "mqtt-alice");
    const sender = await store.senders.create({ libelle: "Home Assistant", implClass: "mqtt" });
    await store.secrets.put(secretName(sender.id), "{}");
    const user = a.account.userId;
    await store.alerts.setPreference(user, "power_near_limit", [sender.id]);
    await store.alerts.setPreference(user, "summary", [sender.id]);
    const alert = await store.alerts.raise({
      userId: user,
      accountId: a.account.id,
      kind: "power_near_limit",
      day: "2026-11-30",
      title: "Puissance souscrite presque atteinte",
      body: "Hier à 19 h 12 : 8,7 kVA sur 9 kVA.",
      link: `/devices/${a.deviceId}`,
      data: { maxPowerVa: 8700 },
    });
    const summary = await store.alerts.raise({
      userId: user,
      accountId: null,
      kind: "summary",
      day: "2026-11-23",
      title: "Votre semaine du 23 au 29 novembre 2026",
      body: "…",
      link: "/",
    });
    const runner = new DeliveryRunner({
      store,
      config,
      now: Date.now,
      log: () => undefined,
      summaries: false,
    });
    try {
      expect((await runner.runOnce()).map((o) => o.status)).toEqual(["sent", "sent"]);
    } finally {
      await runner.stop();
    }
    const events = () => seen.filter((m) => m.topic.endsWith("/alert"));
    await until(() => events().length === 3);

    const configs = seen.filter((m) => m.topic.startsWith(`${PREFIX}/event/`));
    expect(configs.map((c) => c.topic).sort()).toEqual([
      `${PREFIX}/event/linky_09900000000001_alert/config`,
      `${PREFIX}/event/linky_09900000000002_alert/config`,
    ]);
    const p = JSON.parse(configs.find((c) => c.topic.includes("0001"))!.payload) as Record<string, unknown>;
    expect(p).toMatchObject({
      unique_id: "linky_09900000000001_alert",
      default_entity_id: "event.linky_09900000000001_alert",
      state_topic: `${BASE}/09900000000001/alert`,
      event_types: [...ALERT_KINDS],
      device: { identifiers: ["linky_09900000000001"], name: "Linky 09900000000001" },
    });
    expect(p).not.toHaveProperty("object_id");
    // Retained: a client subscribing later (Home Assistant after a restart) gets the config at once.
    const late = await connectAsync(BROKER, { reconnectPeriod: 0 });
    try {
      const got: Seen[] = [];
      late.on("message", (topic, payload, packet) =>
        got.push({ topic, payload: payload.toString(), retain: packet.retain }),
      );
      await late.subscribeAsync(`${PREFIX}/event/+/config`, { qos: 1 });
      await until(() => got.length === 2);
      expect(got.every((g) => g.retain)).toBe(true);
    } finally {
      await late.endAsync();
    }

    const meterEvent = events().find(
      (e) => e.topic === `${BASE}/09900000000001/alert` && e.payload.includes("power_near_limit"),
    );
    expect(JSON.parse(meterEvent!.payload)).toEqual({
      event_type: "power_near_limit",
      alert_id: alert!.id,
      delivery_id: `linky-${alert!.id}-${sender.id}`,
      day: "2026-11-30",
      title: "Puissance souscrite presque atteinte",
      body: "Hier à 19 h 12 : 8,7 kVA sur 9 kVA.",
      link: `http://localhost:3000/devices/${a.deviceId}`,
    });
    expect(meterEvent!.retain).toBe(false);
    // The summary has no meter: it goes to each of the user's meters.
    const summaries = events().filter((e) => e.payload.includes('"summary"'));
    expect(summaries.map((e) => e.topic).sort()).toEqual([
      `${BASE}/09900000000001/alert`,
      `${BASE}/09900000000002/alert`,
    ]);
    expect(JSON.parse(summaries[0]!.payload).alert_id).toBe(summary!.id);
    void b;
  });

  it("fails over to a retry when the broker cannot be reached, saying so", async () => {
    const a = await meter(store, "09900000000003", "mqtt-bob");
    const sender = await store.senders.create({ libelle: "HA (off)", implClass: "mqtt" });
    await store.alerts.setPreference(a.account.userId, "consent_ended", [sender.id]);
    await store.alerts.raise({
      userId: a.account.userId,
      accountId: a.account.id,
      kind: "consent_ended",
      day: "2026-11-30",
      title: "Consentement terminé",
      body: "…",
      link: null,
    });
    const runner = new DeliveryRunner({
      store,
      config: { ...config, mqtt: { ...config.mqtt, url: "mqtt://127.0.0.1:1" } },
      now: Date.now,
      log: () => undefined,
      summaries: false,
    });
    try {
      expect(await runner.runOnce()).toEqual([
        {
          deliveryId: expect.any(Number),
          status: "failed",
          error: "Le serveur MQTT est injoignable ; nouvel essai plus tard.",
        },
      ]);
    } finally {
      await runner.stop();
    }
  });
});
