/**
 * The publishers of a process, from the configuration: MQTT with Home Assistant discovery (`mqtt.url`)
 * and the Home Assistant statistics import (`homeassistant.url` + `homeassistant.token`, or the
 * Supervisor's URL and token when run as a Home Assistant add-on). Each is one file behind
 * `start()`/`stop()`; they learn about syncs from the event bus only.
 */
import type { EventBus } from "../app/events.js";
import type { Config } from "../config/schema.js";
import type { Store } from "../store/index.js";
import { HomeAssistantStatistics } from "./homeassistant-statistics.js";
import { MqttPublisher } from "./mqtt.js";

export interface Publisher {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PublisherContext {
  config: Config;
  store: Store;
  events: EventBus;
  now: () => number;
  log: (message: string) => void;
}

/**
 * Where the statistics go: the configured URL and token, else the Supervisor's when the process runs as
 * an add-on (`SUPERVISOR_TOKEN` set), else nowhere.
 */
export function homeAssistantTarget(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token: string } | null {
  const supervisor = env.SUPERVISOR_TOKEN;
  const url = config.homeassistant.url ?? (supervisor ? "http://supervisor/core" : undefined);
  const token = config.homeassistant.token ?? (config.homeassistant.url ? undefined : supervisor);
  if (!url) return null;
  if (!token) {
    throw new Error(
      "homeassistant.url is set but homeassistant.token is not: create a long-lived access token in your " +
        "Home Assistant profile and set HOMEASSISTANT_TOKEN",
    );
  }
  return { url, token };
}

/** The publishers the configuration asks for (not started). */
export function publishersFor(ctx: PublisherContext, env: NodeJS.ProcessEnv = process.env): Publisher[] {
  const out: Publisher[] = [];
  const { config, store, events, now, log } = ctx;
  if (config.mqtt.url) {
    out.push(
      new MqttPublisher({
        store,
        events,
        now,
        log,
        url: config.mqtt.url,
        prefix: config.mqtt.prefix,
        baseTopic: config.mqtt.baseTopic,
        statusTopic: config.mqtt.statusTopic,
      }),
    );
  }
  const ha = homeAssistantTarget(config, env);
  if (ha) {
    out.push(
      new HomeAssistantStatistics({
        store,
        events,
        log,
        url: ha.url,
        token: ha.token,
        chunkHours: config.homeassistant.chunkHours,
      }),
    );
  }
  return out;
}
