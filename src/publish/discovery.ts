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
 */
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
}

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
      state_topic: stateTopic(o, m.prm),
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
      payload.json_attributes_topic = stateTopic(o, m.prm);
      payload.json_attributes_template = `{{ value_json.attributes.${e.key} | tojson }}`;
    }
    return { topic: configTopic(o, e.component, m.prm, e.key), payload };
  });
}

/** Topics of every entity a meter may have (to clear the ones that no longer apply). */
export function allConfigTopics(o: DiscoveryOptions, prm: string): string[] {
  return ENTITIES.map((e) => configTopic(o, e.component, prm, e.key));
}

/** The state message of a meter: one JSON object for all its entities. */
export function stateMessage(m: MeterSnapshot): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const e of ENTITIES) {
    if (!e.applies(m)) continue;
    const v = e.value(m);
    state[e.key] = e.component === "binary_sensor" ? (v ? "ON" : "OFF") : v;
    if (e.attributes) attributes[e.key] = e.attributes(m);
  }
  return { ...state, attributes };
}
