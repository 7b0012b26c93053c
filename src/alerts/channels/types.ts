/**
 * Alert channels: the seed's notification senders (e-mail, SMS, Free Mobile) brought back, plus a signed
 * webhook and MQTT / Home Assistant. One file per channel, each registered in the sender registry
 * (`dataSource: false`) and in the channel table of `index.ts`.
 *
 * Glossary
 * - channel sender: a `notification_account_sender` row whose implementation is a channel; the admin
 *   creates it ("Connecteurs"), fills its settings (`config`, plain JSON) and its secrets (`app_secret`
 *   `sender.secret:<sender id>`, encrypted, never shown back), and enables or disables it;
 * - recipient settings: what one user gives a channel sender (their e-mail address, their Free Mobile
 *   login and key), encrypted in `app_secret` under `sender.secret:<sender id>:user:<user id>`;
 * - delivery key: `linky-<alert id>-<sender id>`, the same at every attempt: the e-mail's Message-ID,
 *   the webhook's `X-Linky-Delivery` header, the MQTT event's `delivery_id`; a receiver drops a repeat by it.
 */
import type { z } from "zod";
import type { AlertKind } from "../kinds.js";

/** A form field of a channel's settings (admin) or recipient settings (user). */
export interface ChannelField {
  name: string;
  /** French label. */
  label: string;
  type: "text" | "number" | "email" | "url" | "select" | "checkbox" | "secret";
  hint?: string;
  options?: readonly { value: string; label: string }[];
  /** An example shown in the empty field. */
  placeholder?: string;
  /** The value when the form leaves it empty. */
  defaultValue?: string;
}

/** What a channel sends: one alert, for one user, through one sender. */
export interface OutgoingAlert {
  alertId: number;
  deliveryId: number;
  /** Stable across attempts: the receiver drops a repeat by it. */
  deliveryKey: string;
  kind: AlertKind;
  day: string;
  title: string;
  body: string;
  /** Absolute URL of the page that explains it, or null. */
  link: string | null;
  data: Record<string, unknown>;
  createdAtMs: number;
  userId: number;
  username: string;
  /** The meter's PRM (meter alerts), or null (the summary). */
  usagePointId: string | null;
  /** Every PRM of the user (MQTT publishes a user-level alert on each of their meters). */
  userUsagePoints: string[];
  /** Attempt number, from 1. */
  attempt: number;
}

/**
 * A failure, in plain French (shown to the user and the admin; never a secret).
 * - `permanent`: trying again cannot help (wrong credentials, service not enabled, refused): abandoned;
 * - `senderFault`: the sender itself is at fault (endpoint down, server refusing), not this recipient:
 *   counts towards disabling the sender after repeated failures.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly senderFault: boolean,
  ) {
    super(message);
    this.name = "ChannelError";
  }
}

export interface ChannelDeps {
  now: () => number;
  log: (message: string) => void;
  /** Longest wait for one send, ms. */
  timeoutMs: number;
  /** MQTT broker and topics (config `mqtt.*`). */
  mqtt: { url: string | undefined; prefix: string; baseTopic: string };
}

export interface SendInput<C> {
  config: C;
  secrets: Record<string, string>;
  recipient: Record<string, string>;
  alert: OutgoingAlert;
}

export interface Channel<C = Record<string, unknown>> {
  /** Implementation key (`impl_class`), e.g. `email`. */
  key: string;
  label: string;
  /** The seed's Java class names. */
  aliases: string[];
  /** One-line French description for the admin form. */
  description: string;
  /** Non-secret settings (admin). */
  fields: readonly ChannelField[];
  /** Validates the non-secret settings (after the form's strings are converted). */
  configSchema: z.ZodType<C>;
  /** Secret settings (admin): write-only. */
  secretFields: readonly (ChannelField & { required: boolean; minLength?: number })[];
  /** What each user gives (e-mail address, Free Mobile login and key); all encrypted. */
  recipientFields: readonly (ChannelField & { required: boolean; secret?: boolean })[];
  /** Checks a user's recipient settings; a French message when wrong. */
  checkRecipient?(values: Record<string, string>): string | null;
  send(input: SendInput<C>, deps: ChannelDeps): Promise<void>;
  /** Releases connections (MQTT). */
  close?(): Promise<void>;
}

/** The plain-text message of an alert (SMS, e-mail text part). */
export function plainText(a: OutgoingAlert): string {
  return [a.title, "", a.body, ...(a.link ? ["", a.link] : [])].join("\n");
}

export const secretName = (senderId: number) => `sender.secret:${senderId}`;
export const recipientSecretName = (senderId: number, userId: number) =>
  `sender.secret:${senderId}:user:${userId}`;
export const deliveryKeyOf = (alertId: number, senderId: number) => `linky-${alertId}-${senderId}`;
