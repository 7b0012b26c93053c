/**
 * The channel table: one entry per channel file, registered in the sender registry (senders/registry.ts)
 * with `dataSource: false`. The in-app list is not a sender: every alert is in it, always.
 */
import { emailChannel } from "./email.js";
import { freeMobileChannel } from "./freemobile.js";
import { mqttChannel } from "./mqtt.js";
import type { Channel } from "./types.js";
import { webhookChannel } from "./webhook.js";

/** A new set of channels (the MQTT one holds a connection: one set per delivery runner). */
export function createChannels(): Map<string, Channel> {
  const list: Channel[] = [
    emailChannel as unknown as Channel,
    freeMobileChannel as unknown as Channel,
    webhookChannel as unknown as Channel,
    mqttChannel() as unknown as Channel,
  ];
  return new Map(list.map((c) => [c.key, c]));
}

/** The channels' descriptions (forms, registry); never used to send. */
export const CHANNELS: ReadonlyMap<string, Channel> = createChannels();

export function channelOf(implKey: string): Channel | undefined {
  return CHANNELS.get(implKey);
}

/** Defaults of a new channel sender's settings. */
export const CHANNEL_DEFAULTS: Record<string, Record<string, unknown>> = {
  email: { host: "", port: 587, security: "starttls", from: "", allowInvalidCertificate: false },
  freemobile: { baseUrl: "https://smsapi.free-mobile.fr" },
  webhook: { url: "" },
  mqtt: {},
};
