/**
 * One sync of an account at a time (the account's lease, migration 005), whatever starts it: the first
 * sync after a consent runs outside the job queue, the CLI `sync` beside `serve`, a scheduler job of
 * another process. Real databases and the simulator; the only fake is at the Enedis edge: a quota
 * limiter that holds the first call of the first sync until the test lets it go, so that the two syncs
 * overlap for sure.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import type { QuotaLimiter } from "../../src/enedis/quota.js";
import { holderName, syncAccountLeased, withAccountLease } from "../../src/scheduler/lease.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 9, 0, 30); // 10:00:30 Paris
const F = Date.UTC(2026, 10, 28, 9, 0, 0);

/** Holds the first Enedis call made after `arm()` until `release()`; counts every call. */
class HeldLimiter implements QuotaLimiter {
  calls = 0;
  private held: Promise<void> | null = null;
  private releaseHeld: (() => void) | null = null;
  private first: (() => void) | null = null;
  readonly firstCall: Promise<void>;
  private armed = false;

  constructor() {
    this.firstCall = new Promise((r) => (this.first = r));
  }

  arm(): void {
    this.armed = true;
    this.held = new Promise((r) => (this.releaseHeld = r));
  }

  release(): void {
    this.releaseHeld?.();
  }

  async acquire(): Promise<void> {
    this.calls++;
    if (this.armed) {
      this.armed = false;
      this.first?.();
      await this.held;
    }
  }

  pause(): void {}
}

describeEachDatabase("an account is never synced twice at once (account lease)", (db) => {
  let now = T0;
  const clock = () => now;
  let sim: RunningSimulator;
  let store: Store;
  let client: DataConnectClient;
  let limiter: HeldLimiter;
  let accountId: number;
  const logs: string[] = [];
  const config = loadConfig({ env: {} });
  const settings = { backfillMonths: { curve: 1, daily: 1 }, baseBackoffMs: 1, maxBackoffMs: 2 };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, now: clock, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
    store = db.getStore();
    limiter = new HeldLimiter();
    client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: clock,
      limiter,
      tokenStore: store.secrets.tokenStore(),
    });
    await store.users.create({ username: "alice", passwordHash: "x" });
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 * * * * ?",
    });
    const r = await registerAccount(store, config, {
      username: "alice",
      usagePointId: "22516914714270",
      nowMs: now,
    });
    accountId = r.account.id;
  });

  afterAll(async () => {
    await sim?.stop();
  });

  const scheduler = (queue = new MemoryQueue({ now: clock })) =>
    new Scheduler(
      {
        store,
        client,
        queue,
        config,
        now: clock,
        log: (m) => logs.push(m),
        syncSettings: settings,
        quotaLoad: async () => 0,
        sleep: async () => {},
      },
      { instanceId: "sched-1" },
    );

  it("a scheduler job meeting the first sync after a consent waits for it, a CLI sync gives up: no second Enedis call", async () => {
    limiter.arm();
    // The first sync after the consent (what ConsentFlow.startFirstSync runs in the background).
    const first = syncAccountLeased({ store, client, now: clock }, accountId, settings, {
      label: "first sync after consent",
    });
    await limiter.firstCall;
    expect(limiter.calls).toBe(1);
    // Meanwhile the next fire time's job for the (new, hence due) account runs: it does not sync beside
    // the first sync, it is put off until that one is over (or its holder's lease expired).
    const queue = new MemoryQueue({ now: clock });
    await scheduler(queue).handle({ kind: "account", accountId, fireTimeMs: F, mode: "fresh" });
    expect(logs.join("\n")).toMatch(
      /is being synced by first sync after consent \S+(?: @\S+)?; its fresh sync for 2026-11-28T09:00:00.000Z waits until/,
    );
    const putOff = queue.pending();
    expect(putOff.map((p) => p.key)).toEqual([`sync:${accountId}:busy:${F}`]);
    expect(putOff[0]!.runAtMs).toBeGreaterThan(now);
    expect(putOff[0]!.runAtMs).toBeLessThanOrEqual(now + 31_000);
    // And a `sync` command that does not wait.
    const cli = await syncAccountLeased({ store, client, now: clock }, accountId, settings, { label: "cli" });
    expect(cli.ran).toBe(false);
    // Nobody else called Enedis while the first sync was held.
    expect(limiter.calls).toBe(1);
    limiter.release();
    const done = await first;
    expect(done.ran && done.value?.outcome.outcome).toBe("ok");
    // The lease is released: the next job runs, and finds the cursors the first sync wrote.
    expect(await store.scheduler.accountLeaseHolder(accountId)).toBeNull();
    const before = limiter.calls;
    await scheduler().handle({ kind: "account", accountId, fireTimeMs: F, mode: "fresh" });
    expect(logs.join("\n")).toMatch(/account \d+ fresh sync for 2026-11-28T09:00:00.000Z: ok/);
    // Up to date: the fresh sync had nothing (or next to nothing) left to ask.
    expect(limiter.calls - before).toBeLessThan(before);
  }, 60_000);

  it("a backfill job meeting a running sync is put off, not run beside it", async () => {
    let backfillCalls = -1;
    const queue = new MemoryQueue({ now: clock });
    const r = await withAccountLease(store, accountId, { now: clock, label: "someone" }, async () => {
      const callsBefore = limiter.calls;
      await scheduler(queue).handle({ kind: "account", accountId, fireTimeMs: F, mode: "backfill" });
      backfillCalls = limiter.calls - callsBefore;
    });
    expect(r.ran).toBe(true);
    expect(backfillCalls).toBe(0);
    expect(logs.join("\n")).toMatch(
      /is being synced by someone \S+(?: @\S+)?; its backfill sync for .* waits until/,
    );
    expect(queue.pendingKeys()).toEqual([`backfill:${accountId}:busy:${F}`]);
  });

  it("a job put off by a dead holder's lease runs once the lease expired", async () => {
    // A process died while syncing the account: its lease is left, unrenewed, for a minute.
    expect(await store.scheduler.acquireAccountLease(accountId, "dead worker", now, now + 60_000)).toBe(true);
    const first = new MemoryQueue({ now: clock });
    await scheduler(first).handle({ kind: "account", accountId, fireTimeMs: F + 60_000, mode: "fresh" });
    const [putOff] = first.pending();
    expect(putOff!.runAtMs).toBe(now + 31_000);
    // Its run time comes (twice: 30 s are not enough for a lease of a minute), then the lease is taken.
    now += 31_000;
    const second = new MemoryQueue({ now: clock });
    await scheduler(second).handle(putOff!.job);
    const [again] = second.pending();
    expect(again!.runAtMs).toBe(now + 30_000);
    now = again!.runAtMs!;
    await scheduler(new MemoryQueue({ now: clock })).handle(again!.job);
    expect(logs.join("\n")).toMatch(/account \d+ fresh sync for 2026-11-28T09:01:00.000Z: ok/);
    expect(await store.scheduler.accountLeaseHolder(accountId)).toBeNull();
  });

  it("a lease whose holder died is taken once expired; a live one is renewed and released by its holder only", async () => {
    const repo = store.scheduler;
    expect(await repo.acquireAccountLease(accountId, "dead", now, now + 60_000)).toBe(true);
    expect(await repo.acquireAccountLease(accountId, "live", now + 59_999, now + 120_000)).toBe(false);
    await repo.releaseAccountLease(accountId, "live"); // not its lease: nothing happens
    expect((await repo.accountLeaseHolder(accountId))?.holder).toBe("dead");
    expect(await repo.acquireAccountLease(accountId, "live", now + 60_000, now + 120_000)).toBe(true);
    expect(await repo.renewAccountLease(accountId, "dead", now + 180_000)).toBe(false);
    expect(await repo.renewAccountLease(accountId, "live", now + 180_000)).toBe(true);
    expect(await repo.accountLeaseHolder(accountId)).toEqual({ holder: "live", expiresAtMs: now + 180_000 });
    await repo.releaseAccountLease(accountId, "live");
    expect(await repo.accountLeaseHolder(accountId)).toBeNull();
  });
  it.runIf(process.platform === "linux")(
    "a lease left by a process killed on this machine is taken over at once; a live process's is not",
    async () => {
      const repo = store.scheduler;
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
      await once(child, "spawn");
      const holder = holderName("cli sync (killed)", child.pid!);
      expect(await repo.acquireAccountLease(accountId, holder, now, now + 60_000)).toBe(true);
      const ran: string[] = [];
      // Alive: its lease holds (no wait asked, so the answer is immediate).
      const busy = await withAccountLease(store, accountId, { now: clock, label: "t" }, async () => {
        ran.push("alive");
      });
      expect(busy).toEqual({ ran: false, holder });
      child.kill("SIGKILL");
      await once(child, "exit");
      const taken = await withAccountLease(
        store,
        accountId,
        { now: clock, label: "t", log: (m) => logs.push(m) },
        async () => {
          ran.push("dead");
          return (await repo.accountLeaseHolder(accountId))?.holder;
        },
      );
      expect(taken.ran).toBe(true);
      expect(ran).toEqual(["dead"]);
      // It ran under a lease of its own, taken before the dead one's expiry, and released after.
      expect(taken.ran && taken.value).toMatch(new RegExp(`^t [0-9a-f]{8} @[^#]+#${process.pid}$`));
      expect(logs.join("\n")).toContain("(cli sync (killed)");
      expect(await repo.accountLeaseHolder(accountId)).toBeNull();
    },
  );
});
