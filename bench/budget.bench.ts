/**
 * Budget planning (issue 4, acceptance 6): a simulated operator with 20,000 consumer meters (3 measure
 * datasets each) and Enedis' 1,000 calls/h measure quota, over 21 days on a compressed clock, all meters
 * fresh at day 0 (history done, backfill off) and a daily sender cron (09:00 Paris).
 *
 * It runs the real decision code end to end (bench/budget-harness.ts): a SQLite store with the 20,000
 * accounts, the real Scheduler (dispatch, page jobs, the budget's stride admission, account jobs, leases)
 * on a MemoryQueue, and the real SharedQuotaLimiter reserving every measure call's slot in the database
 * on the controlled clock. At the Enedis edge the scheduler's sync step is a stand-in that plans each
 * dataset's windows with the real planner, takes one quota slot per window and moves the watermarks as a
 * successful sync does: the real sync (readings parsed, stored and ledgered, ~10 ms a call) would take
 * about an hour and a half for the ~420,000 calls. The stand-in is checked against the real sync through
 * the simulator's handler on a smaller operator (same calls, same worst freshness).
 *
 * It fails (throws) unless every meter stays within 7 days of freshness at every sample (every meter,
 * just after each 08:00 publication and every 6 h), no clock hour holds more than the quota, the
 * simulator refused nothing, and the operator status gives a finite catch-up estimate.
 */
import { formatDuration } from "../src/scheduler/status.js";
import { runBudgetPlan, type BudgetRunResult } from "./budget-harness.js";
import type { BenchResult } from "./run.js";
import { measured } from "./run.js";

const METERS = 20_000;
const PER_HOUR = 1000;
const DAYS = 21;
const LIMIT_DAYS = 7;

/** Throws when the run broke a property of acceptance 6. */
export function assertBudgetRun(r: BudgetRunResult): void {
  const problems: string[] = [];
  if (r.violations.length > 0)
    problems.push(
      `${r.violations.length}+ meters beyond ${LIMIT_DAYS} days of freshness, e.g. ${JSON.stringify(r.violations.slice(0, 3))}`,
    );
  if (r.worstFreshnessDays > LIMIT_DAYS) problems.push(`worst freshness ${r.worstFreshnessDays} days`);
  if (r.busiestHourCalls > r.perHour)
    problems.push(
      `${r.busiestHourCalls} measure calls in the hour from ${new Date(r.busiestHourStartMs).toISOString()} (quota ${r.perHour})`,
    );
  if (r.refused > 0) problems.push(`${r.refused} answers 429`);
  if (r.failedAccounts > 0) problems.push(`${r.failedAccounts} accounts failing`);
  if (r.measureCalls === 0) problems.push("no measure call at all");
  if (r.status.catchUpMs !== null && !Number.isFinite(r.status.catchUpMs))
    problems.push("the status says the backlog is never caught up at this quota");
  if (problems.length) throw new Error(`budget plan, ${r.meters} meters: ${problems.join("; ")}`);
}

export async function run(): Promise<BenchResult[]> {
  const progress = (l: string) => console.error(`  ${l}`);
  // The stand-in against the real sync, on an operator 1/100th the size (the quota still binds).
  const small = { meters: 200, perHour: 10, days: 7, progress };
  const viaReal = await runBudgetPlan({ ...small, edge: "real" });
  const viaFast = await runBudgetPlan({ ...small, edge: "fast" });
  assertBudgetRun(viaReal);
  assertBudgetRun(viaFast);
  if (
    viaReal.measureCalls !== viaFast.measureCalls ||
    viaReal.worstFreshnessDays !== viaFast.worstFreshnessDays
  )
    throw new Error(
      `the stand-in differs from the real sync: ${viaFast.measureCalls} vs ${viaReal.measureCalls} calls, worst freshness ${viaFast.worstFreshnessDays} vs ${viaReal.worstFreshnessDays} days`,
    );

  const started = Date.now();
  const r = await runBudgetPlan({ meters: METERS, perHour: PER_HOUR, days: DAYS, progress });
  const wallS = (Date.now() - started) / 1000;
  assertBudgetRun(r);

  const s = r.status;
  const affordable = (PER_HOUR * 24) / METERS; // calls per meter-day the quota can pay at most
  const catchUpH = s.catchUpMs === null ? 0 : s.catchUpMs / 3_600_000;
  // The status just after each publication: the largest estimate the operator saw during the run.
  const peak = r.daily.reduce((a, b) => ((b.catchUpMs ?? 0) > (a.catchUpMs ?? 0) ? b : a), r.daily[0]!);
  const peakH = (peak.catchUpMs ?? 0) / 3_600_000;
  const peakDay = Math.round((peak.atMs - r.t0Ms) / 86_400_000);
  const plan =
    `plan: a sync every ${s.budget.strideDays} days per meter (${s.budget.callsPerMeterDay.toFixed(2)} calls per meter-day planned, ` +
    `${s.budget.callsPerDay} calls/day usable); at the end: ${s.states.fresh} fresh, ${s.states.behind} behind, ` +
    `${s.states.failing} failing, backlog ${s.backlogCalls} calls, catch-up ${formatDuration(s.catchUpMs)}`;
  const scale = `${METERS.toLocaleString("en-US")} meters, ${PER_HOUR.toLocaleString("en-US")} calls/h, ${DAYS} days`;
  return [
    {
      ...measured(`budget, ${scale}: calls per meter-day`, [r.callsPerMeterDay * 1000]),
      unit: "milli-calls",
      baseline: measured("what the quota pays (1,000 × 24 / 20,000)", [affordable * 1000]),
      ratio: affordable / r.callsPerMeterDay,
      target: 1,
      note:
        `the real Scheduler, MemoryQueue and SharedQuotaLimiter on SQLite, compressed clock, daily cron at 09:00 Paris, ` +
        `sync stand-in at the Enedis edge (checked against the real sync on ${small.meters} meters at ${small.perHour} calls/h ` +
        `over ${small.days} days: ${viaReal.measureCalls} calls and worst freshness ${viaReal.worstFreshnessDays} days both ways). ` +
        `${r.measureCalls.toLocaleString("en-US")} measure calls; ratio = what the quota pays / what the plan spent (≥ 100%: it fits). ` +
        `The naive daily plan would need 3,000 milli-calls per meter-day (60,000 calls a day, 2.5 times the quota). ` +
        `${plan}. Wall time ${wallS.toFixed(0)} s (setup ${(r.wallMs.setup / 1000).toFixed(0)} s).`,
    },
    {
      ...measured(`budget, ${scale}: worst freshness, every meter`, [r.worstFreshnessDays]),
      unit: "days",
      baseline: measured("the limit (acceptance 6)", [LIMIT_DAYS]),
      ratio: LIMIT_DAYS / Math.max(1, r.worstFreshnessDays),
      target: 1,
      note: `${r.samples} samples of all ${METERS.toLocaleString("en-US")} meters (just after each 08:00 publication, when a meter's freshness is at its worst of the day, and every 6 h); ratio = 7 days / worst (≥ 100%: within the limit).`,
    },
    {
      ...measured(`budget, ${scale}: busiest clock hour`, [r.busiestHourCalls]),
      unit: "calls",
      baseline: measured("the measure quota", [PER_HOUR]),
      ratio: PER_HOUR / Math.max(1, r.busiestHourCalls),
      target: 1,
      note: `measure calls counted in each clock hour of the compressed clock (the shared limiter's slots); in the real-sync check the simulator, with the same quota, refused ${viaReal.refused} calls; ratio = quota / busiest hour (≥ 100%: never exceeded).`,
    },
    {
      ...measured(`budget, ${scale}: largest catch-up estimate (operator status, daily)`, [peakH]),
      unit: "h",
      note:
        `operatorStatus just after each 08:00 publication: largest estimate on day ${peakDay} ` +
        `(${peak.fresh} fresh, ${peak.behind} behind, backlog ${peak.backlogCalls} calls, catch-up ${formatDuration(peak.catchUpMs)}, stride ${peak.strideDays} days); ` +
        `every day: ${r.daily.map((d) => (d.catchUpMs === null ? "0" : (d.catchUpMs / 3_600_000).toFixed(1))).join(", ")} h.`,
    },
    {
      ...measured(`budget, ${scale}: catch-up estimate at the end (operator status)`, [catchUpH]),
      unit: "h",
      note: `operatorStatus after ${DAYS} days: ${plan}.`,
    },
  ];
}
