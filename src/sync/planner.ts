/**
 * The sync planner: pure functions from an account's state (watermarks, backfill cursor, completeness
 * ledger) and the clock to the windows to ask Enedis for, in priority order:
 *  1. fresh: from the watermark up to the last complete day published (D-1 after 08:00 Paris, else D-2);
 *  2. repair: days that came back incomplete and that Enedis may still fill;
 *  3. backfill: older history down to the horizon (first sync), newest first.
 * No I/O here: the account sync executes the plan.
 */
import { DateTime } from "luxon";
import type { DatasetSpec } from "../domain/datasets.js";
import { clampRange, horizonStart, splitRange, type Window } from "../domain/windows.js";
import {
  addDays,
  addMonths,
  daysBetween,
  maxDate,
  parisDateOf,
  parisOffsetMs,
  PARIS,
  type LocalDate,
} from "../domain/time.js";

/** Enedis publishes day D from about 08:00 Paris time on D+1. */
export const PUBLICATION_HOUR = 8;

/** The exclusive end of what can be complete now: today after 08:00 Paris, else yesterday. */
export function publishedUntil(nowMs: number, publicationHour = PUBLICATION_HOUR): LocalDate {
  // Every window's commit asks: the wall-clock hour from the offset, not a zone lookup.
  const today = parisDateOf(nowMs);
  const wallMs = nowMs + parisOffsetMs(nowMs);
  const hour = Math.floor((((wallMs % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
  return hour >= publicationHour ? today : addDays(today, -1);
}

/** The next publication instant after now (08:00 Paris), for "no data yet" retries. */
export function nextPublicationMs(nowMs: number, publicationHour = PUBLICATION_HOUR): number {
  let t = DateTime.fromMillis(nowMs, { zone: PARIS }).set({
    hour: publicationHour,
    minute: 0,
    second: 0,
    millisecond: 0,
  });
  if (t.toMillis() <= nowMs) t = t.plus({ days: 1 });
  return t.toMillis();
}

export type WindowPurpose = "fresh" | "repair" | "backfill";

export interface PlannedWindow extends Window {
  purpose: WindowPurpose;
}

export interface DatasetState {
  /** The first day not yet fetched going forward (from the watermark), or null before the first sync. */
  nextDay: LocalDate | null;
  /** The oldest day fetched so far (backfill cursor), or null before the first sync. */
  oldestDay: LocalDate | null;
  /** Days to fetch again (incomplete, still repairable), ascending. */
  repairDays: LocalDate[];
  /** No measure exists before this day (meter activation), if known. */
  activationDay: LocalDate | null;
}

export interface PlanOptions {
  /** How far back a first sync goes, in months (capped by Enedis' horizon). */
  backfillMonths?: number;
  dailyWindowDays?: number;
  /** Limit the number of windows (a run's budget); fresh first, then repair, then backfill. */
  maxWindows?: number;
  /** Skip backfill (freshness only). */
  skipBackfill?: boolean;
}

/** Groups ascending days into windows of consecutive days within the per-call limit. */
export function groupDays(days: LocalDate[], maxDays: number): Window[] {
  const out: Window[] = [];
  const sorted = [...new Set(days)].sort();
  for (const d of sorted) {
    const last = out[out.length - 1];
    if (last && last.to === d && daysBetween(last.from, d) < maxDays) last.to = addDays(d, 1);
    else out.push({ from: d, to: addDays(d, 1) });
  }
  return out;
}

export function planDataset(
  spec: DatasetSpec,
  state: DatasetState,
  nowMs: number,
  opts: PlanOptions = {},
): PlannedWindow[] {
  const today = parisDateOf(nowMs);
  const until = publishedUntil(nowMs);
  const wopts = opts.dailyWindowDays === undefined ? {} : { dailyWindowDays: opts.dailyWindowDays };
  const maxDays = spec.hardMaxDaysPerCall ?? opts.dailyWindowDays ?? 365;
  const horizon = horizonStart(spec, today) ?? "1970-01-01";
  let earliest = horizon;
  if (opts.backfillMonths !== undefined) earliest = maxDate(earliest, addMonths(today, -opts.backfillMonths));
  if (state.activationDay) earliest = maxDate(earliest, state.activationDay);

  const plan: PlannedWindow[] = [];
  const clampAndSplit = (range: Window, newestFirst: boolean, purpose: WindowPurpose) => {
    const c = clampRange(spec, { from: maxDate(range.from, earliest), to: range.to }, today, wopts);
    if (!c) return;
    for (const w of splitRange(c, maxDays, newestFirst)) plan.push({ ...w, purpose });
  };

  if (state.nextDay === null) {
    // First sync: the whole horizon, newest first, so that recent data shows at once.
    if (!opts.skipBackfill) clampAndSplit({ from: earliest, to: until }, true, "backfill");
    else clampAndSplit({ from: addDays(until, -1), to: until }, false, "fresh");
  } else {
    clampAndSplit({ from: state.nextDay, to: until }, false, "fresh");
    const repair = state.repairDays.filter((d) => d >= earliest && d < until && d < state.nextDay!);
    for (const w of groupDays(repair, maxDays)) plan.push({ ...w, purpose: "repair" });
    if (!opts.skipBackfill && state.oldestDay !== null && state.oldestDay > earliest) {
      clampAndSplit({ from: earliest, to: state.oldestDay }, true, "backfill");
    }
  }
  return opts.maxWindows === undefined ? plan : plan.slice(0, opts.maxWindows);
}
