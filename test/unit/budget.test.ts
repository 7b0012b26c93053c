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

  it("20,000 meters: every third day with 3-day windows, within 7 days of freshness", () => {
    const b = planBudget({ accounts: 20000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.strideDays).toBe(3);
    expect(b.callsPerMeterDay).toBe(1);
    expect(b.maxFreshnessDays).toBeLessThanOrEqual(7);
    expect(20000 * b.callsPerMeterDay).toBeLessThanOrEqual(b.callsPerDay);
  });

  it("beyond what 7-day windows can carry, it says so", () => {
    const b = planBudget({ accounts: 100000, datasetsPerAccount: 3, perHour: 1000 });
    expect(b.strideDays).toBe(7);
    expect(b.sustainable).toBe(false);
  });

  it("catch-up estimate from the backlog and the spare quota", () => {
    expect(catchUpMs({ backlogCalls: 0, perHour: 1000, freshCallsPerHour: 900 })).toBe(0);
    expect(catchUpMs({ backlogCalls: 500, perHour: 1000, freshCallsPerHour: 500 })).toBe(3_600_000);
    expect(catchUpMs({ backlogCalls: 1, perHour: 1000, freshCallsPerHour: 1000 })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});
