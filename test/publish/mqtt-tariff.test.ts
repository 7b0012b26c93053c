/**
 * Tariff entities over MQTT discovery, against the real Mosquitto (MQTT_TEST_URL, default
 * mqtt://127.0.0.1:1883), on real SQLite and a controlled clock (issue 14, "Home Assistant": MQTT sensors
 * for the current period, today's and tomorrow's Tempo colour). Three meters: one on HP/HC (HC 22:00-06:00),
 * one on Tempo, one on no offer. The publisher's tariff tick is driven by the test (`tariffTick()`), the
 * clock moved by hand: the period turns HC at 22:00 Paris, nothing is sent again when nothing changed,
 * tomorrow's colour arrives with `tempo.updated`, and after midnight 00:00-06:00 stays in the previous
 * Tempo day's colour while "today" is the new day. Topics carry a prefix unique to the run, and every
 * retained message created is cleared at the end. Skipped with the reason when no broker answers, unless
 * REQUIRE_SERVICES=1.
 */
import { randomBytes } from "node:crypto";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src/app/events.js";
import { MqttPublisher } from "../../src/publish/mqtt.js";
import { openStore, type Store } from "../../src/store/index.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import { createTarget, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";
import { meter } from "./helpers.js";

const BROKER = process.env.MQTT_TEST_URL ?? "mqtt://127.0.0.1:1883";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `hatrf_${RUN}`;
const BASE = `linkytrf_${RUN}`;
const HPHC = "22516914714270";
const TEMPO = "11453290002823";
const NONE = "12345678901234";

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
if (unreachable && !REQUIRE_SERVICES) console.warn(`skipping MQTT tariff tests: ${unreachable}`);

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(unreachable !== null && !REQUIRE_SERVICES)("MQTT tariff entities", () => {
  let target: DbTarget;
  let store: Store;
  let publisher: MqttPublisher;
  let sub: MqttClient;
  const seen: Seen[] = [];
  const events = new EventBus();
  let now = Date.parse("2026-12-02T20:50:00Z"); // 21:50 Paris

  const tariffStates = (prm: string) =>
    seen
      .filter((s) => s.topic === `${BASE}/${prm}/tariff` && s.payload !== "")
      .map((s) => JSON.parse(s.payload) as Record<string, unknown> & { attributes: Record<string, unknown> });
  const last = (prm: string) => tariffStates(prm).at(-1);

  beforeAll(async () => {
    if (unreachable) throw new Error(`${unreachable} (REQUIRE_SERVICES=1)`);
    target = await createTarget("sqlite");
    store = await openStore({ url: target.url, dataDir: target.dataDir });
    const a = await meter(store, HPHC, "alice");
    const b = await meter(store, TEMPO, "bob");
    await meter(store, NONE, "carol");
    await store.tariffs.saveOffers([
      validateOffer({
        name: "mqtt-hphc",
        kind: "hphc",
        offpeak: "HC (22H00-6H00)",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
      }),
      validateOffer({
        name: "mqtt-tempo",
        kind: "tempo",
        prices: [
          {
            from: "2026-01-01",
            subscription_eur_per_month: 16,
            hp_bleu: 0.16,
            hc_bleu: 0.13,
            hp_blanc: 0.19,
            hc_blanc: 0.15,
            hp_rouge: 0.7,
            hc_rouge: 0.16,
          },
        ],
      }),
    ]);
    await store.tariffs.assign(a.deviceId, "1970-01-01", "mqtt-hphc");
    await store.tariffs.assign(b.deviceId, "1970-01-01", "mqtt-tempo");
    await store.tariffs.saveTempoDays([
      { day: "2026-12-01", colour: "BLEU", source: "import" },
      { day: "2026-12-02", colour: "BLANC", source: "import" },
    ]);
    sub = await connectAsync(BROKER, { reconnectPeriod: 0 });
    sub.on("message", (topic, payload, packet) =>
      seen.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await sub.subscribeAsync([`${PREFIX}/#`, `${BASE}/#`], { qos: 1 });
    publisher = new MqttPublisher({
      store,
      events,
      now: () => now,
      log: () => undefined,
      url: BROKER,
      prefix: PREFIX,
      baseTopic: BASE,
      pollMs: 0,
      tariffTickMs: 0,
      clientOptions: { reconnectPeriod: 200 },
    });
    await publisher.start();
    await publisher.idle();
  });

  afterAll(async () => {
    await publisher?.stop();
    if (sub) {
      for (const t of new Set(seen.filter((s) => s.payload !== "").map((s) => s.topic)))
        await sub.publishAsync(t, "", { retain: true, qos: 1 });
      await sub.endAsync();
    }
    await store?.close();
    await target?.cleanup();
  });

  it("publishes discovery configs for the period, its price and the Tempo colours, on the tariff topic", async () => {
    await until(() => last(TEMPO) !== undefined && last(HPHC) !== undefined, "the tariff states");
    const config = (prm: string, key: string) => {
      const m = seen.find((s) => s.topic === `${PREFIX}/sensor/linky_${prm}_${key}/config` && s.payload);
      return m && (JSON.parse(m.payload) as Record<string, unknown>);
    };
    const period = config(HPHC, "tariff_period")!;
    expect(period).toMatchObject({
      unique_id: `linky_${HPHC}_tariff_period`,
      default_entity_id: `sensor.linky_${HPHC}_tariff_period`,
      state_topic: `${BASE}/${HPHC}/tariff`,
      value_template: "{{ value_json.tariff_period }}",
      device_class: "enum",
      availability: [{ topic: `${BASE}/bridge/state` }],
    });
    expect(period.options).toEqual(expect.arrayContaining(["HP", "HC", "HC_BLEU", "HP_ROUGE"]));
    expect(period).not.toHaveProperty("state_class");
    expect(period).not.toHaveProperty("object_id");
    expect(config(HPHC, "tariff_price")).toMatchObject({
      unit_of_measurement: "EUR/kWh",
      state_topic: `${BASE}/${HPHC}/tariff`,
    });
    expect(config(HPHC, "tariff_price")).not.toHaveProperty("device_class");
    // Tempo colours on the Tempo meter only; nothing tariff-related for the meter on no offer.
    expect(config(HPHC, "tempo_today")).toBeUndefined();
    expect(config(TEMPO, "tempo_today")).toMatchObject({
      device_class: "enum",
      options: ["BLEU", "BLANC", "ROUGE"],
      state_topic: `${BASE}/${TEMPO}/tariff`,
    });
    expect(config(TEMPO, "tempo_tomorrow")).toMatchObject({ device_class: "enum" });
    // The meter on no offer is published too (its state may come after the two tariff states).
    await until(
      () => seen.some((s) => s.topic === `${BASE}/${NONE}/state`),
      "the state of the meter on no offer",
    );
    expect(seen.some((s) => s.topic.includes(NONE) && /tariff|tempo/.test(s.topic))).toBe(false);
    expect(seen.some((s) => s.topic === `${BASE}/${NONE}/state`)).toBe(true);
  });

  it("says HP at 21:50 Paris, with its price; Tempo: today's colour known, tomorrow's not yet", async () => {
    expect(last(HPHC)).toMatchObject({
      tariff_period: "HP",
      tariff_price: 0.25,
      attributes: { tariff_period: { offer: "mqtt-hphc", kind: "hphc", price_eur_per_kwh: 0.25 } },
    });
    expect(last(TEMPO)).toMatchObject({
      tariff_period: "HP_BLANC",
      tariff_price: 0.19,
      tempo_today: "BLANC",
      tempo_tomorrow: null,
      attributes: { tempo_today: { day: "2026-12-02" }, tempo_tomorrow: { day: "2026-12-03" } },
    });
    // Retained: a client that subscribes later gets it at once.
    const late = await connectAsync(BROKER, { reconnectPeriod: 0 });
    try {
      const got = new Promise<{ retain: boolean; payload: string }>((resolve) =>
        late.on("message", (_t, payload, packet) =>
          resolve({ retain: packet.retain, payload: payload.toString() }),
        ),
      );
      await late.subscribeAsync(`${BASE}/${HPHC}/tariff`, { qos: 1 });
      const m = await got;
      expect(m.retain).toBe(true);
      expect(JSON.parse(m.payload)).toMatchObject({ tariff_period: "HP" });
    } finally {
      await late.endAsync();
    }
  });

  it("turns HC at 22:00 Paris on the next tick, and sends nothing when nothing changed", async () => {
    now = Date.parse("2026-12-02T21:00:00Z"); // 22:00 Paris
    const before = tariffStates(HPHC).length;
    await publisher.tariffTick();
    await until(() => last(HPHC)?.tariff_period === "HC", "HC");
    expect(last(HPHC)).toMatchObject({ tariff_period: "HC", tariff_price: 0.2 });
    await until(() => last(TEMPO)?.tariff_period === "HC_BLANC", "HC_BLANC");
    expect(last(TEMPO)).toMatchObject({ tariff_price: 0.15 });
    const after = tariffStates(HPHC).length;
    expect(after).toBe(before + 1);
    now += 5 * 60_000;
    await publisher.tariffTick();
    // A marker published after the tick comes back after anything the tick sent.
    await sub.publishAsync(`${BASE}/_marker`, "m", { qos: 1 });
    await until(() => seen.some((s) => s.topic === `${BASE}/_marker`), "the marker");
    expect(tariffStates(HPHC)).toHaveLength(after);
  });

  it("shows tomorrow's colour once stored (tempo.updated)", async () => {
    await store.tariffs.saveTempoDays([{ day: "2026-12-03", colour: "ROUGE", source: "myelectricaldata" }]);
    events.emit("tempo.updated", { days: ["2026-12-03"], source: "myelectricaldata" });
    await until(() => last(TEMPO)?.tempo_tomorrow === "ROUGE", "tomorrow's colour");
    expect(last(TEMPO)).toMatchObject({ tempo_today: "BLANC", tariff_period: "HC_BLANC" });
  });

  it("after midnight: 00:00-06:00 keeps the previous Tempo day's colour; today is the new day", async () => {
    now = Date.parse("2026-12-03T02:00:00Z"); // 03:00 Paris
    await publisher.tariffTick();
    await until(() => last(TEMPO)?.tempo_today === "ROUGE", "the new day");
    expect(last(TEMPO)).toMatchObject({
      tariff_period: "HC_BLANC",
      tariff_price: 0.15,
      tempo_today: "ROUGE",
      tempo_tomorrow: null,
      attributes: { tariff_period: { tempo_colour: "BLANC" } },
    });
    now = Date.parse("2026-12-03T05:00:00Z"); // 06:00 Paris: the red day's HP
    await publisher.tariffTick();
    await until(() => last(TEMPO)?.tariff_period === "HP_ROUGE", "HP_ROUGE");
    expect(last(TEMPO)).toMatchObject({ tariff_price: 0.7 });
    expect(last(HPHC)).toMatchObject({ tariff_period: "HP" });
  });
});

describe.runIf(unreachable !== null && REQUIRE_SERVICES)("MQTT broker (tariff entities)", () => {
  it("is reachable (REQUIRE_SERVICES=1)", () => {
    throw new Error(unreachable ?? "");
  });
});
