/**
 * Delivering alerts: a loop that `serve` and every `worker` run (embedded and distributed modes alike),
 * each claiming due deliveries in the database before sending them.
 *
 * One delivery = one alert through one channel sender (`alert_delivery`, unique per alert and sender; the
 * alert is unique per kind, meter and Paris day). Its life:
 *   pending ──claim──▶ sending (claimed) ──▶ sent
 *                          │ failure ──▶ failed (next_attempt_ms = now + backoff) ──claim──▶ …
 *                          │ permanent failure, or the last attempt ──▶ abandoned
 *                          └ process killed ──▶ the claim expires (or is released at once when the holder
 *                            was a dead process of this machine) ──▶ due again
 *
 * What "exactly once" rests on: the claim keeps two processes from sending a delivery at once; the alert
 * and its deliveries are written in one transaction, so none is lost; a process killed after the
 * receiver took a message but before `sent` was written sends it again after the restart, with the same
 * delivery key (e-mail Message-ID, webhook `X-Linky-Delivery`, MQTT `alert_id`), which the receiver uses
 * to drop the repeat. A receiver that cannot (an SMS) may get that one message twice.
 */
import type { Config } from "../config/schema.js";
import { holderIsDead, holderName } from "../scheduler/lease.js";
import { findImplementation } from "../senders/registry.js";
import type { Store } from "../store/index.js";
import { CHANNEL_DEFAULTS, createChannels } from "./channels/index.js";
import {
  ChannelError,
  deliveryKeyOf,
  recipientSecretName,
  secretName,
  type Channel,
  type ChannelDeps,
  type OutgoingAlert,
} from "./channels/types.js";
import { raiseDueSummaries } from "./summary.js";

export type DeliveryPhase = "claimed" | "sent" | "marked";

export interface DeliveryRunnerOptions {
  store: Store;
  config: Config;
  now: () => number;
  log: (message: string) => void;
  /** Default: a new set (`createChannels`). */
  channels?: Map<string, Channel>;
  /** Who claims (default `holderName("alerts")`: host, PID namespace and pid). */
  holder?: string;
  /** Raise the users' summaries on each look (default `alerts.summary.enabled`). */
  summaries?: boolean;
  /** Test hook: called at each step of a delivery (the crash test kills the process there). */
  onPhase?: (phase: DeliveryPhase, deliveryId: number) => void | Promise<void>;
}

export interface DeliveryOutcome {
  deliveryId: number;
  status: "sent" | "failed" | "abandoned" | "lost";
  error?: string;
}

/** Wait before the next attempt after `attempt` failed (1-based): base × 2^(attempt−1), capped. */
export function backoffMs(attempt: number, d: Config["alerts"]["delivery"]): number {
  const ms = d.baseBackoffSeconds * 1000 * 2 ** Math.max(0, attempt - 1);
  return Math.min(ms, d.maxBackoffSeconds * 1000);
}

/** The web app's address for messages' links. */
export function publicUrlOf(config: Config): string {
  return config.alerts.delivery.publicUrl ?? new URL(config.enedis.redirect_uri).origin;
}

function parseJson(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
  } catch {
    return {};
  }
}

export class DeliveryRunner {
  readonly name = "alerts";
  readonly holder: string;
  private readonly channels: Map<string, Channel>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  /** When the summaries were last looked for (they are due at most once a day per user). */
  private summariesAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: DeliveryRunnerOptions) {
    this.holder = opts.holder ?? holderName("alerts");
    this.channels = opts.channels ?? createChannels();
  }

  private get settings() {
    return this.opts.config.alerts.delivery;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const tick = () => {
      if (this.stopped || this.running) return;
      this.running = this.runOnce()
        .catch((e: unknown) =>
          this.opts.log(`alerts: delivery look failed: ${e instanceof Error ? e.message : String(e)}`),
        )
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, this.settings.pollSeconds * 1000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    for (const c of this.channels.values()) await c.close?.();
  }

  /** One look: summaries due, claims of dead processes released, then every due delivery sent. */
  async runOnce(): Promise<DeliveryOutcome[]> {
    const { store } = this.opts;
    for (const c of await store.alertDeliveries.activeClaims()) {
      if (holderIsDead(c.holder) && (await store.alertDeliveries.release(c.id, c.holder)))
        this.opts.log(`alerts: delivery ${c.id}: claim of a process that died released`);
    }
    // Summaries: every user's settings are read, so not at every look; every 5 minutes is soon enough for
    // a message due from a given hour.
    const now = this.opts.now();
    if (
      (this.opts.summaries ?? this.opts.config.alerts.summary.enabled) &&
      now - this.summariesAtMs >= 300_000
    ) {
      this.summariesAtMs = now;
      // A database error there must not keep the due deliveries from going.
      await raiseDueSummaries({
        store,
        hour: this.opts.config.alerts.summary.hour,
        now: this.opts.now,
        log: this.opts.log,
      }).catch((e: unknown) =>
        this.opts.log(`alerts: summaries not looked for: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    const out: DeliveryOutcome[] = [];
    for (let round = 0; round < 50; round++) {
      const ids = await store.alertDeliveries.dueIds(this.settings.batchSize);
      if (ids.length === 0) break;
      let claimedAny = false;
      for (const id of ids) {
        const d = await store.alertDeliveries.claim(
          id,
          this.holder,
          this.opts.now() + this.settings.claimSeconds * 1000,
        );
        if (!d) continue;
        claimedAny = true;
        out.push(await this.deliver(d.id, d.alertId, d.senderId, d.attempts));
      }
      if (!claimedAny) break;
    }
    return out;
  }

  private async deliver(
    deliveryId: number,
    alertId: number,
    senderId: number,
    attempt: number,
  ): Promise<DeliveryOutcome> {
    const { store, log } = this.opts;
    const fail = async (error: ChannelError): Promise<DeliveryOutcome> => {
      const last = error.permanent || attempt >= this.settings.maxAttempts;
      const next = last ? null : this.opts.now() + backoffMs(attempt, this.settings);
      const ok = await store.alertDeliveries.markFailed(deliveryId, this.holder, {
        error: error.message,
        nextAttemptMs: next,
      });
      log(
        `alerts: delivery ${deliveryId} (alert ${alertId}, sender ${senderId}) ${last ? "abandoned" : "failed"} at attempt ${attempt}: ${error.message}`,
      );
      if (error.senderFault) {
        const n = this.settings.disableAfterFailures;
        const reason = `Désactivé automatiquement après ${n} échecs d'envoi de suite ; dernier : ${error.message}`;
        if (await store.senders.recordFailure(senderId, n, reason))
          log(`alerts: sender ${senderId} disabled after ${n} failed deliveries in a row`);
      }
      if (!ok) return { deliveryId, status: "lost" };
      return { deliveryId, status: last ? "abandoned" : "failed", error: error.message };
    };

    const alert = await store.alerts.findById(alertId);
    const sender = await store.senders.findById(senderId);
    if (!alert || !sender) return fail(new ChannelError("L'alerte ou le canal n'existe plus.", true, false));
    const key = findImplementation(sender.implClass)?.key;
    const channel = key ? this.channels.get(key) : undefined;
    if (!key || !channel)
      return fail(new ChannelError(`« ${sender.libelle} » n'est pas un canal d'alertes.`, true, false));
    const parsed = channel.configSchema.safeParse({ ...CHANNEL_DEFAULTS[key], ...sender.config });
    if (!parsed.success)
      return fail(
        new ChannelError(
          `Les réglages du connecteur « ${sender.libelle} » sont incomplets : l'administrateur doit les corriger.`,
          true,
          true,
        ),
      );
    const secrets = parseJson(await store.secrets.get(secretName(senderId)));
    const recipient = parseJson(await store.secrets.get(recipientSecretName(senderId, alert.userId)));
    const user = await store.users.findById(alert.userId);
    const accounts = await store.accounts.list({ userId: alert.userId, limit: 1000 });
    const usagePointId =
      alert.accountId === null
        ? null
        : ((await store.accounts.findById(alert.accountId))?.usagePointId ?? null);
    const outgoing: OutgoingAlert = {
      alertId,
      deliveryId,
      deliveryKey: deliveryKeyOf(alertId, senderId),
      kind: alert.kind,
      day: alert.day,
      title: alert.title,
      body: alert.body,
      link: alert.link ? new URL(alert.link, publicUrlOf(this.opts.config)).toString() : null,
      data: alert.data,
      createdAtMs: alert.createdAtMs,
      userId: alert.userId,
      username: user?.username ?? "",
      usagePointId,
      userUsagePoints: [...new Set(accounts.map((a) => a.usagePointId))],
      attempt,
    };
    const deps: ChannelDeps = {
      now: this.opts.now,
      log,
      timeoutMs: this.settings.timeoutSeconds * 1000,
      mqtt: {
        url: this.opts.config.mqtt.url,
        prefix: this.opts.config.mqtt.prefix,
        baseTopic: this.opts.config.mqtt.baseTopic,
      },
    };
    await this.opts.onPhase?.("claimed", deliveryId);
    try {
      await channel.send({ config: parsed.data, secrets, recipient, alert: outgoing }, deps);
    } catch (e) {
      if (e instanceof ChannelError) return fail(e);
      // Not a channel's own failure: say it plainly, keep the detail (no secret in our errors) in the log.
      log(`alerts: delivery ${deliveryId}: ${e instanceof Error ? e.message : String(e)}`);
      return fail(
        new ChannelError("Erreur inattendue pendant l'envoi ; nouvel essai plus tard.", false, true),
      );
    }
    await this.opts.onPhase?.("sent", deliveryId);
    const marked = await store.alertDeliveries.markSent(deliveryId, this.holder);
    await store.senders.recordSuccess(senderId);
    await this.opts.onPhase?.("marked", deliveryId);
    if (!marked) log(`alerts: delivery ${deliveryId} sent, but its claim had expired meanwhile`);
    else log(`alerts: delivery ${deliveryId} (alert ${alertId}, sender ${senderId}) sent`);
    return { deliveryId, status: marked ? "sent" : "lost" };
  }
}
