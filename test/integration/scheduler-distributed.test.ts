/**
 * Distributed mode on the real PostgreSQL (issue 4, acceptance 3): three `worker` processes (the real
 * CLI, child processes) share 300 simulator accounts whose sender fires every minute.
 *
 * - Clock: every worker starts with LINKY_NOW 25 seconds before a minute: the first worker up
 *   dispatches fire time F1 (the minute that has begun) at its start, and one of them (whichever claims
 *   it first) F2 25 seconds later; the others' claims of the same fire times fail (`scheduler_tick`).
 * - Crash: once a third of the first fire time's syncs are done, the worker holding jobs is killed with
 *   SIGKILL (no handler runs). The jobs it held must be released by the others (the presence locks of
 *   queue/pg.ts) and finished by them.
 * - Exactly once: every worker logs each sync it finishes ("scheduler: account N fresh sync for F: …");
 *   across the three logs (the killed one's up to its death), each account has exactly one finished
 *   fresh sync per dispatched fire time, and its `scheduler_fire_ms` is the last fire time.
 * - Same data: a copy of the database taken before the run is synced by one process (the same
 *   scheduler, in-process queue, same fire times); every measure table, the ledger, the meters and the
 *   accounts' cursors must be equal row for row.
 *
 * Each sync is kept cheap rather than the account count reduced: 270 accounts are in the steady state
 * (synced up to D-2 the day before: one call per dataset for D-1 at F1, nothing at F2), 30 are new (a
 * first sync with one month of history: a fresh job, then a backfill job in the same serial queue).
 * Fire times after F2 are claimed by the test beforehand, so that a slow machine never sees a third one.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { makeWorkerUtils } from "graphile-worker";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { PgQueue, type PgQueueOptions } from "../../src/scheduler/queue/pg.js";
import type { AccountJob, Job, PageJob } from "../../src/scheduler/queue/types.js";
import { lastFireOf, Scheduler } from "../../src/scheduler/scheduler.js";
import { profileOf, startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type AccountConfigPatch, type Store } from "../../src/store/index.js";
import { syncSettingsOf } from "../../src/sync/service.js";
import {
  runCli,
  simulatorEnv,
  snapshotDifference,
  spawnCli,
  syncSnapshot,
  type RunningCli,
} from "../helpers/cli.js";
import { cloneTarget, createTarget, probePostgres, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";

const ACCOUNTS = 300;
/** Accounts never synced (first sync and backfill); the others are in the steady state. */
const NEW_ACCOUNTS = 30;
const WORKERS = 3;
/**
 * 2026-11-28 10:59:35 UTC (11:59:35 Paris): day D-1 is published; F1 = 10:59:00 (dispatched at start),
 * F2 = 11:00:00, 25 s later: room for a slow start on a busy machine.
 */
const T0 = Date.UTC(2026, 10, 28, 10, 59, 35);
const F1 = Date.UTC(2026, 10, 28, 10, 59);
const F2 = Date.UTC(2026, 10, 28, 11, 0);
const SECRET_KEY = Buffer.alloc(32, 0x3c).toString("hex");
const EXTRA_ENV = {
  LINKY_SECRET_KEY: SECRET_KEY,
  SYNC_BACKFILL_MONTHS_CURVE: "1",
  SYNC_BACKFILL_MONTHS_DAILY: "1",
};
const SYNC_LINE = /^scheduler: account (\d+) fresh sync for (\S+): (\w+)/gm;
const READY_LINE = /^job queue: worker (\S+) ready$/gm;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 300 distinct PRMs, none of the simulator's special ones (sandbox, revoked). */
function prms(): string[] {
  return Array.from(
    { length: ACCOUNTS },
    (_, i) => `3${String(1000 + i * 7919).padStart(11, "0")}${i % 2 ? "30" : "60"}`,
  );
}

/** Finished fresh syncs in a worker's log: "account@fireTime" → outcomes. */
function finishedSyncs(stderr: string): Array<{ account: number; fire: number; outcome: string }> {
  return [...stderr.matchAll(SYNC_LINE)].map((m) => ({
    account: Number(m[1]),
    fire: Date.parse(m[2]!),
    outcome: m[3]!,
  }));
}

/**
 * An account synced the day before up to D-2 (services and contract checked, history done): its sync
 * at F1 asks D-1 of each dataset, one call each.
 */
function steadyState(prm: string): Omit<AccountConfigPatch, "usage_point_id"> {
  const p = profileOf(prm);
  if (!p.consumption || p.production || !p.loadCurve)
    throw new Error(`${prm}: not a consumer with a load curve`);
  const keys = ["consumption_load_curve", "daily_consumption", "daily_consumption_max_power"];
  return {
    dataset_keys: keys,
    subscribed_services_at_ms: T0 - 86_400_000,
    contract_checked_at_ms: T0 - 86_400_000,
    datasets: Object.fromEntries(
      keys.map((k) => [
        k,
        { fetched_until: "2026-11-27", backfill_oldest: "2026-10-01", data_floor: p.consumptionActivation },
      ]),
    ),
  };
}

const pgProbe = await probePostgres();
const title = `distributed scheduler: ${WORKERS} worker processes, ${ACCOUNTS} accounts, one killed [postgres]`;

if (!pgProbe.ok && !REQUIRE_SERVICES) {
  console.warn(`skipping the distributed scheduler test: ${pgProbe.reason}`);
  // Skipped on purpose: no PostgreSQL on this machine (reason printed); CI sets REQUIRE_SERVICES=1.
  describe.skip(title, () => {
    it("needs PostgreSQL", () => undefined);
  });
} else if (!pgProbe.ok) {
  describe(title, () => {
    it("needs PostgreSQL (REQUIRE_SERVICES=1)", () => {
      throw new Error(pgProbe.reason);
    });
  });
} else {
  describe(title, () => {
    let sim: RunningSimulator;
    const targets: DbTarget[] = [];
    const stores: Store[] = [];
    const workers: RunningCli[] = [];

    beforeAll(async () => {
      const started = Date.now();
      sim = await startSimulator({
        port: 0,
        now: () => T0 + (Date.now() - started),
        openConsent: true,
        quotaPerSecond: 1000,
        quotaPerHour: 1_000_000,
      });
    });

    afterAll(async () => {
      await Promise.all(workers.map((w) => w.kill()));
      for (const s of stores) await s.close();
      for (const t of targets) await t.cleanup();
      await sim?.stop();
    });

    it(
      "syncs every account exactly once per fire time, survives a SIGKILL, and equals one process",
      { timeout: 180_000 },
      async () => {
        const t = { start: Date.now() } as Record<string, number>;
        const mark = (name: string) => {
          t[name] = Date.now();
          if (process.env.DEBUG_DIST) console.info(`${name} +${((t[name] - t.start!) / 1000).toFixed(1)} s`);
        };

        // The database: one user, a sender firing every minute, 300 accounts.
        const target = await createTarget("postgres");
        targets.push(target);
        const setup = await openStore({ url: target.url, dataDir: target.dataDir, secretKey: SECRET_KEY });
        const user = await setup.users.create({ username: "bulk", passwordHash: "-", roles: ["ROLE_USER"] });
        const sender = await setup.senders.create({
          libelle: "Enedis DataConnect",
          implClass: "dataconnect",
          cron: "0 * * * * ?",
        });
        for (const [i, prm] of prms().entries()) {
          await setup.accounts.create({
            senderId: sender.id,
            userId: user.id,
            usagePointId: prm,
            ...(i % (ACCOUNTS / NEW_ACCOUNTS) === 0 ? {} : { config: steadyState(prm) }),
          });
        }
        // Only F1 and F2: the next half hour of fire times is taken.
        await setup.database.db
          .insertInto("scheduler_tick")
          .values(
            Array.from({ length: 30 }, (_, i) => ({
              fire_time_ms: F2 + (i + 1) * 60_000,
              claimed_by: "test: no fire time after F2",
              claimed_at_ms: T0,
            })),
          )
          .execute();
        await setup.close();
        // The single-process reference starts from a copy of the same database (same ids).
        const reference = await cloneTarget(target, "ref");
        targets.push(reference);
        mark("setup");

        // Three workers; their clocks start 25 s before F2.
        const env = simulatorEnv({
          simulatorUrl: sim.url,
          databaseUrl: target.url,
          dataDir: target.dataDir,
          now: new Date(T0).toISOString(),
          extra: EXTRA_ENV,
        });
        for (let i = 0; i < WORKERS; i++) workers.push(spawnCli(["worker", "--concurrency", "2"], env));
        for (const w of workers) {
          expect(await w.stderrReaches(/^worker: running/m), w.stderr()).toBe(true);
        }
        mark("workers up");

        const store = await openStore({ url: target.url, dataDir: target.dataDir, secretKey: SECRET_KEY });
        stores.push(store);
        const db = new pg.Client({ connectionString: target.url });
        await db.connect();
        try {
          const allLogs = () => workers.map((w) => w.stderr()).join("\n");
          const doneFor = (fire: number) => finishedSyncs(allLogs()).filter((s) => s.fire === fire).length;

          // Kill one worker once a third of F1's syncs are done, while it holds jobs.
          const deadline = Date.now() + 60_000;
          while (doneFor(F1) < ACCOUNTS / 3 && Date.now() < deadline) await sleep(20);
          expect(doneFor(F1), allLogs()).toBeGreaterThanOrEqual(ACCOUNTS / 3);
          const idsOf = (w: RunningCli) => [...w.stderr().matchAll(READY_LINE)].map((m) => m[1]!);
          let victim: RunningCli | undefined;
          let held: Array<{ id: string; key: string | null; task_identifier: string; locked_by: string }> =
            [];
          for (let tries = 0; !victim && tries < 200; tries++) {
            const { rows } = await db.query<{ locked_by: string }>(
              "select locked_by from linky_worker.jobs where locked_by is not null",
            );
            const busy = new Set(rows.map((r) => r.locked_by));
            victim = workers.find((w) => idsOf(w).some((id) => busy.has(id)));
            if (!victim) await sleep(10);
          }
          expect(victim, "no worker held a job").toBeDefined();
          const killed = await victim!.kill();
          mark("kill");
          expect(killed.signal).toBe("SIGKILL");
          const victimIds = idsOf(victim!);
          expect(victimIds).toHaveLength(2);
          ({ rows: held } = await db.query(
            "select id::text, key, task_identifier, locked_by from linky_worker.jobs where locked_by = any($1::text[])",
            [victimIds],
          ));
          // The job it was running when it died (the poll above saw it busy a moment before).
          expect(held.length, `jobs locked by the killed worker ${victimIds.join(", ")}`).toBeGreaterThan(0);
          const survivors = workers.filter((w) => w !== victim);

          // The survivors release the dead worker's jobs and finish everything, F2 included.
          const waitDone = Date.now() + 90_000;
          for (;;) {
            const { rows } = await db.query<{ n: string }>("select count(*) as n from linky_worker.jobs");
            if (Number(rows[0]?.n) === 0 && doneFor(F1) >= ACCOUNTS && doneFor(F2) >= ACCOUNTS) break;
            if (Date.now() > waitDone)
              throw new Error(
                `not done after 90 s:\n${survivors.map((w) => w.stderr().slice(-3000)).join("\n---\n")}`,
              );
            await sleep(100);
          }
          mark("drained");
          const released = survivors.map((w) => w.stderr()).join("\n");
          expect(released).toMatch(/released \d+ job\(s\) held by dead worker\(s\)/);
          for (const id of held.map((h) => h.locked_by)) expect(released).toContain(id);
          // The held jobs are gone (graphile-worker deletes finished jobs; failed ones would stay).
          const { rows: still } = await db.query(
            "select id from linky_worker.jobs where id = any($1::bigint[])",
            [held.map((h) => h.id)],
          );
          expect(still).toEqual([]);

          // Stop the survivors cleanly.
          for (const w of survivors) w.child.kill("SIGTERM");
          for (const w of survivors) {
            const r = await w.done;
            expect(r.code, r.stderr.slice(-2000)).toBe(0);
            expect(r.stderr).toMatch(/^worker: stopped$/m);
          }
          mark("stopped");

          // Fire times: F1 and F2, each claimed by exactly one worker.
          const { rows: ticks } = await db.query<{ fire_time_ms: string; claimed_by: string; pages: number }>(
            "select fire_time_ms::text, claimed_by, pages from scheduler_tick order by fire_time_ms",
          );
          const dispatched = ticks.filter((r) => !r.claimed_by.startsWith("test:"));
          expect(dispatched.map((r) => Number(r.fire_time_ms))).toEqual([F1, F2]);
          expect(dispatched.map((r) => r.pages)).toEqual([ACCOUNTS / 25, ACCOUNTS / 25]);

          // Exactly once: one finished fresh sync per account and fire time across the three logs.
          const syncs = workers.flatMap((w) => finishedSyncs(w.stderr()));
          const count = new Map<string, number>();
          for (const s of syncs)
            count.set(`${s.account}@${s.fire}`, (count.get(`${s.account}@${s.fire}`) ?? 0) + 1);
          const accounts = await store.accounts.list({ limit: 10_000 });
          expect(accounts).toHaveLength(ACCOUNTS);
          const wrong: string[] = [];
          for (const a of accounts) {
            for (const f of [F1, F2]) {
              const n = count.get(`${a.id}@${f}`) ?? 0;
              if (n !== 1) wrong.push(`account ${a.id} at ${new Date(f).toISOString()}: ${n} syncs`);
            }
            if (lastFireOf(a) !== F2) wrong.push(`account ${a.id}: scheduler_fire_ms ${lastFireOf(a)}`);
            if (a.config.last_sync?.outcome !== "ok")
              wrong.push(
                `account ${a.id}: last sync ${a.config.last_sync?.outcome} ${a.config.last_sync?.message}`,
              );
          }
          expect(wrong.slice(0, 20), `${wrong.length} problems`).toEqual([]);
          expect(syncs.filter((s) => s.outcome !== "ok")).toEqual([]);
          const victimSyncs = finishedSyncs(killed.stderr).length;
          expect(victimSyncs, "the killed worker did part of the work").toBeGreaterThan(0);
          expect(sim.requestLog().quotaRefused).toBe(0);

          // The same fire times in one process, on the copy taken before the run.
          const refStore = await openStore({
            url: reference.url,
            dataDir: reference.dataDir,
            secretKey: SECRET_KEY,
          });
          stores.push(refStore);
          const config = loadConfig({ env: { ...env, DATABASE_URL: reference.url } as NodeJS.ProcessEnv });
          const clockStart = Date.now();
          const now = () => T0 + (Date.now() - clockStart);
          const queue = new MemoryQueue({ concurrency: 4, now });
          const scheduler = new Scheduler(
            {
              store: refStore,
              client: new DataConnectClient({
                apiUrl: sim.url,
                clientId: "simulator-client",
                clientSecret: "simulator-secret",
                now,
                tokenStore: refStore.secrets.tokenStore(),
                windows: { dailyWindowDays: config.enedis.dailyWindowDays },
              }),
              queue,
              config,
              now,
              log: () => undefined,
              syncSettings: syncSettingsOf(config),
            },
            { instanceId: "reference" },
          );
          await queue.start((job) => scheduler.handle(job));
          for (const f of [F1, F2]) {
            expect(await scheduler.dispatch(f)).toBe(ACCOUNTS / 25);
            await queue.drain();
          }
          await queue.stop();
          mark("reference");

          const diff = snapshotDifference(await syncSnapshot(store), await syncSnapshot(refStore));
          expect(diff).toBeNull();
          mark("compared");
          const phases = Object.entries(t)
            .filter(([k]) => k !== "start")
            .map(([k, v]) => `${k} +${((v - t.start!) / 1000).toFixed(1)} s`)
            .join(", ");
          console.info(
            `distributed: ${syncs.length} fresh syncs (${victimSyncs} by the killed worker), ${held.length} job(s) taken over (${held.map((h) => `${h.task_identifier} ${h.key}`).join(", ")}); ${phases}`,
          );
        } finally {
          await db.end();
        }
      },
    );
  });

  describe("PgQueue: the JobQueue contract on graphile-worker [postgres]", () => {
    let target: DbTarget;
    const queues: PgQueue[] = [];
    let schemas = 0;
    /** A queue in a schema of its own: a test's leftovers never reach another test. */
    const open = (opts: Partial<PgQueueOptions> = {}) => {
      const q = new PgQueue({
        connectionString: target.url,
        schema: `queue_test_${++schemas}`,
        pollIntervalMs: 200,
        drainPollMs: 50,
        ...opts,
      });
      queues.push(q);
      return q;
    };
    const page = (offset: number): PageJob => ({
      kind: "page",
      sinceMs: F1 - 60_000,
      fireTimeMs: F1,
      offset,
      limit: 25,
    });
    const account = (accountId: number): AccountJob => ({
      kind: "account",
      accountId,
      fireTimeMs: F1,
      mode: "fresh",
    });
    const label = (j: Job) => (j.kind === "page" ? `page ${j.offset}` : `account ${j.accountId}`);

    beforeAll(async () => {
      target = await createTarget("postgres");
    });
    afterAll(async () => {
      for (const q of queues) await q.stop();
      await target?.cleanup();
    });

    it("a key dedupes a pending job; once it runs, the key may be queued again", async () => {
      const q = open();
      const ran: string[] = [];
      let release!: () => void;
      const blocked = new Promise<void>((r) => (release = r));
      let running!: () => void;
      const started = new Promise<void>((r) => (running = r));
      try {
        await q.add(page(0), { key: "k1", priority: 10 });
        await q.add(page(0), { key: "k1", priority: 10 });
        await q.start(async (job) => {
          ran.push(label(job));
          if (job.kind === "account" && ran.filter((x) => x === "account 7").length === 1) {
            running();
            await blocked;
          }
        });
        await q.drain();
        expect(ran).toEqual(["page 0"]);
        await q.add(account(7), { key: "k2", priority: 0, serialGroup: "account:7" });
        await started;
        // k2 runs: a new job with its key is queued (and waits for its serial group); a third add of the
        // key while that one waits is deduplicated.
        await q.add(account(7), { key: "k2", priority: 0, serialGroup: "account:7" });
        await q.add(account(7), { key: "k2", priority: 0, serialGroup: "account:7" });
        expect(await q.counts()).toEqual({ pending: 2, running: 1, failed: 0 });
      } finally {
        release();
      }
      await q.drain();
      expect(ran).toEqual(["page 0", "account 7", "account 7"]);
      await q.stop();
    });

    it("runs one job of a serial group at a time, others in parallel, by priority", async () => {
      const q = open({ concurrency: 4 });
      const order: string[] = [];
      let inGroup = 0;
      let maxInGroup = 0;
      let inAll = 0;
      let maxInAll = 0;
      for (let i = 0; i < 6; i++) {
        await q.add(account(1), { key: `a1:${i}`, serialGroup: "account:1", priority: 0 });
        await q.add(account(100 + i), { key: `other:${i}`, serialGroup: `account:${100 + i}`, priority: 0 });
      }
      await q.start(async (job) => {
        order.push(label(job));
        const mine = job.kind === "account" && job.accountId === 1;
        if (mine) maxInGroup = Math.max(maxInGroup, ++inGroup);
        maxInAll = Math.max(maxInAll, ++inAll);
        await sleep(60);
        inAll--;
        if (mine) inGroup--;
      });
      await q.drain();
      expect(maxInGroup).toBe(1);
      expect(maxInAll).toBeGreaterThan(1);
      expect(order).toHaveLength(12);
      await q.stop();
    });

    it("runs lower priorities first", async () => {
      const q = open({ concurrency: 1 });
      const order: string[] = [];
      await q.add(page(100), { key: "p100", priority: 100 });
      await q.add(page(10), { key: "p10", priority: 10 });
      await q.add(account(5), { key: "a0", priority: 0, serialGroup: "account:5" });
      await q.start(async (job) => {
        order.push(label(job));
      });
      await q.drain();
      expect(order).toEqual(["account 5", "page 10", "page 100"]);
      await q.stop();
    });

    it("delays a job to its run time on the scheduler's clock (shifted like LINKY_NOW)", async () => {
      const shift = -12 * 3_600_000;
      const q = open({ now: () => Date.now() + shift });
      let ranAt = 0;
      await q.start(async () => {
        ranAt = Date.now();
      });
      const asked = Date.now();
      await q.add(account(3), { key: "later", priority: 0, runAtMs: Date.now() + shift + 1500 });
      await q.drain();
      expect(ranAt - asked).toBeGreaterThanOrEqual(1400);
      expect(ranAt - asked).toBeLessThan(6000);
      await q.stop();
    });

    it(
      "drops a job whose payload is not a job, retries a failing one up to maxAttempts",
      { timeout: 20_000 },
      async () => {
        const logs: string[] = [];
        const q = open({ log: (m) => logs.push(m) });
        const ran: string[] = [];
        await q.start(async (job) => {
          ran.push(label(job));
          if (job.kind === "account" && job.accountId === 9) throw new Error("boom");
        });
        const utils = await makeWorkerUtils({ connectionString: target.url, schema: q.schemaName });
        try {
          await utils.addJob("account", {
            kind: "account",
            accountId: "nine",
            fireTimeMs: F1,
            mode: "fresh",
          });
        } finally {
          await utils.release();
        }
        await q.add(account(9), { key: "fails", priority: 0, maxAttempts: 2 });
        for (let i = 0; i < 100 && (await q.counts()).failed === 0; i++) await sleep(100);
        await q.drain();
        expect(logs.join("\n")).toMatch(/account job \d+ \(no key\) has an invalid payload, dropped/);
        expect(ran).toEqual(["account 9", "account 9"]);
        expect(await q.counts()).toEqual({ pending: 0, running: 0, failed: 1 });
        await q.stop();
      },
    );

    it("stop() waits for the running job", async () => {
      const q = open();
      let finished = false;
      let running!: () => void;
      const started = new Promise<void>((r) => (running = r));
      await q.start(async () => {
        running();
        await sleep(500);
        finished = true;
      });
      await q.add(account(4), { key: "slow", priority: 0 });
      await started;
      await q.stop();
      expect(finished).toBe(true);
    });
  });

  describe("dispatch and page jobs interrupted by a crash: nothing lost, nothing twice [postgres]", () => {
    let sim: RunningSimulator;
    let target: DbTarget;
    let store: Store;
    let queue: PgQueue;
    const logs: string[] = [];
    const schedulers: Scheduler[] = [];
    const text = () => logs.join("\n");

    beforeAll(async () => {
      const started = Date.now();
      const now = () => T0 + (Date.now() - started);
      sim = await startSimulator({
        port: 0,
        now,
        openConsent: true,
        quotaPerSecond: 1000,
        quotaPerHour: 1_000_000,
      });
      target = await createTarget("postgres");
      store = await openStore({ url: target.url, dataDir: target.dataDir, secretKey: SECRET_KEY });
      const user = await store.users.create({ username: "u", passwordHash: "-", roles: ["ROLE_USER"] });
      const sender = await store.senders.create({
        libelle: "DC",
        implClass: "dataconnect",
        cron: "0 * * * * ?",
      });
      for (const prm of prms().slice(1, 4)) {
        await store.accounts.create({
          senderId: sender.id,
          userId: user.id,
          usagePointId: prm,
          config: steadyState(prm),
        });
      }
      const config = loadConfig({ env: { DATABASE_URL: target.url, ...EXTRA_ENV } as NodeJS.ProcessEnv });
      queue = new PgQueue({ connectionString: target.url, now, pollIntervalMs: 200, drainPollMs: 50 });
      const client = new DataConnectClient({
        apiUrl: sim.url,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now,
      });
      for (const id of ["survivor", "another"]) {
        schedulers.push(
          new Scheduler(
            {
              store,
              client,
              queue,
              config,
              now,
              log: (m) => logs.push(m),
              syncSettings: syncSettingsOf(config),
            },
            { instanceId: id },
          ),
        );
      }
      await queue.start((job) => schedulers[0]!.handle(job));
    });
    afterAll(async () => {
      await queue?.stop();
      await store?.close();
      await target?.cleanup();
      await sim?.stop();
    });

    it("a fire time claimed by a dispatcher that died before queueing its pages is dispatched by another", async () => {
      // The dead dispatcher claimed F1 three minutes ago and queued nothing.
      await store.database.db
        .insertInto("scheduler_tick")
        .values({ fire_time_ms: F1, claimed_by: "dead", claimed_at_ms: T0 - 180_000, pages: -1 })
        .execute();
      expect(await schedulers[0]!.dispatch(F1)).toBeNull();
      const [a, b] = await Promise.all(schedulers.map((s) => s.recoverDispatches()));
      // Exactly one of the two live schedulers takes it over.
      expect([...a!, ...b!]).toEqual([F1]);
      await queue.drain();
      expect(text().match(/fresh sync for 2026-11-28T10:59:00.000Z: ok/g)).toHaveLength(3);
      const tick = await store.database.db
        .selectFrom("scheduler_tick")
        .selectAll()
        .where("fire_time_ms", "=", F1)
        .executeTakeFirstOrThrow();
      expect(tick.pages).toBe(1);
      expect(["survivor", "another"]).toContain(tick.claimed_by);
      // Finished dispatches are not taken over again.
      expect(await schedulers[0]!.recoverDispatches()).toEqual([]);
    });

    it("a page job run again (a retry, or taken over from a dead worker) syncs none of its accounts twice", async () => {
      const calls = sim.requestLog().byApi["mesure_synchrone_auto"];
      expect(calls).toBe(9);
      await queue.add(
        { kind: "page", sinceMs: F1 - 60_000, fireTimeMs: F1, offset: 0, limit: 25 },
        { key: "again", priority: 10 },
      );
      await queue.drain();
      expect(text().match(/fresh sync for /g)).toHaveLength(3);
      expect(text().match(/already synced for 2026-11-28T10:59:00.000Z, skipped/g)).toHaveLength(3);
      expect(sim.requestLog().byApi["mesure_synchrone_auto"]).toBe(calls);
      // The next fire time syncs them again.
      expect(await schedulers[1]!.dispatch(F2)).toBe(1);
      await queue.drain();
      expect(text().match(/fresh sync for 2026-11-28T11:00:00.000Z: ok/g)).toHaveLength(3);
    });
  });

  describe("worker command", () => {
    it("refuses to start without PostgreSQL (exit 2, says why)", async () => {
      const r = await runCli(["worker"], { DATABASE_URL: "sqlite:/tmp/linky-worker-refused.db" });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/worker: the distributed mode needs PostgreSQL: set DATABASE_URL=postgres:/);
    });
  });
}
