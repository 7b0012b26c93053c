/**
 * Finding 5 and 13 of issue 10, at the store: server-side session records, and erasure of a user or of
 * one account with its meter's data, each in one transaction, on SQLite and PostgreSQL.
 */
import { beforeAll, expect, it } from "vitest";
import {
  eraseAccount,
  eraseUser,
  describeUserErasure,
  pendingConsentSecret,
  type Store,
} from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";
import { countEveryTable, seedMeterData, SEEDED_ROWS } from "../helpers/meter-data.js";

let n = 0;

/** A user with `prms` accounts under `senders`, a meter per PRM with data, an API token and a session. */
async function household(store: Store, senderIds: number[], prms: string[]) {
  const user = await store.users.create({ username: `u${++n}`, passwordHash: "x" });
  const type = await store.devices.linkyType();
  const devices: number[] = [];
  const accounts: number[] = [];
  for (const prm of prms) {
    const d = await store.devices.findOrCreate({
      userId: user.id,
      mac: prm,
      label: prm,
      deviceTypeId: type.id,
    });
    devices.push(d.id);
    await seedMeterData(store, d.id, `${user.id}_${prm}`);
    for (const senderId of senderIds) {
      accounts.push((await store.accounts.create({ senderId, userId: user.id, usagePointId: prm })).id);
    }
  }
  await store.apiTokens.create({
    userId: user.id,
    name: "t",
    tokenHash: `${user.id}`.padStart(64, "0"),
    prefix: "ldc_x",
  });
  await store.webSessions.create({
    id: `${user.id}`.padStart(64, "a"),
    userId: user.id,
    createdMs: 1000,
    expiresMs: 10_000,
    ip: "127.0.0.1",
    userAgent: "test",
  });
  await store.secrets.put(pendingConsentSecret(user.id), "{}");
  return { user, devices, accounts };
}

const minus = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)]));

describeEachDatabase("store: sessions and erasure", (db) => {
  let store: Store;
  let senderA: number;
  let senderB: number;
  beforeAll(async () => {
    store = db.getStore();
    senderA = (await store.senders.create({ libelle: "A", implClass: "dataconnect", cron: null })).id;
    senderB = (await store.senders.create({ libelle: "B", implClass: "dataconnect", cron: null })).id;
  });

  it("keeps session records: revoke one, revoke all but one, list the live ones, purge the dead", async () => {
    const u = await store.users.create({ username: `s${++n}`, passwordHash: "x" });
    const mk = (id: string, createdMs: number, expiresMs: number) =>
      store.webSessions.create({
        id,
        userId: u.id,
        createdMs,
        expiresMs,
        ip: "::1",
        userAgent: "x".repeat(500),
      });
    await mk("a".repeat(64), 1000, 100_000);
    await mk("b".repeat(64), 2000, 100_000);
    await mk("c".repeat(64), 3000, 100_000);
    await mk("d".repeat(64), 0, 500); // past its end at 1000
    const found = await store.webSessions.findWithUser("a".repeat(64));
    expect(found?.user.username).toBe(u.username);
    expect(found?.session.userAgent).toHaveLength(200);
    expect((await store.webSessions.listActive(u.id, 4000, 10_000)).map((s) => s.id[0])).toEqual([
      "c",
      "b",
      "a",
    ]);
    // Idle: last seen at 1000 and 2000, idle limit 1500 at 4000: only c (3000) is left.
    expect((await store.webSessions.listActive(u.id, 4000, 1500)).map((s) => s.id[0])).toEqual(["c"]);
    await store.webSessions.touch("a".repeat(64), 3500);
    expect((await store.webSessions.listActive(u.id, 4000, 1500)).map((s) => s.id[0])).toEqual(["a", "c"]);
    expect(await store.webSessions.revoke(u.id + 1, "a".repeat(64), 4000)).toBe(false);
    expect(await store.webSessions.revoke(u.id, "a".repeat(64), 4000)).toBe(true);
    expect(await store.webSessions.revoke(u.id, "a".repeat(64), 4000)).toBe(false);
    expect(await store.webSessions.revokeAll(u.id, 4000, "b".repeat(64))).toBe(2); // c and d
    expect((await store.webSessions.listActive(u.id, 4000, 10_000)).map((s) => s.id[0])).toEqual(["b"]);
    expect(await store.webSessions.purge(4000, 10_000)).toBe(3);
    expect((await store.webSessions.findById("b".repeat(64)))?.revokedMs).toBeNull();
    expect(await store.webSessions.findById("a".repeat(64))).toBeUndefined();
  });

  it("erases a user with everything keyed by them in one transaction, and nothing of another user", async () => {
    const victim = await household(store, [senderA, senderB], ["11111111111111", "22222222222222"]);
    const other = await household(store, [senderA], ["11111111111111"]);
    const plan = await describeUserErasure(store, victim.user.id);
    expect(plan).toMatchObject({ username: victim.user.username, apiTokens: 1 });
    expect(plan?.accounts).toHaveLength(4);
    expect(plan?.devices).toHaveLength(2);
    expect(plan?.measures).toBe(2 * (8 + 2 + 1 + 2));

    const before = await countEveryTable(store);
    const report = await eraseUser(store, victim.user.id);
    const after = await countEveryTable(store);
    const twice = (k: keyof typeof SEEDED_ROWS) => 2 * SEEDED_ROWS[k];
    const expected = {
      ...Object.fromEntries(Object.keys(before).map((k) => [k, 0])),
      app_user: 1,
      notification_account: 4,
      device: 2,
      curve_value: twice("curve_value"),
      daily_value: twice("daily_value"),
      monthly_value: twice("monthly_value"),
      index_value: twice("index_value"),
      completeness: twice("completeness"),
      ha_statistic: twice("ha_statistic"),
      ha_statistic_day: twice("ha_statistic_day"),
      api_token: 1,
      web_session: 1,
      app_secret: 1,
    };
    expect(minus(before, after)).toEqual(expected);
    expect(report).toMatchObject({ app_user: 1, notification_account: 4, device: 2, curve_value: 16 });
    // The other user, whose meter has the same PRM, keeps all of theirs.
    expect(await store.users.findById(other.user.id)).toBeDefined();
    expect(await store.devices.listByUser(other.user.id)).toHaveLength(1);
    expect(await store.accounts.list({ userId: other.user.id })).toHaveLength(1);
    expect(await store.apiTokens.countByUser(other.user.id)).toBe(1);
    expect(await store.secrets.get(pendingConsentSecret(other.user.id))).toBe("{}");
    expect(await store.measures.listDaily(other.devices[0]!, "consumption", 0, 4e12)).toHaveLength(2);
    expect(await eraseUser(store, victim.user.id)).toBeUndefined();
  });

  it("rolls the whole user erasure back when one step fails", async () => {
    const victim = await household(store, [senderA], ["33333333333333"]);
    const before = await countEveryTable(store);
    // Hold the user in place: a row that references them without a cascade makes the last delete fail.
    const { sql } = await import("kysely");
    await sql`create table erasure_blocker (user_id integer not null references app_user (id))`.execute(
      store.database.db,
    );
    try {
      await sql`insert into erasure_blocker (user_id) values (${victim.user.id})`.execute(store.database.db);
      await expect(eraseUser(store, victim.user.id)).rejects.toThrow();
      const after = await countEveryTable(store);
      delete after.erasure_blocker;
      expect(after).toEqual(before);
    } finally {
      await sql`drop table erasure_blocker`.execute(store.database.db);
    }
  });

  it("deletes an account with or without its meter's data, and keeps a meter another account uses", async () => {
    const h = await household(store, [senderA, senderB], ["44444444444444", "55555555555555"]);
    const [a44, b44, a55] = h.accounts as [number, number, number, number];
    const [dev44, dev55] = h.devices as [number, number];
    const daysOf = (d: number) => store.measures.listDaily(d, "consumption", 0, 4e12);

    // Without erasure: the account goes, the meter and its data stay.
    let before = await countEveryTable(store);
    expect(await eraseAccount(store, a55, { eraseData: false })).toMatchObject({
      deleted: true,
      dataErased: false,
    });
    expect(minus(before, await countEveryTable(store))).toMatchObject({ notification_account: 1, device: 0 });
    expect(await daysOf(dev55)).toHaveLength(2);

    // With erasure, but the other sender's account still uses the meter: data kept, and said.
    before = await countEveryTable(store);
    expect(await eraseAccount(store, a44, { eraseData: true })).toMatchObject({
      deleted: true,
      dataErased: false,
      keptForOtherAccount: true,
    });
    expect(minus(before, await countEveryTable(store))).toMatchObject({ notification_account: 1, device: 0 });
    expect(await daysOf(dev44)).toHaveLength(2);

    // The last account of the meter: everything of the meter goes, nothing else.
    before = await countEveryTable(store);
    expect(await eraseAccount(store, b44, { eraseData: true })).toMatchObject({
      deleted: true,
      dataErased: true,
    });
    const gone = minus(before, await countEveryTable(store));
    expect(gone).toEqual({
      ...Object.fromEntries(Object.keys(before).map((k) => [k, 0])),
      ...SEEDED_ROWS,
      notification_account: 1,
      device: 1,
    });
    expect(await store.devices.findById(dev44)).toBeUndefined();
    expect(await daysOf(dev55)).toHaveLength(2);
    expect(await store.users.findById(h.user.id)).toBeDefined();
    expect(await eraseAccount(store, b44, { eraseData: true })).toMatchObject({ deleted: false });
  });
});
