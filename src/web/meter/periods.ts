/**
 * The periods a meter's page shows: a Paris day, a week (Monday to Sunday), a calendar month or a year,
 * as ranges of Paris days [from, to), with the previous and next period and a French label. Pure
 * calendar arithmetic on `YYYY-MM-DD` (no time zone is involved until the range is cut into instants).
 */
import { addDaysFast, parisMidnightFast } from "../../domain/paris-fast.js";

/** `last7`: the seven days ending on the date (the default view: the last 7 published days). */
export const PERIODS = ["day", "last7", "week", "month", "year"] as const;
export type Period = (typeof PERIODS)[number];

export function isPeriod(s: string): s is Period {
  return (PERIODS as readonly string[]).includes(s);
}

export interface PeriodRange {
  period: Period;
  /** The day asked for (any day of the period). */
  date: string;
  /** First Paris day, inclusive. */
  from: string;
  /** Last Paris day, exclusive. */
  to: string;
  /** A day of the previous and of the next period (its first day). */
  prev: string;
  next: string;
  label: string;
  /** UTC instants of the range's bounds. */
  fromMs: number;
  toMs: number;
  /** Paris days in the range, and its length in hours (a 23- or 25-hour day shows here). */
  days: number;
  hours: number;
}

function weekday(date: string): number {
  // 1 = Monday … 7 = Sunday.
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

function monthStart(date: string, addMonths = 0): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + addMonths;
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

function yearStart(date: string, add = 0): string {
  return `${String(Number(date.slice(0, 4)) + add).padStart(4, "0")}-01-01`;
}

const dayFmt = new Intl.DateTimeFormat("fr-FR", {
  timeZone: "UTC",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});
const shortFmt = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", day: "numeric", month: "long" });
const monthFmt = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", month: "long", year: "numeric" });

function utc(date: string): Date {
  return new Date(`${date}T12:00:00Z`);
}

/** `29/03/2026`: the one numeric date format of the pages. */
export function numericDate(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** `dimanche 29 mars 2026`. */
export function frenchLongDate(date: string): string {
  return dayFmt.format(utc(date));
}

export function periodRange(period: Period, date: string): PeriodRange {
  let from: string;
  let to: string;
  let prev: string;
  let label: string;
  switch (period) {
    case "day":
      from = date;
      to = addDaysFast(date, 1);
      prev = addDaysFast(date, -1);
      label = frenchLongDate(date);
      break;
    case "last7":
      from = addDaysFast(date, -6);
      to = addDaysFast(date, 1);
      prev = addDaysFast(date, -7);
      label = `7 jours du ${numericDate(from)} au ${numericDate(date)}`;
      break;
    case "week":
      from = addDaysFast(date, 1 - weekday(date));
      to = addDaysFast(from, 7);
      prev = addDaysFast(from, -7);
      label = `semaine du ${shortFmt.format(utc(from))} au ${shortFmt.format(utc(addDaysFast(to, -1)))} ${to.slice(0, 4)}`;
      break;
    case "month":
      from = monthStart(date);
      to = monthStart(date, 1);
      prev = monthStart(date, -1);
      label = monthFmt.format(utc(from));
      break;
    case "year":
      from = yearStart(date);
      to = yearStart(date, 1);
      prev = yearStart(date, -1);
      label = from.slice(0, 4);
      break;
  }
  const fromMs = parisMidnightFast(from);
  const toMs = parisMidnightFast(to);
  return {
    period,
    date,
    from,
    to,
    prev,
    next: period === "last7" ? addDaysFast(date, 7) : to,
    label,
    fromMs,
    toMs,
    days: Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000),
    hours: (toMs - fromMs) / 3_600_000,
  };
}

/** The range of whole months around [from, to): what the completeness calendar shows. */
export function calendarRange(range: PeriodRange): { from: string; to: string } {
  if (range.period === "year") return { from: range.from, to: range.to };
  return { from: monthStart(range.from), to: monthStart(addDaysFast(range.to, -1), 1) };
}
