/**
 * Enedis bulk export "Jour" (`Type de donnees = Index`): daily INDEX readings, cumulative Wh registers
 * `EAS F1…F10`, `EAS D1…D4`, `EAS T`, at each Paris midnight, then a `Periode;…` block (skipped).
 * A day's energy is the difference of the total register (`EAS T`) between its midnight and the next
 * one: the first reading gives no day, a missing reading on either side makes the day missing (null),
 * never a zero, and so does a register that goes down (a meter replaced).
 *
 * The readings themselves are kept too (`index`, dataset `consumption_index`): one per register the file
 * uses (a register with a value on some line; its empty cells are missing measures) and day, named as the
 * file's column (`EAS F1` … `EAS T`), with the line's `Type de releve`; `jourLines` writes them back.
 */
import { addDays, parisDateOf, parisDayLengthMin, parisDayStartMs, parisOffsetMs } from "../domain/time.js";
import type { Reading } from "../domain/types.js";
import { instantsOf, looksLikeBulk, readBulkHeader } from "./bulk-header.js";
import { ImportRefusal, norm, numberCell, type ParsedFile, type Row } from "./text.js";

export function isJour(rows: readonly Row[]): boolean {
  if (!looksLikeBulk(rows)) return false;
  const h = readBulkHeader(rows);
  return h.columns[0] === "horodate" && h.columns[1] === "type de releve" && h.columns.includes("eas t");
}

export function parseJour(rows: readonly Row[]): ParsedFile {
  const h = readBulkHeader(rows);
  if (!/^k?wh$/i.test(h.unit))
    throw new ImportRefusal(rows[1]?.n ?? 2, `unit "${h.unit}" is not an energy in Wh`);
  const factor = /^kwh$/i.test(h.unit) ? 1000 : 1;
  const total = h.columns.indexOf("eas t");
  const end = h.data.findIndex((r) => norm(r.cells[0] ?? "").startsWith("periode"));
  const data = end < 0 ? h.data : h.data.slice(0, end);
  const index = new Map<string, { wh: number | null; n: number }>();
  // The register columns, named as the file writes them.
  const header = rows[2]?.cells ?? [];
  const registers: Array<{ at: number; name: string }> = [];
  h.columns.forEach((c, at) => {
    if (/^eas [fdt]\d*$/.test(c)) registers.push({ at, name: (header[at] ?? "").trim() });
  });
  const cells: Array<{ startMs: number; lengthMin: number; type: string; values: Array<number | null> }> = [];
  let lastDay = "";
  for (const r of data) {
    const at = instantsOf([{ label: r.cells[0] ?? "", n: r.n }], 1440)[0] as number;
    const day = parisDateOf(at);
    if (parisDayStartMs(day) !== at) throw new ImportRefusal(r.n, `"${r.cells[0]}" is not a Paris midnight`);
    if (day <= lastDay) throw new ImportRefusal(r.n, `day ${day} repeats or goes back in time`);
    lastDay = day;
    const v = numberCell(r.cells[total], r.n, "EAS T");
    index.set(day, { wh: v === null ? null : v * factor, n: r.n });
    cells.push({
      startMs: at,
      lengthMin: parisDayLengthMin(day),
      type: (r.cells[1] ?? "").trim(),
      values: registers.map((g) => {
        const x = numberCell(r.cells[g.at], r.n, g.name);
        return x === null ? null : x * factor;
      }),
    });
  }
  const used = registers.map((_, k) => cells.some((c) => c.values[k] !== null));
  const byType = new Map<string, Reading[]>();
  for (const c of cells) {
    let l = byType.get(c.type);
    if (!l) byType.set(c.type, (l = []));
    registers.forEach((g, k) => {
      if (used[k])
        l.push({ startMs: c.startMs, lengthMin: c.lengthMin, value: c.values[k] ?? null, register: g.name });
    });
  }
  const readings: Reading[] = [];
  for (const [day, a] of index) {
    const b = index.get(addDays(day, 1));
    if (!b) continue;
    const diff = a.wh === null || b.wh === null || b.wh < a.wh ? null : b.wh - a.wh;
    readings.push({ startMs: parisDayStartMs(day), lengthMin: parisDayLengthMin(day), value: diff });
  }
  return {
    format: "jour",
    usagePointId: h.usagePointId,
    dataset: "daily_consumption",
    readings,
    lines: data.length,
    index: [...byType].map(([readingType, readings]) => ({ readingType, readings })),
  };
}

/** The registers of a "Jour" file, in its column order. */
export const JOUR_REGISTERS = [
  ...Array.from({ length: 10 }, (_, i) => `EAS F${i + 1}`),
  "EAS D1",
  "EAS D2",
  "EAS D3",
  "EAS D4",
  "EAS T",
] as const;

/** ISO 8601 with the Paris offset, as the export writes its times (`2024-10-27T00:00:00+02:00`). */
function isoParis(ms: number): string {
  const off = parisOffsetMs(ms);
  const local = new Date(ms + off).toISOString().slice(0, 19);
  const h = Math.floor(Math.abs(off) / 3_600_000);
  const m = Math.floor((Math.abs(off) % 3_600_000) / 60_000);
  return `${local}${off < 0 ? "-" : "+"}${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/**
 * Stored index readings back as a "Jour" file's data lines (`Horodate;Type de releve;EAS F1;…;EAS T`),
 * one per reading day, in Wh, a register without a value left empty.
 */
export function jourLines(
  points: ReadonlyArray<{
    startMs: number;
    register: string;
    valueWh: number | null;
    readingType: string | null;
  }>,
  registers: readonly string[] = JOUR_REGISTERS,
): string[] {
  const days = new Map<number, { type: string; values: Map<string, number | null> }>();
  for (const p of points) {
    if (!registers.includes(p.register)) continue;
    let d = days.get(p.startMs);
    if (!d) days.set(p.startMs, (d = { type: p.readingType ?? "", values: new Map() }));
    d.values.set(p.register, p.valueWh);
  }
  return [...days]
    .sort(([a], [b]) => a - b)
    .map(([startMs, d]) =>
      [isoParis(startMs), d.type, ...registers.map((r) => String(d.values.get(r) ?? ""))].join(";"),
    );
}
