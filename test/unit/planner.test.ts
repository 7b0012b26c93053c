import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, daysBetween, type LocalDate } from "../../src/domain/time.js";
import { datasetSpec } from "../../src/enedis/datasets/index.js";
import { windowViolation } from "../../src/enedis/windows.js";
import { groupDays, nextPublicationMs, planDataset, publishedUntil } from "../../src/sync/planner.js";

// 2026-11-28 07:30 and 09:00 Paris (UTC+1)
const BEFORE_8 = Date.UTC(2026, 10, 28, 6, 30);
const AFTER_8 = Date.UTC(2026, 10, 28, 8, 0);
const curve = datasetSpec("consumption_load_curve");
const daily = datasetSpec("daily_consumption");
const empty = { nextDay: null, oldestDay: null, repairDays: [], activationDay: null };

describe("publication", () => {
  it("D-1 only after 08:00 Paris", () => {
    expect(publishedUntil(BEFORE_8)).toBe("2026-11-27");
    expect(publishedUntil(AFTER_8)).toBe("2026-11-28");
    expect(nextPublicationMs(BEFORE_8)).toBe(Date.UTC(2026, 10, 28, 7));
    expect(nextPublicationMs(AFTER_8)).toBe(Date.UTC(2026, 10, 29, 7));
  });
});

describe("planDataset", () => {
  it("first sync: the whole horizon, newest first, each call legal, each day once", () => {
    const plan = planDataset(curve, empty, AFTER_8);
    expect(plan[0]).toEqual({ from: "2026-11-21", to: "2026-11-28", purpose: "backfill" });
    for (const w of plan) expect(windowViolation(curve, w, "2026-11-28")).toBeNull();
    const days = plan.reduce((n, w) => n + daysBetween(w.from, w.to), 0);
    expect(days).toBe(daysBetween(plan.at(-1)!.from, "2026-11-28"));
    expect(plan.length).toBeGreaterThanOrEqual(104); // ~24.5 months of 7-day calls
    const d = planDataset(daily, empty, AFTER_8);
    expect(d.length).toBe(4); // 36 months + 15 days in 365-day calls
    expect(d[0]).toMatchObject({ to: "2026-11-28" });
  });

  it("backfill depth is configurable; activation date is respected", () => {
    const plan = planDataset(curve, empty, AFTER_8, { backfillMonths: 1 });
    expect(plan.at(-1)!.from).toBe("2026-10-28");
    const act = planDataset(daily, { ...empty, activationDay: "2026-06-15" }, AFTER_8);
    expect(act.at(-1)!.from).toBe("2026-06-15");
  });

  it("steady state: nothing before 08:00, one day after", () => {
    const state = { nextDay: "2026-11-27", oldestDay: "2024-11-14", repairDays: [], activationDay: null };
    expect(planDataset(curve, state, BEFORE_8)).toEqual([]);
    expect(planDataset(curve, state, AFTER_8)).toEqual([
      { from: "2026-11-27", to: "2026-11-28", purpose: "fresh" },
    ]);
  });

  it("repair days are grouped into windows after the fresh one; backfill resumes from its cursor", () => {
    const state = {
      nextDay: "2026-11-25",
      oldestDay: "2026-10-01",
      repairDays: ["2026-11-10", "2026-11-11", "2026-11-20", "2026-11-03"],
      activationDay: null,
    };
    const plan = planDataset(curve, state, AFTER_8, { backfillMonths: 2 });
    expect(plan.slice(0, 4)).toEqual([
      { from: "2026-11-25", to: "2026-11-28", purpose: "fresh" },
      { from: "2026-11-03", to: "2026-11-04", purpose: "repair" },
      { from: "2026-11-10", to: "2026-11-12", purpose: "repair" },
      { from: "2026-11-20", to: "2026-11-21", purpose: "repair" },
    ]);
    expect(plan.slice(4)).toEqual([{ from: "2026-09-28", to: "2026-10-01", purpose: "backfill" }]);
  });

  it("groupDays covers exactly the given days within the limit", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 120 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (offsets, max) => {
          const days: LocalDate[] = offsets.map((o) => addDays("2026-01-01", o));
          const ws = groupDays(days, max);
          const covered: LocalDate[] = [];
          for (const w of ws) {
            expect(daysBetween(w.from, w.to)).toBeLessThanOrEqual(max);
            for (let d = w.from; d < w.to; d = addDays(d, 1)) covered.push(d);
          }
          expect(covered.sort()).toEqual([...days].sort());
        },
      ),
    );
  });
});
