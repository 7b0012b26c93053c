/**
 * The completeness calendar: per Paris day of a dataset, what the ledger says, plus what it cannot say:
 * days not published by Enedis yet, and days never asked for (before the history fetched so far).
 *
 * - `complete`: every expected point is there;
 * - `partial` / `missing`: some / no points came; the sync asks for the day again;
 * - `gap`: missing for good (Enedis will serve nothing more for it);
 * - `pending`: being fetched;
 * - `not_published`: Enedis publishes a day the next morning: nothing to fetch yet;
 * - `not_fetched`: published, but not asked for (before the history collected so far).
 */
import { addDaysFast } from "../../domain/paris-fast.js";
import type { DatasetKey } from "../../domain/types.js";
import type { LedgerStatus, Store } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";

export const CALENDAR_STATUSES = [
  "complete",
  "partial",
  "missing",
  "gap",
  "pending",
  "not_published",
  "not_fetched",
] as const;
export type CalendarStatus = LedgerStatus | "not_published" | "not_fetched";

export interface CompletenessDay {
  day: string;
  status: CalendarStatus;
  /** Points expected and received (null when the ledger has no record of the day). */
  expected: number | null;
  received: number | null;
  /** Fetch attempts so far. */
  attempts: number;
}

/** One entry per day of [from, to), in order. */
export async function completenessDays(
  store: Store,
  deviceId: number,
  dataset: DatasetKey,
  from: string,
  to: string,
  nowMs: number,
): Promise<CompletenessDay[]> {
  const rows = await store.ledger.list(deviceId, dataset, { fromDay: from, toDay: to });
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const published = publishedUntil(nowMs);
  const out: CompletenessDay[] = [];
  for (let d = from; d < to; d = addDaysFast(d, 1)) {
    const r = byDay.get(d);
    if (r) {
      out.push({
        day: d,
        status: r.status,
        expected: r.expected,
        received: r.received,
        attempts: r.attempts,
      });
    } else {
      out.push({
        day: d,
        status: d >= published ? "not_published" : "not_fetched",
        expected: null,
        received: null,
        attempts: 0,
      });
    }
  }
  return out;
}
