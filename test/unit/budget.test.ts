import { describe, expect, it } from "vitest";
import { catchUpMs, planBudget } from "../../src/scheduler/budget.js";

describe("quota budget", () => {
  it("up to ~7,000 consumer meters stay fresh daily on 1,000 calls an hour", () => {
    const b = planBudget({ accounts: 7000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.callsPerDay).toBe(21600);
    expect(b.strideDays).toBe(1);
    expect(b.callsPerMeterDay).toBe(3);
    expect(b.sustainable).toBe(true);
  });

  it("20,000 meters: the curve every third day, daily energy every second, max power every ninth", () => {
    const b = planBudget({ accounts: 20000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.strides).toEqual({ curve: 3, daily: 2, maxPower: 9 });
    expect(b.strideDays).toBe(3);
    expect(b.callsPerMeterDay).toBeCloseTo(1 / 3 + 1 / 2 + 1 / 9, 10);
    expect(b.maxFreshnessDays).toBeLessThanOrEqual(7);
    expect(20000 * b.callsPerMeterDay).toBeLessThanOrEqual(b.callsPerDay);
  });

  it("50,000 meters: every dataset within its bound (7, 7, 30 days), above the physical minimum", () => {
    const b = planBudget({ accounts: 50000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.sustainable).toBe(true);
    expect(b.strides.curve).toBeLessThanOrEqual(7);
    expect(b.strides.daily).toBeLessThanOrEqual(7);
    expect(b.strides.maxPower).toBeLessThanOrEqual(30);
    expect(b.strides.maxPower).toBeGreaterThan(b.strides.curve);
    expect(50000 * b.callsPerMeterDay).toBeLessThanOrEqual(b.callsPerDay);
    expect(b.minCallsPerMeterDay).toBeCloseTo(1 / 7 + 1 / 7 + 1 / 30, 10);
    expect(b.callsPerMeterDay).toBeGreaterThanOrEqual(b.minCallsPerMeterDay);
    // Custom bounds are honoured.
    const tight = planBudget({
      accounts: 50000,
      datasetsPerAccount: 3,
      perHour: 1000,
      freshness: { curveDays: 7, dailyDays: 7, maxPowerDays: 7 },
    });
    expect(tight.strides.maxPower).toBeLessThanOrEqual(7);
  });

  it("beyond what 7-day windows can carry, it says so", () => {
    const b = planBudget({ accounts: 100000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.strides).toEqual({ curve: 7, daily: 7, maxPower: 30 });
    expect(b.sustainable).toBe(false);
  });

  it("catch-up estimate from the backlog and the spare quota", () => {
    expect(catchUpMs({ backlogCalls: 0, perHour: 1000, freshCallsPerHour: 900 })).toBe(0);
    expect(catchUpMs({ backlogCalls: 500, perHour: 1000, freshCallsPerHour: 500 })).toBe(3_600_000);
    expect(catchUpMs({ backlogCalls: 1, perHour: 1000, freshCallsPerHour: 1000 })).toBe(
      Number.POSITIVE_INFINITY,
    );
    // History is fetched by backfill jobs at 80% of what the fresh syncs leave.
    expect(catchUpMs({ backlogCalls: 400, historyCalls: 400, perHour: 1000, freshCallsPerHour: 500 })).toBe(
      3_600_000,
    );
  });
});
