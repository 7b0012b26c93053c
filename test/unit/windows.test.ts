import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, daysBetween, type LocalDate } from "../../src/domain/time.js";
import { DATASET_KEYS } from "../../src/domain/types.js";
import { datasetSpec } from "../../src/enedis/datasets/index.js";
import {
  clampRange,
  horizonStart,
  maxDaysPerCall,
  planWindows,
  splitRange,
  windowViolation,
} from "../../src/enedis/windows.js";

const dayArb = fc.integer({ min: 0, max: 365 * 6 }).map((n) => addDays("2021-01-01", n));
const rangeArb = fc
  .tuple(dayArb, fc.integer({ min: 0, max: 1200 }))
  .map(([from, len]) => ({ from, to: addDays(from, len) }));

/** Every day of [from, to) as a list. */
function days(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) out.push(d);
  return out;
}

describe("splitRange", () => {
  it("covers any range exactly once, each window within the limit (both orders)", () => {
    fc.assert(
      fc.property(rangeArb, fc.integer({ min: 1, max: 400 }), fc.boolean(), (range, max, newestFirst) => {
        const ws = splitRange(range, max, newestFirst);
        const covered = ws.flatMap((w) => days(w.from, w.to)).sort();
        expect(covered).toEqual(days(range.from, range.to));
        for (const w of ws) {
          expect(w.from < w.to).toBe(true);
          expect(daysBetween(w.from, w.to)).toBeLessThanOrEqual(max);
        }
        // ordered, no overlap
        for (let i = 1; i < ws.length; i++) {
          if (newestFirst) expect(ws[i]!.to).toBe(ws[i - 1]!.from);
          else expect(ws[i]!.from).toBe(ws[i - 1]!.to);
        }
        // minimal number of calls
        expect(ws.length).toBe(Math.ceil(daysBetween(range.from, range.to) / max));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a window size below one day", () => {
    expect(() => splitRange({ from: "2026-01-01", to: "2026-01-05" }, 0)).toThrow(RangeError);
  });
});

describe("planWindows", () => {
  it("every planned call is legal, and covers exactly the askable part of the range", () => {
    fc.assert(
      fc.property(
        rangeArb,
        dayArb,
        fc.constantFrom(...DATASET_KEYS),
        fc.integer({ min: 1, max: 366 }),
        fc.boolean(),
        (range, today, key, dailyWindowDays, newestFirst) => {
          const spec = datasetSpec(key);
          const opts = { dailyWindowDays, newestFirst };
          const ws = planWindows(spec, range, today, opts);
          for (const w of ws) expect(windowViolation(spec, w, today, opts)).toBeNull();
          const clamped = clampRange(spec, range, today, opts);
          const want = clamped ? days(clamped.from, clamped.to) : [];
          expect(ws.flatMap((w) => days(w.from, w.to)).sort()).toEqual(want);
          // nothing askable is dropped: the clamp only removes days before the horizon or from today on
          const earliest = horizonStart(spec, today, opts);
          for (const d of days(range.from, range.to)) {
            const askable = d < today && (!earliest || d >= earliest);
            expect(want.includes(d)).toBe(askable);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("load curves: 7 days per call whatever the configured daily window", () => {
    expect(maxDaysPerCall(datasetSpec("consumption_load_curve"), { dailyWindowDays: 365 })).toBe(7);
    expect(maxDaysPerCall(datasetSpec("daily_consumption"), { dailyWindowDays: 180 })).toBe(180);
  });

  it("horizons: 24 months + 15 days for curves, 36 months + 15 days for daily data", () => {
    expect(horizonStart(datasetSpec("consumption_load_curve"), "2026-11-28", { horizonMarginDays: 0 })).toBe(
      "2024-11-13",
    );
    expect(horizonStart(datasetSpec("daily_consumption"), "2026-11-28", { horizonMarginDays: 0 })).toBe(
      "2023-11-13",
    );
  });

  it("violations say what is wrong", () => {
    const spec = datasetSpec("consumption_load_curve");
    expect(windowViolation(spec, { from: "2026-11-01", to: "2026-11-09" }, "2026-11-28")).toMatch(
      /at most 7 days/,
    );
    expect(windowViolation(spec, { from: "2026-11-27", to: "2026-11-29" }, "2026-11-28")).toMatch(
      /after today/,
    );
    expect(windowViolation(spec, { from: "2026-11-05", to: "2026-11-05" }, "2026-11-28")).toMatch(
      /before dateFin/,
    );
    expect(windowViolation(spec, { from: "2024-01-01", to: "2024-01-02" }, "2026-11-28")).toMatch(
      /history starts/,
    );
  });
});
