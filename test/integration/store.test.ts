import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { allDatasets } from "../../src/enedis/datasets/index.js";
import {
  appliedMigrations,
  CorruptRowError,
  ForeignKeyViolationError,
  LINKY_DEVICE_TYPE_LIBELLE,
  LINKY_IMPL_CLASS,
  migrate,
  MIGRATIONS,
  NotFoundError,
  openDatabase,
  openStore,
  parseDatabaseUrl,
  ROLE_ADMIN,
  ROLE_USER,
  StoreError,
  UniqueViolationError,
  WATERMARK_KEYS,
  watermarkOf,
  type Store,
} from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const PRM = "12345678901234";
let seq = 0;
/** Unique names so that tests sharing a suite database do not collide. */
const uniq = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

async function userAndSender(store: Store) {
  const user = await store.users.create({ username: uniq("user"), passwordHash: "x" });
  const sender = await store.senders.create({
    libelle: uniq("Enedis DataConnect"),
    implClass: "dataconnect",
    cron: "0 0/10 * * * ?",
  });
  return { user, sender };
}

describe("parseDatabaseUrl", () => {
  it("reads the accepted forms and refuses others", () => {
    expect(parseDatabaseUrl("sqlite:./data/linky.db")).toEqual({ kind: "sqlite", path: "./data/linky.db" });
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ kind: "sqlite", path: ":memory:" });
    expect(parseDatabaseUrl("sqlite:///var/lib/linky.db")).toEqual({
      kind: "sqlite",
      path: "/var/lib/linky.db",
    });
    expect(parseDatabaseUrl("postgres://u:p@h/db").kind).toBe("postgres");
    expect(() => parseDatabaseUrl("mysql://u:secret@h/db")).toThrow(/sqlite: or postgres:\/\/.*u:\*\*\*@h/);
    expect(() => parseDatabaseUrl("sqlite:")).toThrow(RangeError);
  });

  it("opens an in-memory SQLite store", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "linky-mem-"));
    const store = await openStore({ url: "sqlite::memory:", dataDir: dir });
    try {
      expect(store.kind).toBe("sqlite");
      expect((await store.devices.linkyType()).implClass).toBe(LINKY_IMPL_CLASS);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeEachDatabase("store: schema and migrations", (db) => {
  it("applies every migration on open, in order, then nothing: migrations are idempotent", async () => {
    const store = db.getStore();
    const all = MIGRATIONS.map(([name]) => name);
    expect(all[0]).toBe("001_initial");
    expect(all).toEqual([...all].sort());
    expect(store.migrations.applied).toEqual(all);
    expect(await migrate(store.database.db)).toEqual({ applied: [] });
    expect(await appliedMigrations(store.database.db)).toEqual(all);
    const again = await openStore({ url: db.target().url, dataDir: db.target().dataDir });
    try {
      expect(again.migrations.applied).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it("creates every table", async () => {
    const tables = (await db.getStore().database.db.introspection.getTables()).map((t) => t.name).sort();
    expect(tables).toEqual(
      expect.arrayContaining([
        "app_secret",
        "app_user",
        "completeness",
        "curve_value",
        "daily_value",
        "device",
        "device_type",
        "index_value",
        "monthly_value",
        "notification_account",
        "notification_account_sender",
      ]),
    );
  });

  it("enables WAL and foreign keys on SQLite", async () => {
    const h = db.getStore().database;
    if (h.kind !== "sqlite") return;
    expect(h.sqlite?.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(h.sqlite?.pragma("foreign_keys", { simple: true })).toBe(1);
  });

  it("serialises concurrent migrations of a fresh database", async () => {
    // Two handles in one process would block each other's thread on SQLite (busy_timeout is synchronous);
    // PostgreSQL is where several workers really migrate at once.
    if (db.kind !== "postgres") return;
    const t = await db.freshTarget();
    const a = await openDatabase(t.url);
    const b = await openDatabase(t.url);
    try {
      const [ra, rb] = await Promise.all([migrate(a.db), migrate(b.db)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(MIGRATIONS.map(([name]) => name));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("seeds the Linky device type", async () => {
    const t = await db.getStore().devices.linkyType();
    expect(t).toMatchObject({
      libelle: LINKY_DEVICE_TYPE_LIBELLE,
      implClass: LINKY_IMPL_CLASS,
      qualitatif: true,
      planning: false,
    });
    expect(await db.getStore().devices.findTypeByLibelle("Compteur électrique (Linky)")).toEqual(t);
  });

  it("reads bigint epoch ms back as JS numbers", async () => {
    const store = await db.freshStore({ now: () => 1_711_843_200_123 });
    const u = await store.users.create({ username: "clock", passwordHash: "x" });
    const again = await store.users.findById(u.id);
    expect(again?.createdAtMs).toBe(1_711_843_200_123);
    expect(typeof again?.createdAtMs).toBe("number");
  });

  it("enforces foreign keys", async () => {
    const store = db.getStore();
    const type = await store.devices.linkyType();
    await expect(
      store.devices.findOrCreate({ userId: 999_999, mac: PRM, label: "x", deviceTypeId: type.id }),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError);
  });
});

describeEachDatabase("store: users, senders, accounts, devices", (db) => {
  it("creates and finds users; a duplicate username is a clear error", async () => {
    const store = db.getStore();
    const name = uniq("alice");
    const u = await store.users.create({
      username: name,
      passwordHash: "hash",
      roles: [ROLE_USER, ROLE_ADMIN],
    });
    expect(u.roles).toEqual(["ROLE_USER", "ROLE_ADMIN"]);
    expect(await store.users.findByUsername(name)).toEqual(u);
    await expect(store.users.create({ username: name, passwordHash: "h" })).rejects.toThrow(
      new RegExp(`user "${name}" already exists`),
    );
    expect(await store.users.setRoles(u.id, [ROLE_USER])).toBe(true);
    expect((await store.users.findById(u.id))?.roles).toEqual([ROLE_USER]);
    await expect(store.users.setRoles(u.id, ["ROLE_A,ROLE_B"])).rejects.toThrow(RangeError);
  });

  it("refuses a duplicate sender libelle with a clear error", async () => {
    const store = db.getStore();
    const libelle = uniq("Enedis DataConnect");
    await store.senders.create({ libelle, implClass: "dataconnect" });
    const err = await store.senders.create({ libelle, implClass: "other" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UniqueViolationError);
    expect((err as Error).message).toMatch(new RegExp(`a sender with libelle "${libelle}" already exists`));
    expect((await store.senders.list({ search: libelle })).length).toBe(1);
  });

  it("lists, searches (wildcards literal), updates and deletes senders", async () => {
    const store = await db.freshStore();
    await store.senders.create({
      libelle: "Enedis DataConnect",
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
    });
    const mail = await store.senders.create({ libelle: "Mail 100%", implClass: "email" });
    expect((await store.senders.list()).map((s) => s.libelle)).toEqual(["Enedis DataConnect", "Mail 100%"]);
    expect((await store.senders.list({ search: "ENEDIS" })).map((s) => s.libelle)).toEqual([
      "Enedis DataConnect",
    ]);
    expect((await store.senders.list({ search: "0%" })).map((s) => s.libelle)).toEqual(["Mail 100%"]);
    expect(await store.senders.count("%")).toBe(1);
    expect(await store.senders.update(mail.id, { role: "ROLE_ADMIN", cron: null })).toMatchObject({
      role: "ROLE_ADMIN",
      cron: null,
    });
    expect(await store.senders.delete(mail.id)).toBe(true);
    expect(await store.senders.findById(mail.id)).toBeUndefined();
  });

  it("will not delete a sender that accounts use", async () => {
    const store = db.getStore();
    const { user, sender } = await userAndSender(store);
    await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    await expect(store.senders.delete(sender.id)).rejects.toBeInstanceOf(ForeignKeyViolationError);
  });

  it("keeps the seed's config keys and merges patches", async () => {
    const store = db.getStore();
    const { user, sender } = await userAndSender(store);
    const a = await store.accounts.create({
      senderId: sender.id,
      userId: user.id,
      usagePointId: PRM,
      config: { autorisation_id: "A-1", expired: true },
    });
    expect(a.config).toEqual({ usage_point_id: PRM, autorisation_id: "A-1", expired: true });

    // The seed's watermark values (ms epoch) land under the seed's keys.
    await store.accounts.setWatermark(a.id, "consumption_load_curve", 1647558000000);
    await store.accounts.setWatermark(a.id, "daily_consumption", 1647471600000);
    const cfg = await store.accounts.setWatermark(a.id, "daily_consumption_max_power", 1647471600000);
    expect(cfg).toMatchObject({
      last_consumption_load_curve: 1647558000000,
      last_daily_consumption: 1647471600000,
      last_consumption_max_power: 1647471600000,
      expired: true, // an edit of other keys keeps it
    });
    expect(watermarkOf(cfg, "consumption_load_curve")).toBe(1647558000000);
    expect(watermarkOf(cfg, "production_load_curve")).toBeNull();

    const cleared = await store.accounts.updateConfig(a.id, {
      expired: undefined,
      last_daily_consumption: null,
    });
    expect(cleared.expired).toBe(true);
    expect(cleared.last_daily_consumption).toBeNull();

    await store.accounts.updateDatasetState(a.id, "production_load_curve", {
      not_applicable: true,
      not_applicable_reason: "production-only",
    });
    const ds = await store.accounts.updateDatasetState(a.id, "production_load_curve", { failures: 2 });
    expect(ds.datasets?.production_load_curve).toEqual({
      not_applicable: true,
      not_applicable_reason: "production-only",
      failures: 2,
    });

    const stored = await store.accounts.findById(a.id);
    expect(stored?.config).toEqual(ds);
    expect(stored?.usagePointId).toBe(PRM);
  });

  it("keeps unknown config keys and refuses invalid patches without writing", async () => {
    const store = db.getStore();
    const { user, sender } = await userAndSender(store);
    const a = await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    await store.accounts.updateConfig(a.id, { custom_flag: "kept" });
    await expect(
      store.accounts.updateConfig(a.id, { last_consumption_load_curve: 1.5 as unknown as number }),
    ).rejects.toThrow(/invalid account config/);
    await expect(store.accounts.updateConfig(a.id, { expired: "yes" as unknown as boolean })).rejects.toThrow(
      RangeError,
    );
    expect((await store.accounts.findById(a.id))?.config).toEqual({
      usage_point_id: PRM,
      custom_flag: "kept",
    });
    await expect(store.accounts.updateConfig(987_654, { expired: true })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("lands concurrent patches of different keys", async () => {
    const store = db.getStore();
    const { user, sender } = await userAndSender(store);
    const a = await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    await Promise.all(
      Object.values(WATERMARK_KEYS).map((k, i) => store.accounts.updateConfig(a.id, { [k]: 1000 + i })),
    );
    const cfg = (await store.accounts.findById(a.id))?.config;
    Object.values(WATERMARK_KEYS).forEach((k, i) => expect(cfg?.[k]).toBe(1000 + i));
  });

  it("reports a corrupt config row clearly", async () => {
    const store = db.getStore();
    const { user, sender } = await userAndSender(store);
    const a = await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    await store.database.db
      .updateTable("notification_account")
      .set({ config: "{not json" })
      .where("id", "=", a.id)
      .execute();
    await expect(store.accounts.findById(a.id)).rejects.toBeInstanceOf(CorruptRowError);
  });

  it("keeps one account per sender, user and usage point; pages the scheduled ones", async () => {
    const store = await db.freshStore();
    const { user, sender } = await userAndSender(store);
    const manual = await store.senders.create({ libelle: "Mail", implClass: "email" });
    const a1 = await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    const a2 = await store.accounts.create({
      senderId: sender.id,
      userId: user.id,
      usagePointId: "98765432109876",
    });
    await store.accounts.create({ senderId: manual.id, userId: user.id, usagePointId: PRM });
    await expect(
      store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM }),
    ).rejects.toThrow(/an account for usage point 12345678901234 .* already exists/);
    expect((await store.accounts.findByUsagePoint(PRM)).length).toBe(2);
    expect(await store.accounts.find(sender.id, user.id, PRM)).toMatchObject({ id: a1.id });
    expect(await store.accounts.countWithCron()).toBe(2);
    expect(await store.accounts.listIdsWithCron({ offset: 0, limit: 1 })).toEqual([a1.id]);
    expect(await store.accounts.listIdsWithCron({ offset: 1, limit: 25 })).toEqual([a2.id]);
    const ws = await store.accounts.findWithSender(a2.id);
    expect(ws?.sender).toEqual(sender);
    expect(ws?.account.usagePointId).toBe("98765432109876");
  });

  it("finds or creates the user's Linky device and merges its metadata", async () => {
    const store = db.getStore();
    const { user } = await userAndSender(store);
    const type = await store.devices.linkyType();
    const d1 = await store.devices.findOrCreate({
      userId: user.id,
      mac: PRM,
      label: LINKY_DEVICE_TYPE_LIBELLE,
      deviceTypeId: type.id,
      metadata: { modele: "Linky", opttarif: "BASE" },
    });
    expect(d1).toMatchObject({
      mac: PRM,
      unite: "W",
      valueW: null,
      metadata: { modele: "Linky", opttarif: "BASE" },
    });
    const [d2, d3] = await Promise.all([
      store.devices.findOrCreate({ userId: user.id, mac: PRM, label: "other", deviceTypeId: type.id }),
      store.devices.findOrCreate({ userId: user.id, mac: PRM, label: "other", deviceTypeId: type.id }),
    ]);
    expect(d2.id).toBe(d1.id);
    expect(d3.id).toBe(d1.id);
    expect(d2.label).toBe(LINKY_DEVICE_TYPE_LIBELLE);

    const meta = await store.devices.setContract(
      d1.id,
      {
        usagePointId: PRM,
        subscribedPowerKva: 9,
        contractType: "CRAE",
        segments: ["C5"],
        distributionTariff: "BTINFCUST",
        offPeakHours: "HC (22H00-6H00)",
        consumptionActivationDate: "2021-05-04",
        productionActivationDate: null,
        contractStart: "2021-05-04",
      },
      1_700_000_000_000,
    );
    expect(meta).toMatchObject({
      modele: "Linky",
      subscribed_power_kva: 9,
      off_peak_hours: "HC (22H00-6H00)",
      segments: ["C5"],
      contract_checked_ms: 1_700_000_000_000,
    });
    expect(await store.devices.setLastValue(d1.id, 1234.5, 1_700_000_000_000)).toBe(true);
    const again = await store.devices.findById(d1.id);
    expect(again).toMatchObject({ valueW: 1234.5, dateValueMs: 1_700_000_000_000, metadata: meta });
    // An older point (a backfill's older window) leaves the last value alone; a newer or equal one moves it.
    expect(await store.devices.advanceLastValue(d1.id, 99, 1_699_999_999_999)).toBe(false);
    expect(await store.devices.findById(d1.id)).toMatchObject({
      valueW: 1234.5,
      dateValueMs: 1_700_000_000_000,
    });
    expect(await store.devices.advanceLastValue(d1.id, 321, 1_700_000_000_000)).toBe(true);
    expect(await store.devices.advanceLastValue(d1.id, null, 1_700_000_001_800)).toBe(true);
    expect(await store.devices.findById(d1.id)).toMatchObject({
      valueW: null,
      dateValueMs: 1_700_000_001_800,
    });
    expect((await store.devices.findByMac(PRM)).map((d) => d.id)).toContain(d1.id);
    await expect(
      store.devices.updateMetadata(d1.id, { subscribed_power_kva: "9" as unknown as number }),
    ).rejects.toThrow(RangeError);
  });
});

describe("watermark keys", () => {
  it("match the dataset registry's seed keys", () => {
    for (const spec of allDatasets()) expect(WATERMARK_KEYS[spec.key]).toBe(spec.seedWatermarkKey);
  });
});

describeEachDatabase("store: transactions", (db) => {
  async function setup(store: Store) {
    const { user, sender } = await userAndSender(store);
    const type = await store.devices.linkyType();
    const device = await store.devices.findOrCreate({
      userId: user.id,
      mac: PRM,
      label: "L",
      deviceTypeId: type.id,
    });
    const account = await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: PRM });
    const start = Date.UTC(2024, 0, 1);
    const readings = Array.from({ length: 336 }, (_, i) => ({
      startMs: start + i * 1_800_000,
      lengthMin: 30,
      value: i,
    }));
    return { device, account, readings };
  }

  it("commits values, watermark and ledger together", async () => {
    const store = db.getStore();
    const { device, account, readings } = await setup(store);
    await store.transaction(
      async (tx) => {
        await tx.measures.upsertCurve(device.id, "consumption", readings);
        await tx.accounts.setWatermark(account.id, "consumption_load_curve", 42);
        await tx.ledger.record(device.id, "consumption_load_curve", [
          { day: "2024-01-01", expected: 48, received: 48, missing: 0, status: "complete" },
        ]);
      },
      { durability: "relaxed" },
    );
    expect((await store.measures.countCurve(device.id, "consumption")).rows).toBe(336);
    expect((await store.accounts.findById(account.id))?.config.last_consumption_load_curve).toBe(42);
    expect(await store.ledger.get(device.id, "consumption_load_curve", "2024-01-01")).toBeDefined();
  });

  it("rolls back everything when the callback throws", async () => {
    const store = db.getStore();
    const { device, account, readings } = await setup(store);
    await expect(
      store.transaction(async (tx) => {
        await tx.measures.upsertCurve(device.id, "production", readings);
        await tx.measures.upsertDaily(device.id, "production", [
          { startMs: Date.UTC(2023, 11, 31, 23), lengthMin: 1440, value: 5000 },
        ]);
        await tx.accounts.setWatermark(account.id, "production_load_curve", 42);
        await tx.ledger.record(device.id, "production_load_curve", [
          { day: "2024-01-01", expected: 48, received: 48, missing: 0, status: "complete" },
        ]);
        throw new Error("crash after the writes");
      }),
    ).rejects.toThrow("crash after the writes");
    expect((await store.measures.countCurve(device.id, "production")).rows).toBe(0);
    expect(await store.measures.listDaily(device.id, "production", 0, Date.UTC(2100, 0))).toEqual([]);
    expect((await store.accounts.findById(account.id))?.config.last_production_load_curve).toBeUndefined();
    expect(await store.ledger.get(device.id, "production_load_curve", "2024-01-01")).toBeUndefined();
  });

  it("rolls back when a statement fails midway", async () => {
    const store = db.getStore();
    const { device, readings } = await setup(store);
    const sender = uniq("dup");
    await store.senders.create({ libelle: sender, implClass: "x" });
    await expect(
      store.transaction(async (tx) => {
        await tx.measures.upsertCurve(device.id, "production", readings);
        await tx.senders.create({ libelle: sender, implClass: "x" });
      }),
    ).rejects.toBeInstanceOf(UniqueViolationError);
    expect((await store.measures.countCurve(device.id, "production")).rows).toBe(0);
  });

  it("refuses the store's own repositories inside a transaction instead of deadlocking", async () => {
    const store = db.getStore();
    await expect(
      store.transaction(async () => {
        await store.users.count();
      }),
    ).rejects.toBeInstanceOf(StoreError);
    await expect(store.transaction(() => store.transaction(async () => 1))).rejects.toThrow(/nested/);
    // And the store still works afterwards.
    expect(await store.users.count()).toBeGreaterThan(0);
  });

  it("runs independent transactions one after the other (SQLite) or side by side (PostgreSQL)", async () => {
    const store = db.getStore();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.transaction(async (tx) => {
          const u = await tx.users.create({ username: uniq(`tx${i}`), passwordHash: "x" });
          return (await tx.users.findById(u.id))?.id;
        }),
      ),
    );
    expect(results.every((id) => typeof id === "number")).toBe(true);
    const { n } = await sql<{ n: number }>`select count(*) as n from app_user`
      .execute(store.database.db)
      .then((r) => r.rows[0] ?? { n: 0 });
    expect(Number(n)).toBeGreaterThanOrEqual(5);
  });
});
