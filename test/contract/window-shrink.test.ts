/**
 * Daily windows shrink on refusal and the learned size is kept (dataconnect-2026.md §9: start at most
 * 365 days, shrink on a 400 or 500): the client configured for 366 days against the simulator, which
 * refuses more than 365, in both API generations. One frozen clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/domain/errors.js";
import type { ReadingBatch } from "../../src/domain/types.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";

const NOW = Date.UTC(2026, 10, 28, 10, 0, 0);
const now = () => NOW;
const PRM = "22516914714270";
const YEAR_AND_A_DAY = { from: "2025-11-26", to: "2026-11-27" } as const; // 366 days

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, now, quotaPerSecond: 10_000, quotaPerHour: 1_000_000 });
});
afterAll(async () => {
  await sim.stop();
});

const refused = () => {
  const log = sim.requestLog().byApiStatus;
  return Object.values(log).reduce((n, byStatus) => n + (byStatus["400"] ?? 0), 0);
};

describe.each(["2026", "v5"] as const)("daily window of 366 days, generation %s", (generation) => {
  const make = () =>
    new DataConnectClient({
      apiUrl: sim.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now,
      generation,
      windows: { dailyWindowDays: 366 },
    });

  it("readings(): the refusal halves the window for later calls of that dataset only", async () => {
    const c = make();
    expect(c.maxDaysPerCall("daily_consumption")).toBe(366);
    await expect(c.readings("daily_consumption", PRM, YEAR_AND_A_DAY)).rejects.toBeInstanceOf(
      BadRequestError,
    );
    expect(c.maxDaysPerCall("daily_consumption")).toBe(183);
    expect(c.maxDaysPerCall("daily_consumption_max_power")).toBe(366);
    // the plan of any range now uses the learned size: no refusal any more
    sim.resetLog();
    expect(c.planWindows("daily_consumption", YEAR_AND_A_DAY).map((w) => w.from)).toEqual([
      "2025-11-26",
      "2026-05-28",
    ]);
    let days = 0;
    for await (const b of c.readRange("daily_consumption", PRM, YEAR_AND_A_DAY)) days += b.readings.length;
    expect(days).toBe(366);
    expect(refused()).toBe(0);
  });

  it("readRange(): one refusal per dataset, then every window at the learned size", async () => {
    const c = make();
    sim.resetLog();
    const range = { from: "2024-11-01", to: "2026-11-27" }; // three 366-day windows at first
    const batches: ReadingBatch[] = [];
    for await (const b of c.readRange("daily_consumption", PRM, range)) batches.push(b);
    expect(batches.reduce((n, b) => n + b.readings.length, 0)).toBe(756);
    expect(refused()).toBe(1);
    expect(c.maxDaysPerCall("daily_consumption")).toBe(183);
  });
});
