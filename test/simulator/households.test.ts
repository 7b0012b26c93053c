/**
 * The demo households (issue 12): deterministic, and each shows what its equipment does. January at
 * least twice July for the electrically heated home; a heat pump heats for less; the water heater
 * switches on at the off-peak hours; the car charges at night; the solar producer's production is a bell
 * in the day, nothing at night, netted with its consumption; holidays are low.
 */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/time.js";
import { curvePoints, dailyEnergyWh } from "../../src/simulator/data.js";
import { DEMO_PRM, DEMO_PRMS, householdKindOf } from "../../src/simulator/households.js";
import { profileOf } from "../../src/simulator/profile.js";

const SEED = 0;
function monthKwh(prm: string, month: string): number {
  let wh = 0;
  const end = addDays(`${month}-01`, 40).slice(0, 7);
  for (let d = `${month}-01`; d.slice(0, 7) !== end && d.slice(0, 7) === month; d = addDays(d, 1))
    wh += dailyEnergyWh(prm, SEED, d) ?? 0;
  return wh / 1000;
}
const paris = (ms: number) => DateTime.fromMillis(ms, { zone: "Europe/Paris" });

describe("demo households", () => {
  it("names one PRM per kind, the demo meter being the electrically heated home", () => {
    expect(DEMO_PRM).toBe(DEMO_PRMS.electric_heating);
    for (const [kind, prm] of Object.entries(DEMO_PRMS)) {
      expect(prm).toMatch(/^\d{14}$/);
      expect(householdKindOf(prm)).toBe(kind);
      expect(profileOf(prm).kind).toBe(kind);
    }
    expect(householdKindOf("22516914714270")).toBeNull();
    expect(profileOf("22516914714270").kind).toBeNull();
  });

  it("has a heating season: January at least twice July for electric heating", () => {
    const jan = monthKwh(DEMO_PRMS.electric_heating, "2026-01");
    const jul = monthKwh(DEMO_PRMS.electric_heating, "2026-07");
    expect(jan).toBeGreaterThanOrEqual(2 * jul);
    expect(jan).toBeLessThan(2500); // a house, not a factory
    // A heat pump heats the same house for much less, and cools it in summer.
    const hpJan = monthKwh(DEMO_PRMS.heat_pump, "2026-01");
    expect(hpJan).toBeLessThan(0.7 * jan);
    expect(hpJan).toBeGreaterThan(monthKwh(DEMO_PRMS.heat_pump, "2026-05"));
    expect(monthKwh(DEMO_PRMS.heat_pump, "2026-07")).toBeGreaterThan(
      monthKwh(DEMO_PRMS.heat_pump, "2026-06") * 0.9,
    );
  });

  it("switches the water heater on at the start of the off-peak hours (22:30)", () => {
    const points = curvePoints(DEMO_PRMS.water_heater, SEED, "2026-05-12", "2026-05-13");
    const at = (h: number, m: number) =>
      points.find((p) => paris(p.startMs).hour === h && paris(p.startMs).minute === m)!;
    expect(at(22, 30).valueW - at(22, 0).valueW).toBeGreaterThan(2000);
    expect(at(22, 30).offPeak).toBe(true);
  });

  it("charges the car at night: Sunday from 23:00 at 7.4 kW", () => {
    const sunday = "2026-11-15";
    const points = curvePoints(DEMO_PRMS.ev, SEED, sunday, addDays(sunday, 1));
    const late = points.filter((p) => paris(p.startMs).hour === 23);
    expect(late.every((p) => p.valueW >= 7400)).toBe(true);
    const afternoon = points.filter((p) => paris(p.startMs).hour === 15);
    expect(afternoon.every((p) => p.valueW < 7400)).toBe(true);
  });

  it("produces a bell of solar power in the day, none at night, netted with the consumption", () => {
    const prm = DEMO_PRMS.solar;
    expect(profileOf(prm).production).toBe(true);
    const day = "2026-06-21";
    const prod = curvePoints(prm, SEED, day, addDays(day, 1), "production");
    const cons = curvePoints(prm, SEED, day, addDays(day, 1), "consumption");
    expect(prod.length).toBe(48);
    const hour = (h: number) => prod.filter((p) => paris(p.startMs).hour === h).map((p) => p.valueW);
    expect(Math.max(...hour(2), ...hour(23))).toBe(0);
    const noon = Math.max(...hour(13), ...hour(14));
    expect(noon).toBeGreaterThan(Math.max(...hour(8)));
    expect(Math.max(...hour(8))).toBeGreaterThanOrEqual(Math.max(...hour(6)));
    expect(noon).toBeLessThanOrEqual(0.95 * 4500);
    // Self-consumption: at no instant both a net consumption and a net production.
    for (let i = 0; i < 48; i++) expect(Math.min(prod[i]!.valueW, cons[i]!.valueW)).toBe(0);
    // A 4.5 kWp plant injects a few hundred kWh in June once the home has used its share.
    let june = 0;
    for (let d = 1; d <= 30; d++)
      june += dailyEnergyWh(prm, SEED, `2026-06-${String(d).padStart(2, "0")}`, "production")!;
    expect(june / 1000).toBeGreaterThan(150);
  });

  it("uses little on holidays (1–15 August) and stays the same from run to run", () => {
    const prm = DEMO_PRMS.water_heater;
    let holiday = 0;
    let rest = 0;
    for (let d = 1; d <= 15; d++)
      holiday += dailyEnergyWh(prm, SEED, `2026-08-${String(d).padStart(2, "0")}`)!;
    for (let d = 16; d <= 30; d++) rest += dailyEnergyWh(prm, SEED, `2026-08-${String(d).padStart(2, "0")}`)!;
    expect(holiday).toBeLessThan(0.75 * rest);
    expect(monthKwh(DEMO_PRM, "2026-01")).toBe(monthKwh(DEMO_PRM, "2026-01"));
    // Deterministic per (PRM, seed): another seed gives another day, the same seed the same one.
    const day = (seed: number) =>
      curvePoints(DEMO_PRM, seed, "2026-01-10", "2026-01-11").map((p) => p.valueW);
    expect(day(SEED)).toEqual(day(SEED));
    expect(day(7)).not.toEqual(day(SEED));
  });
});
