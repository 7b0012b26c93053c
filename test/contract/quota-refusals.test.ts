/**
 * Quota refusals read right (issue "close to the wire", acceptance 1): the simulator answers each 429
 * form Enedis has been seen to send, none with a Retry-After header, and the shared limiter's pause must
 * last what the rule says: about a second for the per-second quota (Q3 with "0:00:01", which used to read
 * as 00:00:01 Paris time and paused the API until midnight; Q3 bare; 2026's bare "SLA dépassé" while the
 * ledger's hour is not full), until the hour's oldest call is an hour old for the hourly one (Q4, or a bare
 * refusal when the ledger's hour is full). Only the refused API pauses; a second process sees the same
 * pause; a CLI sync facing a long pause stops within its wait bound and says why.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuotaExceededError } from "../../src/domain/errors.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { MEASURES_API_2026 } from "../../src/enedis/datasets/index.js";
import { SharedQuotaLimiter } from "../../src/scheduler/quota-shared.js";
import type { QuotaRefusalForm } from "../../src/simulator/context.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { runCli, runCliOk } from "../helpers/cli.js";

const T0 = Date.UTC(2026, 10, 28, 14, 0, 0); // 15:00 Paris
const PRM = "22516914714270";
const WINDOW = { from: "2026-11-20", to: "2026-11-21" } as const;
const HOUR = 3_600_000;

describe("quota refusals", () => {
  let sim: RunningSimulator;
  let dir: string;
  let now = T0;
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-quota-"));
    sim = await startSimulator({ port: 0, now: () => now, quotaPerSecond: 1e6, quotaPerHour: 1e9 });
  });
  afterAll(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function setup(
    perHour = 1000,
  ): Promise<{ store: Store; client: DataConnectClient; limiter: SharedQuotaLimiter }> {
    const store = await openStore({ url: `sqlite:${join(dir, `q${++n}.db`)}`, dataDir: dir });
    const limiter = new SharedQuotaLimiter(store, {
      perSecond: 1000,
      perHour,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const client = new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now: () => now,
      limiter,
      quotaUse: (api) => limiter.use(api),
      random: () => 0.5,
    });
    return { store, client, limiter };
  }

  async function refusedWith(client: DataConnectClient, form: QuotaRefusalForm): Promise<QuotaExceededError> {
    sim.refuseNext(form);
    const e = await client.readings("daily_consumption", PRM, WINDOW).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QuotaExceededError);
    return e as QuotaExceededError;
  }

  async function pauseOf(store: Store, api = MEASURES_API_2026) {
    const row = (await store.scheduler.quotaRows(now)).find((r) => r.api === api);
    return { ms: (row?.pausedUntilMs ?? 0) - now, reason: row?.pauseReason ?? null };
  }

  const cases: Array<{ form: QuotaRefusalForm; min: number; max: number; says: RegExp }> = [
    // "0:00:01" is a second away read as a duration; as a time of day it is 9 hours away: the nearest wins.
    { form: "q3-duration", min: 900, max: 1100, says: /per-second quota \(Q3\)/ },
    { form: "q3-bare", min: 750, max: 1250, says: /per-second quota \(Q3\)/ },
    // Nothing named, the hour far from full: the per-second quota, about a second (not 60 s).
    { form: "sla", min: 750, max: 1250, says: /per-second quota \(not named by Enedis\)/ },
    // Q4 names the Paris time the hour frees up (20 minutes here): that, within the hour.
    { form: "q4", min: 20 * 60_000 - 1000, max: 20 * 60_000 + 1000, says: /hourly quota \(Q4\)/ },
  ];
  for (const c of cases) {
    it(`${c.form}: the pause lasts what the rule says, on that API only`, async () => {
      now = T0;
      const { store, client } = await setup();
      try {
        await client.readings("daily_consumption", PRM, WINDOW); // one call in the ledger
        const e = await refusedWith(client, c.form);
        const p = await pauseOf(store);
        expect(p.ms, c.form).toBeGreaterThanOrEqual(c.min);
        expect(p.ms, c.form).toBeLessThanOrEqual(c.max);
        expect(p.reason).toMatch(c.says);
        expect(e.retryAtMs! - now).toBe(p.ms);
        // The other APIs are not paused.
        for (const r of await store.scheduler.quotaRows(now))
          if (r.api !== MEASURES_API_2026) expect(r.pausedUntilMs, r.api).toBeLessThanOrEqual(now);
      } finally {
        await store.close();
      }
    });
  }

  it("a bare refusal when the ledger's hour is full: until the hour's oldest call is an hour old", async () => {
    now = T0;
    const { store, client } = await setup(5);
    try {
      const first = now;
      for (let i = 0; i < 5; i++) {
        await client.readings("daily_consumption", PRM, WINDOW);
        now += 60_000;
      }
      // The 6th call waits for the hour's first call to leave it; Enedis refuses anyway (clock skew).
      const e = await refusedWith(client, "sla");
      const p = await pauseOf(store);
      expect(p.reason).toMatch(/hourly quota \(the ledger holds 5 calls this hour\)/);
      // The oldest call of the ledger's hour is the one after `first` that is still in the hour.
      expect(now + p.ms).toBeGreaterThanOrEqual(first + HOUR);
      expect(now + p.ms).toBeLessThanOrEqual(first + 2 * HOUR);
      expect(e.window).toBe("hour");
    } finally {
      await store.close();
    }
  });

  it("a second process sees the same pause", async () => {
    now = T0;
    const a = await setup();
    try {
      await refusedWith(a.client, "q4");
      const waits: number[] = [];
      // Another process: its own limiter on the same database.
      const other = new SharedQuotaLimiter(a.store, {
        perSecond: 1000,
        perHour: 1000,
        now: () => now,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
      await other.acquire(MEASURES_API_2026);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(19 * 60_000);
      // And another API is free at once.
      waits.length = 0;
      await other.acquire("subscribed_services");
      expect(waits).toEqual([]);
    } finally {
      await a.store.close();
    }
  });

  it(
    "a CLI sync facing a long pause exits 1 within its wait bound, saying which API until when and why",
    {
      timeout: 120_000,
    },
    async () => {
      const data = join(dir, "cli");
      const env = {
        DATA_DIR: data,
        DATABASE_URL: `sqlite:${join(data, "linky.db")}`,
        ENEDIS_ENV: "simulator",
        LINKY_NOW: "2026-11-28T14:00:00Z",
        SYNC_BACKFILL_MONTHS_CURVE: "1",
        SYNC_BACKFILL_MONTHS_DAILY: "1",
      };
      await runCliOk(["user", "add", "marie", "--password-stdin"], env, { input: "correct horse battery\n" });
      await runCliOk(["sender", "add", "--libelle", "Enedis DataConnect", "--impl", "dataconnect"], env);
      await runCliOk(["account", "add", "--user", "marie", "--usage-point", PRM], env);
      const store = await openStore({ url: env.DATABASE_URL, dataDir: data });
      // The quota runs on the real clock (Enedis' does), whatever LINKY_NOW says of the data's day.
      const until = Math.ceil(Date.now() / 1000) * 1000 + 40 * 60_000;
      await store.scheduler.pauseQuota(
        MEASURES_API_2026,
        until,
        "hourly quota (Q4): until the hour's oldest call is an hour old",
      );
      await store.close();
      const r = await runCli(["sync", "--usage-point", PRM, "--max-wait", "5"], env);
      expect(r.code, r.stderr).toBe(1);
      const said = r.stdout + r.stderr;
      expect(said).toContain(
        `${MEASURES_API_2026} is paused until ${new Date(until).toISOString()} (hourly quota (Q4)`,
      );
      // Well within the bound plus start-up: it did not sleep 40 minutes, nor the 15 of the retry wait.
      expect(r.ms).toBeLessThan(60_000);
      // `status` shows the pause with its reason.
      const status = (await runCliOk(["status"], env)).stdout;
      expect(status).toMatch(/mesure_synchrone_auto: .*paused until .* \(hourly quota \(Q4\)/);
    },
  );
});
