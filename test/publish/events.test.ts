/**
 * The event bus and how the publishers are wired: `syncOneAccount` tells `sync.finished` (against the
 * simulator, on SQLite), a failing listener reaches neither the emitter nor the other listeners, and the
 * configuration decides which publishers exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus, type AppEvents } from "../../src/app/events.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { HomeAssistantStatistics } from "../../src/publish/homeassistant-statistics.js";
import { MqttPublisher } from "../../src/publish/mqtt.js";
import { publishersFor } from "../../src/publish/index.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";
import { createTarget, type DbTarget } from "../helpers/db.js";
import { config, meter } from "./helpers.js";

describe("event bus", () => {
  it("delivers to every listener after emit returns; a failing listener is logged, not thrown", async () => {
    const logs: string[] = [];
    const bus = new EventBus((m) => logs.push(m));
    const got: number[] = [];
    bus.on("sync.finished", () => {
      throw new Error("boom");
    });
    bus.on("sync.finished", async () => Promise.reject(new Error("async boom")));
    const off = bus.on("sync.finished", (e) => {
      got.push(e.accountId);
    });
    const payload = { accountId: 7, deviceId: 1, usagePointId: "x" } as AppEvents["sync.finished"];
    bus.emit("sync.finished", payload);
    expect(got).toEqual([]); // not synchronously
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([7]);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/sync.finished listener failed: boom/);
    off();
    bus.emit("sync.finished", payload);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([7]);
    expect(bus.listenerCount("sync.finished")).toBe(2);
  });
});

describe("sync.finished from an account sync", () => {
  const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
  let sim: RunningSimulator;
  let target: DbTarget;
  let store: Store;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, now: () => T0, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
    target = await createTarget("sqlite");
    store = await openStore({ url: target.url, dataDir: target.dataDir });
  });
  afterAll(async () => {
    await store?.close();
    await target?.cleanup();
    await sim?.stop();
  });

  it("is emitted once per account sync, with the account, device and outcome", async () => {
    const { account, deviceId } = await meter(store, "22516914714270");
    const client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: () => T0,
    });
    const events = new EventBus();
    const seen: Array<AppEvents["sync.finished"]> = [];
    events.on("sync.finished", (e) => {
      seen.push(e);
    });
    const [a] = await dataConnectAccounts(store, "22516914714270");
    const r = await syncOneAccount({ store, client, now: () => T0, sleep: async () => {}, events }, a!, {
      freshOnly: true,
      backfillMonths: { curve: 1, daily: 1 },
    });
    await new Promise((res) => setTimeout(res, 10));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      accountId: account.id,
      deviceId,
      usagePointId: "22516914714270",
      outcome: r.outcome,
    });
    // without a bus, nothing breaks (backward compatible)
    await syncOneAccount({ store, client, now: () => T0, sleep: async () => {} }, a!, { freshOnly: true });
  }, 60_000);

  it("is emitted by the scheduler's account jobs (the bus it is given)", async () => {
    const { account } = await meter(store, "63695879465986");
    const client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: () => T0,
    });
    const events = new EventBus();
    const seen: number[] = [];
    events.on("sync.finished", (e) => {
      seen.push(e.accountId);
    });
    const scheduler = new Scheduler({
      store,
      client,
      queue: new MemoryQueue(),
      config,
      now: () => T0,
      log: () => {},
      syncSettings: { backfillMonths: { curve: 1, daily: 1 } },
      sleep: async () => {},
      events,
    });
    await scheduler.handle({ kind: "account", accountId: account.id, fireTimeMs: T0, mode: "fresh" });
    await new Promise((res) => setTimeout(res, 10));
    expect(seen).toEqual([account.id]);
  }, 60_000);
});

describe("publishers from the configuration", () => {
  const ctx = (over: Partial<typeof config>) => ({
    config: { ...config, ...over },
    store: {} as Store,
    events: new EventBus(),
    now: Date.now,
    log: () => {},
  });
  it("starts none by default, MQTT with mqtt.url, the statistics with homeassistant.url and token", () => {
    expect(publishersFor(ctx({}), {})).toEqual([]);
    const mqtt = publishersFor(ctx({ mqtt: { ...config.mqtt, url: "mqtt://127.0.0.1:1883" } }), {});
    expect(mqtt.map((p) => p.constructor)).toEqual([MqttPublisher]);
    const both = publishersFor(
      ctx({
        mqtt: { ...config.mqtt, url: "mqtt://127.0.0.1:1883" },
        homeassistant: { ...config.homeassistant, url: "http://ha:8123", token: "t" },
      }),
      {},
    );
    expect(both.map((p) => p.name)).toEqual(["mqtt", "homeassistant"]);
    expect(both[1]).toBeInstanceOf(HomeAssistantStatistics);
    expect((both[1] as HomeAssistantStatistics).client).toBeDefined();
    // as an add-on: the Supervisor's URL and token
    expect(publishersFor(ctx({}), { SUPERVISOR_TOKEN: "s" }).map((p) => p.name)).toEqual(["homeassistant"]);
    expect(config.mqtt).toEqual({
      prefix: "homeassistant",
      baseTopic: "linky",
      statusTopic: "homeassistant/status",
    });
    expect(config.homeassistant).toEqual({ chunkHours: 720 });
  });
});
