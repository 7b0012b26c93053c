/**
 * What a measure request gets, whatever the API generation: the checks Enedis applies (future dates,
 * span per call, consent, direction, load-curve activation, history depth, activation date), the
 * publication delay (day D from 08:00 Paris on D+1, plus the PRM's `lateDays`), the sandbox gaps, and
 * the points themselves from data.ts. wire2026.ts and wireV5.ts only format the outcome.
 */
import { addDays, addMonths, daysBetween, isLocalDate, parisToday, type LocalDate } from "../domain/time.js";
import type { Direction } from "../domain/types.js";
import {
  curvePoints,
  dailyEnergyWh,
  dailyMaxPower,
  indexRegisters,
  type DailyMaxPower,
  type IndexRegisters,
} from "./data.js";
import { parisFields, parisLabel, parisWallToMs } from "./paris.js";
import { activationOf, profileOf } from "./profile.js";

export type MeasureKind = "curve" | "daily" | "maxPower" | "index";

export interface MeasureRequest {
  kind: MeasureKind;
  direction: Direction;
  prm: string;
  from: string;
  to: string;
  /** Max power only: `P1D` (default) or `P1M`. */
  maxPowerStep?: "P1D" | "P1M";
  /** Max power only: `TOUT` (per-phase series as well, on three-phase PRMs). */
  allPhases?: boolean;
}

export interface MeasureContext {
  nowMs: number;
  seed: string | number;
  lateDays: Readonly<Record<string, number>>;
  consentActive(prm: string): boolean;
}

export type MeasureFailure =
  | { kind: "badDate"; which: "from" | "to" }
  | { kind: "order" }
  | { kind: "future" }
  | { kind: "tooLong"; maxDays: number }
  | { kind: "noConsent" }
  | { kind: "wrongDirection" }
  | { kind: "loadCurveOff" }
  | { kind: "beyondHistory" }
  | { kind: "beforeActivation" }
  | { kind: "noData" };

interface Periode {
  dateDebut: LocalDate;
  dateFin: LocalDate;
}

export interface CurveServed {
  kind: "curve";
  prm: string;
  direction: Direction;
  periode: Periode;
  points: { valueW: number; label: string; stepMin: number; startMs: number; endMs: number }[];
}

export interface DailyServed {
  kind: "daily";
  prm: string;
  direction: Direction;
  periode: Periode;
  points: { date: LocalDate; valueWh: number }[];
}

export interface MaxPowerServed {
  kind: "maxPower";
  prm: string;
  periode: Periode;
  pas: "P1D" | "P1M";
  series: { grandeurPhysique: string; points: { valueVa: number; label: string; date: LocalDate }[] }[];
}

export interface IndexServed {
  kind: "index";
  prm: string;
  direction: Direction;
  periode: Periode;
  readings: IndexRegisters[];
}

export type Served = CurveServed | DailyServed | MaxPowerServed | IndexServed;

export type MeasureOutcome = { ok: true; served: Served } | { ok: false; failure: MeasureFailure };

/** Max days per call: 7 for load curves (ADAM-DC-0015), 365 for the others (v5 practice). */
export function maxSpanDays(kind: MeasureKind): number {
  return kind === "curve" ? 7 : 365;
}

/** First day still kept: today − 24 months − 15 days (curves), − 36 months − 15 days (others). */
export function historyStart(kind: MeasureKind, today: LocalDate): LocalDate {
  return addDays(addMonths(today, kind === "curve" ? -24 : -36), -15);
}

/** The last Paris day whose data are published at `nowMs` (08:00 Paris the next day, plus the delay). */
export function lastPublishedDay(nowMs: number, lateDays = 0): LocalDate {
  const today = parisToday(nowMs);
  const publishedToday = nowMs >= parisWallToMs(today, 8, 0);
  return addDays(today, (publishedToday ? -1 : -2) - lateDays);
}

function fail(kind: Exclude<MeasureFailure["kind"], "badDate" | "tooLong">): MeasureOutcome {
  return { ok: false, failure: { kind } as MeasureFailure };
}

/** Sandbox holes: Tuesdays 10:00–14:00 Paris and whole Wednesdays (interval start). */
function inSandboxGap(startMs: number): boolean {
  const f = parisFields(startMs);
  if (f.weekday === 3) return true;
  return f.weekday === 2 && f.minuteOfDay >= 600 && f.minuteOfDay < 840;
}

export function serveMeasure(req: MeasureRequest, ctx: MeasureContext): MeasureOutcome {
  if (!isLocalDate(req.from)) return { ok: false, failure: { kind: "badDate", which: "from" } };
  if (!isLocalDate(req.to)) return { ok: false, failure: { kind: "badDate", which: "to" } };
  const from: LocalDate = req.from;
  const to: LocalDate = req.to;
  if (from >= to) return fail("order");
  const today = parisToday(ctx.nowMs);
  if (to > today) return fail("future");
  const maxDays = maxSpanDays(req.kind);
  if (daysBetween(from, to) > maxDays) return { ok: false, failure: { kind: "tooLong", maxDays } };
  if (!ctx.consentActive(req.prm)) return fail("noConsent");
  const profile = profileOf(req.prm);
  const hasDirection = req.direction === "consumption" ? profile.consumption : profile.production;
  if (!hasDirection) return fail("wrongDirection");
  if (req.kind === "curve" && !profile.loadCurve) return fail("loadCurveOff");
  if (from < historyStart(req.kind, today)) return fail("beyondHistory");
  const activation = activationOf(profile, req.direction);
  if (activation === null || from < activation) return fail("beforeActivation");

  const lastDay = lastPublishedDay(ctx.nowMs, ctx.lateDays[req.prm] ?? 0);
  const periode = { dateDebut: from, dateFin: to };
  // Last day served: the day before `to`, or the last published day.
  const endExclusive = to <= lastDay ? to : addDays(lastDay, 1);
  let served: Served;
  let empty: boolean;
  switch (req.kind) {
    case "curve": {
      const pts =
        from < endExclusive ? curvePoints(req.prm, ctx.seed, from, endExclusive, req.direction) : [];
      const points = pts
        .filter((p) => !(profile.gaps && inSandboxGap(p.startMs)))
        .map((p) => ({
          valueW: p.valueW,
          label: parisLabel(p.endMs),
          stepMin: p.stepMin,
          startMs: p.startMs,
          endMs: p.endMs,
        }));
      served = { kind: "curve", prm: req.prm, direction: req.direction, periode, points };
      empty = points.length === 0;
      break;
    }
    case "daily": {
      const points: DailyServed["points"] = [];
      for (let d = from; d < endExclusive; d = addDays(d, 1)) {
        points.push({ date: d, valueWh: dailyEnergyWh(req.prm, ctx.seed, d, req.direction) ?? 0 });
      }
      served = { kind: "daily", prm: req.prm, direction: req.direction, periode, points };
      empty = points.length === 0;
      break;
    }
    case "maxPower": {
      served = maxPowerServed(req, ctx, periode, from, endExclusive);
      empty = served.series.every((s) => s.points.length === 0);
      break;
    }
    case "index": {
      // The reading of day D is the counter at midnight starting D: known once D − 1 is published.
      const readings: IndexRegisters[] = [];
      const indexEnd = to <= addDays(lastDay, 1) ? to : addDays(lastDay, 2);
      for (let d = from; d < indexEnd; d = addDays(d, 1)) {
        const r = indexRegisters(req.prm, ctx.seed, d, req.direction);
        if (r) readings.push(r);
      }
      served = { kind: "index", prm: req.prm, direction: req.direction, periode, readings };
      empty = readings.length === 0;
      break;
    }
  }
  if (empty) return fail("noData");
  return { ok: true, served };
}

function maxPowerServed(
  req: MeasureRequest,
  ctx: MeasureContext,
  periode: Periode,
  from: LocalDate,
  endExclusive: LocalDate,
): MaxPowerServed {
  const days: { date: LocalDate; m: DailyMaxPower }[] = [];
  for (let d = from; d < endExclusive; d = addDays(d, 1)) {
    const m = dailyMaxPower(req.prm, ctx.seed, d);
    if (m) days.push({ date: d, m });
  }
  const step = req.maxPowerStep ?? "P1D";
  // P1M: one point per calendar month of the window, the highest of its days (format unknown at
  // Enedis; the date-time is the peak's).
  const groups: { date: LocalDate; m: DailyMaxPower }[][] = [];
  if (step === "P1M") {
    const byMonth = new Map<string, { date: LocalDate; m: DailyMaxPower }[]>();
    for (const d of days) {
      const k = d.date.slice(0, 7);
      const list = byMonth.get(k) ?? [];
      list.push(d);
      byMonth.set(k, list);
    }
    groups.push(...byMonth.values());
  } else {
    for (const d of days) groups.push([d]);
  }
  const top = (g: { date: LocalDate; m: DailyMaxPower }[], phase: number | null) => {
    let best: { valueVa: number; atMs: number; date: LocalDate } | null = null;
    for (const d of g) {
      const v = phase === null ? d.m : d.m.phases?.[phase];
      if (v && (best === null || v.valueVa > best.valueVa))
        best = { valueVa: v.valueVa, atMs: v.atMs, date: d.date };
    }
    return best;
  };
  const seriesOf = (name: string, phase: number | null) => ({
    grandeurPhysique: name,
    points: groups
      .map((g) => top(g, phase))
      .filter((b): b is { valueVa: number; atMs: number; date: LocalDate } => b !== null)
      .map((b) => ({ valueVa: b.valueVa, label: parisLabel(b.atMs), date: b.date })),
  });
  const series = [seriesOf("PMA", null)];
  if (req.allPhases && profileOf(req.prm).phases === 3) {
    series.push(seriesOf("PMA1", 0), seriesOf("PMA2", 1), seriesOf("PMA3", 2));
  }
  return { kind: "maxPower", prm: req.prm, periode, pas: step, series };
}
