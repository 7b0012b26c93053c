import { describe, expect, it } from "vitest";
import { addDays, formatParisWallTime, parisDayBounds } from "../../src/domain/time.js";
import {
  curvePoints,
  dailyEnergyWh,
  dailyMaxPower,
  indexRegisters,
  profileOf,
} from "../../src/simulator/index.js";

const SEED = 1;

describe("synthetic household model", () => {
  it("uses the step of the PRM's last two digits", () => {
    expect(profileOf("22516914714270").stepMin).toBe(30);
    expect(profileOf("12345678900015").stepMin).toBe(15);
    expect(profileOf("12345678900060").stepMin).toBe(60);
    expect(profileOf("12345678900010").stepMin).toBe(10);
    expect(curvePoints("12345678900015", SEED, "2026-11-02", "2026-11-03")).toHaveLength(96);
    expect(curvePoints("12345678900060", SEED, "2026-11-02", "2026-11-03")).toHaveLength(24);
    expect(curvePoints("12345678900010", SEED, "2026-11-02", "2026-11-03")).toHaveLength(144);
  });

  it("covers each Paris day exactly, DST days included (46 / 50 half-hours)", () => {
    for (const [date, n] of [
      ["2026-03-29", 46],
      ["2026-10-25", 50],
      ["2026-11-02", 48],
    ] as const) {
      const pts = curvePoints("22516914714270", SEED, date, addDays(date, 1));
      expect(pts).toHaveLength(n);
      const { startMs, endMs } = parisDayBounds(date);
      expect(pts[0]?.startMs).toBe(startMs);
      expect(pts.at(-1)?.endMs).toBe(endMs);
      for (let i = 1; i < pts.length; i++) expect(pts[i]?.startMs).toBe(pts[i - 1]?.endMs);
    }
  });

  it("daily energy equals the curve's energy (within 1 Wh per point) over 45 days, for 30-, 15-, 60- and 10-minute PRMs", () => {
    for (const prm of [
      "22516914714270",
      "12345678900015",
      "12345678900060",
      "12345678900010",
      "12655648759651",
    ]) {
      for (let d = "2026-09-20"; d < "2026-11-04"; d = addDays(d, 1)) {
        const pts = curvePoints(prm, SEED, d, addDays(d, 1));
        const curveWh = pts.reduce((s, p) => s + (p.valueW * p.stepMin) / 60, 0);
        const energy = dailyEnergyWh(prm, SEED, d);
        expect(energy).not.toBeNull();
        expect(Math.abs((energy as number) - curveWh)).toBeLessThanOrEqual(pts.length);
        expect(Math.abs((energy as number) - curveWh)).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
  });

  it("max power is at least the curve's highest mean, timed inside that interval", () => {
    for (const prm of ["22516914714270", "12345678900015", "12345678900060", "64975835695673"]) {
      for (let d = "2026-01-05"; d < "2026-02-20"; d = addDays(d, 1)) {
        const pts = curvePoints(prm, SEED, d, addDays(d, 1));
        const top = Math.max(...pts.map((p) => p.valueW));
        const m = dailyMaxPower(prm, SEED, d);
        expect(m).not.toBeNull();
        expect(m?.valueVa).toBeGreaterThanOrEqual(top);
        const peak = pts.find((p) => p.valueW === top);
        const inside = pts.some(
          (p) => p.valueW === top && (m?.atMs ?? 0) > p.startMs && (m?.atMs ?? 0) < p.endMs,
        );
        expect(peak).toBeDefined();
        expect(inside).toBe(true);
        expect(formatParisWallTime(m?.atMs ?? 0).slice(0, 10)).toBe(d);
      }
    }
  });

  it("is deterministic per (PRM, seed) and changes with either", () => {
    const a = curvePoints("22516914714270", 1, "2026-11-02", "2026-11-03").map((p) => p.valueW);
    const b = curvePoints("22516914714270", "1", "2026-11-02", "2026-11-03").map((p) => p.valueW);
    const c = curvePoints("22516914714270", 2, "2026-11-02", "2026-11-03").map((p) => p.valueW);
    const d = curvePoints("64975835695673", 1, "2026-11-02", "2026-11-03").map((p) => p.valueW);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
  });

  it("looks like a household: integer W, night base load, evening above night, heating in winter", () => {
    const prms = ["22516914714270", "64975835695673", "63695879465986", "22315546958763", "12345678901234"];
    let winter = 0;
    let summer = 0;
    for (const prm of prms) {
      const pts = curvePoints(prm, SEED, "2026-11-02", "2026-11-09");
      expect(pts.every((p) => Number.isInteger(p.valueW) && p.valueW >= 0)).toBe(true);
      const hourOf = (ms: number) => Number(formatParisWallTime(ms).slice(11, 13));
      const mean = (f: (h: number) => boolean) => {
        const sel = pts.filter((p) => f(hourOf(p.startMs)));
        return sel.reduce((s, p) => s + p.valueW, 0) / sel.length;
      };
      expect(mean((h) => h >= 18 && h < 22)).toBeGreaterThan(mean((h) => h >= 3 && h < 5));
      expect(Math.min(...pts.map((p) => p.valueW))).toBeGreaterThan(100);
      for (let d = "2026-01-05"; d < "2026-01-19"; d = addDays(d, 1))
        winter += dailyEnergyWh(prm, SEED, d) ?? 0;
      for (let d = "2026-07-06"; d < "2026-07-20"; d = addDays(d, 1))
        summer += dailyEnergyWh(prm, SEED, d) ?? 0;
    }
    expect(winter).toBeGreaterThan(summer * 1.3);
  });

  it("production follows the sun: nothing at night, more in June than in December", () => {
    const prm = "24880057139941";
    const june = curvePoints(prm, SEED, "2026-06-10", "2026-06-17", "production");
    const night = june.filter((p) => {
      const h = Number(formatParisWallTime(p.startMs).slice(11, 13));
      return h >= 23 || h < 4;
    });
    expect(night.every((p) => p.valueW === 0)).toBe(true);
    let jun = 0;
    let dec = 0;
    for (let i = 0; i < 14; i++) {
      jun += dailyEnergyWh(prm, SEED, addDays("2026-06-08", i), "production") ?? 0;
      dec += dailyEnergyWh(prm, SEED, addDays("2025-12-08", i), "production") ?? 0;
    }
    expect(jun).toBeGreaterThan(dec * 1.5);
    expect(dailyEnergyWh(prm, SEED, "2026-06-10", "consumption")).toBeNull();
    expect(curvePoints(prm, SEED, "2026-06-10", "2026-06-11", "consumption")).toEqual([]);
    expect(dailyMaxPower(prm, SEED, "2026-06-10")).toBeNull();
  });

  it("self-consumption nets the two directions: one of them is 0 at any time, and both happen", () => {
    const prm = "12655648759651";
    const cons = curvePoints(prm, SEED, "2026-06-10", "2026-06-17", "consumption");
    const prod = curvePoints(prm, SEED, "2026-06-10", "2026-06-17", "production");
    expect(cons).toHaveLength(prod.length);
    for (let i = 0; i < cons.length; i++) {
      expect(cons[i]?.startMs).toBe(prod[i]?.startMs);
      expect(Math.min(cons[i]?.valueW ?? 1, prod[i]?.valueW ?? 1)).toBe(0);
    }
    expect(cons.some((p) => p.valueW > 0)).toBe(true);
    expect(prod.some((p) => p.valueW > 0)).toBe(true);
  });

  it("indexes add up: index(D+1) - index(D) over the classes = energy of D", () => {
    for (const [prm, dir] of [
      ["22516914714270", "consumption"],
      ["24880057139941", "production"],
      ["12345678900015", "consumption"],
    ] as const) {
      for (let d = "2026-10-01"; d < "2026-11-15"; d = addDays(d, 1)) {
        const a = indexRegisters(prm, SEED, d, dir);
        const b = indexRegisters(prm, SEED, addDays(d, 1), dir);
        expect(a && b).toBeTruthy();
        const sum = (r: typeof a) => (r?.classes ?? []).reduce((s, c) => s + c.valueWh, 0);
        expect(sum(b) - sum(a)).toBe(dailyEnergyWh(prm, SEED, d, dir));
        expect(a?.totalWh).toBe(sum(a));
        expect(a?.classes.map((c) => c.idClasseTemporelle)).toEqual(["HC", "HP"]);
        expect(a?.classes.every((c) => Number.isInteger(c.valueWh))).toBe(true);
      }
    }
    expect(indexRegisters("11453290002823", SEED, "2019-08-26")).toBeNull();
    expect(indexRegisters("11453290002823", SEED, "2019-08-27")).not.toBeNull();
  });

  it("computes 36 months of daily values and a 10-year index quickly (cached per day)", () => {
    const t0 = performance.now();
    for (let d = "2023-11-01"; d < "2026-11-28"; d = addDays(d, 1)) dailyEnergyWh("33333333333333", SEED, d);
    indexRegisters("33333333333333", SEED, "2026-11-27");
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
