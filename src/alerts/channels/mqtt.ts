/**
 * MQTT / Home Assistant: each meter gets an `event` entity, **Alert** (`event.linky_<prm>_alert`), found
 * through discovery like the publisher's entities (publish/discovery.ts: same device block, origin,
 * `unique_id` + `default_entity_id`, retained config); each alert is one event on
 * `<baseTopic>/<prm>/alert`: `{"event_type": "<kind>", "alert_id": …, "delivery_id": …, "title": …}`
 * (QoS 1, not retained: an event happens once). A user-level alert (the summary) goes to each of the
 * user's meters. Home Assistant automations trigger on the event type.
 *
 * The broker is `mqtt.url` (the publisher's), on a connection of this process: `worker` processes, which
 * run no publisher, deliver too. The event entity has no availability topic: the bridge's `online` is
 * the publisher's connection, and an event may come from a worker while `serve` is down.
 * Receivers drop a repeat by `alert_id` (a QoS 1 message may come twice, and so may a delivery retried
 * after a crash).
 */
import { randomBytes } from "node:crypto";
import { connect, type MqttClient } from "mqtt";
import { z } from "zod";
import { alertEventConfigTopic } from "../../publish/discovery.js";
import { redactMqttUrl } from "../../publish/mqtt.js";
import { ALERT_KINDS } from "../kinds.js";
import { ChannelError, type Channel, type ChannelDeps, type OutgoingAlert } from "./types.js";

const configSchema = z.object({}).strict();
export type MqttChannelConfig = z.infer<typeof configSchema>;

export const alertEventTopic = (baseTopic: string, prm: string) => `${baseTopic}/${prm}/alert`;
export { alertEventConfigTopic };

/** The discovery config of a meter's alert event entity. */
export function alertEventDiscovery(
  o: { prefix: string; baseTopic: string },
  prm: string,
): { topic: string; payload: Record<string, unknown> } {
  const id = `linky_${prm}_alert`;
  return {
    topic: alertEventConfigTopic(o.prefix, prm),
    payload: {
      name: "Alert",
      unique_id: id,
      default_entity_id: `event.${id}`,
      state_topic: alertEventTopic(o.baseTopic, prm),
      event_types: [...ALERT_KINDS],
      icon: "mdi:bell-alert",
      device: {
        identifiers: [`linky_${prm}`],
        name: `Linky ${prm}`,
        manufacturer: "Enedis",
        model: "Linky",
        serial_number: prm,
      },
      origin: { name: "linky-dataconnect", support_url: "https://www.npmjs.com/package/linky-dataconnect" },
    },
  };
}

/** The event message (Home Assistant reads `event_type`; the rest become the event's attributes). */
export function alertEventPayload(a: OutgoingAlert): Record<string, unknown> {
  return {
    event_type: a.kind,
    alert_id: a.alertId,
    delivery_id: a.deliveryKey,
    day: a.day,
    title: a.title,
    body: a.body,
    link: a.link,
  };
}

/** A new MQTT channel, with its own connection (opened at the first send, closed by `close`). */
export function mqttChannel(): Channel<MqttChannelConfig> {
  let client: MqttClient | null = null;
  let url: string | null = null;
  /** Discovery configs published on this connection. */
  const announced = new Set<string>();

  async function connected(deps: ChannelDeps): Promise<MqttClient> {
    const target = deps.mqtt.url;
    if (!target)
      throw new ChannelError(
        "MQTT n'est pas configuré sur ce serveur (mqtt.url / MQTT_URL) : l'administrateur doit l'indiquer.",
        true,
        true,
      );
    if (client && url === target && client.connected) return client;
    if (client) await client.endAsync(true).catch(() => undefined);
    announced.clear();
    url = target;
    const c = connect(target, {
      clientId: `linky-dataconnect-alerts-${randomBytes(4).toString("hex")}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: deps.timeoutMs,
    });
    client = c;
    await new Promise<void>((resolve, reject) => {
      c.once("connect", () => resolve());
      c.once("error", (e) => reject(e));
      c.once("close", () => reject(new Error("closed")));
    }).catch((e: unknown) => {
      client = null;
      void c.endAsync(true).catch(() => undefined);
      deps.log(`alerts: mqtt ${redactMqttUrl(target)}: ${e instanceof Error ? e.message : String(e)}`);
      throw new ChannelError("Le serveur MQTT est injoignable ; nouvel essai plus tard.", false, true);
    });
    return c;
  }

  return {
    key: "mqtt",
    label: "MQTT / Home Assistant",
    aliases: [],
    description:
      "Publie chaque alerte comme un évènement de l'entité « Alert » du compteur dans Home Assistant (découverte MQTT, serveur mqtt.url).",
    fields: [],
    configSchema,
    secretFields: [],
    recipientFields: [],

    async send({ alert }, deps) {
      const prms = alert.usagePointId ? [alert.usagePointId] : alert.userUsagePoints;
      if (prms.length === 0)
        throw new ChannelError("Aucun compteur pour publier cette alerte dans Home Assistant.", true, false);
      const c = await connected(deps);
      try {
        for (const prm of prms) {
          const config = alertEventDiscovery(deps.mqtt, prm);
          if (!announced.has(config.topic)) {
            await c.publishAsync(config.topic, JSON.stringify(config.payload), { retain: true, qos: 1 });
            announced.add(config.topic);
          }
          await c.publishAsync(
            alertEventTopic(deps.mqtt.baseTopic, prm),
            JSON.stringify(alertEventPayload(alert)),
            {
              qos: 1,
            },
          );
        }
      } catch {
        throw new ChannelError("La publication MQTT a échoué ; nouvel essai plus tard.", false, true);
      }
    },

    async close() {
      const c = client;
      client = null;
      announced.clear();
      await c?.endAsync().catch(() => undefined);
    },
  };
}
