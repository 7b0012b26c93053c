/**
 * Issue 13, acceptance 3: the real scheduler on a compressed clock over 5 days, a household with two
 * meters on Conso API (the simulator's stand-in): never more than 90 calls in any 12 h, every run between
 * 06:00 and 10:00 Paris or in the afternoon retry, the history completing newest first; a ban page stops
 * every call at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { unlimited } from "../../src/enedis/quota.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { createSourceResolver } from "../../src/sources/registry.js";
import { openStore, type Store } from "../../src/store/index.js";

const T0 = Date.UTC(2026, 10, 28, 23, 0, 0); // 2026-11-29 00:00 Paris
const PRMS = ["22516914714270", "64975835695673"];
const TEN_MIN = 600_000;

let now = T0;
const clock = () => now;
let sim: RunningSimulator;
let store: Store;
let dir: string;
const calls: number[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
  dir = mkdtempSync(join(tmpdir(), "sched-gw-"));
  store = await openStore({ url: `sqlite:${join(dir, "t.db")}`, dataDir: dir });
});
afterAll(async () => {
  await store?.close();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it(
  "5 days on Conso API: <= 90 calls in any 12 h, 06:00-10:00 runs (+ afternoon retry), history newest first; a ban stops all calls",
  { timeout: 300_000 },
  async () => {
    const config = loadConfig({ env: {} });
    await store.users.create({ username: "bob", passwordHash: "x" });
    const res = await fetch(`${sim.url}/__simulator/gateway-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ usagePointIds: PRMS }),
    });
    const token = ((await res.json()) as { token: string }).token;
    for (const prm of PRMS)
      await registerAccount(store, config, {
        username: "bob",
        usagePointId: prm,
        nowMs: now,
        gateway: { id: "conso-api", token, prms: PRMS },
      });
    const direct = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "x",
      clientSecret: "y",
      now: clock,
      limiter: unlimited,
    });
    const sources = createSourceResolver({
      direct,
      store: store.gateways,
      ledger: store.gateways,
      config,
      simulatorUrl: sim.url,
      now: clock,
      onCall: () => calls.push(now),
    });
    const queue = new MemoryQueue({ now: clock });
    const s = new Scheduler({
      store,
      client: direct,
      sources,
      queue,
      config,
      now: clock,
      log: () => {},
      syncSettings: { backfillMonths: { curve: 6, daily: 6 }, baseBackoffMs: 1, maxBackoffMs: 2 },
      quotaLoad: async () => 0,
      sleep: async () => {},
    });
    await queue.start((job) => s.handle(job));
    const oldestByDay: string[] = [];
    for (let t = T0; t < T0 + 5 * 86_400_000; t += TEN_MIN) {
      now = t;
      await s.dispatch(t);
      await queue.drain();
      if ((t - T0) % 86_400_000 === 86_400_000 - TEN_MIN) {
        const a = (await store.accounts.findByUsagePoint(PRMS[0]!))[0]!;
        oldestByDay.push(a.config.datasets?.consumption_load_curve?.backfill_oldest ?? "");
      }
    }
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(calls.filter((x) => x > c - 12 * 3_600_000 && x <= c).length).toBeLessThanOrEqual(90);
      const hour = Number(
        new Intl.DateTimeFormat("en-GB", {
          timeZone: "Europe/Paris",
          hour: "2-digit",
          hourCycle: "h23",
        }).format(c),
      );
      expect(hour >= 6 && hour < 10 ? true : hour >= 13 && hour < 16).toBe(true);
    }
    // The history grows backwards, day after day.
    const known = oldestByDay.filter((d) => d !== "");
    expect(known.length).toBeGreaterThan(1);
    for (let i = 1; i < known.length; i++) expect(known[i]! <= known[i - 1]!).toBe(true);
    // A ban page: no call leaves afterwards, for either meter.
    await fetch(`${sim.url}/__simulator/gateway-ban`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ gateway: "conso-api", banned: true }),
    });
    const start = now;
    for (let t = start; t < start + 2 * 86_400_000; t += TEN_MIN) {
      now = t;
      await s.dispatch(t);
      await queue.drain();
    }
    expect((await store.gateways.blockOf("conso-api"))?.kind).toBe("banned");
    expect(calls.filter((c) => c >= start).length).toBe(1);
    await queue.stop();
  },
);
