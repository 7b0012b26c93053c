/**
 * Budget planning (issue 4, acceptance 6): a simulated operator with 20,000 consumer meters and Enedis'
 * 1,000 calls/h measure quota, over 21 days with the clock compressed (hour by hour). The admission rule
 * is the scheduler's: `planBudget` gives the stride, a meter is due when its data are `stride` days old
 * (new meters first), and one sync fetches everything since its last day in one call per dataset (up to
 * 7 days of load curve per call). The quota is never exceeded; the benchmark records the calls per
 * meter-day achieved and the worst freshness, against the naive daily plan (one call per dataset per
 * meter per day, which the quota cannot carry).
 *
 * This is a model of the scheduler's planning, not an end-to-end run: the end-to-end behaviour (one call
 * per dataset per due meter, wider windows after a gap) is tested in test/integration.
 */
import { planBudget } from "../src/scheduler/budget.js";
import type { BenchResult } from "./run.js";
import { measured } from "./run.js";

const METERS = 20_000;
const DATASETS = 3;
const PER_HOUR = 1000;
const DAYS = 21;
/** Data of day D are published from 08:00 on D+1. */
const PUBLICATION_HOUR = 8;

interface Outcome {
  callsPerMeterDay: number;
  worstFreshnessDays: number;
  maxCallsInAnHour: number;
  catchUpHours: number;
}

function simulate(strideOverride?: number): Outcome {
  const stride =
    strideOverride ??
    planBudget({ accounts: METERS, datasetsPerAccount: DATASETS, perHour: PER_HOUR }).strideDays;
  // fetchedUntil[m]: first day not fetched (day index); all meters up to date at day 0.
  const fetchedUntil = new Int32Array(METERS).fill(0);
  let calls = 0;
  let worst = 0;
  let maxHour = 0;
  let backlogHours = 0;
  let cursor = 0;
  for (let day = 1; day <= DAYS; day++) {
    for (let hour = 0; hour < 24; hour++) {
      const published = hour >= PUBLICATION_HOUR ? day : day - 1; // exclusive end of what exists
      let budget = PER_HOUR;
      let used = 0;
      // Round-robin over meters, as pages of accounts are walked; due when `stride` days behind.
      for (let scanned = 0; scanned < METERS && budget > 0; scanned++) {
        const m = (cursor + scanned) % METERS;
        const lag = published - fetchedUntil[m]!;
        if (lag < stride) continue;
        const cost = Math.ceil(lag / 7) + (DATASETS - 1); // curve in 7-day calls, daily data in one call each
        if (cost > budget) break;
        budget -= cost;
        used += cost;
        fetchedUntil[m] = published;
        cursor = m + 1;
      }
      calls += used;
      maxHour = Math.max(maxHour, used);
      if (budget === 0) backlogHours++;
      // freshness: days between the newest published day and the newest fetched day, worst meter
      for (let m = 0; m < METERS; m += 97) worst = Math.max(worst, published - fetchedUntil[m]!);
    }
  }
  return {
    callsPerMeterDay: calls / (METERS * DAYS),
    worstFreshnessDays: worst,
    maxCallsInAnHour: maxHour,
    catchUpHours: backlogHours,
  };
}

export async function run(): Promise<BenchResult[]> {
  const planned = simulate();
  const naive = simulate(1);
  return [
    {
      ...measured("20,000 meters, 1,000 calls/h: calls per meter-day (planned stride)", [
        planned.callsPerMeterDay * 1000,
      ]),
      unit: "milli-calls",
      note:
        `stride ${planBudget({ accounts: METERS, datasetsPerAccount: DATASETS, perHour: PER_HOUR }).strideDays} days; ` +
        `worst freshness ${planned.worstFreshnessDays} days (target ≤ 7); busiest hour ${planned.maxCallsInAnHour} calls ` +
        `(quota ${PER_HOUR}); naive daily plan for comparison: worst freshness ${naive.worstFreshnessDays} days over ${DAYS} days ` +
        `and ${(naive.callsPerMeterDay * 1000).toFixed(0)} milli-calls per meter-day (it falls further behind every day).`,
    },
    {
      ...measured("20,000 meters: worst freshness in days (planned stride)", [planned.worstFreshnessDays]),
      unit: "days",
    },
  ];
}
