/**
 * A webhook: each alert as a JSON POST to the admin's URL, signed with HMAC-SHA256.
 *
 * Headers:
 * - `X-Linky-Delivery: linky-<alert id>-<sender id>` (also `Idempotency-Key`): the same at every attempt,
 *   so the receiver drops a repeat;
 * - `X-Linky-Timestamp: <unix seconds>` of this attempt;
 * - `X-Linky-Signature: sha256=<hex>`, HMAC-SHA256 with the sender's secret over `<timestamp>.<raw body>`:
 *   the receiver recomputes it, compares in constant time and refuses an old timestamp (replays).
 *
 * Any 2xx is a success. 408, 429 and 5xx, a timeout or a connection failure are retried with backoff;
 * another 4xx is not (the receiver refuses it). Every failure counts against the sender, which repeated
 * failures disable (`alerts.delivery.disableAfterFailures`).
 */
import { createHmac } from "node:crypto";
import { z } from "zod";
import { ChannelError, type Channel, type OutgoingAlert } from "./types.js";

const configSchema = z
  .object({
    url: z
      .string()
      .url("l'adresse doit être une URL http(s)")
      .refine((u) => /^https?:\/\//i.test(u), "l'adresse doit commencer par http:// ou https://"),
  })
  .strict();

export type WebhookConfig = z.infer<typeof configSchema>;

/** The JSON body (snake_case: it is a wire format). */
export function webhookBody(a: OutgoingAlert): Record<string, unknown> {
  return {
    delivery_id: a.deliveryKey,
    attempt: a.attempt,
    alert: {
      id: a.alertId,
      kind: a.kind,
      day: a.day,
      title: a.title,
      body: a.body,
      link: a.link,
      usage_point_id: a.usagePointId,
      created_at: new Date(a.createdAtMs).toISOString(),
      data: a.data,
    },
    user: { id: a.userId, username: a.username },
  };
}

/** `sha256=<hex>` of `<timestamp>.<raw body>` (what a receiver recomputes). */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

export const webhookChannel: Channel<WebhookConfig> = {
  key: "webhook",
  label: "Webhook (JSON signé)",
  aliases: [],
  description:
    "Envoie chaque alerte en JSON (POST) à une adresse, signée HMAC-SHA256 dans l'en-tête X-Linky-Signature.",
  fields: [
    { name: "url", label: "Adresse (URL)", type: "url", placeholder: "https://example.org/hooks/linky" },
  ],
  configSchema,
  secretFields: [
    {
      name: "signingKey",
      label: "Clé de signature HMAC",
      type: "secret",
      required: true,
      minLength: 16,
      hint: "Au moins 16 caractères ; le destinataire vérifie la signature avec la même clé.",
    },
  ],
  recipientFields: [],

  async send({ config, secrets, alert }, deps) {
    const key = secrets.signingKey;
    if (!key) throw new ChannelError("La clé de signature du webhook manque.", true, true);
    const raw = JSON.stringify(webhookBody(alert));
    const timestamp = String(Math.floor(deps.now() / 1000));
    let res: Response;
    try {
      res = await fetch(config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "linky-dataconnect",
          "x-linky-delivery": alert.deliveryKey,
          "idempotency-key": alert.deliveryKey,
          "x-linky-timestamp": timestamp,
          "x-linky-signature": webhookSignature(key, timestamp, raw),
        },
        body: raw,
        redirect: "manual",
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      await res.body?.cancel();
    } catch {
      throw new ChannelError(
        "L'adresse du webhook est injoignable ou n'a pas répondu à temps ; nouvel essai plus tard.",
        false,
        true,
      );
    }
    if (res.status >= 200 && res.status < 300) return;
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new ChannelError(
      retry
        ? `Le webhook répond ${res.status} ; nouvel essai plus tard.`
        : `Le webhook refuse l'alerte (${res.status}).`,
      !retry,
      true,
    );
  },
};
