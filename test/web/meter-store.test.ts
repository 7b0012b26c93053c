/**
 * What the meter's views and the API read from the store, on both engines: the load curve folded per
 * hour and per Paris day in SQL (held to a reference computed here from the raw points with luxon's
 * time zones, across both daylight-saving days), API tokens, the ledger's totals; and the fast Paris
 * arithmetic the views use, held to luxon for every year the data can cover.
 */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addDaysFast,
  parisDateFast,
  parisHourFast,
  parisMidnightFast,
  parisOffsetFast,
} from "../../src/domain/paris-fast.js";
import { parisDateOf, parisDayStartMs, parisOffsetMs } from "../../src/domain/time.js";
import type { Reading } from "../../src/domain/types.js";
import { describeEachDatabase } from "../helpers/db.js";

describe("fast Paris arithmetic agrees with the time-zone database", () => {
  it("offsets, days, hours and midnights from 2010 to 2036", () => {
    // Every 20 minutes around each change, every 31 hours in between.
    let checked = 0;
    const wrong: string[] = [];
    const same = (what: string, a: unknown, b: unknown) => {
      if (a !== b) wrong.push(`${what}: ${String(a)} != ${String(b)}`);
    };
    for (let y = 2010; y <= 2036; y++) {
      const start = Date.UTC(y, 0, 1);
      const end = Date.UTC(y + 1, 0, 1);
      for (let t = start; t < end; t += 31 * 3_600_000 + 60_000) {
        same(`offset ${t}`, parisOffsetFast(t), parisOffsetMs(t));
        checked++;
      }
      for (const month of [2, 9]) {
        const from = Date.UTC(y, month, 24);
        for (let t = from; t < from + 9 * 86_400_000; t += 60 * 60_000) {
          same(`offset ${new Date(t).toISOString()}`, parisOffsetFast(t), parisOffsetMs(t));
          same(`date ${t}`, parisDateFast(t), parisDateOf(t));
          same(`hour ${t}`, parisHourFast(t), DateTime.fromMillis(t, { zone: "Europe/Paris" }).hour);
          checked++;
        }
      }
    }
    for (let d = "2014-12-25"; d < "2031-01-05"; d = addDaysFast(d, 3)) {
      same(`midnight ${d}`, parisMidnightFast(d), parisDayStartMs(d));
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });
});

/** 30-minute points from `from` (a Paris day) for `days` days, deterministic values, some missing. */
function curve(from: string, days: number): Reading[] {
  const out: Reading[] = [];
  const end = parisDayStartMs(addDaysFast(from, days));
  let i = 0;
  for (let t = parisDayStartMs(from); t < end; t += 1_800_000, i++) {
    out.push({ startMs: t, lengthMin: 30, value: i % 97 === 13 ? null : 200 + ((i * 37) % 1900) });
  }
  return out;
}

describeEachDatabase("meter views' store queries", (db) => {
  const points = [...curve("2026-03-20", 20), ...curve("2026-10-20", 12)];

  it("folds the load curve per hour like the raw points do", async () => {
    const store = db.getStore();
    const user = await store.users.create({ username: "u", passwordHash: "x" });
    const type = await store.devices.linkyType();
    const device = await store.devices.findOrCreate({
      userId: user.id,
      mac: "12345678901234",
      label: "L",
      deviceTypeId: type.id,
    });
    await store.measures.upsertCurve(device.id, "consumption", points);
    const from = parisDayStartMs("2026-03-28");
    const to = parisDayStartMs("2026-03-31");
    const hourly = await store.measures.curveHourly(device.id, "consumption", from, to);
    // 23 + 24 + 24 hours: the spring day has no 02:00.
    expect(hourly.length).toBe(24 + 23 + 24);
    const ref = new Map<number, Reading[]>();
    for (const p of points) {
      if (p.startMs < from || p.startMs >= to) continue;
      const h = Math.floor(p.startMs / 3_600_000) * 3_600_000;
      ref.set(h, [...(ref.get(h) ?? []), p]);
    }
    for (const b of hourly) {
      const ps = ref.get(b.startMs)!;
      const vals = ps.map((p) => p.value).filter((v): v is number => v !== null);
      expect(b.rows).toBe(ps.length);
      expect(b.points).toBe(vals.length);
      if (vals.length === 0) expect(b.meanW).toBeNull();
      else {
        expect(b.meanW).toBeCloseTo(vals.reduce((a, v) => a + v, 0) / vals.length, 6);
        expect(b.energyWh).toBeCloseTo(
          vals.reduce((a, v) => a + v / 2, 0),
          6,
        );
        expect(b.maxW).toBe(Math.max(...vals));
      }
    }
  });

  it("folds the load curve per Paris day, with each night's mean power 01:00-05:00", async () => {
    const store = db.getStore();
    const device = (await store.devices.findByMac("12345678901234"))[0]!;
    const from = parisDayStartMs("2026-03-20");
    const to = parisDayStartMs("2026-11-01");
    const days = await store.measures.curveByParisDay(device.id, "consumption", from, to);
    expect(days.length).toBe(32);
    const byDay = new Map<string, Reading[]>();
    for (const p of points)
      byDay.set(parisDateOf(p.startMs), [...(byDay.get(parisDateOf(p.startMs)) ?? []), p]);
    for (const d of days) {
      const ps = byDay.get(d.day)!;
      expect(d.startMs).toBe(parisDayStartMs(d.day));
      expect(d.rows, d.day).toBe(d.day === "2026-03-29" ? 46 : d.day === "2026-10-25" ? 50 : 48);
      const night = ps.filter((p) => {
        const h = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" }).hour;
        return h >= 1 && h < 5 && p.value !== null;
      });
      const mean = night.reduce((a, p) => a + (p.value as number), 0) / night.length;
      expect(d.nightW, d.day).toBeCloseTo(mean, 6);
      const energy = ps.reduce((a, p) => a + (p.value === null ? 0 : p.value / 2), 0);
      expect(d.energyWh).toBeCloseTo(energy, 6);
    }
    // The night-only query (the views' fast path) agrees, day by day.
    const nights = await store.measures.nightLoadByParisDay(device.id, "consumption", from, to);
    expect(nights.map((n) => n.day)).toEqual(days.map((d) => d.day));
    for (const [i, n] of nights.entries()) expect(n.nightW, n.day).toBeCloseTo(days[i]!.nightW!, 6);
    // The autumn night has 01:00-05:00 with the repeated hour: 10 half-hours; the spring one 6.
    const counts = (day: string) =>
      byDay.get(day)!.filter((p) => {
        const h = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" }).hour;
        return h >= 1 && h < 5;
      }).length;
    expect([counts("2026-03-29"), counts("2026-10-25"), counts("2026-10-26")]).toEqual([6, 10, 8]);
  });

  it("keeps API tokens as digests, per user, and revokes only one's own", async () => {
    const store = db.getStore();
    const a = await store.users.create({ username: "a", passwordHash: "x" });
    const b = await store.users.create({ username: "b", passwordHash: "x" });
    const t = await store.apiTokens.create({
      userId: a.id,
      name: "script",
      tokenHash: "f".repeat(64),
      prefix: "ldc_abcdef",
    });
    expect(await store.apiTokens.findByHash("f".repeat(64))).toMatchObject({
      id: t.id,
      userId: a.id,
      lastUsedAtMs: null,
    });
    await store.apiTokens.touch(t.id, 1234);
    expect((await store.apiTokens.listByUser(a.id))[0]?.lastUsedAtMs).toBe(1234);
    expect(await store.apiTokens.delete(b.id, t.id)).toBe(false);
    expect(await store.apiTokens.countByUser(a.id)).toBe(1);
    expect(await store.apiTokens.delete(a.id, t.id)).toBe(true);
    expect(await store.apiTokens.findByHash("f".repeat(64))).toBeUndefined();
  });

  it("counts ledger days per dataset and status over every device", async () => {
    const store = db.getStore();
    const device = (await store.devices.findByMac("12345678901234"))[0]!;
    await store.ledger.record(device.id, "consumption_load_curve", [
      { day: "2026-03-28", expected: 48, received: 48, missing: 0, status: "complete" },
      { day: "2026-03-29", expected: 46, received: 40, missing: 6, status: "partial" },
      { day: "2026-03-30", expected: 48, received: 48, missing: 0, status: "complete" },
    ]);
    await store.ledger.record(device.id, "daily_consumption", [
      { day: "2026-03-29", expected: 1, received: 0, missing: 1, status: "missing" },
    ]);
    expect(await store.ledger.countAll()).toEqual([
      { dataset: "consumption_load_curve", status: "complete", days: 2 },
      { dataset: "consumption_load_curve", status: "partial", days: 1 },
      { dataset: "daily_consumption", status: "missing", days: 1 },
    ]);
  });
});
