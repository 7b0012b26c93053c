/**
 * The MQTT publisher: what is current about each meter, as Home Assistant entities found through MQTT
 * discovery (see discovery.ts for the entities and the rules).
 *
 * - Connects with a will: `<baseTopic>/bridge/state` = `offline` (retained) when the process dies;
 *   publishes `online` (retained) once connected. Every entity's availability is that topic.
 * - Per meter: retained discovery configs, then one retained JSON state on `<baseTopic>/<prm>/state`.
 *   Configs of entities that no longer apply are cleared (empty retained payload).
 * - Publishes every meter at start and after each (re)connection, a meter again after its sync
 *   (`sync.finished`, or polling for syncs run by other processes), and everything again when Home
 *   Assistant announces `online` on its status topic (config `mqtt.statusTopic`, default
 *   `homeassistant/status`; Home Assistant sets it apart from the discovery prefix): its birth message
 *   after a restart.
 * - An identical config is not published twice, except when Home Assistant restarted.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { EventBus } from "../app/events.js";
import type { Store } from "../store/index.js";
import {
  allConfigTopics,
  availabilityTopic,
  discoveryMessages,
  stateMessage,
  stateTopic,
  type DiscoveryOptions,
} from "./discovery.js";
import { meterSnapshot } from "./meter-state.js";
import { SyncWatcher } from "./triggers.js";

/** Home Assistant's default birth and will topic. */
export const DEFAULT_STATUS_TOPIC = "homeassistant/status";

export interface MqttPublisherOptions {
  store: Store;
  events?: EventBus | undefined;
  now: () => number;
  log: (message: string) => void;
  /** `mqtt://user:password@host:1883` (config `mqtt.url`). */
  url: string;
  /** Discovery prefix (config `mqtt.prefix`, default `homeassistant`). */
  prefix: string;
  /** Base topic (config `mqtt.baseTopic`, default `linky`). */
  baseTopic: string;
  /**
   * Where Home Assistant announces `online` after a restart (config `mqtt.statusTopic`, default
   * `homeassistant/status`). Home Assistant configures it apart from the discovery prefix.
   */
  statusTopic?: string;
  /** Wait after Home Assistant's `online` before publishing again, ms (default 2 s, as HA subscribes). */
  republishDelayMs?: number;
  /** Polling for syncs run by other processes, ms (default 5 min; 0 = off). */
  pollMs?: number;
  /** Longest wait for the first connection in `start()`, ms (default 5 s; it goes on in the background). */
  connectWaitMs?: number;
  /** Extra MQTT client options (tests). */
  clientOptions?: IClientOptions;
}

/** The broker URL without its credentials, for logs. */
export function redactMqttUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

function packageVersion(): string {
  try {
    // src/publish/ and dist/publish/ are both two levels under the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export class MqttPublisher {
  readonly name = "mqtt";
  private client: MqttClient | null = null;
  private watcher: SyncWatcher | null = null;
  private readonly discovery: DiscoveryOptions;
  /** Last payload published per topic (skip identical configs). */
  private readonly sent = new Map<string, string>();
  private readonly queued = new Set<number>();
  private queuedAll = false;
  private force = false;
  private running: Promise<void> | null = null;
  private republishTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private offErased: (() => void) | undefined;

  constructor(private readonly opts: MqttPublisherOptions) {
    this.discovery = { prefix: opts.prefix, baseTopic: opts.baseTopic, version: packageVersion() };
  }

  get statusTopic(): string {
    return this.opts.statusTopic ?? DEFAULT_STATUS_TOPIC;
  }

  get availabilityTopic(): string {
    return availabilityTopic(this.discovery);
  }

  /** The MQTT client (tests simulate a crash with it). */
  get mqttClient(): MqttClient | null {
    return this.client;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const avail = this.availabilityTopic;
    const client = connect(this.opts.url, {
      clientId: `linky-dataconnect-${randomBytes(4).toString("hex")}`,
      clean: true,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      will: { topic: avail, payload: Buffer.from("offline"), retain: true, qos: 1 },
      ...this.opts.clientOptions,
    });
    this.client = client;
    const shown = redactMqttUrl(this.opts.url);
    let everConnected = false;
    client.on("connect", () => {
      if (!everConnected) this.opts.log(`mqtt: connected to ${shown}`);
      everConnected = true;
      void (async () => {
        try {
          await client.publishAsync(avail, "online", { retain: true, qos: 1 });
          await client.subscribeAsync(this.statusTopic, { qos: 1 });
        } catch (e) {
          this.opts.log(`mqtt: ${e instanceof Error ? e.message : String(e)}`);
        }
        // A broker restart may have lost the retained messages: publish everything again.
        this.enqueueAll(true);
      })();
    });
    client.on("message", (topic, payload) => {
      if (topic !== this.statusTopic || payload.toString() !== "online") return;
      this.opts.log("mqtt: Home Assistant is online again; publishing the discovery configs again");
      if (this.republishTimer) clearTimeout(this.republishTimer);
      this.republishTimer = setTimeout(() => {
        this.republishTimer = null;
        this.enqueueAll(true);
      }, this.opts.republishDelayMs ?? 2000);
      this.republishTimer.unref();
    });
    let lastError = "";
    client.on("error", (e) => {
      if (e.message !== lastError) this.opts.log(`mqtt: ${shown}: ${e.message}`);
      lastError = e.message;
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.log(`mqtt: ${shown} not reachable yet; retrying in the background`);
        resolve();
      }, this.opts.connectWaitMs ?? 5000);
      timer.unref();
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // An erased meter's retained configs and state would keep it alive in Home Assistant: clear them,
    // unless another user's meter has the same PRM (the topics are named by PRM).
    this.offErased = this.opts.events?.on("meter.erased", async ({ usagePointId }) => {
      if ((await this.opts.store.devices.findByMac(usagePointId)).length > 0) return;
      await this.unpublish(usagePointId);
    });
    this.watcher = new SyncWatcher(
      {
        store: this.opts.store,
        events: this.opts.events,
        log: this.opts.log,
        ...(this.opts.pollMs !== undefined ? { intervalMs: this.opts.pollMs } : {}),
      },
      (m) => this.enqueue(m.accountId),
    );
    await this.watcher.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offErased?.();
    this.offErased = undefined;
    if (this.republishTimer) clearTimeout(this.republishTimer);
    this.republishTimer = null;
    await this.watcher?.stop();
    this.watcher = null;
    await this.idle();
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      if (client.connected)
        await client.publishAsync(this.availabilityTopic, "offline", { retain: true, qos: 1 });
    } catch {
      // Going away anyway: the will says offline if this did not.
    }
    await client.endAsync();
  }

  /** Resolves when nothing is queued nor being published (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Publishes one account's meter again (soon, in order). */
  enqueue(accountId: number): void {
    this.queued.add(accountId);
    this.kick();
  }

  /** Publishes every meter again; `force` also re-sends identical configs. */
  enqueueAll(force = false): void {
    this.queuedAll = true;
    if (force) this.force = true;
    this.kick();
  }

  /** Clears a meter's retained configs and state (empty retained payloads). */
  async unpublish(prm: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    for (const topic of [...allConfigTopics(this.discovery, prm), stateTopic(this.discovery, prm)]) {
      await client.publishAsync(topic, "", { retain: true, qos: 1 });
      this.sent.delete(topic);
    }
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain()
      .catch((e: unknown) =>
        this.opts.log(`mqtt: publishing failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => {
        this.running = null;
        if (!this.stopped && (this.queuedAll || this.queued.size > 0) && this.client?.connected) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.client?.connected && (this.queuedAll || this.queued.size > 0)) {
      let ids: number[];
      const force = this.force;
      if (this.queuedAll) {
        this.queuedAll = false;
        this.force = false;
        this.queued.clear();
        ids = (await this.watcherMeters()).map((m) => m.accountId);
      } else {
        ids = [...this.queued];
        this.queued.clear();
      }
      for (const id of ids) {
        try {
          await this.publishMeter(id, force);
        } catch (e) {
          this.opts.log(`mqtt: account ${id}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
  }

  private async watcherMeters() {
    return this.watcher
      ? this.watcher.meters()
      : new SyncWatcher({ store: this.opts.store, log: this.opts.log }, () => {}).meters();
  }

  private async publishMeter(accountId: number, force: boolean): Promise<void> {
    const client = this.client;
    if (!client?.connected) return;
    const { store } = this.opts;
    const account = await store.accounts.findById(accountId);
    if (!account) return;
    const device = await store.devices.findByUserAndMac(account.userId, account.usagePointId);
    if (!device) return;
    const snapshot = await meterSnapshot(store, account, device, this.opts.now());
    const configs = discoveryMessages(this.discovery, snapshot);
    const current = new Set(configs.map((c) => c.topic));
    for (const c of configs) await this.publish(client, c.topic, JSON.stringify(c.payload), force);
    for (const topic of allConfigTopics(this.discovery, snapshot.prm)) {
      // Clear what this process published earlier and no longer applies (empty retained = delete).
      if (!current.has(topic) && this.sent.has(topic) && this.sent.get(topic) !== "") {
        await this.publish(client, topic, "", true);
      }
    }
    await this.publish(
      client,
      stateTopic(this.discovery, snapshot.prm),
      JSON.stringify(stateMessage(snapshot)),
      true,
    );
  }

  private async publish(client: MqttClient, topic: string, payload: string, force: boolean): Promise<void> {
    if (!force && this.sent.get(topic) === payload) return;
    await client.publishAsync(topic, payload, { retain: true, qos: 1 });
    this.sent.set(topic, payload);
  }
}
