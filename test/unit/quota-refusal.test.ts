/**
 * The pause after a 429 (src/enedis/quota-refusal.ts), case by case, each with its reason: the window a
 * refusal names, the ledger's count when it names none, a given time read the nearest way and bounded
 * by the window. Jitter fixed at its middle (random = 0.5 → exactly one second).
 */
import { describe, expect, it } from "vitest";
import { decideQuotaPause, quotaWindowOf, thresholdTimeOf } from "../../src/enedis/quota-refusal.js";

const NOW = Date.UTC(2026, 10, 28, 14, 0, 0); // 15:00 Paris
const HOUR = 3_600_000;
const half = () => 0.5;
const quiet = { lastSecond: 1, lastHour: 10, oldestInHourMs: NOW - 30 * 60_000 };
const full = { lastSecond: 1, lastHour: 1000, oldestInHourMs: NOW - 50 * 60_000 };

describe("decideQuotaPause", () => {
  it("Q3 named: about a second, even when the message's time reads as a time of day hours away", () => {
    // "0:00:01" read as Paris 00:00:01 is 9 hours away; as a duration, a second: the nearest wins.
    const retryAtMs = thresholdTimeOf("Quota Q3 reached. Call threshold allowed on 0:00:01", NOW);
    expect(retryAtMs).toBe(NOW + 1000);
    const p = decideQuotaPause({
      refusal: { window: "second", retryAtMs },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
      random: half,
    });
    expect(p).toMatchObject({ window: "second", untilMs: NOW + 1000 });
    // Named Q3 with a time far away (a broken server): never more than the window it names.
    const far = decideQuotaPause({
      refusal: { window: "second", retryAtMs: NOW + 5 * HOUR },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
      random: half,
    });
    expect(far.untilMs - NOW).toBe(1000);
  });

  it("nothing named, the ledger's hour not full: the per-second quota, jittered around a second", () => {
    const low = decideQuotaPause({
      refusal: { window: null, retryAtMs: null },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
      random: () => 0,
    });
    const high = decideQuotaPause({
      refusal: { window: null, retryAtMs: null },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
      random: () => 0.999,
    });
    expect(low.untilMs - NOW).toBe(750);
    expect(high.untilMs - NOW).toBe(1250);
    expect(low.reason).toContain("not named by Enedis");
  });

  it("nothing named, the ledger's hour full: until its oldest call is an hour old (plus the margin)", () => {
    const p = decideQuotaPause({
      refusal: { window: null, retryAtMs: null },
      use: full,
      perHour: 1000,
      nowMs: NOW,
    });
    expect(p.window).toBe("hour");
    expect(p.untilMs).toBe(NOW - 50 * 60_000 + HOUR + 1000);
    expect(p.reason).toContain("the ledger holds 1000 calls this hour");
  });

  it("Q4 named: the nearer of the ledger's hour and the given time, never beyond an hour", () => {
    const given = decideQuotaPause({
      refusal: { window: "hour", retryAtMs: NOW + 20 * 60_000 },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
    });
    expect(given.untilMs).toBe(NOW + 20 * 60_000);
    const ledger = decideQuotaPause({
      refusal: { window: "hour", retryAtMs: null },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
    });
    expect(ledger.untilMs).toBe(NOW - 30 * 60_000 + HOUR + 1000);
    const nothing = decideQuotaPause({
      refusal: { window: "hour", retryAtMs: NOW + 9 * HOUR },
      use: null,
      perHour: 1000,
      nowMs: NOW,
    });
    expect(nothing.untilMs).toBe(NOW + HOUR);
  });

  it("a Retry-After minutes away with nothing named is taken as the hourly quota's word", () => {
    const p = decideQuotaPause({
      refusal: { window: null, retryAtMs: NOW + 10 * 60_000 },
      use: quiet,
      perHour: 1000,
      nowMs: NOW,
    });
    expect(p).toMatchObject({ window: "hour", untilMs: NOW + 10 * 60_000 });
  });

  it("reads the window from codes and messages", () => {
    expect(quotaWindowOf(undefined, "Quota Q3 reached")).toBe("second");
    expect(quotaWindowOf("Q4", "")).toBe("hour");
    expect(quotaWindowOf("429", "SLA dépassé")).toBeNull();
  });
});
