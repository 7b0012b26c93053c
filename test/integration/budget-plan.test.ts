/**
 * Issue 4, acceptance 6, and issue 16 in CI: the budget benchmark's harness (bench/budget-harness.ts) at a
 * smaller scale where the quota still binds. 500 consumer meters (3 measure datasets each) need 1,500 calls
 * a day daily; a 25 calls/h quota pays 600: the real Scheduler (per-dataset strides, phased admission),
 * MemoryQueue and SharedQuotaLimiter on SQLite, on a compressed clock over 10 days with a daily cron, must
 * keep every meter within its freshness bounds (load curve 7 days, daily energy 7, max power 30) at every
 * sample (every meter checked) and never put more than 25 measure calls in a clock hour; 10% of the meters
 * start with a month of history to fetch, from what the fresh syncs leave, and the catch-up estimate given
 * at day 0 is within 25% of the time it took. The Enedis edge is the benchmark's sync stand-in (real
 * planner, one real quota slot per window, watermarks moved as a successful sync does). No wall-clock
 * assertion.
 */
import { expect, it } from "vitest";
import { assertBudgetRun, estimateErrors } from "../../bench/budget.bench.js";
import { runBudgetPlan } from "../../bench/budget-harness.js";

it("500 meters at 25 measure calls/h over 10 days: every dataset within its bound, the quota never exceeded, the catch-up estimate right", async () => {
  const r = await runBudgetPlan({ meters: 500, perHour: 25, days: 10, backlogShare: 0.1 });
  // The quota binds: each dataset every few days, the loosest bound stretched most.
  const { strides } = r.status.budget;
  expect(strides.curve).toBeGreaterThan(1);
  expect(strides.maxPower).toBeGreaterThan(strides.curve);
  expect(strides.curve).toBeLessThanOrEqual(7);
  expect(r.violations).toEqual([]);
  expect(r.worstByGroup.curve).toBeLessThanOrEqual(7);
  expect(r.worstByGroup.daily).toBeLessThanOrEqual(7);
  expect(r.worstByGroup.maxPower).toBeLessThanOrEqual(30);
  // The phases spread the meters: the worst lag is the stride (a meter fetched on its phase day).
  expect(r.worstByGroup.curve).toBe(strides.curve);
  expect(r.busiestHourCalls).toBeLessThanOrEqual(25);
  expect(r.refused).toBe(0);
  // Every meter was synced in the run; the fresh syncs spend what the plan says, under what the quota
  // pays (1.2/meter-day), and more than the physical minimum (one call per bound).
  const freshPerMeterDay = (r.measureCalls - r.backfillCalls) / (500 * 10);
  expect(freshPerMeterDay).toBeLessThanOrEqual((25 * 24) / 500);
  expect(freshPerMeterDay).toBeGreaterThanOrEqual(r.status.budget.minCallsPerMeterDay);
  expect(Math.abs(freshPerMeterDay - r.status.budget.callsPerMeterDay)).toBeLessThan(0.05);
  // The samples saw every meter, at least once a day.
  expect(r.samples).toBeGreaterThanOrEqual(10);
  // The history was fetched, and the day-0 estimate was within 25% of the time it took.
  expect(r.initial.backlogCalls).toBeGreaterThan(0);
  expect(r.backfillCalls).toBe(r.initial.backlogCalls);
  expect(r.caughtUpAtMs).not.toBeNull();
  const errors = estimateErrors(r);
  expect(errors.length).toBeGreaterThan(1);
  expect(Math.abs(errors[0]!.error)).toBeLessThanOrEqual(0.25);
  expect(r.status.catchUpMs).toBeNull();
  assertBudgetRun(r);
}, 180_000);
