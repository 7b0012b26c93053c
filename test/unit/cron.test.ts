/**
 * Quartz cron layer. Every expected fire time below was worked out by hand from Quartz's rules
 * (CronTrigger tutorial, /work/shared/docs/quartz-cron.md) and a printed calendar, not from croner.
 * Times are written as Europe/Paris wall-clock times with their offset (+01:00 CET, +02:00 CEST;
 * 2026 DST: 29 March 02:00 -> 03:00, 25 October 03:00 -> 02:00), so nothing depends on the process
 * time zone (the suite runs with TZ=America/Los_Angeles).
 *
 * Calendar facts used (2026): Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, Apr 1 Wed, May 1 Fri, Jul 1 Wed,
 * Aug 1 Sat, Sep 1 Tue, Nov 1 Sun; Jan 31 Sat, Feb 28 Sat, May 31 Sun. 2027: Jan 1 Fri. 2028: Feb 29 Tue.
 */
import fc from "fast-check";
import { IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { CronSyntaxError, parseQuartzCron, validateQuartzCron } from "../../src/scheduler/cron.js";

interface Vector {
  /** What the vector shows, with the hand computation when it is not obvious. */
  readonly why: string;
  readonly expr: string;
  readonly tz?: string;
  readonly from: string;
  /** Successive fire times from `from`; a final null means "and then never again". */
  readonly next: readonly (string | null)[];
}

const VECTORS: readonly Vector[] = [
  // --- steps: `a/b` starts at a (the seed's doc wrongly called 0/10 "every 10 hours")
  {
    why: "0/10 minutes = every 10 minutes",
    expr: "0 0/10 * * * ?",
    from: "2026-01-15T08:03:00+01:00",
    next: ["2026-01-15T08:10:00+01:00", "2026-01-15T08:20:00+01:00", "2026-01-15T08:30:00+01:00"],
  },
  {
    why: "0/10 from a fire time: strictly after, rolls to the next hour",
    expr: "0 0/10 * * * ?",
    from: "2026-01-15T08:50:00+01:00",
    next: ["2026-01-15T09:00:00+01:00", "2026-01-15T09:10:00+01:00"],
  },
  {
    why: "*/10 = 0/10, across midnight",
    expr: "0 */10 * * * ?",
    from: "2026-01-15T23:55:00+01:00",
    next: ["2026-01-16T00:00:00+01:00", "2026-01-16T00:10:00+01:00"],
  },
  {
    why: "5/15 seconds = 5, 20, 35, 50",
    expr: "5/15 * * * * ?",
    from: "2026-01-15T08:00:00+01:00",
    next: [
      "2026-01-15T08:00:05+01:00",
      "2026-01-15T08:00:20+01:00",
      "2026-01-15T08:00:35+01:00",
      "2026-01-15T08:00:50+01:00",
      "2026-01-15T08:01:05+01:00",
    ],
  },
  {
    why: "*/20 seconds = 0, 20, 40",
    expr: "*/20 * * * * ?",
    from: "2026-01-15T08:00:41+01:00",
    next: ["2026-01-15T08:01:00+01:00", "2026-01-15T08:01:20+01:00"],
  },
  {
    why: "1/5 day-of-month = 1, 6, …, 31",
    expr: "0 0 12 1/5 * ?",
    from: "2026-01-27T00:00:00+01:00",
    next: ["2026-01-31T12:00:00+01:00", "2026-02-01T12:00:00+01:00", "2026-02-06T12:00:00+01:00"],
  },
  // --- plain values, lists, ranges
  {
    why: "noon every day, strictly after a fire time",
    expr: "0 0 12 * * ?",
    from: "2026-01-01T12:00:00+01:00",
    next: ["2026-01-02T12:00:00+01:00"],
  },
  {
    why: "milliseconds before a fire time",
    expr: "0 0 12 * * ?",
    from: "2026-01-01T11:59:59.999+01:00",
    next: ["2026-01-01T12:00:00+01:00"],
  },
  {
    why: "MON: 2026-01-01 is a Thursday",
    expr: "0 0 12 ? * MON",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-05T12:00:00+01:00", "2026-01-12T12:00:00+01:00"],
  },
  {
    why: "2-6 = MON-FRI in Quartz numbering (Fri 2 Jan after noon -> Mon 5 Jan)",
    expr: "0 0 12 ? * 2-6",
    from: "2026-01-02T13:00:00+01:00",
    next: ["2026-01-05T12:00:00+01:00"],
  },
  {
    why: "8-18/2 hours on weekdays (Fri 2 Jan 17:00)",
    expr: "0 0 8-18/2 ? * MON-FRI",
    from: "2026-01-02T17:00:00+01:00",
    next: ["2026-01-02T18:00:00+01:00", "2026-01-05T08:00:00+01:00", "2026-01-05T10:00:00+01:00"],
  },
  {
    why: "tutorial: 14:10 and 14:44 on March Wednesdays (4, 11, 18, 25 March 2026)",
    expr: "0 10,44 14 ? 3 WED",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-03-04T14:10:00+01:00", "2026-03-04T14:44:00+01:00", "2026-03-11T14:10:00+01:00"],
  },
  {
    why: "tutorial: every minute 14:00-14:05",
    expr: "0 0-5 14 * * ?",
    from: "2026-01-01T14:04:30+01:00",
    next: ["2026-01-01T14:05:00+01:00", "2026-01-02T14:00:00+01:00"],
  },
  {
    why: "tutorial: every 5 minutes in the 14 and 18 hours",
    expr: "0 0/5 14,18 * * ?",
    from: "2026-01-01T14:55:00+01:00",
    next: ["2026-01-01T18:00:00+01:00", "2026-01-01T18:05:00+01:00"],
  },
  {
    why: "tutorial: 11:11 on 11 November",
    expr: "0 11 11 11 11 ?",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-11-11T11:11:00+01:00", "2027-11-11T11:11:00+01:00"],
  },
  {
    why: "31st: skips February and April",
    expr: "0 0 12 31 * ?",
    from: "2026-01-31T13:00:00+01:00",
    next: ["2026-03-31T12:00:00+02:00", "2026-05-31T12:00:00+02:00"],
  },
  {
    why: "names, lower case: weekdays of January and July 2026 (Sat 31 Jan, Wed 1 Jul)",
    expr: "0 30 9 ? jan,jul mon-fri",
    from: "2026-01-30T10:00:00+01:00",
    next: [
      "2026-07-01T09:30:00+02:00",
      "2026-07-02T09:30:00+02:00",
      "2026-07-03T09:30:00+02:00",
      "2026-07-06T09:30:00+02:00",
    ],
  },
  {
    why: "day names, mixed case",
    expr: "0 0 9 ? * SAT,sun",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-03T09:00:00+01:00", "2026-01-04T09:00:00+01:00", "2026-01-10T09:00:00+01:00"],
  },
  {
    why: "New Year's Eve, month name",
    expr: "30 59 23 31 DEC ?",
    from: "2026-06-01T00:00:00+02:00",
    next: ["2026-12-31T23:59:30+01:00"],
  },
  {
    why: "wrapping hour range 22-2 = 22, 23, 0, 1, 2",
    expr: "0 0 22-2 * * ?",
    from: "2026-01-01T12:00:00+01:00",
    next: [
      "2026-01-01T22:00:00+01:00",
      "2026-01-01T23:00:00+01:00",
      "2026-01-02T00:00:00+01:00",
      "2026-01-02T01:00:00+01:00",
      "2026-01-02T02:00:00+01:00",
      "2026-01-02T22:00:00+01:00",
    ],
  },
  {
    why: "wrapping day range FRI-MON (from Tue 6 Jan)",
    expr: "0 0 12 ? * FRI-MON",
    from: "2026-01-06T00:00:00+01:00",
    next: [
      "2026-01-09T12:00:00+01:00",
      "2026-01-10T12:00:00+01:00",
      "2026-01-11T12:00:00+01:00",
      "2026-01-12T12:00:00+01:00",
      "2026-01-16T12:00:00+01:00",
    ],
  },
  {
    why: "wrapping month range NOV-FEB",
    expr: "0 0 12 1 NOV-FEB ?",
    from: "2026-03-01T00:00:00+01:00",
    next: [
      "2026-11-01T12:00:00+01:00",
      "2026-12-01T12:00:00+01:00",
      "2027-01-01T12:00:00+01:00",
      "2027-02-01T12:00:00+01:00",
      "2027-11-01T12:00:00+01:00",
    ],
  },
  // --- L, W, # (Quartz weekday numbering: 1 = SUN … 7 = SAT)
  {
    why: "6L = last Friday (30 Jan, 27 Feb, 27 Mar, 24 Apr 2026)",
    expr: "0 15 10 ? * 6L",
    from: "2026-01-01T00:00:00+01:00",
    next: [
      "2026-01-30T10:15:00+01:00",
      "2026-02-27T10:15:00+01:00",
      "2026-03-27T10:15:00+01:00",
      "2026-04-24T10:15:00+02:00",
    ],
  },
  {
    why: "7L = last Saturday (31 Jan, 28 Feb 2026)",
    expr: "0 0 12 ? * 7L",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-31T12:00:00+01:00", "2026-02-28T12:00:00+01:00"],
  },
  {
    why: "1L = last Sunday: 29 March 2026 is the DST day itself",
    expr: "0 0 12 ? * 1L",
    from: "2026-03-01T00:00:00+01:00",
    next: ["2026-03-29T12:00:00+02:00", "2026-04-26T12:00:00+02:00"],
  },
  {
    why: "6L with a year: last Friday of January 2027 (Fridays 1, 8, 15, 22, 29)",
    expr: "0 15 10 ? * 6L 2027",
    from: "2026-06-01T00:00:00+02:00",
    next: ["2027-01-29T10:15:00+01:00"],
  },
  {
    why: "6#3 = third Friday, not Saturday (16 Jan, 20 Feb, 20 Mar, 17 Apr 2026)",
    expr: "0 15 10 ? * 6#3",
    from: "2026-01-01T00:00:00+01:00",
    next: [
      "2026-01-16T10:15:00+01:00",
      "2026-02-20T10:15:00+01:00",
      "2026-03-20T10:15:00+01:00",
      "2026-04-17T10:15:00+02:00",
    ],
  },
  {
    why: "fri#3, lower-case name with #",
    expr: "0 15 10 ? * fri#3",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-16T10:15:00+01:00"],
  },
  {
    why: "2#1 = first Monday (5 Jan, 2 Feb, 2 Mar, 6 Apr 2026)",
    expr: "0 0 12 ? * 2#1",
    from: "2026-01-01T00:00:00+01:00",
    next: [
      "2026-01-05T12:00:00+01:00",
      "2026-02-02T12:00:00+01:00",
      "2026-03-02T12:00:00+01:00",
      "2026-04-06T12:00:00+02:00",
    ],
  },
  {
    why: "SUN#2 = second Sunday (11 Jan, 8 Feb 2026)",
    expr: "0 0 12 ? * SUN#2",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-11T12:00:00+01:00", "2026-02-08T12:00:00+01:00"],
  },
  {
    why: "6#5: only months with a fifth Friday fire (Feb, Mar, Apr, Jun 2026 have four)",
    expr: "0 15 10 ? * 6#5",
    from: "2026-02-01T00:00:00+01:00",
    next: ["2026-05-29T10:15:00+02:00", "2026-07-31T10:15:00+02:00"],
  },
  {
    why: "L alone in day-of-week = 7 = every Saturday",
    expr: "0 0 12 ? * L",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-03T12:00:00+01:00", "2026-01-10T12:00:00+01:00", "2026-01-17T12:00:00+01:00"],
  },
  {
    why: "L = last day of the month",
    expr: "0 15 10 L * ?",
    from: "2026-01-31T10:15:00+01:00",
    next: ["2026-02-28T10:15:00+01:00", "2026-03-31T10:15:00+02:00", "2026-04-30T10:15:00+02:00"],
  },
  {
    why: "L in a leap February",
    expr: "0 15 10 L * ?",
    from: "2028-02-01T00:00:00+01:00",
    next: ["2028-02-29T10:15:00+01:00"],
  },
  {
    why: "L-3 = three days before the last day (28 Jan, 25 Feb, 28 Mar)",
    expr: "0 15 10 L-3 * ?",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-28T10:15:00+01:00", "2026-02-25T10:15:00+01:00", "2026-03-28T10:15:00+01:00"],
  },
  {
    why: "L-3W: 28 March 2026 is a Saturday -> Friday 27",
    expr: "0 0 12 L-3W * ?",
    from: "2026-03-01T00:00:00+01:00",
    next: ["2026-03-27T12:00:00+01:00"],
  },
  {
    why: "1W: Sat 1 Aug -> Mon 3 Aug (never the previous month); Tue 1 Sep",
    expr: "0 0 12 1W * ?",
    from: "2026-07-15T00:00:00+02:00",
    next: ["2026-08-03T12:00:00+02:00", "2026-09-01T12:00:00+02:00"],
  },
  {
    why: "1W: Sun 1 Feb -> Mon 2; Sun 1 Mar -> Mon 2; Wed 1 Apr",
    expr: "0 0 12 1W * ?",
    from: "2026-01-15T00:00:00+01:00",
    next: ["2026-02-02T12:00:00+01:00", "2026-03-02T12:00:00+01:00", "2026-04-01T12:00:00+02:00"],
  },
  {
    why: "15W: Sun 15 Feb -> Mon 16; Sun 15 Mar -> Mon 16; Wed 15 Apr",
    expr: "0 0 12 15W * ?",
    from: "2026-01-16T00:00:00+01:00",
    next: ["2026-02-16T12:00:00+01:00", "2026-03-16T12:00:00+01:00", "2026-04-15T12:00:00+02:00"],
  },
  {
    why: "15W: Sat 15 Aug -> Fri 14; Tue 15 Sep",
    expr: "0 0 12 15W * ?",
    from: "2026-08-01T00:00:00+02:00",
    next: ["2026-08-14T12:00:00+02:00", "2026-09-15T12:00:00+02:00"],
  },
  {
    why: "LW = last weekday: Sat 31 Jan -> 30; Sat 28 Feb -> 27; Tue 31 Mar",
    expr: "0 0 12 LW * ?",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2026-01-30T12:00:00+01:00", "2026-02-27T12:00:00+01:00", "2026-03-31T12:00:00+02:00"],
  },
  {
    why: "LW: Sun 31 May -> Fri 29",
    expr: "0 0 12 LW * ?",
    from: "2026-05-01T00:00:00+02:00",
    next: ["2026-05-29T12:00:00+02:00"],
  },
  // --- year field
  {
    why: "29 February 2028, once",
    expr: "0 0 0 29 2 ? 2028",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2028-02-29T00:00:00+01:00", null],
  },
  {
    why: "year range 2027-2029",
    expr: "0 0 12 1 1 ? 2027-2029",
    from: "2026-06-01T00:00:00+02:00",
    next: ["2027-01-01T12:00:00+01:00", "2028-01-01T12:00:00+01:00", "2029-01-01T12:00:00+01:00", null],
  },
  {
    why: "year step 2030/5",
    expr: "0 0 12 1 1 ? 2030/5",
    from: "2026-01-01T00:00:00+01:00",
    next: ["2030-01-01T12:00:00+01:00", "2035-01-01T12:00:00+01:00"],
  },
  {
    why: "the last years of the field",
    expr: "0 0 12 1 1 ? 2098-2099",
    from: "2097-06-01T00:00:00+02:00",
    next: ["2098-01-01T12:00:00+01:00", "2099-01-01T12:00:00+01:00", null],
  },
  {
    why: "year exhausted",
    expr: "0 15 10 * * ? 2026",
    from: "2026-12-31T11:00:00+01:00",
    next: [null],
  },
  {
    why: "a past year never fires",
    expr: "0 15 10 * * ? 2005",
    from: "2026-01-01T00:00:00+01:00",
    next: [null],
  },
  // --- DST in Europe/Paris
  {
    why: "spring: 02:30 does not exist on 29 March, skipped",
    expr: "0 30 2 * * ?",
    from: "2026-03-28T03:00:00+01:00",
    next: ["2026-03-30T02:30:00+02:00"],
  },
  {
    why: "spring: 02:00 does not exist either",
    expr: "0 0 2 * * ?",
    from: "2026-03-28T12:00:00+01:00",
    next: ["2026-03-30T02:00:00+02:00"],
  },
  {
    why: "spring: every second of the 2 o'clock hour, the whole missing hour skipped",
    expr: "* * 2 * * ?",
    from: "2026-03-29T01:59:59+01:00",
    next: ["2026-03-30T02:00:00+02:00", "2026-03-30T02:00:01+02:00"],
  },
  {
    why: "autumn: 02:30 occurs twice on 25 October, fires once (first occurrence)",
    expr: "0 30 2 * * ?",
    from: "2026-10-24T03:00:00+02:00",
    next: ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
  },
  {
    why: "autumn: 02:00 and 02:30 once each",
    expr: "0 0,30 2 * * ?",
    from: "2026-10-25T00:00:00+02:00",
    next: ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:00:00+01:00"],
  },
  {
    why: "hourly across the spring change: 01:00 CET, then 03:00 CEST",
    expr: "0 0 * * * ?",
    from: "2026-03-29T00:30:00+01:00",
    next: ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"],
  },
  {
    why: "hourly across the autumn change: 02:00 once, then 03:00 CET",
    expr: "0 0 * * * ?",
    from: "2026-10-25T01:30:00+02:00",
    next: ["2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00", "2026-10-25T04:00:00+01:00"],
  },
  {
    why: "from inside the repeated hour (second pass): its wall times already fired",
    expr: "0 0/30 * * * ?",
    from: "2026-10-25T02:10:00+01:00",
    next: ["2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00"],
  },
  {
    why: "midnight on both sides of the spring change",
    expr: "0 0 0 ? * *",
    from: "2026-03-28T23:59:59+01:00",
    next: ["2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"],
  },
  // --- other time zones
  {
    why: "time zone America/New_York",
    expr: "0 0 9 * * ?",
    tz: "America/New_York",
    from: "2026-01-01T00:00:00Z",
    next: ["2026-01-01T09:00:00-05:00", "2026-01-02T09:00:00-05:00"],
  },
  {
    why: "time zone UTC",
    expr: "0 0 9 * * ?",
    tz: "UTC",
    from: "2026-01-01T00:00:00Z",
    next: ["2026-01-01T09:00:00Z"],
  },
];

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const at = (s: string): Date => new Date(s);

describe("parseQuartzCron: hand-computed vectors", () => {
  it("has at least 40 vectors", () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(VECTORS.map((v) => [`${v.expr} | ${v.why}`, v] as const))("%s", (_name, v) => {
    const cron = parseQuartzCron(v.expr, v.tz === undefined ? {} : { timezone: v.tz });
    expect(validateQuartzCron(v.expr)).toBeNull();
    let cursor = at(v.from);
    for (const expected of v.next) {
      const next = cron.nextFireTime(cursor);
      expect(iso(next)).toBe(expected === null ? null : at(expected).toISOString());
      if (next === null) break;
      expect(cron.isSatisfiedBy(next)).toBe(true);
      cursor = next;
    }
  });

  it("defaults to Europe/Paris", () => {
    expect(parseQuartzCron("0 0 12 * * ?").timezone).toBe("Europe/Paris");
    expect(parseQuartzCron("0 0 12 * * ?", { timezone: "UTC" }).timezone).toBe("UTC");
  });
});

describe("isSatisfiedBy", () => {
  const cases: readonly (readonly [string, string, boolean, string?])[] = [
    ["0 0/10 * * * ?", "2026-01-15T08:20:00+01:00", true],
    ["0 0/10 * * * ?", "2026-01-15T08:20:00.999+01:00", true], // milliseconds ignored
    ["0 0/10 * * * ?", "2026-01-15T08:20:01+01:00", false],
    ["0 0/10 * * * ?", "2026-01-15T08:25:00+01:00", false],
    ["5/15 * * * * ?", "2026-01-15T08:00:50+01:00", true],
    ["5/15 * * * * ?", "2026-01-15T08:00:00+01:00", false],
    ["0 15 10 ? * 6#3", "2026-01-16T10:15:00+01:00", true],
    ["0 15 10 ? * 6#3", "2026-01-17T10:15:00+01:00", false], // Unix numbering would say Saturday
    ["0 15 10 ? * 6#3", "2026-01-09T10:15:00+01:00", false],
    ["0 0 12 LW * ?", "2026-01-30T12:00:00+01:00", true],
    ["0 0 12 LW * ?", "2026-01-31T12:00:00+01:00", false],
    ["0 0 12 1W * ?", "2026-08-03T12:00:00+02:00", true],
    ["0 0 12 1W * ?", "2026-08-01T12:00:00+02:00", false],
    ["0 0 0 29 2 ? 2028", "2028-02-29T00:00:00+01:00", true],
    ["0 0 0 29 2 ? 2028", "2032-02-29T00:00:00+01:00", false],
    ["0 30 2 * * ?", "2026-10-25T02:30:00+02:00", true],
    ["0 30 2 * * ?", "2026-10-25T02:30:00+01:00", false], // second occurrence: fires once
    ["0 30 2 * * ?", "2026-03-29T03:30:00+02:00", false], // not moved after the gap
    ["0 0 9 * * ?", "2026-01-01T09:00:00+01:00", true],
    ["0 0 9 * * ?", "2026-01-01T09:00:00-08:00", false], // 09:00 in the process zone is not 09:00 Paris
    ["0 0 9 * * ?", "2026-01-01T09:00:00-08:00", true, "America/Los_Angeles"],
    ["0 0 12 ? * L", "2026-01-03T12:00:00+01:00", true],
    ["0 0 12 ? * L", "2026-01-31T12:00:00+01:00", true],
    ["0 0 12 ? * L", "2026-01-30T12:00:00+01:00", false],
  ];
  const rows = cases.map(([expr, date, expected, tz]) => ({ expr, date, expected, tz }));
  it.each(rows)("$expr at $date -> $expected", ({ expr, date, expected, tz }) => {
    const cron = parseQuartzCron(expr, tz === undefined ? {} : { timezone: tz });
    expect(cron.isSatisfiedBy(at(date))).toBe(expected);
  });

  it("is false for an invalid date", () => {
    expect(parseQuartzCron("* * * * * ?").isSatisfiedBy(new Date(NaN))).toBe(false);
  });
});

describe("fireTimesBetween", () => {
  it("returns (from, to]", () => {
    const cron = parseQuartzCron("0 0/10 * * * ?");
    const times = cron.fireTimesBetween(at("2026-01-15T08:00:00+01:00"), at("2026-01-15T09:00:00+01:00"));
    expect(times.map(iso)).toEqual(
      ["08:10", "08:20", "08:30", "08:40", "08:50", "09:00"].map((t) => iso(at(`2026-01-15T${t}:00+01:00`))),
    );
  });

  it("honours max (oldest first)", () => {
    const cron = parseQuartzCron("0 0/10 * * * ?");
    const times = cron.fireTimesBetween(at("2026-01-15T08:00:00+01:00"), at("2026-01-16T08:00:00+01:00"), 2);
    expect(times.map(iso)).toEqual([
      iso(at("2026-01-15T08:10:00+01:00")),
      iso(at("2026-01-15T08:20:00+01:00")),
    ]);
  });

  it("counts 23 hourly fires on the spring day and 24 on the autumn day", () => {
    const cron = parseQuartzCron("0 0 * * * ?");
    expect(
      cron.fireTimesBetween(at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")),
    ).toHaveLength(23);
    expect(
      cron.fireTimesBetween(at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")),
    ).toHaveLength(24);
  });

  it("is empty for an empty interval or a past year", () => {
    expect(
      parseQuartzCron("0 0 12 * * ?").fireTimesBetween(
        at("2026-01-01T13:00:00Z"),
        at("2026-01-02T10:00:00Z"),
      ),
    ).toEqual([]);
    expect(
      parseQuartzCron("0 0 12 * * ? 2005").fireTimesBetween(
        at("2010-01-01T00:00:00Z"),
        at("2030-01-01T00:00:00Z"),
      ),
    ).toEqual([]);
  });
});

describe("describe", () => {
  it.each([
    ["0 0/10 * * * ?", "every 10 minutes"],
    ["0 */15 * * * ?", "every 15 minutes"],
    ["0 * * * * ?", "every minute"],
    ["*/30 * * * * ?", "every 30 seconds"],
    ["0 0 * * * ?", "every hour"],
    ["0 0 0/6 ? * *", "every 6 hours"],
    ["0 15 10 * * ?", "every day at 10:15 (Europe/Paris)"],
    ["5/15 * * * * ?", "5/15 * * * * ?"],
    ["0 15 10 ? * 6L", "0 15 10 ? * 6L"],
  ])("%s -> %s", (expr, text) => {
    expect(parseQuartzCron(expr).describe()).toBe(text);
  });
});

describe("invalid expressions", () => {
  const INVALID: readonly (readonly [string, RegExp])[] = [
    ["0 0 12 * * MON", /day-of-month and day-of-week: exactly one must be '\?'.*got '\*' and 'MON'/],
    ["0 0 12 15 * 2", /day-of-month and day-of-week: exactly one must be '\?'.*got '15' and '2'/],
    ["0 0 12 ? * ?", /day-of-month and day-of-week: exactly one must be '\?'.*got '\?' and '\?'/],
    ["0 0 12 * *", /expected 6 or 7 fields .*got 5/],
    ["0 0 12 * * ? 2026 1", /expected 6 or 7 fields .*got 8/],
    ["", /expected 6 or 7 fields .*got 0/],
    ["garbage", /expected 6 or 7 fields .*got 1/],
    ["foo bar baz qux quux corge", /field 1 \(seconds\) 'foo'.*not a number/],
    ["60 * * * * ?", /field 1 \(seconds\) '60'.*out of range 0-59/],
    ["0 60 * * * ?", /field 2 \(minutes\) '60'.*out of range 0-59/],
    ["0 0 24 * * ?", /field 3 \(hours\) '24'.*out of range 0-23/],
    ["0 0 12 32 * ?", /field 4 \(day-of-month\) '32'.*out of range 1-31/],
    ["0 0 12 0 * ?", /field 4 \(day-of-month\) '0'.*out of range 1-31/],
    ["0 0 12 ? 13 *", /field 5 \(month\) '13'.*out of range 1-12/],
    ["0 0 12 ? JANUARY *", /field 5 \(month\) 'JANUARY'.*neither a number nor a name/],
    ["0 0 12 ? * 8", /field 6 \(day-of-week\) '8'.*out of range 1-7/],
    ["0 0 12 ? * 0", /field 6 \(day-of-week\) '0'.*out of range 1-7/],
    ["0 0 12 ? * FOO", /field 6 \(day-of-week\) 'FOO'.*neither a number nor a name/],
    ["0 0 12 ? ? MON", /field 5 \(month\) '\?'.*only allowed in day-of-month and day-of-week/],
    ["? 0 12 * * ?", /field 1 \(seconds\) '\?'.*only allowed in day-of-month and day-of-week/],
    ["0 0 12 ? * 2W", /field 6 \(day-of-week\) '2W'.*'W' is only allowed in day-of-month/],
    ["0 0 12 1-5W * ?", /field 4 \(day-of-month\) '1-5W'.*'W' must be the whole field/],
    ["0 0 12 32W * ?", /field 4 \(day-of-month\) '32W'.*1-31/],
    ["0 0 12 L,15 * ?", /field 4 \(day-of-month\) 'L,15'.*'L' must be the whole field/],
    ["0 0 12 L-31 * ?", /field 4 \(day-of-month\) 'L-31'.*0-30/],
    ["0 L 12 * * ?", /field 2 \(minutes\) 'L'.*only allowed in day-of-month and day-of-week/],
    ["0 0 12 # * ?", /field 4 \(day-of-month\) '#'.*only allowed in day-of-week/],
    ["0 0 12 ? * 6#6", /field 6 \(day-of-week\) '6#6'.*'#' must be followed by 1-5/],
    ["0 0 12 ? * 6#0", /field 6 \(day-of-week\) '6#0'.*'#' must be followed by 1-5/],
    ["0 0 12 ? * 8#1", /field 6 \(day-of-week\) '8#1'.*not a day of week/],
    ["0 0 12 ? * 2#1,6#3", /field 6 \(day-of-week\) '2#1,6#3'.*single n-th weekday/],
    ["0 0 12 ? * 6L,2", /field 6 \(day-of-week\) '6L,2'.*'L' must be the whole field/],
    ["0 0 12 1 1 ? 2100", /field 7 \(year\) '2100'.*out of range 1970-2099/],
    ["0 0 12 1 1 ? 1969", /field 7 \(year\) '1969'.*out of range 1970-2099/],
    ["0 0 12 1 1 ? 2030-2027", /field 7 \(year\) '2030-2027'.*backwards/],
    ["0 0/0 * * * ?", /field 2 \(minutes\) '0\/0'.*step 0 is out of range 1-59/],
    ["0 0/60 * * * ?", /field 2 \(minutes\) '0\/60'.*step 60 is out of range 1-59/],
    ["0 0/x * * * ?", /field 2 \(minutes\) '0\/x'.*'\/' must be followed by a number/],
    ["0 0 12 ? * 1,,2", /field 6 \(day-of-week\) '1,,2'.*empty item/],
    ["0 0 1-2-3 * * ?", /field 3 \(hours\) '1-2-3'.*malformed range/],
  ];

  it("has at least 12 cases", () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(12);
  });

  it.each(INVALID)("%s", (expr, message) => {
    const text = validateQuartzCron(expr);
    expect(text).toMatch(message);
    let thrown: unknown;
    try {
      parseQuartzCron(expr);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CronSyntaxError);
    expect((thrown as CronSyntaxError).message).toBe(text);
    expect((thrown as CronSyntaxError).name).toBe("CronSyntaxError");
  });

  it("names the faulty field on the error object", () => {
    try {
      parseQuartzCron("0 0 24 * * ?");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CronSyntaxError);
      expect((error as CronSyntaxError).field).toBe("hours");
    }
  });

  it("refuses an unknown time zone", () => {
    expect(() => parseQuartzCron("0 0 12 * * ?", { timezone: "Mars/Olympus" })).toThrow(
      /time zone 'Mars\/Olympus'/,
    );
  });

  it("accepts valid spellings", () => {
    for (const expr of [
      "0 0 12 * * ?",
      "0 0 12 ? * *",
      "  0   0 12 ? * MON  ",
      "0 0 12 ? * mon-fri",
      "0 0 12 ? jan-mar,dec *",
      "0 0 12 L-0 * ?",
      "0 0 12 ? * 7L",
      "0 0 12 ? * 6#5 2026-2030",
      "0 0 12 * * ? *",
      "/15 * * * * ?",
    ]) {
      expect(validateQuartzCron(expr), expr).toBeNull();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: against an independent reference matcher (fields evaluated directly, Quartz rules)
// ---------------------------------------------------------------------------------------------

const PARIS = IANAZone.create("Europe/Paris");
const offsetMs = (t: number): number => PARIS.offset(t) * 60_000;

interface Wall {
  sec: number;
  min: number;
  hour: number;
  day: number; // 1-31
  month: number; // 1-12
  year: number;
  dow: number; // Quartz: 1 = SUN … 7 = SAT
  lastDay: number;
}

function wallOf(t: number): Wall {
  const d = new Date(t + offsetMs(t));
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  return {
    sec: d.getUTCSeconds(),
    min: d.getUTCMinutes(),
    hour: d.getUTCHours(),
    day: d.getUTCDate(),
    month,
    year,
    dow: d.getUTCDay() + 1,
    lastDay: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

/** True when the instant is the second occurrence of a repeated wall time (autumn). */
function isSecondOccurrence(t: number): boolean {
  const wall = t + offsetMs(t);
  const earlierOffset = offsetMs(t - 86_400_000);
  const other = wall - earlierOffset;
  return other < t && offsetMs(other) === earlierOffset;
}

interface Part {
  readonly text: string;
  readonly has: (v: number, w: Wall) => boolean;
}

const setPart = (values: readonly number[], text: string): Part => ({ text, has: (v) => values.includes(v) });

/**
 * Simple field texts for a field min..fieldMax: *, n, a-b, a/b, a,b, *\/b, with the value set they
 * mean. Plain values stay within min..max (day-of-month: 1-28, so that every month has them), but
 * steps run to the field's end, as in Quartz (`1/5` in day-of-month reaches 31).
 */
function simplePart(min: number, max: number, allowStar = true, fieldMax = max): fc.Arbitrary<Part> {
  const value = fc.integer({ min, max });
  const range = (a: number, b: number, step = 1): number[] => {
    const out: number[] = [];
    for (let v = a; v <= b; v += step) out.push(v);
    return out;
  };
  const options: fc.Arbitrary<Part>[] = [
    value.map((n) => setPart([n], String(n))),
    fc.tuple(value, value).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return setPart(range(lo, hi), `${lo}-${hi}`);
    }),
    fc
      .tuple(value, fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) }))
      .map(([a, s]) => setPart(range(a, fieldMax, s), `${a}/${s}`)),
    fc.tuple(value, value).map(([a, b]) => setPart([a, b], `${a},${b}`)),
    fc
      .integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) })
      .map((s) => setPart(range(min, fieldMax, s), `*/${s}`)),
  ];
  if (allowStar) options.push(fc.constant({ text: "*", has: () => true }));
  return fc.oneof(...options);
}

const DOM_SPECIAL: fc.Arbitrary<Part> = fc.oneof(
  fc.constant<Part>({ text: "L", has: (_v, w) => w.day === w.lastDay }),
  fc
    .integer({ min: 0, max: 5 })
    .map<Part>((n) => ({ text: `L-${n}`, has: (_v, w) => w.day === w.lastDay - n })),
  simplePart(1, 28, false, 31),
);
const DOW_SPECIAL: fc.Arbitrary<Part> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 })).map<Part>(([d, k]) => ({
    text: `${d}#${k}`,
    has: (_v, w) => w.dow === d && Math.ceil(w.day / 7) === k,
  })),
  fc.integer({ min: 1, max: 7 }).map<Part>((d) => ({
    text: `${d}L`,
    has: (_v, w) => w.dow === d && w.day + 7 > w.lastDay,
  })),
  fc.constant<Part>({ text: "L", has: (_v, w) => w.dow === 7 }),
  simplePart(1, 7, false),
);

interface Generated {
  readonly expr: string;
  readonly matches: (t: number) => boolean;
}

const exprArb: fc.Arbitrary<Generated> = fc
  .record({
    sec: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Part>({ text: "0", has: (v) => v === 0 }) },
      simplePart(0, 59),
    ),
    min: simplePart(0, 59),
    hour: simplePart(0, 23),
    days: fc.oneof(
      DOM_SPECIAL.map((dom) => ({ dom, dow: { text: "?", has: () => true } as Part })),
      DOW_SPECIAL.map((dow) => ({ dom: { text: "?", has: () => true } as Part, dow })),
      fc.constant({
        dom: { text: "*", has: () => true } as Part,
        dow: { text: "?", has: () => true } as Part,
      }),
    ),
    month: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Part>({ text: "*", has: () => true }) },
      simplePart(1, 12),
    ),
  })
  .map(({ sec, min, hour, days, month }) => ({
    expr: `${sec.text} ${min.text} ${hour.text} ${days.dom.text} ${month.text} ${days.dow.text}`,
    matches: (t: number): boolean => {
      const w = wallOf(t);
      return (
        sec.has(w.sec, w) &&
        min.has(w.min, w) &&
        hour.has(w.hour, w) &&
        days.dom.has(w.day, w) &&
        month.has(w.month, w) &&
        days.dow.has(w.dow, w) &&
        !isSecondOccurrence(t)
      );
    },
  }));

const TRANSITIONS = [
  Date.parse("2026-03-29T01:00:00Z"),
  Date.parse("2026-10-25T01:00:00Z"),
  Date.parse("2027-03-28T01:00:00Z"),
  Date.parse("2027-10-31T01:00:00Z"),
];
const dateArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2028-12-31T00:00:00Z") }),
  // near a DST change, where the wall clock jumps
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }))
    .map(([t, d]) => t + d),
);

describe("property: nextFireTime against a reference matcher", () => {
  it("returns a matching instant and skips none in between", () => {
    fc.assert(
      fc.property(exprArb, dateArb, ({ expr, matches }, from) => {
        const cron = parseQuartzCron(expr);
        const next = cron.nextFireTime(new Date(from));
        expect(next, expr).not.toBeNull();
        const n = next!.getTime();
        expect(n).toBeGreaterThan(from);
        expect(n % 1000).toBe(0);
        expect(matches(n), `${expr} at ${next!.toISOString()}`).toBe(true);
        expect(cron.isSatisfiedBy(next!)).toBe(true);
        // Every second strictly between `from` and `next` for short gaps (up to 3 minutes), an evenly
        // spread sample on the second grid for longer ones; isSatisfiedBy on every 4th point.
        const first = Math.floor(from / 1000) * 1000 + 1000;
        const seconds = (n - first) / 1000;
        const step = seconds <= 180 ? 1 : Math.ceil(seconds / 150);
        for (let i = 0, t = first; t < n; i++, t += step * 1000) {
          expect(matches(t), `${expr}: ${new Date(t).toISOString()} skipped`).toBe(false);
          if (i % 4 === 0) expect(cron.isSatisfiedBy(new Date(t))).toBe(false);
        }
        if (n - 1000 > from) expect(matches(n - 1000)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
