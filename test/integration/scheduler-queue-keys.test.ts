/**
 * One pending fresh job per account, whatever the number of fire times (job key `sync:<account id>`):
 * while the quota holds a backlog, the jobs queued at a fire time are still waiting at the next ones, and
 * every fire finds the same accounts due again. The queue must not grow by one job per due account per
 * fire. Stalled queue: nothing takes the account jobs; the page jobs are run by hand, fire after fire.
 * Memory queue on both databases, graphile-worker's on PostgreSQL.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { unlimited } from "../../src/enedis/quota.js";
import { PgQueue } from "../../src/scheduler/queue/pg.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import type { JobQueue } from "../../src/scheduler/queue/types.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import type { Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const F1 = Date.UTC(2026, 10, 28, 9, 0, 0);
const MINUTE = 60_000;
const FIRES = 4;
const PRMS = ["22516914714270", "12345678901234", "64975835695673"];

describeEachDatabase("account job keys: a stalled queue holds one pending fresh job per account", (db) => {
  let now = F1;
  const clock = () => now;
  let store: Store;
  const config = loadConfig({ env: {} });
  const queues: PgQueue[] = [];

  beforeAll(async () => {
    store = db.getStore();
    await store.users.create({ username: "alice", passwordHash: "x" });
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 * * * * ?",
    });
    for (const prm of PRMS)
      await registerAccount(store, config, { username: "alice", usagePointId: prm, nowMs: now });
  });
  afterAll(async () => {
    for (const q of queues) await q.stop();
  });

  /** Dispatches FIRES fire times in a row and runs their page jobs; nothing runs the account jobs. */
  async function stalledFires(queue: JobQueue, firstFire: number): Promise<void> {
    const scheduler = new Scheduler({
      store,
      // Never called: no account job runs.
      client: new DataConnectClient({
        apiUrl: "http://127.0.0.1:9",
        clientId: "x",
        clientSecret: "y",
        now: clock,
        limiter: unlimited,
      }),
      queue,
      config,
      now: clock,
      log: () => {},
      syncSettings: {},
      quotaLoad: async () => 0,
    });
    for (let i = 0; i < FIRES; i++) {
      const fire = firstFire + i * MINUTE;
      now = fire + 1000;
      expect(await scheduler.dispatch(fire)).toBe(1);
      await scheduler.handle({
        kind: "page",
        sinceMs: fire - MINUTE,
        fireTimeMs: fire,
        offset: 0,
        limit: 25,
      });
    }
  }

  it("memory queue", async () => {
    const queue = new MemoryQueue({ now: clock });
    await stalledFires(queue, F1);
    const accountKeys = queue.pendingKeys().filter((k) => !k.startsWith("page:"));
    // Every account is due at every fire: one job each, not one per fire.
    expect(accountKeys.sort()).toEqual(
      (await Promise.all(PRMS.map(async (p) => (await store.accounts.findByUsagePoint(p))[0]!.id)))
        .map((id) => `sync:${id}`)
        .sort(),
    );
  });

  // PostgreSQL only: graphile-worker runs there (the SQLite variant is the memory queue above).
  it.runIf(db.kind === "postgres")("graphile-worker queue", async () => {
    const url = db.target().url;
    const queue = new PgQueue({ connectionString: url, schema: "keys_test", now: clock });
    queues.push(queue);
    await stalledFires(queue, F1 + 10 * MINUTE);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ key: string; n: string }>(
        "select key, count(*) as n from keys_test.jobs where task_identifier = 'account' group by key order by key",
      );
      expect(rows.length).toBe(PRMS.length);
      for (const r of rows) {
        expect(r.key).toMatch(/^sync:\d+$/);
        expect(Number(r.n)).toBe(1);
      }
      // The pending job carries the newest fire time (graphile-worker replaces a pending job's payload).
      const { rows: payloads } = await client.query<{ payload: { fireTimeMs: number } }>(
        "select payload from keys_test._private_jobs where key like 'sync:%'",
      );
      for (const p of payloads) expect(p.payload.fireTimeMs).toBe(F1 + 10 * MINUTE + (FIRES - 1) * MINUTE);
    } finally {
      await client.end();
    }
  });
});
