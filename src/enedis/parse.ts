/**
 * Wire JSON -> domain readings, for both API generations.
 *
 * Load-curve labels are the END of each interval in Paris wall-clock time; the interval is
 * [d − p, d) and belongs to the Paris day of d − p. Labels are turned into instants by walking the series
 * (src/domain/time.ts `resolveIntervalEnds`), which keeps daylight-saving days right (46 or 50
 * half-hours, repeated labels in the autumn).
 */
import { MalformedAnswerError } from "../domain/errors.js";
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

function malformed(what: string, ctx: ParseContext): MalformedAnswerError {
  return new MalformedAnswerError(`malformed Enedis answer: ${what}`, ctx.api ? { api: ctx.api } : {});
}

/** A raw point before time resolution. */
interface RawPoint {
  label: string;
  value: number | null;
  stepMin: number | null;
  /** Where it sits in the body (`grandeur[0].points[12]`), for messages. */
  readonly at?: string;
}

/** A point of a body's list: where it sits is spelled out only for a message. */
class ListedPoint implements RawPoint {
  constructor(
    readonly label: string,
    readonly value: number | null,
    readonly stepMin: number | null,
    private readonly list: string,
    private readonly index: number,
  ) {}
  get at(): string {
    return `${this.list}[${this.index}]`;
  }
}

/** Steps a Linky load curve can have, in minutes (Enedis: 10, 15, 30 or 60; 5 on some meters). */
const POSSIBLE_STEPS_MIN = new Set([5, 10, 15, 20, 30, 60]);

/** A step field (`PT30M`): absent is null; present, it must be readable and possible. */
function stepOf(raw: unknown, at: string, ctx: ParseContext): number | null {
  if (raw === undefined || raw === null || raw === "") return null;
  const text = str(raw);
  const min = text === null ? null : parseStepMinutes(text);
  if (min === null) throw malformed(`${at}: step "${String(text ?? typeof raw)}" unreadable`, ctx);
  // Daily steps (P1D) are not minutes and never reach here as such: parseStepMinutes reads PTxxM only.
  if (!POSSIBLE_STEPS_MIN.has(min)) throw malformed(`${at}: impossible step of ${min} minutes`, ctx);
  return min;
}

/**
 * The points of a series, read strictly: a list of objects, each with a time label and a value that is a
 * number, a numeric string or an explicit absence (`null`, `""`, `"null"`: a missing measure). Anything
 * else is a body of the wrong shape: an error to retry, never "no data".
 */
function rawPoints(
  list: unknown,
  at: string,
  ctx: ParseContext,
  keys: { label: string; value: string; step: string | null },
  scale = 1,
): RawPoint[] {
  if (!Array.isArray(list)) throw malformed(`${at} is ${list === undefined ? "missing" : "not a list"}`, ctx);
  const out: RawPoint[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p: unknown = list[i];
    if (!isRecord(p)) throw malformed(`${at}[${i}] is not an object`, ctx);
    const label = str(p[keys.label]);
    if (!label) throw malformed(`${at}[${i}].${keys.label} (its time) is missing`, ctx);
    const raw = p[keys.value];
    if (raw !== undefined && raw !== null && typeof raw !== "number" && typeof raw !== "string")
      throw malformed(`${at}[${i}].${keys.value} is not a number`, ctx);
    if (typeof raw === "number" && !Number.isFinite(raw))
      throw malformed(`${at}[${i}].${keys.value} is not a finite number`, ctx);
    const value = measureValue(raw);
    out[i] = new ListedPoint(
      label,
      value === null ? null : value * scale,
      keys.step === null ? null : stepOf(p[keys.step], `${at}[${i}].${keys.step}`, ctx),
      at,
      i,
    );
  }
  return out;
}

/** The answer must be the meter asked for (a proxy mixing answers up, or a server bug). */
function checkMeter(given: unknown, field: string, ctx: ParseContext): void {
  if (given === undefined || given === null || ctx.usagePointId === "") return;
  // The PRMs themselves stay out of the message: it is logged.
  if (str(given) !== ctx.usagePointId)
    throw malformed(`${field} is another meter's than the one asked for`, ctx);
}

function curveReadings(points: RawPoint[], ctx: ParseContext, fallbackStep: number | null): Reading[] {
  const labelled = points.map((p) => ({
    label: p.label,
    stepMin: p.stepMin ?? fallbackStep ?? DEFAULT_STEP_MIN,
  }));
  let ends: number[];
  try {
    ends = resolveIntervalEnds(labelled, parisDayStartMs(ctx.from));
  } catch (e) {
    if (e instanceof TimeLabelError) throw malformed(e.message, ctx);
    throw e;
  }
  const out: Reading[] = new Array(points.length);
  let ordered = true;
  for (let i = 0; i < points.length; i++) {
    const lengthMin = (labelled[i] as { stepMin: number }).stepMin;
    const startMs = (ends[i] as number) - lengthMin * 60_000;
    out[i] = { startMs, lengthMin, value: (points[i] as RawPoint).value };
    if (i > 0 && startMs <= (out[i - 1] as Reading).startMs) ordered = false;
  }
  if (ordered) return out;
  // One reading per start (the last one given), by start.
  const byStart = new Map<number, Reading>();
  for (const r of out) byStart.set(r.startMs, r);
  return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}

/**
 * The day of each daily point, in order: a day given twice (which value would be right?) or a day before
 * the previous one (a shuffled answer) makes the whole answer suspect.
 */
function dailyDays(points: RawPoint[], ctx: ParseContext, what: string): LocalDate[] {
  const days: LocalDate[] = [];
  points.forEach((p, i) => {
    const day = datePart(p.label);
    if (!day) throw malformed(`${p.at ?? `points[${i}]`}: ${what} date "${p.label}" unreadable`, ctx);
    const prev = days[days.length - 1];
    if (prev !== undefined && day === prev)
      throw malformed(`${p.at ?? `points[${i}]`}: ${what} date ${day} given twice`, ctx);
    if (prev !== undefined && day < prev)
      throw malformed(`${p.at ?? `points[${i}]`}: ${what} date ${day} after ${prev} (unsorted)`, ctx);
    days.push(day);
  });
  return days;
}

function dailyReadings(points: RawPoint[], ctx: ParseContext): Reading[] {
  return dailyDays(points, ctx, "daily").map((day, i) => ({
    startMs: parisDayStartMs(day),
    lengthMin: parisDayLengthMin(day),
    value: (points[i] as RawPoint).value,
  }));
}

/** The peak's instant from its Paris label; in the repeated autumn hour the earlier instant is taken. */
function peakInstant(label: string): number | null {
  const w = parseWallTime(label);
  if (!w || (w.hour === 0 && w.minute === 0 && w.second === 0 && !/[ T]/.test(label.trim()))) return null;
  return wallTimeCandidates(w)[0] ?? null;
}

function maxPowerReadings(points: RawPoint[], ctx: ParseContext): Reading[] {
  return dailyDays(points, ctx, "max power").map((day, i) => {
    const p = points[i] as RawPoint;
    return {
      startMs: parisDayStartMs(day),
      lengthMin: parisDayLengthMin(day),
      value: p.value,
      peakAtMs: peakInstant(p.label),
    };
  });
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

/** True when a body is an HTML page (a proxy's error page, a maintenance page, a captive portal). */
export function looksLikeHtml(text: string, contentType?: string | null): boolean {
  return /^\s*</.test(text) || /text\/html/i.test(contentType ?? "");
}

/** Parses a body that may arrive as text labelled `application/octet-stream`. */
export function parseJsonBody(text: string, ctx: { api?: string; contentType?: string | null }): unknown {
  const where = { usagePointId: "", from: "", to: "", ...(ctx.api ? { api: ctx.api } : {}) };
  if (text.length > 0 && looksLikeHtml(text, ctx.contentType))
    throw malformed("an HTML page where JSON was expected (a proxy or an outage?)", where);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const what = text.length === 0 ? "empty body" : `body is not JSON (${text.length} bytes, cut short?)`;
    throw malformed(what, where);
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
  checkMeter(body.idPrm, "idPrm", ctx);
  if (body.grandeur !== undefined && body.grandeur !== null && !Array.isArray(body.grandeur))
    throw malformed("grandeur is not a list", ctx);
  const grandeurs = arr(body.grandeur);
  const series = pickSeries(grandeurs, spec);
  if (!series) return batch; // a 200 without series: no data (seen on mocks)
  const scale = unitScale(series.unite);
  const topStep = spec.kind === "curve" ? stepOf(body.pas, "pas", ctx) : null;
  const at = `grandeur[${grandeurs.indexOf(series)}].points`;
  const step = spec.kind === "curve" ? "p" : null;
  const points = rawPoints(series.points, at, ctx, { label: "d", value: "v", step }, scale);
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
  checkMeter(mr.usage_point_id, "meter_reading.usage_point_id", ctx);
  const readingType = isRecord(mr.reading_type) ? mr.reading_type : {};
  const scale = unitScale(readingType.unit);
  const curve = spec.kind === "curve";
  // Daily points' interval_length is checked but not used (their length is the Paris day's).
  const points = rawPoints(
    mr.interval_reading,
    "meter_reading.interval_reading",
    ctx,
    { label: "date", value: "value", step: "interval_length" },
    scale,
  );
  const batch: ReadingBatch = {
    usagePointId: ctx.usagePointId,
    dataset: spec.key,
    unit: spec.unit,
    from: ctx.from,
    to: ctx.to,
    readings: toReadings(
      spec,
      points,
      ctx,
      curve ? stepOf(readingType.measuring_period, "meter_reading.reading_type.measuring_period", ctx) : null,
    ),
  };
  const quality = str(mr.quality);
  if (quality) batch.quality = quality;
  return batch;
}
