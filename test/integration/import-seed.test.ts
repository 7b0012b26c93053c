/**
 * `import-seed` from a database shaped like the original application's (test/helpers/seed-db.ts: the
 * schema of seed-schema.md, no unique keys, duplicates, an expired account, a form-saved account, a water
 * counter, bcrypt users) into SQLite and PostgreSQL: users, accounts, watermarks and every measure
 * compared with hand-computed expectations; run again: nothing changes and it says so; the next sync
 * asks Enedis for no migrated day; a migrated user signs in with the old password, rehashed then.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayStartMs } from "../../src/domain/time.js";
import type { DatasetKey } from "../../src/domain/types.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import type { Window } from "../../src/enedis/windows.js";
import { SeedMigration } from "../../src/import/seed.js";
import { startSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";
import { syncStoreOf } from "../../src/sync/store-adapter.js";
import { describeEachDatabase, probePostgres } from "../helpers/db.js";
import {
  createSeedDb,
  DATACONNECT_IMPL,
  halfHourEnds,
  LINKY_IMPL,
  migratedSnapshot,
  naiveParis,
  SeedBuilder,
  type SeedDb,
} from "../helpers/seed-db.js";
import { fixture } from "../web/helpers.js";

const PRM_A = "22516914714270";
const PRM_B = "25946599093143";
const PRM_C = "24880057139941";
const ALICE_PASSWORD = "ancien mot de passe 1";
const paris = (day: string) => parisDayStartMs(day);
const W = (i: number) => 200 + ((i * 53) % 1700);
const HALF = 1_800_000;

let seed: SeedDb;

async function buildSeed(db: SeedDb): Promise<void> {
  const b = new SeedBuilder(db.client);
  const admin = await b.role("ROLE_ADMIN");
  const supervision = await b.role("ROLE_SUPERVISION");
  const alice = await b.user("alice@example.org", ALICE_PASSWORD, { roles: [admin] });
  const bob = await b.user("bob@example.org", "bob password 2", { roles: [supervision], rounds: 4 });
  const carol = await b.user("carol@example.org", "carol password 3", { enabled: false, rounds: 4 });
  const linky = await b.deviceType("Compteur électrique (Linky)", LINKY_IMPL);
  const water = await b.deviceType("Eau", "smarthome.automation.deviceType.ManualCounter");
  const dc = await b.sender("Enedis DataConnect", DATACONNECT_IMPL, "0 0/10 * * * ?");
  await b.sender("Email", "smarthome.automation.notification.EmailNotificationSender", null);
  await b.account(alice, dc, {
    access_token: "old-access",
    refresh_token: "old-refresh",
    usage_point_id: PRM_A,
    last_token: 1730000000000,
    expired: false,
    last_consumption_load_curve: paris("2024-10-29"),
    last_daily_consumption: paris("2024-10-28"),
    last_consumption_max_power: paris("2024-10-28"),
  });
  // Saved through the account form: every value a string, no `expired`, no `last_token`.
  await b.account(bob, dc, {
    usage_point_id: PRM_B,
    access_token: "a",
    refresh_token: "r",
    device_id: "",
    last_consumption_load_curve: String(paris("2023-10-30")),
    last_daily_consumption: String(paris("2023-10-28")),
    last_consumption_max_power: "",
  });
  await b.account(carol, dc, {
    usage_point_id: PRM_C,
    expired: true,
    last_consumption_load_curve: paris("2024-01-11"),
  });

  // alice: 25..28 October 2024, the 25-hour day inside; W at the END in naive Paris time, baseinst beside.
  const a = await b.device(alice, linky, PRM_A, "Compteur électrique (Linky)");
  const ends = halfHourEnds("2024-10-25", "2024-10-29");
  const rows: Array<{ label: string; name: string | null; value: number }> = [];
  ends.forEach((e, i) => {
    if (i !== 30) rows.push({ label: naiveParis(e), name: null, value: W(i) });
    rows.push({ label: naiveParis(e), name: "baseinst", value: W(i) / 2 });
  });
  // Exact duplicates (three), a conflicting one (the later row wins), a label off the grid.
  for (const i of [10, 11, 12]) rows.push({ label: naiveParis(ends[i]!), name: null, value: W(i) });
  rows.push({ label: naiveParis(ends[20]!), name: null, value: W(20) + 1 });
  rows.push({ label: "2024-10-26 10:17:00", name: null, value: 999 });
  await b.values(a, rows);
  for (const [day, wh, va] of [
    ["2024-10-25", 9700, 3000],
    ["2024-10-26", 10100, 3100],
    ["2024-10-27", 12000, 5000],
    ["2024-10-28", 8000, 4200],
  ] as const) {
    await b.dayValue("device_value_day", a, `${day} 00:00:00`, "basesum", wh);
    await b.dayValue("device_value_day", a, `${day} 00:00:00`, "max", va);
  }
  await b.dayValue("device_value_day", a, "2024-10-26 00:00:00", "basesum", 10100);
  await b.dayValue("device_value_month", a, "2024-10-01 00:00:00", "basesum", 39800);
  await b.dayValue("device_value_month", a, "2024-10-01 00:00:00", "max", 5000);
  const tap = await b.device(alice, water, "main", "Eau", "m³");
  await b.dayValue("device_value_day", tap, "2024-10-25 00:00:00", "basesum", 1234);

  // bob: 28 October 2023, then a collapsed autumn day (one row per label: 48 for 50 intervals).
  const d = await b.device(bob, linky, PRM_B, "Compteur électrique (Linky)");
  const seen = new Map<string, number>();
  for (const [i, e] of halfHourEnds("2023-10-28", "2023-10-30").entries()) seen.set(naiveParis(e), 300 + i);
  await b.values(
    d,
    [...seen].map(([label, value]) => ({ label, name: null, value })),
  );
  await b.dayValue("device_value_day", d, "2023-10-28 00:00:00", "basesum", 11000);
  await b.dayValue("device_value_month", d, "2023-10-01 00:00:00", "basesum", 99999);

  const c = await b.device(carol, linky, PRM_C, "Compteur électrique (Linky)");
  await b.values(
    c,
    halfHourEnds("2024-01-10", "2024-01-11").map((e) => ({ label: naiveParis(e), name: null, value: 500 })),
  );
}

const pg = await probePostgres();

beforeAll(async () => {
  if (!pg.ok) return;
  seed = await createSeedDb();
  await buildSeed(seed);
}, 120_000);
afterAll(async () => {
  await seed?.drop();
});

describeEachDatabase("import-seed", (db) => {
  let store: Store;
  beforeAll(() => {
    store = db.getStore();
  });
  const NOW = Date.parse("2024-10-30T12:00:00Z");

  it("migrates users, senders, accounts with their watermarks, Linky meters and every measure; the report counts", async () => {
    const report = await SeedMigration.run(store, seed.url, { nowMs: NOW, chunkDays: 2 });
    expect(report).toMatchObject({
      users: { created: 3, existing: 0, admins: 1 },
      senders: { created: 1, skipped: ["Email (smarthome.automation.notification.EmailNotificationSender)"] },
      accounts: { created: 3, skipped: 0 },
      meters: { migrated: 3, skipped: [{ reason: "not a Linky (Eau)" }] },
      // alice 48+48+50+48, bob 48+48, carol 48; days: alice 4 complete, bob 1 + 1 partial, carol 1.
      measures: { consumption_load_curve: 338, daily_consumption: 5, daily_consumption_max_power: 4 },
      days: { complete: 6, partial: 1, missing: 0 },
      duplicates: 4,
      conflicts: { count: 1, firstDays: ["2024-10-25"] },
      rejectedLabels: 1,
      // the conflict's kept W (+1) no longer matches its baseinst; the 31st W comes from its baseinst.
      baseinst: { checked: 193, mismatched: 1, derived: 1 },
      months: { checked: 3, mismatched: 1 },
    });

    const users = await store.users.list();
    expect(
      users.map((u) => [u.username, u.roles, u.passwordHash.slice(0, 7), u.disabledAtMs !== null]),
    ).toEqual([
      ["alice@example.org", ["ROLE_USER", "ROLE_ADMIN"], "$2a$10$", false],
      ["bob@example.org", ["ROLE_USER"], "$2a$04$", false],
      ["carol@example.org", ["ROLE_USER"], "$2a$04$", true],
    ]);
    expect((await store.senders.list()).map((s) => [s.libelle, s.implClass, s.cron])).toEqual([
      ["Enedis DataConnect", "dataconnect", "0 0/10 * * * ?"],
    ]);
    const byPrm = async (prm: string) => (await store.accounts.findByUsagePoint(prm))[0]!.config;
    const alice = await byPrm(PRM_A);
    expect(alice).not.toHaveProperty("access_token");
    expect(alice).toMatchObject({
      last_consumption_load_curve: paris("2024-10-29"),
      last_daily_consumption: paris("2024-10-28"),
      datasets: {
        consumption_load_curve: { fetched_until: "2024-10-29", backfill_oldest: "2024-10-25" },
        daily_consumption: { fetched_until: "2024-10-29", backfill_oldest: "2024-10-25" },
        daily_consumption_max_power: { fetched_until: "2024-10-29", backfill_oldest: "2024-10-25" },
      },
    });
    expect(alice.expired).toBeUndefined();
    const bob = await byPrm(PRM_B);
    expect(bob.last_consumption_load_curve).toBe(paris("2023-10-30"));
    expect(bob.last_consumption_max_power ?? null).toBeNull();
    expect(bob.datasets?.consumption_load_curve).toMatchObject({
      fetched_until: "2023-10-30",
      backfill_oldest: "2023-10-28",
    });
    expect((await byPrm(PRM_C)).expired).toBe(true);

    // Every measure of alice: 194 half-hours from 25 October 00:00 CEST (2024-10-24T22:00Z).
    const [dev] = await store.devices.findByMac(PRM_A);
    const curve = await store.measures.readings(
      dev!.id,
      "consumption_load_curve",
      0,
      Date.parse("2100-01-01"),
      { includeMissing: true },
    );
    expect(curve).toEqual(
      Array.from({ length: 194 }, (_, i) => ({
        startMs: Date.parse("2024-10-24T22:00:00Z") + i * HALF,
        lengthMin: 30,
        value: i === 20 ? W(20) + 1 : W(i),
      })),
    );
    const daily = await store.measures.readings(dev!.id, "daily_consumption", 0, Date.parse("2100-01-01"));
    expect(daily.map((r) => [r.startMs, r.lengthMin, r.value])).toEqual([
      [paris("2024-10-25"), 1440, 9700],
      [paris("2024-10-26"), 1440, 10100],
      [paris("2024-10-27"), 1500, 12000],
      [paris("2024-10-28"), 1440, 8000],
    ]);
    const max = await store.measures.readings(
      dev!.id,
      "daily_consumption_max_power",
      0,
      Date.parse("2100-01-01"),
    );
    expect(max.map((r) => r.value)).toEqual([3000, 3100, 5000, 4200]);
    expect((await store.measures.listMonthly(dev!.id, "consumption", "2024-10", "2024-10"))[0]).toMatchObject(
      { value: 39800, days: 4 },
    );
    const ledger = await store.ledger.list(dev!.id, "consumption_load_curve");
    expect(ledger.map((l) => [l.day, l.expected, l.received, l.status, l.source])).toEqual([
      ["2024-10-25", 48, 48, "complete", "seed"],
      ["2024-10-26", 48, 48, "complete", "seed"],
      ["2024-10-27", 50, 50, "complete", "seed"],
      ["2024-10-28", 48, 48, "complete", "seed"],
    ]);
    // bob's collapsed autumn day: 48 points for 50 intervals, partial.
    const [devB] = await store.devices.findByMac(PRM_B);
    expect(
      (await store.ledger.list(devB!.id, "consumption_load_curve")).map((l) => [
        l.day,
        l.received,
        l.expected,
        l.status,
      ]),
    ).toEqual([
      ["2023-10-28", 48, 48, "complete"],
      ["2023-10-29", 48, 50, "partial"],
    ]);
    expect(await store.devices.findByMac("main")).toEqual([]);
  }, 120_000);

  it("run again: nothing changes, and the report says so", async () => {
    const before = await migratedSnapshot(store);
    const again = await SeedMigration.run(store, seed.url, { nowMs: NOW + 3_600_000, chunkDays: 2 });
    expect(again).toMatchObject({
      chunks: 0,
      users: { created: 0, existing: 3 },
      accounts: { created: 0, existing: 3 },
    });
    expect(await migratedSnapshot(store)).toEqual(before);
  }, 120_000);

  it("a meter the API already has: its stored values stay, the differences are conflicts, its complete day stays the API's", async () => {
    const fresh = await db.freshStore();
    // Carol's meter, already synced for 10 January 2024: 48 half-hours, the first 10 at 777 W where the
    // seed says 500, the others as the seed; the day complete (source api).
    const user = await fresh.users.create({ username: "carol@example.org", passwordHash: "x" });
    const type = await fresh.devices.linkyType();
    const dev = await fresh.devices.findOrCreate({
      userId: user.id,
      mac: PRM_C,
      label: "Linky",
      deviceTypeId: type.id,
    });
    const start = paris("2024-01-10");
    const api = Array.from({ length: 48 }, (_, i) => ({
      startMs: start + i * HALF,
      lengthMin: 30,
      value: i < 10 ? 777 : 500,
    }));
    await syncStoreOf(fresh).transaction(async (w) => {
      await w.saveReadings(dev.id, "consumption_load_curve", api);
      await w.recordLedger(
        dev.id,
        "consumption_load_curve",
        [{ day: "2024-01-10", expected: 48, received: 48, status: "complete" }],
        NOW,
      );
    });
    const report = await SeedMigration.run(fresh, seed.url, { nowMs: NOW, chunkDays: 2 });
    // Alice's own conflict (two values for one label in the seed), and carol's 10 half-hours.
    expect(report.conflicts).toEqual({ count: 11, firstDays: ["2024-01-10", "2024-10-25"] });
    const curve = await fresh.measures.readings(dev.id, "consumption_load_curve", start, paris("2024-01-11"));
    expect(curve).toEqual(api);
    expect(
      (await fresh.ledger.list(dev.id, "consumption_load_curve")).map((d) => [d.day, d.status, d.source]),
    ).toEqual([["2024-01-10", "complete", "api"]]);
    await fresh.close();
  });

  it("the next sync asks Enedis for no migrated day, only for what is missing", async () => {
    let now = NOW;
    const sim = await startSimulator({
      port: 0,
      now: () => now,
      quotaPerSecond: 1e6,
      quotaPerHour: 1e9,
      openConsent: true,
    });
    try {
      const client = new DataConnectClient({
        apiUrl: sim.url,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now: () => now,
      });
      const asked: Array<{ dataset: DatasetKey; w: Window }> = [];
      const readings = client.readings.bind(client);
      client.readings = (dataset, prm, w) => {
        asked.push({ dataset, w: { ...w } });
        return readings(dataset, prm, w);
      };
      const [account] = await dataConnectAccounts(store, PRM_A);
      const r = await syncOneAccount({ store, client, now: () => now, sleep: async () => {} }, account!, {
        backfillMonths: { curve: 1, daily: 1 },
        baseBackoffMs: 1,
        maxBackoffMs: 5,
      });
      expect(r.outcome.outcome).not.toBe("failed");
      // It did ask for 29 October (missing) and for the month before the 25th (history), never for 25..28.
      expect(asked.some((a) => a.dataset === "consumption_load_curve" && a.w.from === "2024-10-29")).toBe(
        true,
      );
      const overlapping = asked.filter((a) => a.w.from < "2024-10-29" && a.w.to > "2024-10-25");
      expect(overlapping).toEqual([]);
    } finally {
      await sim.stop();
      now = 0;
    }
  }, 180_000);
});

describe("a migrated user signs in", () => {
  it.runIf(pg.ok)(
    "with the old password (bcrypt), which is then replaced by our hash",
    async () => {
      const f = await fixture();
      try {
        await SeedMigration.run(f.ctx.store, seed.url, { nowMs: Date.now() });
        expect((await f.agent().login("alice@example.org", "not the password")).statusCode).toBe(401);
        expect((await f.agent().login("alice@example.org", ALICE_PASSWORD)).statusCode).toBe(303);
        const user = await f.ctx.store.users.findByUsername("alice@example.org");
        expect(user!.passwordHash.startsWith("scrypt$")).toBe(true);
        expect((await f.agent().login("alice@example.org", ALICE_PASSWORD)).statusCode).toBe(303);
        // carol was disabled in the original: she stays so.
        expect((await f.agent().login("carol@example.org", "carol password 3")).statusCode).toBe(403);
      } finally {
        await f.close();
      }
    },
    120_000,
  );
});
