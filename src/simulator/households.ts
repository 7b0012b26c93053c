/**
 * Demonstration households: PRMs whose simulated home has a named kind of equipment, so that the demo
 * shows what costs and comparisons are for. Every other PRM keeps the generic household of `data.ts`
 * (its values are what the sandbox fixtures and the tests were written against).
 *
 * Glossary (power in W, energy in Wh):
 * - electric_heating: convectors, strongest in January, nothing in summer (January ≥ 2× July);
 * - heat_pump: a heat pump (a third of the convectors' power for the same warmth), plus summer cooling;
 * - water_heater: a 2.4 kW water heater switched on at the start of the off-peak hours, every night;
 * - ev: an electric car charged at night (7.4 kW, three nights a week, more on Sunday night);
 * - solar: a solar producer with self-consumption (bell-shaped production, net consumption and
 *   injection).
 * Every kind has holidays with low use (two weeks in August, a week at Christmas).
 */
export const HOUSEHOLD_KINDS = ["electric_heating", "heat_pump", "water_heater", "ev", "solar"] as const;
export type HouseholdKind = (typeof HOUSEHOLD_KINDS)[number];

/** The demo PRMs, one per kind: `0990000000000N`. */
export const DEMO_PRMS: Readonly<Record<HouseholdKind, string>> = {
  electric_heating: "09900000000001",
  heat_pump: "09900000000002",
  water_heater: "09900000000003",
  ev: "09900000000004",
  solar: "09900000000005",
};

/** The demo meter the first-run pages offer in simulator mode. */
export const DEMO_PRM = DEMO_PRMS.electric_heating;

const BY_PRM = new Map<string, HouseholdKind>(
  (Object.entries(DEMO_PRMS) as Array<[HouseholdKind, string]>).map(([k, prm]) => [prm, k]),
);

/** The kind of a demo PRM, or null for every other PRM (the generic household). */
export function householdKindOf(prm: string): HouseholdKind | null {
  return BY_PRM.get(prm) ?? null;
}

/** Holidays of the demo households: 1–15 August and 24–31 December (Paris days, every year). */
export function isHoliday(date: string): boolean {
  const md = date.slice(5);
  return (md >= "08-01" && md <= "08-15") || (md >= "12-24" && md <= "12-31");
}
