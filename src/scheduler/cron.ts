/**
 * Quartz cron expressions (`org.quartz.CronExpression`) for the dispatcher.
 *
 * A thin layer in front of croner:
 * 1. Validate the expression against Quartz's rules (croner is laxer: it ORs day-of-month and
 *    day-of-week, accepts `?` anywhere, numbers weekdays the Unix way by default, rejects `0/10`).
 * 2. Expand every plain field (values, names, ranges, wrap-around ranges, `a/b` steps) into an explicit
 *    list of numbers, so croner never has to interpret Quartz step or range syntax, and keep the
 *    special day tokens croner shares with Quartz (`L`, `LW`, `nW`, `n#k`, `nL`).
 * 3. Let croner match the calendar on *wall-clock* time (a UTC croner working on local times shifted
 *    to UTC), and map wall-clock times to instants ourselves in the configured IANA time zone, with
 *    Quartz's DST rules for every expression: a wall time that does not exist (spring gap) is skipped,
 *    a wall time that occurs twice (autumn) fires once, at its first occurrence.
 *
 * What croner cannot do and is done here: `L-n` / `L-nW` in day-of-month (a day filter around croner),
 * the year bounds 1970-2099, and the DST rules above (croner runs fixed-time jobs after a gap and
 * interval jobs twice in a repeated hour, following Vixie cron, not Quartz).
 */
import { Cron } from "croner";
import { IANAZone } from "luxon";

export const DEFAULT_CRON_TIMEZONE = "Europe/Paris";
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2099;
/** Default cap of {@link QuartzCron.fireTimesBetween}. */
export const DEFAULT_MAX_FIRE_TIMES = 1000;

export class CronSyntaxError extends Error {
  override readonly name = "CronSyntaxError";
  /** The expression that was refused. */
  readonly expression: string;
  /** The field at fault ("seconds", …, "year"), or undefined for expression-level errors. */
  readonly field: FieldName | undefined;

  constructor(message: string, expression = "", field?: FieldName) {
    super(message);
    this.expression = expression;
    this.field = field;
  }
}

export interface QuartzCron {
  readonly expression: string;
  /** IANA time zone the expression is evaluated in (default Europe/Paris). */
  readonly timezone: string;
  /** The 7-part pattern handed to croner (debugging aid; day-of-week uses Quartz numbering). */
  readonly cronerPattern: string;
  /** Like `org.quartz.CronExpression.isSatisfiedBy`: second precision, milliseconds ignored. */
  isSatisfiedBy(date: Date): boolean;
  /** The first fire time strictly after `after`, or null when there is none (e.g. a past year). */
  nextFireTime(after: Date): Date | null;
  /** Fire times in (from, to], oldest first, at most `max` (default 1000). */
  fireTimesBetween(from: Date, to: Date, max?: number): Date[];
  /** Short human description ("every 10 minutes") when easy, else the expression itself. */
  describe(): string;
}

export type FieldName = "seconds" | "minutes" | "hours" | "day-of-month" | "month" | "day-of-week" | "year";

interface FieldSpec {
  readonly index: number; // 1-based position, for messages
  readonly name: FieldName;
  readonly min: number;
  readonly max: number;
  readonly maxStep: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES: Readonly<Record<string, number>> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};
/** Quartz numbering: 1 = Sunday … 7 = Saturday. */
const DAY_NAMES: Readonly<Record<string, number>> = {
  SUN: 1,
  MON: 2,
  TUE: 3,
  WED: 4,
  THU: 5,
  FRI: 6,
  SAT: 7,
};

const SECONDS: FieldSpec = { index: 1, name: "seconds", min: 0, max: 59, maxStep: 59 };
const MINUTES: FieldSpec = { index: 2, name: "minutes", min: 0, max: 59, maxStep: 59 };
const HOURS: FieldSpec = { index: 3, name: "hours", min: 0, max: 23, maxStep: 23 };
const DAY_OF_MONTH: FieldSpec = { index: 4, name: "day-of-month", min: 1, max: 31, maxStep: 31 };
const MONTH: FieldSpec = { index: 5, name: "month", min: 1, max: 12, maxStep: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = {
  index: 6,
  name: "day-of-week",
  min: 1,
  max: 7,
  maxStep: 7,
  names: DAY_NAMES,
};
const YEAR: FieldSpec = {
  index: 7,
  name: "year",
  min: MIN_YEAR,
  max: MAX_YEAR,
  maxStep: MAX_YEAR - MIN_YEAR,
};

/** Day-of-month, as Quartz understands it. */
type DomSpec =
  | { readonly kind: "any" } // `?` or `*`
  | { readonly kind: "values"; readonly values: readonly number[] }
  | { readonly kind: "last"; readonly offset: number; readonly weekday: boolean } // L, L-n, LW, L-nW
  | { readonly kind: "nearestWeekday"; readonly day: number }; // nW

/** Day-of-week, Quartz numbering (1 = SUN … 7 = SAT). */
type DowSpec =
  | { readonly kind: "any" }
  | { readonly kind: "values"; readonly values: readonly number[] }
  | { readonly kind: "nth"; readonly day: number; readonly nth: number } // n#k
  | { readonly kind: "lastOfMonth"; readonly day: number }; // nL

interface ParsedQuartz {
  readonly raw: readonly string[]; // the fields as written (6 or 7)
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dom: DomSpec;
  readonly months: readonly number[];
  readonly dow: DowSpec;
  readonly years: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------

class FieldError extends Error {}

function fieldMessage(spec: FieldSpec, text: string, problem: string): string {
  return `field ${spec.index} (${spec.name}) '${text}': ${problem}`;
}

function rangeText(spec: FieldSpec): string {
  if (spec === DAY_OF_WEEK) return "1-7 (1 = SUN … 7 = SAT) or SUN-SAT";
  if (spec === MONTH) return "1-12 or JAN-DEC";
  return `${spec.min}-${spec.max}`;
}

/** Explains an unparsable token, naming Quartz's special characters where they are misplaced. */
function explainBadToken(spec: FieldSpec, token: string): string {
  const dayField = spec === DAY_OF_MONTH || spec === DAY_OF_WEEK;
  if (token.includes("?")) {
    return dayField ? "'?' must be the whole field" : "'?' is only allowed in day-of-month and day-of-week";
  }
  if (token.includes("#")) {
    return spec === DAY_OF_WEEK
      ? "'n#k' must be the whole field (Quartz supports a single n-th weekday)"
      : "'#' is only allowed in day-of-week";
  }
  if (/^(\d+|L)W$/.test(token) || (token.endsWith("W") && /^\d/.test(token))) {
    return spec === DAY_OF_MONTH
      ? "'W' must be the whole field ('15W', 'LW'), not part of a list, range or step"
      : "'W' is only allowed in day-of-month";
  }
  if (/^(\d*L|L-\d*)$/.test(token)) {
    if (dayField) return "'L' must be the whole field, not part of a list, range or step";
    return "'L' is only allowed in day-of-month and day-of-week";
  }
  if (/^\d+$/.test(token)) return `${token} is out of range ${rangeText(spec)}`;
  if (spec.names) return `'${token}' is neither a number nor a name (${rangeText(spec)})`;
  return `'${token}' is not a number (${rangeText(spec)})`;
}

function parseValue(spec: FieldSpec, token: string): number {
  let value: number | undefined;
  if (/^\d+$/.test(token)) value = Number(token);
  else if (spec.names) value = spec.names[token];
  if (value === undefined || value < spec.min || value > spec.max) {
    throw new FieldError(explainBadToken(spec, token));
  }
  return value;
}

/** Values, names, ranges (wrapping ranges too, except years), steps `a/b`, `a-b/c`, `*\/b`, `/b`. */
function parseList(spec: FieldSpec, field: string): number[] {
  const out = new Set<number>();
  for (const item of field.split(",")) {
    if (item === "") throw new FieldError("empty item in list");
    const slash = item.indexOf("/");
    const base = slash < 0 ? item : item.slice(0, slash);
    let step = 1;
    let stepped = false;
    if (slash >= 0) {
      const stepText = item.slice(slash + 1);
      if (!/^\d+$/.test(stepText)) {
        throw new FieldError(`'/' must be followed by a number, got '${stepText}'`);
      }
      step = Number(stepText);
      if (step < 1 || step > spec.maxStep) {
        throw new FieldError(`step ${step} is out of range 1-${spec.maxStep}`);
      }
      stepped = true;
    }
    let start: number;
    let end: number;
    if (base === "*" || base === "") {
      start = spec.min;
      end = spec.max;
    } else {
      const dash = base.indexOf("-");
      if (dash < 0) {
        start = parseValue(spec, base);
        end = stepped ? spec.max : start; // Quartz: `a/b` = a, a+b, … up to the maximum
      } else {
        const fromText = base.slice(0, dash);
        const toText = base.slice(dash + 1);
        if (fromText === "" || toText === "" || toText.includes("-")) {
          throw new FieldError(`malformed range '${base}'`);
        }
        start = parseValue(spec, fromText);
        end = parseValue(spec, toText);
        if (end < start && spec === YEAR) {
          throw new FieldError(`range '${base}' goes backwards`);
        }
      }
    }
    if (end >= start) {
      for (let v = start; v <= end; v += step) out.add(v);
    } else {
      // Quartz wraps ranges such as 22-2 (hours) or FRI-MON (day-of-week) around the field's end.
      const size = spec.max - spec.min + 1;
      for (let i = start; i <= end + size; i += step) {
        out.add(((i - spec.min) % size) + spec.min);
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

function parseDom(field: string): DomSpec {
  if (field === "?" || field === "*") return { kind: "any" };
  if (field === "L" || field === "LW") return { kind: "last", offset: 0, weekday: field === "LW" };
  const lastOffset = /^L-(\d+)(W?)$/.exec(field);
  if (lastOffset) {
    const offset = Number(lastOffset[1]);
    if (offset > 30) throw new FieldError(`offset from the last day must be 0-30, got ${offset}`);
    return { kind: "last", offset, weekday: lastOffset[2] === "W" };
  }
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw new FieldError(`'W' needs a day 1-31, got ${day}`);
    return { kind: "nearestWeekday", day };
  }
  return { kind: "values", values: parseList(DAY_OF_MONTH, field) };
}

function parseDowDay(token: string): number {
  const day = /^\d+$/.test(token) ? Number(token) : DAY_NAMES[token];
  if (day === undefined || day < 1 || day > 7) {
    throw new FieldError(`'${token}' is not a day of week (${rangeText(DAY_OF_WEEK)})`);
  }
  return day;
}

function parseDow(field: string): DowSpec {
  if (field === "?" || field === "*") return { kind: "any" };
  if (field === "L") return { kind: "values", values: [7] }; // Quartz: `L` alone = 7 = SAT
  const nth = /^([A-Z]+|\d+)#(\d*)$/.exec(field);
  if (nth) {
    const day = parseDowDay(nth[1] ?? "");
    const k = Number(nth[2] === "" ? NaN : nth[2]);
    if (!(k >= 1 && k <= 5)) {
      throw new FieldError(`'#' must be followed by 1-5 (the n-th weekday of the month), got '${nth[2]}'`);
    }
    return { kind: "nth", day, nth: k };
  }
  const last = /^([A-Z]+|\d+)L$/.exec(field);
  if (last) return { kind: "lastOfMonth", day: parseDowDay(last[1] ?? "") };
  return { kind: "values", values: parseList(DAY_OF_WEEK, field) };
}

function parseField<T>(expression: string, spec: FieldSpec, raw: string, parse: (upper: string) => T): T {
  try {
    return parse(raw.toUpperCase());
  } catch (error) {
    if (error instanceof FieldError) {
      throw new CronSyntaxError(fieldMessage(spec, raw, error.message), expression, spec.name);
    }
    throw error;
  }
}

function parse(expression: string): ParsedQuartz {
  if (typeof expression !== "string") {
    throw new CronSyntaxError("a cron expression must be a string", String(expression));
  }
  const raw = expression
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "");
  if (raw.length !== 6 && raw.length !== 7) {
    throw new CronSyntaxError(
      `expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${raw.length}`,
      expression,
    );
  }
  const [sec, min, hour, domText, mon, dowText, yearText] = raw as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const seconds = parseField(expression, SECONDS, sec, (f) => parseList(SECONDS, f));
  const minutes = parseField(expression, MINUTES, min, (f) => parseList(MINUTES, f));
  const hours = parseField(expression, HOURS, hour, (f) => parseList(HOURS, f));
  const dom = parseField(expression, DAY_OF_MONTH, domText, parseDom);
  const months = parseField(expression, MONTH, mon, (f) => parseList(MONTH, f));
  const dow = parseField(expression, DAY_OF_WEEK, dowText, parseDow);
  const years =
    yearText === undefined
      ? allValues(YEAR)
      : parseField(expression, YEAR, yearText, (f) => parseList(YEAR, f));
  if ((domText === "?") === (dowText === "?")) {
    throw new CronSyntaxError(
      `day-of-month and day-of-week: exactly one must be '?' (Quartz), got '${domText}' and '${dowText}'`,
      expression,
      domText === "?" ? "day-of-week" : "day-of-month",
    );
  }
  return { raw, seconds, minutes, hours, dom, months, dow, years };
}

function allValues(spec: FieldSpec): number[] {
  const out: number[] = [];
  for (let v = spec.min; v <= spec.max; v++) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Translation to croner
// ---------------------------------------------------------------------------------------------

function listPattern(spec: FieldSpec, values: readonly number[]): string {
  return values.length === spec.max - spec.min + 1 ? "*" : values.join(",");
}

/** croner pattern (7 parts, Quartz weekday numbering via `alternativeWeekdays`). */
function toCronerPattern(p: ParsedQuartz): string {
  let dom: string;
  switch (p.dom.kind) {
    case "any":
      dom = "*";
      break;
    case "values":
      dom = listPattern(DAY_OF_MONTH, p.dom.values);
      break;
    case "nearestWeekday":
      dom = `${p.dom.day}W`;
      break;
    case "last":
      // croner knows `L` and `LW`; `L-n` and `L-nW` are applied as a day filter around croner.
      dom = p.dom.offset === 0 ? (p.dom.weekday ? "LW" : "L") : "*";
      break;
  }
  let dow: string;
  switch (p.dow.kind) {
    case "any":
      dow = "*";
      break;
    case "values":
      dow = listPattern(DAY_OF_WEEK, p.dow.values);
      break;
    case "nth":
      dow = `${p.dow.day}#${p.dow.nth}`;
      break;
    case "lastOfMonth":
      dow = `${p.dow.day}L`;
      break;
  }
  return [
    listPattern(SECONDS, p.seconds),
    listPattern(MINUTES, p.minutes),
    listPattern(HOURS, p.hours),
    dom,
    listPattern(MONTH, p.months),
    dow,
    listPattern(YEAR, p.years),
  ].join(" ");
}

// ---------------------------------------------------------------------------------------------
// Time zone: wall-clock time <-> instants
// ---------------------------------------------------------------------------------------------

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
const MIN_WALL = Date.UTC(MIN_YEAR, 0, 1);
const END_WALL = Date.UTC(MAX_YEAR + 1, 0, 1);

class ZoneClock {
  private readonly zone: IANAZone;

  constructor(name: string) {
    this.zone = IANAZone.create(name);
  }

  /** UTC offset in milliseconds at an instant. */
  offset(instant: number): number {
    return Math.round(this.zone.offset(instant) * 60_000);
  }

  /** Wall-clock time of an instant, as a UTC timestamp with the same fields. */
  toWall(instant: number): number {
    return instant + this.offset(instant);
  }

  /** Instants showing wall time `wall`: none in a spring gap, two in a repeated autumn hour. */
  toInstants(wall: number): number[] {
    const out: number[] = [];
    for (const off of new Set([this.offset(wall - DAY_MS), this.offset(wall + DAY_MS)])) {
      const instant = wall - off;
      if (this.offset(instant) === off) out.push(instant);
    }
    return out.sort((a, b) => a - b);
  }

  /** Wall time at which the offset transition next to `wall` ends (end of a gap or of a repeat). */
  transitionEndWall(wall: number): number {
    let lo = wall - DAY_MS;
    let hi = wall + DAY_MS;
    const before = this.offset(lo);
    const after = this.offset(hi);
    if (before === after) return wall; // no transition nearby: no shortcut
    while (hi - lo > SECOND_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
      if (this.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    // `hi` is the transition instant; its wall time under the larger offset ends the odd wall range.
    return hi + Math.max(before, after);
  }
}

// ---------------------------------------------------------------------------------------------
// The expression
// ---------------------------------------------------------------------------------------------

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** Day of month selected by `L-n` (with `W`: the nearest weekday, not leaving the month), or null. */
function lastDayTarget(year: number, month0: number, offset: number, weekday: boolean): number | null {
  const last = daysInMonth(year, month0);
  let day = last - offset;
  if (day < 1) return null;
  if (weekday) {
    const dow = new Date(Date.UTC(year, month0, day)).getUTCDay(); // 0 = SUN, 6 = SAT
    if (dow === 6) day = day === 1 ? 3 : day - 1;
    else if (dow === 0) day = day === last ? day - 2 : day + 1;
  }
  return day;
}

const twoDigits = (n: number): string => String(n).padStart(2, "0");

class QuartzCronExpression implements QuartzCron {
  readonly expression: string;
  readonly timezone: string;
  readonly cronerPattern: string;
  private readonly parsed: ParsedQuartz;
  private readonly cron: Cron;
  private readonly clock: ZoneClock;

  constructor(expression: string, timezone: string, compiled: Compiled) {
    this.expression = expression;
    this.timezone = timezone;
    this.parsed = compiled.parsed;
    this.cronerPattern = compiled.pattern;
    this.cron = compiled.cron;
    this.clock = new ZoneClock(timezone);
  }

  /** Next matching wall-clock time strictly after `wall` (whole seconds), or null. */
  private nextWall(wall: number): number | null {
    let cursor = Math.max(wall, MIN_WALL - SECOND_MS);
    const dom = this.parsed.dom;
    // Bounded: each round moves forward by at least a day or to the next month.
    for (let round = 0; round < 10_000; round++) {
      const next = this.cron.nextRun(new Date(cursor));
      if (next === null) return null;
      const w = next.getTime();
      if (w >= END_WALL) return null;
      if (dom.kind !== "last" || dom.offset === 0) return w;
      const d = new Date(w);
      const year = d.getUTCFullYear();
      const month0 = d.getUTCMonth();
      const target = lastDayTarget(year, month0, dom.offset, dom.weekday);
      if (target === d.getUTCDate()) return w;
      cursor =
        target !== null && d.getUTCDate() < target
          ? Date.UTC(year, month0, target) - SECOND_MS
          : Date.UTC(year, month0 + 1, 1) - SECOND_MS;
    }
    return null;
  }

  nextFireTime(after: Date): Date | null {
    const afterMs = after.getTime();
    if (Number.isNaN(afterMs)) throw new TypeError("nextFireTime: invalid date");
    let cursor = Math.floor(this.clock.toWall(afterMs) / SECOND_MS) * SECOND_MS;
    for (let round = 0; round < 10_000; round++) {
      const wall = this.nextWall(cursor);
      if (wall === null) return null;
      const instants = this.clock.toInstants(wall);
      const first = instants[0];
      if (first !== undefined && first > afterMs) return new Date(first);
      // Either the wall time does not exist (spring gap: skipped), or it is repeated and its first
      // occurrence is already past (autumn: fires once). Resume after the odd range of wall times.
      cursor = Math.max(wall, this.clock.transitionEndWall(wall) - SECOND_MS);
    }
    return null;
  }

  isSatisfiedBy(date: Date): boolean {
    const ms = date.getTime();
    if (Number.isNaN(ms)) return false;
    const second = Math.floor(ms / SECOND_MS) * SECOND_MS;
    return this.nextFireTime(new Date(second - SECOND_MS))?.getTime() === second;
  }

  fireTimesBetween(from: Date, to: Date, max: number = DEFAULT_MAX_FIRE_TIMES): Date[] {
    const out: Date[] = [];
    const end = to.getTime();
    let cursor: Date | null = from;
    while (out.length < max) {
      cursor = this.nextFireTime(cursor);
      if (cursor === null || cursor.getTime() > end) break;
      out.push(cursor);
    }
    return out;
  }

  describe(): string {
    return describeParsed(this.parsed, this.timezone) ?? this.expression;
  }
}

/** A few common shapes; anything else is described by the expression itself. */
function describeParsed(p: ParsedQuartz, timezone: string): string | null {
  const [secText, minText, hourText, , monthText, , yearText] = p.raw;
  const everyDay = p.dom.kind === "any" && p.dow.kind === "any";
  const anyDate = everyDay && monthText === "*" && (yearText === undefined || yearText === "*");
  if (!anyDate || secText === undefined || minText === undefined || hourText === undefined) {
    return null;
  }
  const every = (n: number, unit: string): string => (n === 1 ? `every ${unit}` : `every ${n} ${unit}s`);
  const step = (text: string, size: number): number | null => {
    if (text === "*") return 1;
    const m = /^(?:\*|0)?\/(\d+)$/.exec(text);
    const n = m ? Number(m[1]) : NaN;
    return n >= 1 && size % n === 0 ? n : null;
  };
  const single = (values: readonly number[]): number | null =>
    values.length === 1 ? (values[0] ?? null) : null;
  const secStep = step(secText, 60);
  if (secStep !== null && minText === "*" && hourText === "*") return every(secStep, "second");
  const sec = single(p.seconds);
  const minStep = step(minText, 60);
  if (sec === 0 && minStep !== null && hourText === "*") return every(minStep, "minute");
  const minute = single(p.minutes);
  const hourStep = step(hourText, 24);
  if (sec === 0 && minute === 0 && hourStep !== null) return every(hourStep, "hour");
  const hour = single(p.hours);
  if (sec !== null && minute !== null && hour !== null) {
    const time = `${twoDigits(hour)}:${twoDigits(minute)}${sec === 0 ? "" : `:${twoDigits(sec)}`}`;
    return `every day at ${time} (${timezone})`;
  }
  return null;
}

interface Compiled {
  readonly parsed: ParsedQuartz;
  readonly pattern: string;
  readonly cron: Cron;
}

function compile(expression: string): Compiled {
  const parsed = parse(expression);
  const pattern = toCronerPattern(parsed);
  let cron: Cron;
  try {
    // croner works on wall-clock time disguised as UTC; the time zone is applied by ZoneClock.
    // No callback is given, so nothing is scheduled: the instance is only used to evaluate.
    cron = new Cron(pattern, {
      mode: "7-part",
      utcOffset: 0,
      alternativeWeekdays: true,
      domAndDow: true,
      paused: true,
    });
  } catch (error) {
    // Not expected once Quartz validation passed; surfaced as a syntax error rather than a crash.
    const reason = error instanceof Error ? error.message : String(error);
    throw new CronSyntaxError(`expression not supported by the cron engine: ${reason}`, expression);
  }
  return { parsed, pattern, cron };
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/** Parses a Quartz cron expression; throws {@link CronSyntaxError} with a user-facing message. */
export function parseQuartzCron(expression: string, opts: { timezone?: string } = {}): QuartzCron {
  const compiled = compile(expression);
  const timezone = opts.timezone ?? DEFAULT_CRON_TIMEZONE;
  if (!IANAZone.isValidZone(timezone)) {
    throw new CronSyntaxError(`time zone '${timezone}': not a known IANA time zone`, expression);
  }
  return new QuartzCronExpression(expression, timezone, compiled);
}

/** null if `expression` is a valid Quartz cron expression, else the message a user should see. */
/** The error of an expression, or null when it is valid (callers word it in their own language). */
export function cronProblem(expression: string): CronSyntaxError | null {
  try {
    compile(expression);
    return null;
  } catch (error) {
    if (error instanceof CronSyntaxError) return error;
    throw error;
  }
}

export function validateQuartzCron(expression: string): string | null {
  try {
    compile(expression);
    return null;
  } catch (error) {
    if (error instanceof CronSyntaxError) return error.message;
    throw error;
  }
}
