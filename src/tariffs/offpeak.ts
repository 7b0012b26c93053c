/**
 * Off-peak windows (heures creuses) from an Enedis-style string, and their dated history.
 *
 * Glossary:
 * - a window is a half-open range of Paris wall-clock minutes of the day [startMin, endMin), 0 ≤ start <
 *   end ≤ 1440; a window that crosses midnight (`22H30-6H30`) becomes two: [1350, 1440) and [0, 390);
 * - a schedule is the sorted, merged list of windows of one off-peak string;
 * - a dated schedule holds from its `fromDay` (a Paris day) until the next one's.
 */
import type { LocalDate } from "../domain/time.js";

export interface OffPeakWindow {
  /** Paris wall-clock minute the window starts at (inclusive). */
  startMin: number;
  /** Paris wall-clock minute the window ends at (exclusive), up to 1440. */
  endMin: number;
}

export interface OffPeakSchedule {
  /** The string as given (`HC (22H30-6H30)`). */
  label: string;
  /** Sorted, non-overlapping windows. */
  windows: OffPeakWindow[];
  /** Off-peak minutes in a 24-hour day. */
  offPeakMinPerDay: number;
}

export class OffPeakParseError extends Error {
  override readonly name = "OffPeakParseError";
}

const TIME = String.raw`(\d{1,2})\s*[hH:]\s*(\d{2})?`;
const RANGE_RE = new RegExp(String.raw`^\s*${TIME}\s*[-–à]\s*${TIME}\s*$`);

function minuteOf(h: string, m: string | undefined, part: string): number {
  const hour = Number(h);
  const minute = m === undefined ? 0 : Number(m);
  if (minute > 59) throw new OffPeakParseError(`"${part}": minute ${minute} is over 59`);
  if (hour > 24 || (hour === 24 && minute > 0))
    throw new OffPeakParseError(`"${part}": ${hour}H${String(minute).padStart(2, "0")} is not a time of day`);
  return hour * 60 + minute;
}

/**
 * Parses `HC (22H30-6H30)`, `HC(3H40-8h10;12H40-16H10)`, `22:30-06:30`, `HC (0H00-24H00)`… `h`, `H` or `:`
 * between hours and minutes, spaces anywhere, one or more windows separated by `;` or `,`, ranges crossing
 * midnight, `24H00` as the end of the day. A range whose start equals its end (`0H00-0H00`) means the
 * whole day. Anything else is refused with a message saying which part is wrong.
 */
export function parseOffPeak(label: string): OffPeakSchedule {
  const text = label.trim();
  if (text === "") throw new OffPeakParseError("the off-peak string is empty");
  const inParens = /^\s*(?:HC)?\s*\(([^)]*)\)\s*$/i.exec(text);
  const inner = inParens ? inParens[1]! : text.replace(/^\s*HC\s*/i, "");
  const parts = inner
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new OffPeakParseError(`"${label}" holds no off-peak range`);
  const raw: OffPeakWindow[] = [];
  for (const part of parts) {
    const m = RANGE_RE.exec(part);
    if (!m) throw new OffPeakParseError(`"${part}" is not a range like 22H30-6H30`);
    const a = minuteOf(m[1]!, m[2], part);
    const b = minuteOf(m[3]!, m[4], part);
    const start = a % 1440;
    const end = b;
    if (start === end % 1440) raw.push({ startMin: 0, endMin: 1440 });
    else if (start < end) raw.push({ startMin: start, endMin: end });
    else {
      raw.push({ startMin: start, endMin: 1440 });
      if (end > 0) raw.push({ startMin: 0, endMin: end });
    }
  }
  raw.sort((x, y) => x.startMin - y.startMin);
  const windows: OffPeakWindow[] = [];
  for (const w of raw) {
    const last = windows[windows.length - 1];
    if (last && w.startMin <= last.endMin) last.endMin = Math.max(last.endMin, w.endMin);
    else windows.push({ ...w });
  }
  const offPeakMinPerDay = windows.reduce((n, w) => n + w.endMin - w.startMin, 0);
  return { label, windows, offPeakMinPerDay };
}

/** `HH:MM-HH:MM` per window, for people (`22:30-24:00, 00:00-06:30`). */
export function formatWindows(s: OffPeakSchedule): string {
  const hm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return s.windows.map((w) => `${hm(w.startMin)}-${hm(w.endMin)}`).join(", ");
}

/** Whether a wall-clock minute of the day is off-peak. */
export function isOffPeakMinute(s: OffPeakSchedule, minuteOfDay: number): boolean {
  for (const w of s.windows) if (minuteOfDay >= w.startMin && minuteOfDay < w.endMin) return true;
  return false;
}

export interface DatedOffPeak {
  /** First Paris day the string was seen. */
  fromDay: LocalDate;
  label: string;
}

/**
 * The off-peak schedule in force on each day, from a history of contract reads (sorted by `fromDay`).
 * Before the first read, the first known windows hold. Labels that do not parse are skipped (the
 * previous schedule holds), so that one odd contract answer does not stop every cost.
 */
export class OffPeakHistory {
  private readonly entries: { fromDay: LocalDate; schedule: OffPeakSchedule }[] = [];

  constructor(history: readonly DatedOffPeak[]) {
    for (const h of [...history].sort((a, b) =>
      a.fromDay < b.fromDay ? -1 : a.fromDay > b.fromDay ? 1 : 0,
    )) {
      try {
        this.entries.push({ fromDay: h.fromDay, schedule: parseOffPeak(h.label) });
      } catch (e) {
        if (!(e instanceof OffPeakParseError)) throw e;
      }
    }
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The schedule in force on `day`; undefined only for an empty history. */
  on(day: LocalDate): OffPeakSchedule | undefined {
    let found = this.entries[0]?.schedule;
    for (const e of this.entries) {
      if (e.fromDay <= day) found = e.schedule;
      else break;
    }
    return found;
  }
}
