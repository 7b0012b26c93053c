/**
 * The last check before anything is stored: an answer that parsed may still lie. Readings of one window
 * must lie inside the window asked for, end before now, never be negative (no dataset we collect can be:
 * consumption, production, max power and index registers are all ≥ 0), and cover a whole number of
 * possible steps. One bad point refuses the whole window: it is a transient error (retried, then asked
 * again on a later run), so nothing of it is stored and its days stay repairable.
 *
 * Source-neutral on purpose: every source's readings pass here, whatever its wire format.
 */
import { MalformedAnswerError } from "../domain/errors.js";
import { isoUtc, parisDayStartMs, type LocalDate } from "../domain/time.js";
import type { DatasetKind, Reading } from "../domain/types.js";

/** A point may end this long after our clock (clock skew between us and the server). */
const FUTURE_SLACK_MS = 5 * 60_000;

export interface PlausibilityInput {
  kind: DatasetKind;
  unit: string;
  window: { from: LocalDate; to: LocalDate };
  nowMs: number;
  api?: string;
}

function refuse(what: string, input: PlausibilityInput): MalformedAnswerError {
  return new MalformedAnswerError(
    `implausible answer for ${input.window.from}..${input.window.to}, nothing stored: ${what}`,
    input.api ? { api: input.api } : {},
  );
}

/** A point as messages name it: built only when refused (an ISO instant per point costs more than the checks). */
function pointName(i: number, r: Reading): string {
  return `point ${i + 1} (${Number.isFinite(r.startMs) ? isoUtc(r.startMs) : String(r.startMs)})`;
}

/** Throws a `MalformedAnswerError` (transient) naming the first implausible point; returns the readings otherwise. */
export function checkPlausible(readings: readonly Reading[], input: PlausibilityInput): readonly Reading[] {
  const fromMs = parisDayStartMs(input.window.from);
  const toMs = parisDayStartMs(input.window.to);
  let prevStart = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    const endMs = r.startMs + r.lengthMin * 60_000;
    if (!Number.isFinite(r.startMs) || !(r.lengthMin > 0))
      throw refuse(`${pointName(i, r)} has no valid interval`, input);
    if (r.startMs < fromMs || endMs > toMs)
      throw refuse(`${pointName(i, r)} lies outside the window asked for`, input);
    if (endMs > input.nowMs + FUTURE_SLACK_MS) throw refuse(`${pointName(i, r)} ends in the future`, input);
    if (r.value !== null && r.value < 0)
      throw refuse(
        `${pointName(i, r)} is negative (${r.value} ${input.unit}), which this dataset cannot be`,
        input,
      );
    if (r.register === undefined) {
      if (r.startMs <= prevStart) throw refuse(`${pointName(i, r)} is out of order or given twice`, input);
      prevStart = r.startMs;
    }
    if (input.kind === "curve" && 1440 % r.lengthMin !== 0)
      throw refuse(`${pointName(i, r)} has an impossible step of ${r.lengthMin} minutes`, input);
  }
  return readings;
}
