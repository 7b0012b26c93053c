/**
 * Issue 17, the summary's calendar (pure): which period is due when, in Paris time whatever the process's
 * zone; quiet hours across midnight and across the autumn change; titles; the chart's image.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { barChartPng } from "../../src/alerts/chart.js";
import { backoffMs } from "../../src/alerts/delivery.js";
import { duePeriod, quietUntilMs, summaryTitle } from "../../src/alerts/summary.js";
import { loadConfig } from "../../src/config/load.js";

const paris = (iso: string) => Date.parse(iso);

describe("summary periods", () => {
  it("is due for last week from Monday 09:00 Paris, not before", () => {
    // Monday 30 November 2026, 08:59 and 09:00 Paris (UTC+1).
    expect(duePeriod("weekly", paris("2026-11-30T07:59:00Z"), 9)).toBeNull();
    expect(duePeriod("weekly", paris("2026-11-30T08:00:00Z"), 9)).toEqual({
      period: "weekly",
      from: "2026-11-23",
      to: "2026-11-30",
      previousFrom: "2026-11-16",
    });
    // Why: on Sunday the week that ended is the one before (this week is not over).
    expect(duePeriod("weekly", paris("2026-11-29T20:00:00Z"), 9)?.from).toBe("2026-11-16");
  });

  it("is due for last month from the 1st at the hour, across the year's end", () => {
    expect(duePeriod("monthly", paris("2027-01-01T07:00:00Z"), 9)).toBeNull();
    expect(duePeriod("monthly", paris("2027-01-01T08:30:00Z"), 9)).toEqual({
      period: "monthly",
      from: "2026-12-01",
      to: "2027-01-01",
      previousFrom: "2026-11-01",
    });
  });

  it("titles the period in French", () => {
    expect(summaryTitle({ period: "weekly", from: "2026-11-23", to: "2026-11-30", previousFrom: "" })).toBe(
      "Votre semaine du 23 au 29 novembre 2026",
    );
    expect(summaryTitle({ period: "weekly", from: "2026-12-28", to: "2027-01-04", previousFrom: "" })).toBe(
      "Votre semaine du 28 décembre 2026 au 3 janvier 2027",
    );
    expect(summaryTitle({ period: "weekly", from: "2026-10-26", to: "2026-11-02", previousFrom: "" })).toBe(
      "Votre semaine du 26 octobre au 1er novembre 2026",
    );
    expect(summaryTitle({ period: "monthly", from: "2026-08-01", to: "2026-09-01", previousFrom: "" })).toBe(
      "Votre mois d'août 2026",
    );
    expect(summaryTitle({ period: "weekly", from: "2027-03-01", to: "2027-03-08", previousFrom: "" })).toBe(
      "Votre semaine du 1er au 7 mars 2027",
    );
    expect(summaryTitle({ period: "monthly", from: "2026-11-01", to: "2026-12-01", previousFrom: "" })).toBe(
      "Votre mois de novembre 2026",
    );
  });
});

describe("quiet hours", () => {
  const q = { start: "22:00", end: "07:00" };
  it("holds an alert raised inside them until their end, across midnight", () => {
    // 23:30 Paris on 30 November → 07:00 Paris on 1 December (06:00 UTC).
    expect(quietUntilMs(q, paris("2026-11-30T22:30:00Z"))).toBe(paris("2026-12-01T06:00:00Z"));
    // 05:00 Paris → 07:00 the same morning.
    expect(quietUntilMs(q, paris("2026-12-01T04:00:00Z"))).toBe(paris("2026-12-01T06:00:00Z"));
    expect(quietUntilMs(q, paris("2026-12-01T06:00:00Z"))).toBeUndefined();
    expect(quietUntilMs(q, paris("2026-12-01T12:00:00Z"))).toBeUndefined();
    expect(quietUntilMs(null, paris("2026-12-01T04:00:00Z"))).toBeUndefined();
  });

  it("ends at 07:00 Paris wall clock on the night the clocks go back", () => {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET. 23:00 CEST on the 24th (21:00 UTC) → 07:00 CET (06:00 UTC).
    expect(quietUntilMs(q, paris("2026-10-24T21:00:00Z"))).toBe(paris("2026-10-25T06:00:00Z"));
  });

  it("takes a daytime window too", () => {
    expect(quietUntilMs({ start: "12:00", end: "14:00" }, paris("2026-12-01T11:30:00Z"))).toBe(
      paris("2026-12-01T13:00:00Z"),
    );
  });
});

describe("the summary chart", () => {
  it("draws a bar per day and the previous mean as a line, as a PNG", () => {
    const png = PNG.sync.read(barChartPng({ values: [1, 2, null, 4, 3, 2, 1], reference: 2.5 }));
    expect([png.width, png.height]).toEqual([480, 160]);
    const at = (x: number, y: number) => [...png.data.subarray((y * 480 + x) * 4, (y * 480 + x) * 4 + 3)];
    const blue = [37, 99, 235];
    // The tallest bar (4, the 4th of 7) reaches the top margin; the first (1) only a quarter of the way.
    const slot = (480 - 16) / 7;
    const mid = (i: number) => Math.round(8 + i * slot + slot / 2);
    expect(at(mid(3), 9)).toEqual(blue);
    expect(at(mid(0), 100)).toEqual([255, 255, 255]);
    expect(at(mid(0), 150)).toEqual(blue);
    // No data that day: a grey stub.
    expect(at(mid(2), 150)).toEqual([209, 213, 219]);
  });
});

describe("alerts.delivery and alerts.summary config", () => {
  const file = (text: string) => {
    const p = join(mkdtempSync(join(tmpdir(), "linky-alerts-config-")), "c.json");
    writeFileSync(p, text);
    return p;
  };
  it("has its defaults, and refuses a bad value naming its path", () => {
    const c = loadConfig({ env: {} });
    expect(c.alerts.delivery).toMatchObject({ pollSeconds: 15, maxAttempts: 8, disableAfterFailures: 10 });
    expect(c.alerts.summary).toEqual({ enabled: true, hour: 9 });
    expect(() => loadConfig({ file: file('{"alerts":{"delivery":{"pollSeconds":0}}}'), env: {} })).toThrow(
      /alerts\.delivery\.pollSeconds/,
    );
    expect(() => loadConfig({ file: file('{"alerts":{"summary":{"hour":24}}}'), env: {} })).toThrow(
      /alerts\.summary\.hour/,
    );
    expect(() => loadConfig({ file: file('{"alerts":{"delivery":{"retries":3}}}'), env: {} })).toThrow(
      /alerts\.delivery/,
    );
  });
  it("doubles the wait between attempts up to its cap", () => {
    const d = { ...loadConfig({ env: {} }).alerts.delivery, baseBackoffSeconds: 60, maxBackoffSeconds: 600 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, d) / 1000)).toEqual([60, 120, 240, 480, 600, 600]);
  });
});
