/**
 * What every Enedis file format shares: decoding (UTF-8 with or without BOM), lines (CRLF or LF), `;`
 * cells (quoted or not, a trailing `;`), numbers (decimal point or comma; an empty cell is a missing
 * measure, never a zero), and the refusal that names the line and the reason.
 *
 * Glossary: a *format* is one kind of file (see `formats.ts`); a *parsed file* is what a format reads from
 * it: one dataset's readings in its native unit (W, Wh, VA), each with its exact UTC interval.
 */
import type { DatasetKey, Reading } from "../domain/types.js";

/** A file refused whole: nothing of it is stored. `line` is 1-based (null: the file as a whole). */
export class ImportRefusal extends Error {
  override readonly name = "ImportRefusal";
  constructor(
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
  }
}

export type FormatName = "heure" | "jour" | "pmax" | "conso-downloader" | "r63" | "xlsx-hourly";

export interface ParsedFile {
  format: FormatName;
  /** The usage point the file names, or null when it names none (Conso Downloader: only its file name). */
  usagePointId: string | null;
  dataset: DatasetKey;
  /** In the dataset's unit; value null = a missing measure. Sorted by start, no start twice. */
  readings: Reading[];
  /** Data lines read (header and trailer blocks not counted). */
  lines: number;
  /**
   * "Jour" files: the index readings themselves (cumulative Wh per register, dataset `consumption_index`),
   * grouped by the reading's type (`Type de releve`), by start then register.
   */
  index?: Array<{ readingType: string; readings: Reading[] }>;
}

/** A line of a text file: its 1-based number and its cells. */
export interface Row {
  n: number;
  cells: string[];
}

export function decodeText(buf: Uint8Array): string {
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  return new TextDecoder("utf-8").decode(bom ? buf.subarray(3) : buf);
}

function unquote(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"')
    ? t.slice(1, -1).replace(/""/g, '"').trim()
    : t;
}

/** Non-empty lines split on `;` (a trailing `;` gives no extra cell). */
export function rowsOf(text: string): Row[] {
  const out: Row[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const cells = line.split(";").map(unquote);
    if (cells.length > 1 && cells[cells.length - 1] === "") cells.pop();
    out.push({ n: i + 1, cells });
  }
  return out;
}

/** Lower case, no accents, single spaces: for comparing header names. */
export function norm(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A number cell: `218`, `0,218`, `1 234,5`. Empty = missing (null). Anything else is refused with the
 * line: a file whose values cannot be read is not imported at all.
 */
export function numberCell(cell: string | undefined, line: number, what: string): number | null {
  const t = (cell ?? "").replace(/[\s\u00a0]/g, "");
  if (t === "") return null;
  if (!/^-?\d+(?:[.,]\d+)?$/.test(t)) throw new ImportRefusal(line, `${what} "${cell}" is not a number`);
  const v = Number(t.replace(",", "."));
  if (v < 0) throw new ImportRefusal(line, `${what} ${v} is negative`);
  return v;
}

/** kW with up to 3 decimals to W, without binary fractions creeping in (0,218 kW = 218 W). */
export function kwToW(kw: number): number {
  return Math.round(kw * 1e6) / 1e3;
}

const PRM_RE = /^\d{14}$/;
export function prmCell(cell: string | undefined, line: number): string {
  const t = (cell ?? "").trim();
  if (!PRM_RE.test(t)) throw new ImportRefusal(line, `"${cell ?? ""}" is not a 14-digit usage point id`);
  return t;
}

/** The most frequent positive gap between consecutive values (minutes), or null with fewer than 2. */
export function dominantGapMin(ms: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (let i = 1; i < ms.length; i++) {
    const g = ((ms[i] as number) - (ms[i - 1] as number)) / 60_000;
    if (g > 0 && g <= 60) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  let best: number | null = null;
  let n = 0;
  for (const [g, c] of counts) if (c > n || (c === n && best !== null && g < best)) [best, n] = [g, c];
  return best;
}

export const STEPS_MIN = [5, 10, 15, 30, 60] as const;

/** Refuses a series whose starts repeat or go back, or are off their step's grid. */
export function checkSeries(readings: readonly Reading[], lineOf: (i: number) => number): void {
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    if (!(STEPS_MIN as readonly number[]).includes(r.lengthMin))
      throw new ImportRefusal(lineOf(i), `a ${r.lengthMin}-minute step is not an Enedis step`);
    if (r.startMs % (r.lengthMin * 60_000) !== 0)
      throw new ImportRefusal(lineOf(i), `the time is not on the ${r.lengthMin}-minute grid`);
    const prev = readings[i - 1];
    if (prev && r.startMs < prev.startMs + prev.lengthMin * 60_000)
      throw new ImportRefusal(lineOf(i), "this time repeats or goes back in time");
  }
}
