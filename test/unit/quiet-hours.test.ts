/**
 * Quiet hours → `notBeforeMs` (alerts/quiet-hours.ts) and the daily tick's next run, on the Paris wall
 * clock whatever the process's zone (the suite runs with TZ=America/Los_Angeles), across midnight and
 * both daylight-saving days. Each case says why.
 */
import { describe, expect, it } from "vitest";
import { nextDailyRunMs } from "../../src/alerts/evaluate.js";
import { notBeforeMs } from "../../src/alerts/quiet-hours.js";

const u = (iso: string) => Date.parse(iso);

describe("quiet hours", () => {
  const night = { start: "22:00", end: "07:00" };
  it.each([
    ["outside the window: at once", "2026-11-28T12:00:00Z", night, "2026-11-28T12:00:00Z"],
    [
      "evening, inside a window crossing midnight: tomorrow 07:00 Paris (06:00 UTC in winter)",
      "2026-11-28T22:30:00Z",
      night,
      "2026-11-29T06:00:00Z",
    ],
    ["after midnight, inside: today 07:00", "2026-11-29T02:00:00Z", night, "2026-11-29T06:00:00Z"],
    [
      "at the end minute: free (the window is [start, end))",
      "2026-11-29T06:00:00Z",
      night,
      "2026-11-29T06:00:00Z",
    ],
    ["at the start minute: held", "2026-11-28T21:00:00Z", night, "2026-11-29T06:00:00Z"],
    [
      "a same-day window 12:00-14:00 at 13:00 Paris: 14:00",
      "2026-11-28T12:00:00Z",
      { start: "12:00", end: "14:00" },
      "2026-11-28T13:00:00Z",
    ],
    ["summer: 07:00 Paris is 05:00 UTC", "2026-07-01T23:00:00Z", night, "2026-07-02T05:00:00Z"],
    // Spring DST day (29/03/2026): the night starts in winter time and ends in summer time, 7 h of wall clock but 6 h elapsed.
    ["spring night: ends 07:00 CEST = 05:00 UTC", "2026-03-28T22:30:00Z", night, "2026-03-29T05:00:00Z"],
    // An end inside the spring gap (02:30 does not exist): the first instant after it, 03:00 CEST = 01:00 UTC.
    [
      "spring gap end: 03:00 CEST",
      "2026-03-29T00:15:00Z",
      { start: "01:00", end: "02:30" },
      "2026-03-29T01:00:00Z",
    ],
    // Autumn DST day (25/10/2026): 07:00 is in winter time again = 06:00 UTC.
    ["autumn night: ends 07:00 CET = 06:00 UTC", "2026-10-24T21:30:00Z", night, "2026-10-25T06:00:00Z"],
    // An end repeated by the autumn change (02:30 twice): its first occurrence, 02:30 CEST = 00:30 UTC.
    [
      "autumn repeated end: first 02:30",
      "2026-10-24T23:30:00Z",
      { start: "01:00", end: "02:30" },
      "2026-10-25T00:30:00Z",
    ],
    [
      "start = end: no quiet hours",
      "2026-11-28T22:30:00Z",
      { start: "07:00", end: "07:00" },
      "2026-11-28T22:30:00Z",
    ],
    [
      "malformed: ignored rather than holding every alert",
      "2026-11-28T22:30:00Z",
      { start: "7h", end: "22:00" },
      "2026-11-28T22:30:00Z",
    ],
  ] as const)("%s", (_why, now, quiet, expected) => {
    expect(new Date(notBeforeMs(u(now), quiet)).toISOString()).toBe(new Date(u(expected)).toISOString());
  });

  it("no settings: at once", () => {
    expect(notBeforeMs(u("2026-11-28T22:30:00Z"), null)).toBe(u("2026-11-28T22:30:00Z"));
    expect(notBeforeMs(u("2026-11-28T22:30:00Z"), undefined)).toBe(u("2026-11-28T22:30:00Z"));
  });
});

describe("the daily tick", () => {
  it.each([
    ["before 12:00 Paris: today's", "2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z"],
    ["at 12:00 sharp: tomorrow's (strictly after)", "2026-11-28T11:00:00Z", "2026-11-29T11:00:00Z"],
    [
      "the evening before the spring change: 12:00 CEST = 10:00 UTC",
      "2026-03-28T20:00:00Z",
      "2026-03-29T10:00:00Z",
    ],
    [
      "the evening before the autumn change: 12:00 CET = 11:00 UTC",
      "2026-10-24T20:00:00Z",
      "2026-10-25T11:00:00Z",
    ],
  ] as const)("%s", (_why, now, expected) => {
    expect(new Date(nextDailyRunMs(u(now), "12:00")).toISOString()).toBe(new Date(u(expected)).toISOString());
  });
});
