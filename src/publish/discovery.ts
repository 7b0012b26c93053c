/**
 * Home Assistant MQTT discovery, built from one lookup table: each entity of a meter says its component,
 * device class, unit, state class and how to read its value and attributes from a `MeterSnapshot`.
 *
 * Rules followed (shared docs, home-assistant.md §1a):
 * - topic `<prefix>/<component>/<object_id>/config` with object_id = unique_id (`linky_<prm>_<key>`), no
 *   node_id; ids use only `[a-zA-Z0-9_-]`;
 * - `unique_id`, `default_entity_id` (never the deprecated `object_id`), a `device` block (one device per
 *   PRM), an `origin` block, one `availability` entry on `<baseTopic>/bridge/state` (the publisher's MQTT
 *   will sets it `offline`);
 * - energy in Wh with `device_class: energy`. Linky values arrive a day late, so no entity has a
 *   `state_class`: Home Assistant would compile yesterday's values into today's statistics. The Energy
 *   dashboard takes the hourly statistics imported over the WebSocket API instead (`linky:<prm>_…`).
 *
 * Day-late values (energy, production, max power): each shows the newest day published within the last
 * 7 days, and that day as its `day` attribute; unknown when none. Enedis publishes day J-1 around 08:00
 * and a meter may lag days behind, so these entities are named for what they show ("last published
 * day"), not "yesterday". Their ids keep the `_yesterday` key so that entities created by earlier
 * releases, their history and dashboards stay the same.
 *
 * Tariff entities (a meter put on an offer): the current price period (`BASE`, `HP`, `HC` or a Tempo
 * bucket like `HC_BLEU`) and its price in EUR/kWh; on Tempo, today's and tomorrow's colour (the Tempo
 * days starting at 06:00; unknown until published). They change during the day, so they have their own
 * state topic `<baseTopic>/<prm>/tariff`, published again when the period changes.
 */
import { addDays } from "../domain/time.js";
import { PERIODS } from "../tariffs/offers.js";
import { TEMPO_COLOURS } from "../tariffs/pricing.js";
import { parisIso } from "./hourly.js";
import type { MeterSnapshot } from "./meter-state.js";

export type Component = "sensor" | "binary_sensor";

export interface EntitySpec {
  /** Object part of the ids, `[a-z0-9_]`. */
  key: string;
  component: Component;
  name: string;
  deviceClass?: string;
  unit?: string;
  entityCategory?: "diagnostic";
  icon?: string;
  /** `enum` sensors: the values the state may take. */
  options?: readonly string[];
  /** Whether the meter has this entity. */
  applies: (m: MeterSnapshot) => boolean;
  /** The state: a number, a string, or null (unknown). Binary sensors: true = ON. */
  value: (m: MeterSnapshot) => string | number | boolean | null;
  attributes?: (m: MeterSnapshot) => Record<string, unknown>;
  /** Which state topic carries the value: the meter's (default) or its tariff's. */
  topic?: StateKind;
}

export type StateKind = "state" | "tariff";

const iso = (ms: number | null) => (ms === null ? null : parisIso(ms));

export const SYNC_OUTCOMES = ["ok", "partial", "failed", "expired", "running", "never"] as const;

/** The entities of a meter. */
export const ENTITIES: readonly EntitySpec[] = [
  {
    key: "energy_yesterday",
    component: "sensor",
    name: "Energy (last published day)",
    deviceClass: "energy",
    unit: "Wh",
    applies: (m) => m.hasConsumption,
    value: (m) => m.energyWh,
    attributes: (m) => ({ day: m.energyDay }),
  },
  {
    key: "production_yesterday",
    component: "sensor",
    name: "Production (last published day)",
    deviceClass: "energy",
    unit: "Wh",
    applies: (m) => m.hasProduction,
    value: (m) => m.productionWh,
    attributes: (m) => ({ day: m.productionDay }),
  },
  {
    key: "max_power_yesterday",
    component: "sensor",
    name: "Max power (last published day)",
    deviceClass: "apparent_power",
    unit: "VA",
    applies: (m) => m.hasMaxPower,
    value: (m) => m.maxPowerVa,
    attributes: (m) => ({
      day: m.maxPowerDay,
      peak_at: iso(m.maxPowerAtMs),
      subscribed_power_kva: m.subscribedKva,
    }),
  },
  {
    key: "max_power_share",
    component: "sensor",
    name: "Max power of subscribed power",
    unit: "%",
    icon: "mdi:gauge",
    applies: (m) => m.hasMaxPower,
    value: (m) =>
      m.maxPowerVa === null || !m.subscribedKva
        ? null
        : Math.round((m.maxPowerVa / (m.subscribedKva * 1000)) * 1000) / 10,
    attributes: (m) => ({ max_power_va: m.maxPowerVa, subscribed_power_kva: m.subscribedKva }),
  },
  {
    key: "subscribed_power",
    component: "sensor",
    name: "Subscribed power",
    // No device class: kVA is not a unit every Home Assistant release accepts for apparent_power.
    unit: "kVA",
    icon: "mdi:flash",
    entityCategory: "diagnostic",
    applies: (m) => m.hasConsumption,
    value: (m) => m.subscribedKva,
  },
  {
    key: "power",
    component: "sensor",
    name: "Power (last 30 min of the curve)",
    deviceClass: "power",
    unit: "W",
    applies: (m) => m.hasCurve,
    value: (m) => m.powerW,
    attributes: (m) => ({
      measured_from: iso(m.powerEndMs === null ? null : m.powerEndMs - 1_800_000),
      measured_at: iso(m.powerEndMs),
    }),
  },
  {
    key: "last_sync",
    component: "sensor",
    name: "Last sync",
    deviceClass: "timestamp",
    entityCategory: "diagnostic",
    applies: () => true,
    value: (m) => iso(m.lastSyncMs),
    attributes: (m) => ({
      outcome: m.lastSyncOutcome,
      message: m.lastSyncMessage,
      last_success: iso(m.lastSuccessMs),
    }),
  },
  {
    key: "last_sync_outcome",
    component: "sensor",
    name: "Last sync outcome",
    deviceClass: "enum",
    options: SYNC_OUTCOMES,
    entityCategory: "diagnostic",
    applies: () => true,
    value: (m) => m.lastSyncOutcome,
    attributes: (m) => ({ message: m.lastSyncMessage }),
  },
  {
    key: "data_until",
    component: "sensor",
    name: "Data up to",
    deviceClass: "date",
    entityCategory: "diagnostic",
    applies: () => true,
    value: (m) => m.dataUntil,
  },
  {
    key: "data_lag",
    component: "sensor",
    name: "Data delay",
    deviceClass: "duration",
    unit: "d",
    entityCategory: "diagnostic",
    applies: () => true,
    value: (m) => m.lagDays,
    attributes: (m) => ({ data_until: m.dataUntil }),
  },
  {
    key: "tariff_period",
    component: "sensor",
    name: "Tariff period",
    deviceClass: "enum",
    options: PERIODS,
    icon: "mdi:clock-outline",
    topic: "tariff",
    applies: (m) => m.tariff !== null,
    value: (m) => m.tariff?.period ?? null,
    attributes: (m) => ({
      offer: m.tariff?.offer ?? null,
      kind: m.tariff?.kind ?? null,
      price_eur_per_kwh: m.tariff?.priceEurPerKwh ?? null,
      ...(m.tariff?.kind === "tempo" && { tempo_colour: m.tariff.tempoColourNow }),
      reason: m.tariff?.reason ?? null,
    }),
  },
  {
    key: "tariff_price",
    component: "sensor",
    name: "Current price",
    // No device class: `monetary` takes a currency, not a price per kWh.
    unit: "EUR/kWh",
    icon: "mdi:currency-eur",
    topic: "tariff",
    applies: (m) => m.tariff !== null,
    value: (m) => m.tariff?.priceEurPerKwh ?? null,
    attributes: (m) => ({ period: m.tariff?.period ?? null, offer: m.tariff?.offer ?? null }),
  },
  {
    key: "tempo_today",
    component: "sensor",
    name: "Tempo colour today",
    deviceClass: "enum",
    options: TEMPO_COLOURS,
    icon: "mdi:palette",
    topic: "tariff",
    applies: (m) => m.tariff?.kind === "tempo",
    value: (m) => m.tariff?.tempoToday ?? null,
    attributes: (m) => ({ day: m.tariff?.today ?? null }),
  },
  {
    key: "tempo_tomorrow",
    component: "sensor",
    name: "Tempo colour tomorrow",
    deviceClass: "enum",
    options: TEMPO_COLOURS,
    icon: "mdi:palette-outline",
    topic: "tariff",
    applies: (m) => m.tariff?.kind === "tempo",
    value: (m) => m.tariff?.tempoTomorrow ?? null,
    attributes: (m) => ({ day: m.tariff ? addDays(m.tariff.today, 1) : null }),
  },
  {
    key: "consent_problem",
    component: "binary_sensor",
    name: "Consent",
    deviceClass: "problem",
    applies: () => true,
    value: (m) => m.consentProblem,
    attributes: (m) => ({ reason: m.consentReason, consent_end_date: m.consentEndDate }),
  },
];

export interface DiscoveryOptions {
  /** Discovery prefix (`homeassistant`). */
  prefix: string;
  /** Base topic of states and availability (`linky`). */
  baseTopic: string;
  /** Our version, for the origin block. */
  version: string;
}

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export const availabilityTopic = (o: DiscoveryOptions) => `${o.baseTopic}/bridge/state`;
export const stateTopic = (o: DiscoveryOptions, prm: string) => `${o.baseTopic}/${prm}/state`;
export const tariffTopic = (o: DiscoveryOptions, prm: string) => `${o.baseTopic}/${prm}/tariff`;
const topicOf = (o: DiscoveryOptions, prm: string, kind: StateKind | undefined) =>
  kind === "tariff" ? tariffTopic(o, prm) : stateTopic(o, prm);
export const uniqueId = (prm: string, key: string) => `linky_${prm}_${key}`;
export const configTopic = (o: DiscoveryOptions, component: Component, prm: string, key: string) =>
  `${o.prefix}/${component}/${uniqueId(prm, key)}/config`;

/** The discovery configs of a meter's entities (those that apply). */
export function discoveryMessages(o: DiscoveryOptions, m: MeterSnapshot): DiscoveryMessage[] {
  const device = {
    identifiers: [`linky_${m.prm}`],
    name: `Linky ${m.prm}`,
    manufacturer: "Enedis",
    model: "Linky",
    serial_number: m.prm,
  };
  const origin = {
    name: "linky-dataconnect",
    sw_version: o.version,
    support_url: "https://www.npmjs.com/package/linky-dataconnect",
  };
  return ENTITIES.filter((e) => e.applies(m)).map((e) => {
    const id = uniqueId(m.prm, e.key);
    const payload: Record<string, unknown> = {
      name: e.name,
      unique_id: id,
      default_entity_id: `${e.component}.${id}`,
      state_topic: topicOf(o, m.prm, e.topic),
      value_template: `{{ value_json.${e.key} }}`,
      availability: [{ topic: availabilityTopic(o) }],
      device,
      origin,
    };
    if (e.component === "binary_sensor") {
      payload.payload_on = "ON";
      payload.payload_off = "OFF";
    }
    if (e.deviceClass) payload.device_class = e.deviceClass;
    if (e.unit) payload.unit_of_measurement = e.unit;
    if (e.entityCategory) payload.entity_category = e.entityCategory;
    if (e.icon) payload.icon = e.icon;
    if (e.options) payload.options = [...e.options];
    if (e.attributes) {
      payload.json_attributes_topic = topicOf(o, m.prm, e.topic);
      payload.json_attributes_template = `{{ value_json.attributes.${e.key} | tojson }}`;
    }
    return { topic: configTopic(o, e.component, m.prm, e.key), payload };
  });
}

/** The meter's alert `event` entity (alerts/channels/mqtt.ts publishes it with the first alert). */
export const alertEventConfigTopic = (prefix: string, prm: string) =>
  `${prefix}/event/${uniqueId(prm, "alert")}/config`;

/**
 * Topics of every entity a meter may have (to clear the ones that no longer apply, and all of them when
 * the meter is erased), the alert event entity included.
 */
export function allConfigTopics(o: DiscoveryOptions, prm: string): string[] {
  return [
    ...ENTITIES.map((e) => configTopic(o, e.component, prm, e.key)),
    alertEventConfigTopic(o.prefix, prm),
  ];
}

/** Whether the meter has tariff entities (a tariff state topic). */
export const hasTariffState = (m: MeterSnapshot) =>
  ENTITIES.some((e) => e.topic === "tariff" && e.applies(m));

/** A state message of a meter: one JSON object for all its entities of that topic. */
export function stateMessage(m: MeterSnapshot, kind: StateKind = "state"): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const e of ENTITIES) {
    if ((e.topic ?? "state") !== kind || !e.applies(m)) continue;
    const v = e.value(m);
    state[e.key] = e.component === "binary_sensor" ? (v ? "ON" : "OFF") : v;
    if (e.attributes) attributes[e.key] = e.attributes(m);
  }
  return { ...state, attributes };
}
