/**
 * Off-peak strings as Enedis and suppliers write them. Every expected window is worked out by hand: a
 * window is [start, end) in Paris wall-clock minutes of the day (22:30 = 22 × 60 + 30 = 1350).
 */
import { describe, expect, it } from "vitest";
import { OffPeakHistory, OffPeakParseError, formatWindows, parseOffPeak } from "../../src/tariffs/offpeak.js";

const cases: { why: string; text: string; windows: [number, number][] }[] = [
  {
    why: "the usual string, crossing midnight: 22:30-24:00 and 00:00-06:30",
    text: "HC (22H30-6H30)",
    windows: [
      [0, 390],
      [1350, 1440],
    ],
  },
  {
    why: "lower-case h, odd minutes, two windows (a real value)",
    text: "HC (3H40-8h10;12H40-16H10)",
    windows: [
      [220, 490],
      [760, 970],
    ],
  },
  {
    why: "no HC prefix, colons, leading zeros",
    text: "22:30-06:30",
    windows: [
      [0, 390],
      [1350, 1440],
    ],
  },
  {
    why: "spaces everywhere, no space after HC",
    text: "  HC( 22 h 00 - 6 h 00 ;  12H00 - 14H00 ) ",
    windows: [
      [0, 360],
      [720, 840],
      [1320, 1440],
    ],
  },
  {
    why: "odd minute start 22:38 (= 1358)",
    text: "HC (22H38-6H38)",
    windows: [
      [0, 398],
      [1358, 1440],
    ],
  },
  { why: "24H00 as the end of the day", text: "HC (22H00-24H00)", windows: [[1320, 1440]] },
  { why: "0H00-0H00 means all day, not nothing", text: "HC (0H00-0H00)", windows: [[0, 1440]] },
  {
    why: "a range ending at midnight written 0H00 does not add an empty window",
    text: "HC (20H00-0H00)",
    windows: [[1200, 1440]],
  },
  {
    why: "hours without minutes",
    text: "HC (22h-6h)",
    windows: [
      [0, 360],
      [1320, 1440],
    ],
  },
  { why: "overlapping windows are merged", text: "HC (1H00-5H00;4H00-7H00)", windows: [[60, 420]] },
];

describe("parseOffPeak", () => {
  for (const c of cases) {
    it(`${c.text}: ${c.why}`, () => {
      expect(parseOffPeak(c.text).windows.map((w) => [w.startMin, w.endMin])).toEqual(c.windows);
    });
  }

  it("counts the off-peak minutes of a day (8 h for 22H30-6H30)", () => {
    expect(parseOffPeak("HC (22H30-6H30)").offPeakMinPerDay).toBe(480);
    expect(formatWindows(parseOffPeak("HC (22H30-6H30)"))).toBe("00:00-06:30, 22:30-24:00");
  });

  const bad: { text: string; message: RegExp }[] = [
    { text: "HC (25H00-6H00)", message: /25H00 is not a time of day/ },
    { text: "HC (22H60-6H00)", message: /minute 60 is over 59/ },
    { text: "HC (24H30-6H00)", message: /not a time of day/ },
    { text: "HC ()", message: /no off-peak range/ },
    { text: "", message: /empty/ },
    { text: "HC (22H00)", message: /not a range/ },
    { text: "heures creuses la nuit", message: /not a range/ },
    { text: "HC (22H00-6H00;foo)", message: /"foo" is not a range/ },
  ];
  for (const b of bad) {
    it(`refuses ${JSON.stringify(b.text)} with a message`, () => {
      expect(() => parseOffPeak(b.text)).toThrow(OffPeakParseError);
      expect(() => parseOffPeak(b.text)).toThrow(b.message);
    });
  }
});

describe("OffPeakHistory", () => {
  const h = new OffPeakHistory([
    { fromDay: "2026-03-10", label: "HC (2H00-7H00;14H00-17H00)" },
    { fromDay: "2025-11-02", label: "HC (22H00-6H00)" },
  ]);
  it("before the first read: the first known windows", () => {
    expect(h.on("2025-01-01")?.label).toBe("HC (22H00-6H00)");
  });
  it("each day gets the windows seen last on or before it (input order does not matter)", () => {
    expect(h.on("2026-03-09")?.label).toBe("HC (22H00-6H00)");
    expect(h.on("2026-03-10")?.label).toBe("HC (2H00-7H00;14H00-17H00)");
    expect(h.on("2027-01-01")?.label).toBe("HC (2H00-7H00;14H00-17H00)");
  });
  it("an empty history knows nothing", () => {
    expect(new OffPeakHistory([]).on("2026-01-01")).toBeUndefined();
  });
});
