import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import {
  addDays,
  isoUtc,
  parisDayBounds,
  parisDayLengthMin,
  parisDayStartMs,
} from "../../src/domain/time.js";
import type { Reading } from "../../src/domain/types.js";
import { UniqueViolationError, type Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const HALF_HOUR = 1_800_000;

/** A day of 30-minute points from Paris midnight, value = index (or `value(i)`). */
function curveDay(day: string, value: (i: number) => number | null = (i) => i): Reading[] {
  const { startMs, endMs } = parisDayBounds(day);
  const n = (endMs - startMs) / HALF_HOUR;
  return Array.from({ length: n }, (_, i) => ({
    startMs: startMs + i * HALF_HOUR,
    lengthMin: 30,
    value: value(i),
  }));
}

function dailyReadings(
  fromDay: string,
  days: number,
  value: (day: string, i: number) => number | null,
): Reading[] {
  return Array.from({ length: days }, (_, i) => {
    const day = addDays(fromDay, i);
    return { startMs: parisDayStartMs(day), lengthMin: parisDayLengthMin(day), value: value(day, i) };
  });
}

/**
 * Until a backend of this test's PostgreSQL database waits on a lock (a row or transaction lock: a writer
 * blocked by another's uncommitted insert). Polls pg_stat_activity; fails after `timeoutMs`.
 */
async function waitUntilBlockedOnLock(store: Store, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()
    `.execute(store.database.db);
    if (Number(rows[0]?.n ?? 0) > 0) return;
    if (Date.now() > until) throw new Error(`no writer blocked on a lock after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let n = 0;
async function newDevice(store: Store): Promise<number> {
  const user = await store.users.create({ username: `m${++n}-${Math.random()}`, passwordHash: "x" });
  const type = await store.devices.linkyType();
  const d = await store.devices.findOrCreate({
    userId: user.id,
    mac: "12345678901234",
    label: "L",
    deviceTypeId: type.id,
  });
  return d.id;
}

describeEachDatabase("store: measures", (db) => {
  let store: Store;
  beforeAll(() => {
    store = db.getStore();
  });

  it("upserts load-curve points: same rows twice, same count; changed rows updated", async () => {
    const dev = await newDevice(store);
    const week = Array.from({ length: 7 }, (_, d) =>
      curveDay(addDays("2024-01-08", d), (i) => 100 + i),
    ).flat();
    expect(week.length).toBe(336);
    expect(await store.measures.upsertCurve(dev, "consumption", week)).toEqual({ written: 336 });
    expect(await store.measures.upsertCurve(dev, "consumption", week)).toEqual({ written: 0 });
    expect(await store.measures.countCurve(dev, "consumption")).toEqual({ rows: 336, missing: 0 });

    const changed = week.map((r, i) => (i % 10 === 0 ? { ...r, value: 5000 } : r));
    expect(await store.measures.upsertCurve(dev, "consumption", changed)).toEqual({ written: 34 });
    const points = await store.measures.listCurve(dev, "consumption", week[0]!.startMs, Date.UTC(2100, 0));
    expect(points.length).toBe(336);
    expect(points[0]).toEqual({ startMs: week[0]!.startMs, lengthMin: 30, powerW: 5000, energyWh: 2500 });
    expect(points[1]).toEqual({ startMs: week[1]!.startMs, lengthMin: 30, powerW: 101, energyWh: 50.5 });
    // The other direction is another series.
    expect((await store.measures.countCurve(dev, "production")).rows).toBe(0);
  });

  it("stores a missing measure as NULL, fills it later, and never erases a value with a null", async () => {
    const dev = await newDevice(store);
    const day = curveDay("2024-02-01", (i) => (i < 10 ? null : 200));
    await store.measures.upsertCurve(dev, "consumption", day);
    expect(await store.measures.countCurve(dev, "consumption")).toEqual({ rows: 48, missing: 10 });
    const first = (await store.measures.listCurve(dev, "consumption", 0, Date.UTC(2100, 0)))[0];
    expect(first).toMatchObject({ powerW: null, energyWh: null });

    const filled = curveDay("2024-02-01", () => 300);
    expect(await store.measures.upsertCurve(dev, "consumption", filled)).toEqual({ written: 48 });
    expect(await store.measures.countCurve(dev, "consumption")).toEqual({ rows: 48, missing: 0 });

    const nulls = curveDay("2024-02-01", () => null);
    expect(await store.measures.upsertCurve(dev, "consumption", nulls)).toEqual({ written: 0 });
    const after = await store.measures.listCurve(dev, "consumption", 0, Date.UTC(2100, 0));
    expect(after.every((p) => p.powerW === 300 && p.energyWh === 150)).toBe(true);
  });

  it("has a unique key on (device, direction, start): a duplicate written around the repository fails", async () => {
    const dev = await newDevice(store);
    const row = {
      device_id: dev,
      direction: "consumption" as const,
      start_ms: 0,
      length_min: 30,
      power_w: 1,
      energy_wh: 0.5,
    };
    await store.database.db.insertInto("curve_value").values(row).execute();
    await expect(store.database.db.insertInto("curve_value").values(row).execute()).rejects.toThrow(
      /unique|duplicate/i,
    );
    await store.database.db
      .insertInto("curve_value")
      .values({ ...row, direction: "production" })
      .execute();
  });

  it("validates the whole batch before writing any of it", async () => {
    const dev = await newDevice(store);
    const day = curveDay("2024-02-02");
    const bad = [...day, { startMs: day[0]!.startMs + 1.5, lengthMin: 30, value: 1 }];
    await expect(store.measures.upsertCurve(dev, "consumption", bad)).rejects.toThrow(
      /reading #48 has no integer startMs/,
    );
    await expect(
      store.measures.upsertCurve(dev, "consumption", [{ startMs: 0, lengthMin: 0, value: 1 }]),
    ).rejects.toThrow(/bad lengthMin/);
    await expect(
      store.measures.upsertCurve(dev, "consumption", [{ startMs: 0, lengthMin: 30, value: Number.NaN }]),
    ).rejects.toThrow(/non-finite/);
    expect((await store.measures.countCurve(dev, "consumption")).rows).toBe(0);
  });

  it("keeps the last of repeated instants in one batch, whatever the order", async () => {
    const dev = await newDevice(store);
    const day = curveDay("2024-02-03");
    const shuffled = [...day].reverse();
    shuffled.push({ ...day[5]!, value: 999 });
    await store.measures.upsertCurve(dev, "production", shuffled);
    const pts = await store.measures.listCurve(dev, "production", 0, Date.UTC(2100, 0));
    expect(pts.length).toBe(48);
    expect(pts[5]?.powerW).toBe(999);
    expect(pts.map((p) => p.startMs)).toEqual(day.map((r) => r.startMs));
  });

  it("writes large batches across chunks, mixing new and known rows", async () => {
    const dev = await newDevice(store);
    const start = Date.UTC(2023, 0, 1);
    const mk = (from: number, to: number, v: number): Reading[] =>
      Array.from({ length: to - from }, (_, i) => ({
        startMs: start + (from + i) * HALF_HOUR,
        lengthMin: 30,
        value: v,
      }));
    expect((await store.measures.upsertCurve(dev, "consumption", mk(0, 12_000, 1))).written).toBe(12_000);
    expect((await store.measures.upsertCurve(dev, "consumption", mk(6_000, 20_000, 2))).written).toBe(14_000);
    expect(await store.measures.countCurve(dev, "consumption")).toEqual({ rows: 20_000, missing: 0 });
    const pts = await store.measures.listCurve(dev, "consumption", start, start + 20_000 * HALF_HOUR);
    expect(pts.filter((p) => p.powerW === 1).length).toBe(6_000);
    expect(pts.filter((p) => p.powerW === 2).length).toBe(14_000);
  });

  it("stores the 50 points of the autumn day and the 46 of the spring day at the right instants", async () => {
    const dev = await newDevice(store);
    const autumn = curveDay("2024-10-27");
    const spring = curveDay("2024-03-31");
    expect(autumn.length).toBe(50);
    expect(spring.length).toBe(46);
    await store.measures.upsertCurve(dev, "consumption", [...spring, ...autumn]);

    const a = parisDayBounds("2024-10-27");
    const back = await store.measures.listCurve(dev, "consumption", a.startMs, a.endMs);
    expect(back.length).toBe(50);
    expect(isoUtc(back[0]!.startMs)).toBe("2024-10-26T22:00:00Z");
    expect(isoUtc(back[49]!.startMs)).toBe("2024-10-27T22:30:00Z");
    // Paris 02:00-03:00 happens twice: 00:00-01:00 UTC (summer time), then 01:00-02:00 UTC (winter time).
    expect(back.slice(4, 8).map((p) => isoUtc(p.startMs))).toEqual([
      "2024-10-27T00:00:00Z",
      "2024-10-27T00:30:00Z",
      "2024-10-27T01:00:00Z",
      "2024-10-27T01:30:00Z",
    ]);

    const s = parisDayBounds("2024-03-31");
    const sp = await store.measures.listCurve(dev, "consumption", s.startMs, s.endMs);
    expect(sp.length).toBe(46);
    expect(isoUtc(sp[0]!.startMs)).toBe("2024-03-30T23:00:00Z");
    // 01:30 Paris (00:30 UTC) is followed by 03:00 Paris (01:00 UTC): no 02:xx exists.
    expect(isoUtc(sp[3]!.startMs)).toBe("2024-03-31T00:30:00Z");
    expect(isoUtc(sp[4]!.startMs)).toBe("2024-03-31T01:00:00Z");
    expect(isoUtc(sp[45]!.startMs)).toBe("2024-03-31T21:30:00Z");
    expect(sp.every((p, i) => i === 0 || p.startMs - sp[i - 1]!.startMs === HALF_HOUR)).toBe(true);
  });

  it("stores daily energy per Paris day, DST days included, and refuses misaligned days", async () => {
    const dev = await newDevice(store);
    const days = dailyReadings("2024-03-30", 3, (_d, i) => 10_000 + i);
    expect(days.map((d) => d.lengthMin)).toEqual([1440, 1380, 1440]);
    expect(await store.measures.upsertDaily(dev, "consumption", days)).toEqual({ written: 3 });
    expect(await store.measures.upsertDaily(dev, "consumption", days)).toEqual({ written: 0 });
    const back = await store.measures.listDaily(dev, "consumption", 0, Date.UTC(2100, 0));
    expect(back.map((d) => [d.day, isoUtc(d.startMs), d.lengthMin, d.value])).toEqual([
      ["2024-03-30", "2024-03-29T23:00:00Z", 1440, 10_000],
      ["2024-03-31", "2024-03-30T23:00:00Z", 1380, 10_001],
      ["2024-04-01", "2024-03-31T22:00:00Z", 1440, 10_002],
    ]);
    const utcMidnight = { startMs: Date.UTC(2024, 3, 2), lengthMin: 1440, value: 1 };
    await expect(store.measures.upsertDaily(dev, "consumption", [utcMidnight])).rejects.toThrow(
      /does not start at Paris midnight/,
    );
    const wrongLength = { startMs: parisDayStartMs("2024-10-27"), lengthMin: 1440, value: 1 };
    await expect(store.measures.upsertDaily(dev, "consumption", [wrongLength])).rejects.toThrow(
      /lasts 1440 min but Paris day 2024-10-27 lasts 1500/,
    );
  });

  it("stores daily max power with the peak's instant and exports it", async () => {
    const dev = await newDevice(store);
    const days = dailyReadings("2024-01-01", 2, (_d, i) => 6000 + i).map((r) => ({
      ...r,
      peakAtMs: r.startMs + 19 * 3_600_000,
    }));
    await store.measures.upsertMaxPower(dev, days);
    const out = await store.measures.readings(dev, "daily_consumption_max_power", 0, Date.UTC(2100, 0));
    expect(out).toEqual(days);
    expect(isoUtc(out[0]!.peakAtMs!)).toBe("2024-01-01T18:00:00Z");
  });

  it("recomputes months from days: sum of energy, max of max power, DST-aware bounds", async () => {
    const dev = await newDevice(store);
    // Jan: 31 days of 1000 Wh; Feb: 29 days of 2000; Mar: 31 days, one missing (null).
    const energy = dailyReadings("2024-01-01", 91, (day) =>
      day === "2024-03-15" ? null : day < "2024-02-01" ? 1000 : day < "2024-03-01" ? 2000 : 3000,
    );
    await store.measures.upsertDaily(dev, "consumption", energy);
    expect(await store.measures.recomputeMonths(dev, "consumption", "2024-01", "2024-04")).toBe(3);
    const months = await store.measures.listMonthly(dev, "consumption", "2024-01", "2024-12");
    expect(months.map((m) => [m.month, m.value, m.days])).toEqual([
      ["2024-01", 31_000, 31],
      ["2024-02", 58_000, 29],
      ["2024-03", 90_000, 30],
    ]);
    expect(isoUtc(months[2]!.startMs)).toBe("2024-02-29T23:00:00Z");
    expect(months[2]!.lengthMin).toBe((31 * 24 - 1) * 60);
    expect(months[0]!.peakAtMs).toBeNull();

    // Recomputing is idempotent.
    await store.measures.recomputeMonths(dev, "consumption", "2024-02", "2024-02");
    expect((await store.measures.listMonthly(dev, "consumption", "2024-01", "2024-12")).length).toBe(3);

    const maxp = dailyReadings("2024-01-01", 60, (_d, i) => (i === 40 ? 9000 : 5000 + i)).map((r) => ({
      ...r,
      peakAtMs: r.startMs + 3_600_000,
    }));
    await store.measures.upsertMaxPower(dev, maxp);
    await store.measures.recomputeMonths(dev, "max_power", "2024-01", "2024-02");
    const mp = await store.measures.listMonthly(dev, "max_power", "2024-01", "2024-02");
    expect(mp.map((m) => [m.month, m.value, m.days])).toEqual([
      ["2024-01", 5030, 31],
      ["2024-02", 9000, 29],
    ]);
    expect(mp[1]!.peakAtMs).toBe(maxp[40]!.peakAtMs);
    await expect(store.measures.recomputeMonths(dev, "consumption", "2024-1", "2024-02")).rejects.toThrow(
      RangeError,
    );
  });

  it("drops a month row when no day of it has a value any more", async () => {
    const dev = await newDevice(store);
    await store.measures.upsertDaily(
      dev,
      "production",
      dailyReadings("2024-05-01", 31, () => 10),
    );
    await store.measures.recomputeMonths(dev, "production", "2024-05", "2024-05");
    expect((await store.measures.listMonthly(dev, "production", "2024-05", "2024-05"))[0]?.value).toBe(310);
    await store.database.db
      .updateTable("daily_value")
      .set({ value: null })
      .where("device_id", "=", dev)
      .execute();
    await store.measures.recomputeMonths(dev, "production", "2024-05", "2024-05");
    expect(await store.measures.listMonthly(dev, "production", "2024-05", "2024-05")).toEqual([]);
  });

  it("stores index registers per register and day", async () => {
    const dev = await newDevice(store);
    const start = parisDayStartMs("2024-01-10");
    const readings: Reading[] = [
      { startMs: start, lengthMin: 1440, value: 1_000_000, register: "DI000001:HC" },
      { startMs: start, lengthMin: 1440, value: 2_000_000, register: "DI000001:HP" },
    ];
    expect(await store.measures.upsertIndex(dev, "consumption", readings)).toEqual({ written: 2 });
    expect(await store.measures.upsertIndex(dev, "consumption", readings)).toEqual({ written: 0 });
    expect(await store.measures.listIndex(dev, "consumption", start, start + 86_400_000)).toEqual([
      {
        register: "DI000001:HC",
        day: "2024-01-10",
        startMs: start,
        lengthMin: 1440,
        valueWh: 1_000_000,
        readingType: null,
      },
      {
        register: "DI000001:HP",
        day: "2024-01-10",
        startMs: start,
        lengthMin: 1440,
        valueWh: 2_000_000,
        readingType: null,
      },
    ]);
    expect(await store.measures.readings(dev, "consumption_index", 0, Date.UTC(2100, 0))).toEqual(readings);
    await expect(
      store.measures.upsertIndex(dev, "consumption", [{ startMs: start, lengthMin: 1440, value: 1 }]),
    ).rejects.toThrow(/has no register/);
  });

  it("exports a dataset in [from, to), ordered, missing measures only on request", async () => {
    const dev = await newDevice(store);
    const d1 = curveDay("2024-06-01", (i) => (i === 3 ? null : i));
    const d2 = curveDay("2024-06-02");
    await store.measures.upsertCurve(dev, "production", [...d2, ...d1]);
    const { startMs, endMs } = parisDayBounds("2024-06-01");
    const out = await store.measures.readings(dev, "production_load_curve", startMs, endMs);
    expect(out.length).toBe(47);
    expect(out[0]).toEqual({ startMs, lengthMin: 30, value: 0 });
    expect(out.every((r, i) => i === 0 || r.startMs > out[i - 1]!.startMs)).toBe(true);
    const all = await store.measures.readings(dev, "production_load_curve", startMs, endMs, {
      includeMissing: true,
    });
    expect(all.length).toBe(48);
    expect(all[3]?.value).toBeNull();
    expect(await store.measures.readings(dev, "consumption_load_curve", startMs, endMs)).toEqual([]);
  });

  it("reports two writers racing on the same new points (PostgreSQL) or serialises them (SQLite)", async () => {
    const dev = await newDevice(store);
    const day = curveDay("2024-07-01");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let firstWrote!: () => void;
    const wrote = new Promise<void>((r) => (firstWrote = r));
    const t1 = store.transaction(async (tx) => {
      await tx.measures.upsertCurve(dev, "consumption", day);
      firstWrote();
      await gate;
    });
    await wrote;
    const t2 = store.transaction((tx) => tx.measures.upsertCurve(dev, "consumption", day));
    if (db.kind === "postgres") {
      // Released only once the second writer is really blocked on the first's uncommitted rows.
      await waitUntilBlockedOnLock(store);
    } else {
      // SQLite: the second transaction queues for the one connection; nothing outside shows it.
      await new Promise((r) => setTimeout(r, 200));
    }
    release();
    await t1;
    if (db.kind === "postgres") {
      await expect(t2).rejects.toBeInstanceOf(UniqueViolationError);
      expect(await store.transaction((tx) => tx.measures.upsertCurve(dev, "consumption", day))).toEqual({
        written: 0,
      });
    } else {
      expect(await t2).toEqual({ written: 0 });
    }
    expect((await store.measures.countCurve(dev, "consumption")).rows).toBe(48);
  });
});

describeEachDatabase("store: completeness ledger", (db) => {
  it("records attempts per day and keeps the first sighting", async () => {
    const store = db.getStore();
    const dev = await newDevice(store);
    await store.ledger.record(
      dev,
      "consumption_load_curve",
      [
        { day: "2024-10-27", expected: 50, received: 50, missing: 0, status: "complete" },
        { day: "2024-10-28", expected: 48, received: 40, missing: 8, status: "partial" },
        { day: "2024-10-29", expected: 48, received: 0, missing: 48, status: "missing" },
      ],
      1000,
    );
    await store.ledger.record(
      dev,
      "consumption_load_curve",
      [{ day: "2024-10-28", expected: 48, received: 46, missing: 2, status: "partial" }],
      2000,
    );
    expect(await store.ledger.get(dev, "consumption_load_curve", "2024-10-28")).toEqual({
      deviceId: dev,
      dataset: "consumption_load_curve",
      day: "2024-10-28",
      expected: 48,
      received: 46,
      missing: 2,
      status: "partial",
      attempts: 2,
      firstSeenMs: 1000,
      lastAttemptMs: 2000,
      // Recorded by the sync (migration 030's default): imports mark theirs `file` or `seed`.
      source: "api",
    });
    expect((await store.ledger.listOpen(dev, "consumption_load_curve")).map((d) => d.day)).toEqual([
      "2024-10-28",
      "2024-10-29",
    ]);
    expect(
      await store.ledger.setStatus(dev, "consumption_load_curve", ["2024-10-29", "2024-12-01"], "gap"),
    ).toBe(1);
    expect((await store.ledger.get(dev, "consumption_load_curve", "2024-10-29"))?.attempts).toBe(1);
    expect(await store.ledger.countByStatus(dev)).toEqual({
      complete: 1,
      partial: 1,
      missing: 0,
      gap: 1,
      pending: 0,
    });
    expect(
      (
        await store.ledger.list(dev, "consumption_load_curve", { fromDay: "2024-10-28", toDay: "2024-10-29" })
      ).map((d) => d.day),
    ).toEqual(["2024-10-28"]);
    expect(await store.ledger.list(dev, "daily_consumption")).toEqual([]);
  });

  it("refuses bad entries", async () => {
    const store = db.getStore();
    const dev = await newDevice(store);
    const ok = { day: "2024-01-01", expected: 48, received: 48, missing: 0, status: "complete" as const };
    await expect(store.ledger.record(dev, "daily_consumption", [{ ...ok, day: "2024-1-1" }])).rejects.toThrow(
      RangeError,
    );
    await expect(store.ledger.record(dev, "daily_consumption", [{ ...ok, received: -1 }])).rejects.toThrow(
      RangeError,
    );
    await expect(
      store.ledger.record(dev, "daily_consumption", [{ ...ok, status: "done" as unknown as "complete" }]),
    ).rejects.toThrow(/unknown status/);
  });
});
