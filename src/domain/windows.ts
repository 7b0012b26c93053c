/**
 * Window rules, enforced before any call: a caller asking for more than one call may carry gets the
 * request split, never a refusal.
 * - load curves: at most 7 days per call; daily datasets: a configurable span (365 days by default);
 * - `dateFin` is exclusive and never after today (Paris);
 * - history horizons: 24 months + 15 days (curves), 36 months + 15 days (daily data), counted from today.
 */
import { addDays, addMonths, daysBetween, maxDate, minDate, type LocalDate } from "./time.js";
import type { DatasetSpec } from "./datasets.js";

/** A [from, to) range of Paris days: `from` included, `to` excluded (Enedis' dateDebut / dateFin). */
export interface Window {
  from: LocalDate;
  to: LocalDate;
}

export interface WindowOptions {
  /** Days per call for datasets without a hard limit (daily energy, max power, indexes). */
  dailyWindowDays?: number;
  /** Days kept away from the exact history limit, so that a clock skew does not get a refusal. */
  horizonMarginDays?: number;
}

export const DEFAULT_DAILY_WINDOW_DAYS = 365;

/** Most days one call for this dataset may cover. */
export function maxDaysPerCall(spec: DatasetSpec, opts: WindowOptions = {}): number {
  const configured = opts.dailyWindowDays ?? DEFAULT_DAILY_WINDOW_DAYS;
  return spec.hardMaxDaysPerCall === null ? configured : Math.min(spec.hardMaxDaysPerCall, configured);
}

/** The oldest day Enedis still serves for this dataset, seen from `today`. */
export function horizonStart(
  spec: DatasetSpec,
  today: LocalDate,
  opts: WindowOptions = {},
): LocalDate | null {
  if (spec.historyMonths === null) return null;
  const limit = addDays(addMonths(today, -spec.historyMonths), -spec.historyExtraDays);
  return addDays(limit, opts.horizonMarginDays ?? 1);
}

/** Clamps [from, to) to what can be asked today: not before the horizon, not after today. Null if empty. */
export function clampRange(
  spec: DatasetSpec,
  range: Window,
  today: LocalDate,
  opts: WindowOptions = {},
): Window | null {
  const earliest = horizonStart(spec, today, opts);
  const from = earliest ? maxDate(range.from, earliest) : range.from;
  const to = minDate(range.to, today);
  return from < to ? { from, to } : null;
}

/**
 * Splits [from, to) into consecutive windows of at most `maxDays` days that cover it exactly once.
 * `newestFirst` orders them from the most recent (a first sync shows recent data at once).
 */
export function splitRange(range: Window, maxDays: number, newestFirst = false): Window[] {
  if (!Number.isInteger(maxDays) || maxDays < 1)
    throw new RangeError(`window size must be >= 1 day, got ${maxDays}`);
  const out: Window[] = [];
  if (range.from >= range.to) return out;
  if (newestFirst) {
    let to = range.to;
    while (to > range.from) {
      const from = maxDate(addDays(to, -maxDays), range.from);
      out.push({ from, to });
      to = from;
    }
  } else {
    let from = range.from;
    while (from < range.to) {
      const to = minDate(addDays(from, maxDays), range.to);
      out.push({ from, to });
      from = to;
    }
  }
  return out;
}

/** Clamp then split: every window is a legal call. */
export function planWindows(
  spec: DatasetSpec,
  range: Window,
  today: LocalDate,
  opts: WindowOptions & { newestFirst?: boolean } = {},
): Window[] {
  const clamped = clampRange(spec, range, today, opts);
  if (!clamped) return [];
  return splitRange(clamped, maxDaysPerCall(spec, opts), opts.newestFirst ?? false);
}

/** Checks that one call respects the rules; returns the reason when it does not. */
export function windowViolation(
  spec: DatasetSpec,
  w: Window,
  today: LocalDate,
  opts: WindowOptions = {},
): string | null {
  if (w.from >= w.to) return `dateDebut ${w.from} must be before dateFin ${w.to}`;
  if (w.to > today) return `dateFin ${w.to} is after today (${today}): data stop at yesterday`;
  const span = daysBetween(w.from, w.to);
  const max = maxDaysPerCall(spec, opts);
  if (span > max) return `${spec.key} allows at most ${max} days per call, asked ${span}`;
  const earliest = horizonStart(spec, today, { ...opts, horizonMarginDays: 0 });
  if (earliest && w.from < earliest) return `${spec.key} history starts at ${earliest}, asked from ${w.from}`;
  return null;
}
