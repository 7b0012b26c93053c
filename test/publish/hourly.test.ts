/**
 * Hourly rows for Home Assistant's statistics (pure): 10/15/30/60-minute curves summed into hours, the
 * daylight-saving days (23 and 25 hourly rows, on the hour, with the Paris offset), the daily energy at
 * the day's first hour for days without a curve, missing points, cumulative sums and digests.
 */
import { describe, expect, it } from "vitest";
import { addDays, parisDayStartMs } from "../../src/domain/time.js";
import {
  buildDays,
  digestRows,
  hourlyFromCurve,
  parisIso,
  statisticRows,
  type CurveInput,
} from "../../src/publish/hourly.js";
import { curvePoints, dailyEnergyWh } from "../../src/simulator/data.js";

const HOUR = 3_600_000;
const MIN = 60_000;

/** A day of constant-power points at `step` minutes (power in W varies with the index). */
function day(date: string, stepMin: number, power: (i: number) => number | null): CurveInput[] {
  const start = parisDayStartMs(date);
  const end = parisDayStartMs(addDays(date, 1));
  const out: CurveInput[] = [];
  for (let t = start, i = 0; t < end; t += stepMin * MIN, i++)
    out.push({ startMs: t, lengthMin: stepMin, powerW: power(i) });
  return out;
}

describe("hourly rows from a load curve", () => {
  it.each([10, 15, 30, 60])("sums %i-minute points into whole hours", (step) => {
    const points = day("2026-01-15", step, (i) => 100 + i);
    const rows = hourlyFromCurve(points);
    expect(rows).toHaveLength(24);
    const perHour = 60 / step;
    rows.forEach((r, h) => {
      expect(r.startMs % HOUR).toBe(0);
      expect(r.startMs).toBe(parisDayStartMs("2026-01-15") + h * HOUR);
      let wh = 0;
      for (let k = 0; k < perHour; k++) wh += ((100 + h * perHour + k) * step) / 60;
      expect(r.energyWh).toBeCloseTo(wh, 6);
    });
    // the hours hold the whole day's energy
    const total = points.reduce((s, p) => s + ((p.powerW as number) * p.lengthMin) / 60, 0);
    expect(rows.reduce((s, r) => s + r.energyWh, 0)).toBeCloseTo(total, 2);
  });

  it("has 23 hourly rows on the spring day and 25 on the autumn day, each on the hour with the Paris offset", () => {
    const spring = buildDays(
      day("2026-03-29", 30, () => 1000),
      [],
    );
    const autumn = buildDays(
      day("2026-10-25", 30, () => 1000),
      [],
    );
    expect(spring).toHaveLength(1);
    expect(spring[0]!.rows).toHaveLength(23);
    expect(autumn[0]!.rows).toHaveLength(25);
    const springStarts = statisticRows(spring[0]!.rows, 0).map((r) => r.start);
    expect(springStarts.slice(0, 3)).toEqual([
      "2026-03-29T00:00:00+01:00",
      "2026-03-29T01:00:00+01:00",
      "2026-03-29T03:00:00+02:00",
    ]);
    const autumnStarts = statisticRows(autumn[0]!.rows, 0).map((r) => r.start);
    expect(autumnStarts.slice(1, 5)).toEqual([
      "2026-10-25T01:00:00+02:00",
      "2026-10-25T02:00:00+02:00",
      "2026-10-25T02:00:00+01:00",
      "2026-10-25T03:00:00+01:00",
    ]);
    expect(new Set(autumnStarts).size).toBe(25);
    for (const r of [...spring[0]!.rows, ...autumn[0]!.rows]) expect(r.energyWh).toBe(1000);
  });

  it("builds the simulator's 15- and 60-minute meters' DST days from their own curves", () => {
    for (const prm of ["12345678900015", "12345678900060"]) {
      const spring = buildDays(
        curvePoints(prm, 1, "2025-03-30", "2025-03-31").map((p) => ({
          startMs: p.startMs,
          lengthMin: p.stepMin,
          powerW: p.valueW,
        })),
        [],
      );
      const autumn = buildDays(
        curvePoints(prm, 1, "2025-10-26", "2025-10-27").map((p) => ({
          startMs: p.startMs,
          lengthMin: p.stepMin,
          powerW: p.valueW,
        })),
        [],
      );
      expect(spring[0]!.rows).toHaveLength(23);
      expect(autumn[0]!.rows).toHaveLength(25);
      // the hours add up to the simulator's daily energy (rounded once per day)
      const total = autumn[0]!.rows.reduce((s, r) => s + r.energyWh, 0);
      expect(Math.abs(total - dailyEnergyWh(prm, 1, "2025-10-26")!)).toBeLessThanOrEqual(1);
    }
  });

  it("leaves missing points out, and an hour whose points are all missing has no row", () => {
    const points = day("2026-01-15", 30, (i) => (i === 4 || i === 5 ? null : i === 6 ? null : 200));
    const rows = hourlyFromCurve(points);
    expect(rows).toHaveLength(23); // hour 2 (points 4, 5) gone
    expect(rows.map((r) => (r.startMs - parisDayStartMs("2026-01-15")) / HOUR)).not.toContain(2);
    expect(rows[2]!.energyWh).toBe(100); // hour 3 keeps its second half only
  });

  it("splits an interval that crosses an hour by its duration", () => {
    const t = parisDayStartMs("2026-01-15") + 30 * MIN;
    const rows = hourlyFromCurve([{ startMs: t, lengthMin: 60, powerW: 600 }]);
    expect(rows).toEqual([
      { startMs: t - 30 * MIN, energyWh: 300 },
      { startMs: t + 30 * MIN, energyWh: 300 },
    ]);
  });
});

describe("days without a curve", () => {
  it("puts the daily energy at the day's first hour, and prefers the curve when a day has one", () => {
    const days = buildDays(
      day("2026-01-16", 30, () => 100),
      [
        { day: "2026-01-15", value: 5000 },
        { day: "2026-01-16", value: 9999 },
        { day: "2026-01-17", value: null },
        { day: "2026-03-29", value: 4600 },
      ],
    );
    expect(days.map((d) => [d.day, d.source, d.rows.length])).toEqual([
      ["2026-01-15", "daily", 1],
      ["2026-01-16", "curve", 24],
      ["2026-03-29", "daily", 1],
    ]);
    expect(statisticRows(days[0]!.rows, 0)).toEqual([
      { start: "2026-01-15T00:00:00+01:00", state: 5000, sum: 5000 },
    ]);
    expect(parisIso(days[2]!.rows[0]!.startMs)).toBe("2026-03-29T00:00:00+01:00");
  });
});

describe("sums and digests", () => {
  it("continues the sum from a start value, rounded to 1 mWh", () => {
    const rows = hourlyFromCurve(day("2026-01-15", 10, () => 1)); // 1/6 Wh per point
    const stats = statisticRows(rows, 1000.5);
    expect(stats[0]!.state).toBe(1);
    expect(stats[0]!.sum).toBe(1001.5);
    expect(stats.at(-1)!.sum).toBe(1024.5);
  });

  it("changes the digest when any hour changes, and only then", () => {
    const a = hourlyFromCurve(day("2026-01-15", 30, () => 100));
    const b = hourlyFromCurve(day("2026-01-15", 30, (i) => (i === 40 ? 101 : 100)));
    expect(digestRows(a)).toBe(digestRows(hourlyFromCurve(day("2026-01-15", 30, () => 100))));
    expect(digestRows(a)).not.toBe(digestRows(b));
  });
});
