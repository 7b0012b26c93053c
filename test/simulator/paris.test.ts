import { describe, expect, it } from "vitest";
import {
  addDays,
  formatParisWallTime,
  parisDateOf,
  parisDayBounds,
  parisOffsetMs,
  parisWallClock,
} from "../../src/domain/time.js";
import {
  parisDay,
  parisFields,
  parisLabel,
  parisOffsetAt,
  parisWallToMs,
} from "../../src/simulator/paris.js";

describe("fast Paris helpers agree with luxon", () => {
  it("offsets, labels and fields every 17 minutes around both 2026 changes, and each day of 2016-2030", () => {
    const instants: number[] = [];
    for (const around of ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"]) {
      const c = Date.parse(around);
      for (let t = c - 2 * 86_400_000; t < c + 2 * 86_400_000; t += 17 * 60_000) instants.push(t);
    }
    for (
      let t = Date.parse("2016-01-01T00:00:00Z");
      t < Date.parse("2031-01-01T00:00:00Z");
      t += 86_400_000 + 3_600_000
    ) {
      instants.push(t);
    }
    for (const t of instants) {
      expect(parisOffsetAt(t)).toBe(parisOffsetMs(t));
      expect(parisLabel(t)).toBe(formatParisWallTime(t));
      const f = parisFields(t);
      const w = parisWallClock(t);
      expect(f.date).toBe(parisDateOf(t));
      expect(f.minuteOfDay).toBe(w.hour * 60 + w.minute);
      expect(f.weekday).toBe(w.weekday);
      expect(f.month).toBe(w.month);
    }
  });

  it("day bounds of every day of 2025-2027 (23, 24 and 25-hour days)", () => {
    for (let d = "2025-01-01"; d < "2028-01-01"; d = addDays(d, 1)) {
      expect(parisDay(d)).toEqual(parisDayBounds(d));
    }
    expect(parisDay("2026-03-29").endMs - parisDay("2026-03-29").startMs).toBe(23 * 3_600_000);
    expect(parisDay("2026-10-25").endMs - parisDay("2026-10-25").startMs).toBe(25 * 3_600_000);
  });

  it("08:00 Paris on a change day is 08:00 wall clock", () => {
    expect(formatParisWallTime(parisWallToMs("2026-03-29", 8))).toBe("2026-03-29 08:00:00");
    expect(formatParisWallTime(parisWallToMs("2026-10-25", 8))).toBe("2026-10-25 08:00:00");
  });
});
