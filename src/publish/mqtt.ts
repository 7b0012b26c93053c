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
 * - Tariff entities (meters on an offer: current period and price, Tempo colours) have their own state
 *   topic. The publisher keeps each such meter's tariff inputs (offer, off-peak hours, Tempo colours) and
 *   every `tariffTickMs` (a minute) works out the period of the moment without the database, publishing
 *   only when it changed; the inputs are read again each new day, every `tariffRefreshMs` (15 min, for
 *   offers and assignments changed by another process) and at once on `tempo.updated`.
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
  hasTariffState,
  stateMessage,
  stateTopic,
  tariffTopic,
  type DiscoveryOptions,
} from "./discovery.js";
import { parisToday } from "../domain/time.js";
import type { Device } from "../store/repositories/devices.js";
import { loadTariffInputs, tariffAt, type TariffInputs } from "../tariffs/current.js";
import { meterSnapshot, type MeterSnapshot } from "./meter-state.js";
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
  /** How often the tariff entities' period is worked out again, ms (default 60 s; 0 = never). */
  tariffTickMs?: number;
  /** How often a meter's tariff inputs are read again from the store, ms (default 15 min). */
  tariffRefreshMs?: number;
  /** Extra MQTT client options (tests). */
  clientOptions?: IClientOptions;
}

interface TariffEntry {
  prm: string;
  device: Device;
  inputs: TariffInputs;
  /** The snapshot the meter's configs were published from (the tariff part is replaced). */
  snapshot: MeterSnapshot;
  loadedAtMs: number;
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
  private offTempo: (() => void) | undefined;
  private readonly tariffs = new Map<number, TariffEntry>();
  private tariffTimer: NodeJS.Timeout | null = null;
  private tariffRun: Promise<void> | null = null;

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
    // Tomorrow's Tempo colour stored: read every tariff's inputs again now.
    this.offTempo = this.opts.events?.on("tempo.updated", () => {
      for (const e of this.tariffs.values()) e.loadedAtMs = 0;
      void this.tariffTick();
    });
    const every = this.opts.tariffTickMs ?? 60_000;
    if (every > 0) {
      this.tariffTimer = setInterval(() => void this.tariffTick(), every);
      this.tariffTimer.unref();
    }
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
    this.offTempo?.();
    this.offTempo = undefined;
    if (this.tariffTimer) clearInterval(this.tariffTimer);
    this.tariffTimer = null;
    await this.tariffRun;
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
    for (const [id, e] of this.tariffs) if (e.prm === prm) this.tariffs.delete(id);
    for (const topic of [
      ...allConfigTopics(this.discovery, prm),
      stateTopic(this.discovery, prm),
      tariffTopic(this.discovery, prm),
    ]) {
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
    const now = this.opts.now();
    const inputs = await loadTariffInputs(store, device, parisToday(now));
    const snapshot = await meterSnapshot(store, account, device, now, inputs);
    if (inputs) this.tariffs.set(accountId, { prm: snapshot.prm, device, inputs, snapshot, loadedAtMs: now });
    else this.tariffs.delete(accountId);
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
    const tariff = tariffTopic(this.discovery, snapshot.prm);
    if (hasTariffState(snapshot))
      await this.publish(client, tariff, JSON.stringify(stateMessage(snapshot, "tariff")), true);
    else if (this.sent.has(tariff) && this.sent.get(tariff) !== "")
      await this.publish(client, tariff, "", true);
  }

  /**
   * The tariff entities of every meter on an offer, at the clock's minute: published when they changed.
   * A meter whose offer changed kind (its entities are not the same) is published whole again.
   */
  tariffTick(): Promise<void> {
    this.tariffRun ??= this.tariffPass()
      .catch((e: unknown) =>
        this.opts.log(`mqtt: tariff entities: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => {
        this.tariffRun = null;
      });
    return this.tariffRun;
  }

  private async tariffPass(): Promise<void> {
    const client = this.client;
    if (!client?.connected || this.stopped) return;
    const now = this.opts.now();
    const today = parisToday(now);
    const refreshMs = this.opts.tariffRefreshMs ?? 15 * 60_000;
    for (const [accountId, e] of [...this.tariffs]) {
      if (e.inputs.day !== today || now - e.loadedAtMs >= refreshMs) {
        const fresh = await loadTariffInputs(this.opts.store, e.device, today);
        if (!fresh || fresh.offer.kind !== e.inputs.offer.kind) {
          this.enqueue(accountId);
          continue;
        }
        e.inputs = fresh;
        e.loadedAtMs = now;
      }
      const snapshot = { ...e.snapshot, tariff: tariffAt(e.inputs, now) };
      await this.publish(
        client,
        tariffTopic(this.discovery, e.prm),
        JSON.stringify(stateMessage(snapshot, "tariff")),
        false,
      );
    }
  }

  private async publish(client: MqttClient, topic: string, payload: string, force: boolean): Promise<void> {
    if (!force && this.sent.get(topic) === payload) return;
    await client.publishAsync(topic, payload, { retain: true, qos: 1 });
    this.sent.set(topic, payload);
  }
}
