/**
 * Wire JSON -> domain readings, for both API generations.
 *
 * Load-curve labels are the END of each interval in Paris wall-clock time; the interval is
 * [d − p, d) and belongs to the Paris day of d − p. Labels are turned into instants by walking the series
 * (src/domain/time.ts `resolveIntervalEnds`), which keeps daylight-saving days right (46 or 50
 * half-hours, repeated labels in the autumn).
 */
import { TransientError } from "../domain/errors.js";
import {
  parisDayLengthMin,
  parisDayStartMs,
  parseStepMinutes,
  parseWallTime,
  resolveIntervalEnds,
  TimeLabelError,
  wallTimeCandidates,
  type LocalDate,
} from "../domain/time.js";
import type { Reading, ReadingBatch, UsagePointId } from "../domain/types.js";
import type { DatasetSpec } from "./datasets/index.js";
import { arr, datePart, isRecord, measureValue, str, unitScale } from "./values.js";

export interface ParseContext {
  usagePointId: UsagePointId;
  from: LocalDate;
  to: LocalDate;
  api?: string;
}

/** The default step when a curve point carries none (Enedis' default meter setting). */
const DEFAULT_STEP_MIN = 30;

function malformed(what: string, ctx: ParseContext): TransientError {
  return new TransientError(`malformed Enedis answer: ${what}`, ctx.api ? { api: ctx.api } : {});
}

/** A raw point before time resolution. */
interface RawPoint {
  label: string;
  value: number | null;
  stepMin: number | null;
}

function curveReadings(points: RawPoint[], ctx: ParseContext, fallbackStep: number | null): Reading[] {
  const steps = points.map((p) => p.stepMin ?? fallbackStep ?? DEFAULT_STEP_MIN);
  let ends: number[];
  try {
    ends = resolveIntervalEnds(
      points.map((p, i) => ({ label: p.label, stepMin: steps[i] ?? DEFAULT_STEP_MIN })),
      parisDayStartMs(ctx.from),
    );
  } catch (e) {
    if (e instanceof TimeLabelError) throw malformed(e.message, ctx);
    throw e;
  }
  const byStart = new Map<number, Reading>();
  points.forEach((p, i) => {
    const lengthMin = steps[i] ?? DEFAULT_STEP_MIN;
    const end = ends[i] as number;
    const startMs = end - lengthMin * 60_000;
    byStart.set(startMs, { startMs, lengthMin, value: p.value });
  });
  return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}

function dailyReadings(points: RawPoint[], ctx: ParseContext): Reading[] {
  const byStart = new Map<number, Reading>();
  for (const p of points) {
    const day = datePart(p.label);
    if (!day) throw malformed(`daily date "${p.label}"`, ctx);
    const startMs = parisDayStartMs(day);
    byStart.set(startMs, { startMs, lengthMin: parisDayLengthMin(day), value: p.value });
  }
  return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}

/** The peak's instant from its Paris label; in the repeated autumn hour the earlier instant is taken. */
function peakInstant(label: string): number | null {
  const w = parseWallTime(label);
  if (!w || (w.hour === 0 && w.minute === 0 && w.second === 0 && !/[ T]/.test(label.trim()))) return null;
  return wallTimeCandidates(w)[0] ?? null;
}

function maxPowerReadings(points: RawPoint[], ctx: ParseContext): Reading[] {
  const byStart = new Map<number, Reading>();
  for (const p of points) {
    const day = datePart(p.label);
    if (!day) throw malformed(`max power date "${p.label}"`, ctx);
    const startMs = parisDayStartMs(day);
    byStart.set(startMs, {
      startMs,
      lengthMin: parisDayLengthMin(day),
      value: p.value,
      peakAtMs: peakInstant(p.label),
    });
  }
  return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}

function toReadings(
  spec: DatasetSpec,
  points: RawPoint[],
  ctx: ParseContext,
  step: number | null,
): Reading[] {
  switch (spec.kind) {
    case "curve":
      return curveReadings(points, ctx, step);
    case "daily":
      return dailyReadings(points, ctx);
    case "maxPower":
      return maxPowerReadings(points, ctx);
    case "index":
      throw new Error("index datasets are parsed by parseIndex2026");
  }
}

/** Parses a body that may arrive as text labelled `application/octet-stream`. */
export function parseJsonBody(text: string, ctx: { api?: string }): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const what = text.length === 0 ? "empty body" : `body is not JSON (${text.length} bytes, truncated?)`;
    throw malformed(what, { usagePointId: "", from: "", to: "", ...ctx });
  }
}

// ---------------------------------------------------------------------------------------------- 2026

/** Picks the series of a 2026 envelope by `grandeurMetier`, then `grandeurPhysique`. */
function pickSeries(grandeurs: unknown[], spec: DatasetSpec): Record<string, unknown> | null {
  const series = grandeurs.filter(isRecord);
  const sameMetier = series.filter(
    (g) => g.grandeurMetier === undefined || g.grandeurMetier === spec.grandeurMetier,
  );
  return (
    sameMetier.find((g) => g.grandeurPhysique === spec.grandeurPhysique) ??
    sameMetier.find((g) => g.grandeurPhysique === undefined) ??
    (sameMetier.length === 1 ? (sameMetier[0] ?? null) : null)
  );
}

/** Data Connect 2026 measures (`mesure_synchrone_auto/v2/<ressource>`) -> readings. */
export function parseMeasures2026(spec: DatasetSpec, body: unknown, ctx: ParseContext): ReadingBatch {
  if (!isRecord(body)) throw malformed("measure body is not an object", ctx);
  const batch: ReadingBatch = {
    usagePointId: ctx.usagePointId,
    dataset: spec.key,
    unit: spec.unit,
    from: ctx.from,
    to: ctx.to,
    readings: [],
  };
  const quality = str(body.etapeMetier);
  if (quality) batch.quality = quality;
  if (spec.kind === "index") {
    batch.readings = parseIndex2026(spec, body);
    return batch;
  }
  const series = pickSeries(arr(body.grandeur), spec);
  if (!series) return batch; // a 200 without series: no data (seen on mocks)
  const scale = unitScale(series.unite);
  const topStep = parseStepMinutes(str(body.pas) ?? "");
  const points: RawPoint[] = [];
  for (const p of arr(series.points)) {
    if (!isRecord(p)) continue;
    const label = str(p.d);
    if (!label) continue;
    const v = measureValue(p.v);
    points.push({ label, value: v === null ? null : v * scale, stepMin: parseStepMinutes(str(p.p) ?? "") });
  }
  batch.readings = toReadings(spec, points, ctx, topStep);
  return batch;
}

/**
 * Experimental: index ressources (`index_consommation`, `index_production`), from the Swagger structure
 * only: `contexte[].grandeur[].calendrier[].classeTemporelle[].valeur[{d, v}]` (+ `cadranTotalisateur`).
 * Each value is a cumulative counter in Wh for register `<idCalendrier>:<idClasseTemporelle>`, read on
 * day `d` (stored with the day's start instant and length).
 */
export function parseIndex2026(spec: DatasetSpec, body: Record<string, unknown>): Reading[] {
  const out = new Map<string, Reading>();
  const add = (register: string, d: unknown, v: unknown, scale: number) => {
    const day = datePart(d);
    if (!day) return;
    const value = measureValue(v);
    const startMs = parisDayStartMs(day);
    out.set(`${register}@${startMs}`, {
      startMs,
      lengthMin: parisDayLengthMin(day),
      value: value === null ? null : value * scale,
      register,
    });
  };
  for (const ctxItem of arr(body.contexte)) {
    if (!isRecord(ctxItem)) continue;
    for (const g of arr(ctxItem.grandeur)) {
      if (!isRecord(g)) continue;
      if (g.grandeurMetier !== undefined && g.grandeurMetier !== spec.grandeurMetier) continue;
      const scale = unitScale(g.unite);
      for (const cal of arr(g.calendrier)) {
        if (!isRecord(cal)) continue;
        const calId = str(cal.idCalendrier) ?? "calendrier";
        for (const cls of arr(cal.classeTemporelle)) {
          if (!isRecord(cls)) continue;
          const register = `${calId}:${str(cls.idClasseTemporelle) ?? str(cls.codeCadran) ?? "?"}`;
          for (const val of arr(cls.valeur)) if (isRecord(val)) add(register, val.d, val.v, scale);
        }
      }
      if (isRecord(g.cadranTotalisateur)) {
        const register = `total:${str(g.cadranTotalisateur.codeCadran) ?? "?"}`;
        for (const val of arr(g.cadranTotalisateur.valeur))
          if (isRecord(val)) add(register, val.d, val.v, scale);
      }
    }
  }
  return [...out.values()].sort(
    (a, b) => a.startMs - b.startMs || (a.register ?? "").localeCompare(b.register ?? ""),
  );
}

// ------------------------------------------------------------------------------------------ legacy v5

/** Legacy `metering_data_xx/v5` `meter_reading` bodies -> readings. */
export function parseMeterReadingV5(spec: DatasetSpec, body: unknown, ctx: ParseContext): ReadingBatch {
  if (!isRecord(body) || !isRecord(body.meter_reading)) throw malformed("no meter_reading in the body", ctx);
  const mr = body.meter_reading;
  const readingType = isRecord(mr.reading_type) ? mr.reading_type : {};
  const scale = unitScale(readingType.unit);
  const points: RawPoint[] = [];
  for (const p of arr(mr.interval_reading)) {
    if (!isRecord(p)) continue;
    const label = str(p.date);
    if (!label) continue;
    const v = measureValue(p.value);
    points.push({
      label,
      value: v === null ? null : v * scale,
      stepMin: parseStepMinutes(str(p.interval_length) ?? ""),
    });
  }
  const batch: ReadingBatch = {
    usagePointId: ctx.usagePointId,
    dataset: spec.key,
    unit: spec.unit,
    from: ctx.from,
    to: ctx.to,
    readings: toReadings(spec, points, ctx, parseStepMinutes(str(readingType.measuring_period) ?? "")),
  };
  const quality = str(mr.quality);
  if (quality) batch.quality = quality;
  return batch;
}
