/**
 * Bulk load-curve writes (`tx.curveBulk`, PostgreSQL COPY / SQLite prepared batches) on both engines:
 * the claim says whether a device's range is empty, inside the transaction; a new range is written
 * straight, a known one only gains absent points and fills stored missing measures (a stored value always
 * stays); a bad batch writes nothing; a device that does not exist is refused (on PostgreSQL the device
 * reference is checked per statement, migration 060, with the foreign key's error and its cascade); two
 * bulk writers of one meter take turns on PostgreSQL.
 */
import { beforeAll, expect, it } from "vitest";
import { addDays, parisDayBounds } from "../../src/domain/time.js";
import type { Reading } from "../../src/domain/types.js";
import { ForeignKeyViolationError, type Store } from "../../src/store/index.js";
import { eraseUser } from "../../src/store/erasure.js";
import { describeEachDatabase } from "../helpers/db.js";

const HALF_HOUR = 1_800_000;

/** 30-minute points from `day`'s Paris midnight for `days` Paris days. */
function points(day: string, days: number, value: (i: number) => number | null): Reading[] {
  const from = parisDayBounds(day).startMs;
  const to = parisDayBounds(addDays(day, days)).startMs;
  const out: Reading[] = [];
  for (let t = from, i = 0; t < to; t += HALF_HOUR, i++)
    out.push({ startMs: t, lengthMin: 30, value: value(i) });
  return out;
}

let n = 0;
async function newDevice(store: Store): Promise<{ userId: number; deviceId: number }> {
  const user = await store.users.create({ username: `bulk${++n}-${Math.random()}`, passwordHash: "x" });
  const type = await store.devices.linkyType();
  const d = await store.devices.findOrCreate({
    userId: user.id,
    mac: String(30_000_000_000_000 + n),
    label: "Linky",
    deviceTypeId: type.id,
  });
  return { userId: user.id, deviceId: d.id };
}

const all = [0, Date.parse("2100-01-01")] as const;

describeEachDatabase("store: bulk load-curve writes", (db) => {
  let store: Store;
  beforeAll(() => {
    store = db.getStore();
  });

  it("a new range: claimed empty, written whole (missing measures as NULL), read back in order", async () => {
    const { deviceId } = await newDevice(store);
    const rows = points("2024-10-26", 3, (i) => (i === 5 ? null : 100 + i));
    expect(rows).toHaveLength(48 + 50 + 48);
    const written = await store.transaction(async (tx) => {
      expect(
        await tx.curveBulk.claimRange(deviceId, "consumption", rows[0]!.startMs, rows.at(-1)!.startMs),
      ).toBe(true);
      return tx.curveBulk.insertNew(deviceId, "consumption", rows);
    });
    expect(written).toBe(146);
    expect(
      await store.measures.readings(deviceId, "consumption_load_curve", ...all, { includeMissing: true }),
    ).toEqual(rows);
    const curve = await store.measures.listCurve(deviceId, "consumption", ...all);
    expect(curve[6]).toMatchObject({ powerW: 106, energyWh: 53 });
    expect(await store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 146, missing: 1 });
    // Now the range is known: the claim says so, also for a range that only touches one point.
    await store.transaction(async (tx) => {
      expect(
        await tx.curveBulk.claimRange(
          deviceId,
          "consumption",
          rows.at(-1)!.startMs,
          rows.at(-1)!.startMs + 1,
        ),
      ).toBe(false);
      expect(await tx.curveBulk.claimRange(deviceId, "production", ...all)).toBe(true);
    });
  });

  it("a known range: absent points are added, stored missing measures filled, stored values never replaced", async () => {
    const { deviceId } = await newDevice(store);
    const stored = points("2024-03-30", 1, (i) => (i % 10 === 0 ? null : 1000));
    await store.measures.upsertCurve(deviceId, "consumption", stored);
    // The file: the same day (every point 777) and the next one (46 half-hours, the spring day).
    const file = points("2024-03-30", 2, () => 777);
    expect(file).toHaveLength(48 + 46);
    const written = await store.transaction(async (tx) => {
      expect(
        await tx.curveBulk.claimRange(deviceId, "consumption", file[0]!.startMs, file.at(-1)!.startMs),
      ).toBe(false);
      return tx.curveBulk.fill(deviceId, "consumption", file);
    });
    // 5 NULLs filled (i = 0, 10, 20, 30, 40) + 46 new points.
    expect(written).toBe(5 + 46);
    const after = await store.measures.readings(deviceId, "consumption_load_curve", ...all, {
      includeMissing: true,
    });
    expect(after).toHaveLength(94);
    expect(after.slice(0, 48).map((r) => r.value)).toEqual(
      stored.map((r) => (r.value === null ? 777 : 1000)),
    );
    expect(after.slice(48).every((r) => r.value === 777)).toBe(true);
    // Once more: nothing to write.
    expect(await store.transaction((tx) => tx.curveBulk.fill(deviceId, "consumption", file))).toBe(0);
    // A null in a later batch never erases a value.
    expect(
      await store.transaction((tx) =>
        tx.curveBulk.fill(
          deviceId,
          "consumption",
          file.map((r) => ({ ...r, value: null })),
        ),
      ),
    ).toBe(0);
    expect(await store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 94, missing: 0 });
  });

  it("refuses bad batches whole, outside a transaction, and for a device that does not exist", async () => {
    const { deviceId } = await newDevice(store);
    const good = points("2024-01-10", 1, (i) => i);
    const bad = [...good, { startMs: good.at(-1)!.startMs + HALF_HOUR, lengthMin: 30, value: Number.NaN }];
    await expect(
      store.transaction((tx) => tx.curveBulk.insertNew(deviceId, "consumption", bad)),
    ).rejects.toThrow(/reading #48 has a non-finite value/);
    await expect(store.curveBulk.insertNew(deviceId, "consumption", good)).rejects.toThrow(
      /inside store.transaction/,
    );
    await expect(
      store.transaction((tx) => tx.curveBulk.insertNew(999_999, "consumption", good)),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError);
    await expect(
      store.transaction((tx) => tx.curveBulk.fill(999_999, "consumption", good)),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError);
    // The sync's own path is refused the same way (the per-statement check on PostgreSQL).
    await expect(store.measures.upsertCurve(999_999, "consumption", good)).rejects.toThrow();
    expect(await store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 0, missing: 0 });
    expect(await store.measures.countCurve(999_999, "consumption")).toEqual({ rows: 0, missing: 0 });
  });

  it("unsorted input with a repeated instant: the last one given is kept", async () => {
    const { deviceId } = await newDevice(store);
    const t = parisDayBounds("2024-05-01").startMs;
    const rows: Reading[] = [
      { startMs: t + HALF_HOUR, lengthMin: 30, value: 2 },
      { startMs: t, lengthMin: 30, value: 1 },
      { startMs: t + HALF_HOUR, lengthMin: 30, value: 3 },
    ];
    expect(await store.transaction((tx) => tx.curveBulk.insertNew(deviceId, "consumption", rows))).toBe(2);
    expect(
      (await store.measures.readings(deviceId, "consumption_load_curve", ...all)).map((r) => r.value),
    ).toEqual([1, 3]);
  });

  it("erasing the user takes the meter's points with it; a deleted device's points go with it", async () => {
    const { userId, deviceId } = await newDevice(store);
    await store.transaction((tx) =>
      tx.curveBulk.insertNew(
        deviceId,
        "consumption",
        points("2024-02-01", 2, () => 5),
      ),
    );
    await eraseUser(store, userId);
    expect(await store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 0, missing: 0 });
  });

  // PostgreSQL only: the advisory lock and the COPY race it guards exist there; SQLite has one writer.
  it.runIf(db.kind === "postgres")(
    "PostgreSQL: two bulk writers of one meter take turns (the second sees the first's points)",
    async () => {
      const { deviceId } = await newDevice(store);
      const rows = points("2024-06-01", 1, () => 42);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let firstClaimed!: () => void;
      const claimed = new Promise<void>((r) => (firstClaimed = r));
      const first = store.transaction(async (tx) => {
        const empty = await tx.curveBulk.claimRange(deviceId, "consumption", ...all);
        firstClaimed();
        await held;
        await tx.curveBulk.insertNew(deviceId, "consumption", rows);
        return empty;
      });
      await claimed;
      const second = store.transaction(async (tx) => {
        const empty = await tx.curveBulk.claimRange(deviceId, "consumption", ...all);
        if (empty) await tx.curveBulk.insertNew(deviceId, "consumption", rows);
        else await tx.curveBulk.fill(deviceId, "consumption", rows);
        return empty;
      });
      await new Promise((r) => setTimeout(r, 200));
      release();
      expect(await first).toBe(true);
      expect(await second).toBe(false);
      expect(await store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 48, missing: 0 });
    },
  );
});
