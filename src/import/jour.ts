/**
 * Enedis bulk export "Jour" (`Type de donnees = Index`): daily INDEX readings, cumulative Wh registers
 * `EAS F1…F10`, `EAS D1…D4`, `EAS T`, at each Paris midnight, then a `Periode;…` block (skipped).
 * A day's energy is the difference of the total register (`EAS T`) between its midnight and the next
 * one: the first reading gives no day, a missing reading on either side makes the day missing (null),
 * never a zero, and so does a register that goes down (a meter replaced).
 */
import { addDays, parisDateOf, parisDayLengthMin, parisDayStartMs } from "../domain/time.js";
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
  let lastDay = "";
  for (const r of data) {
    const at = instantsOf([{ label: r.cells[0] ?? "", n: r.n }], 1440)[0] as number;
    const day = parisDateOf(at);
    if (parisDayStartMs(day) !== at) throw new ImportRefusal(r.n, `"${r.cells[0]}" is not a Paris midnight`);
    if (day <= lastDay) throw new ImportRefusal(r.n, `day ${day} repeats or goes back in time`);
    lastDay = day;
    const v = numberCell(r.cells[total], r.n, "EAS T");
    index.set(day, { wh: v === null ? null : v * factor, n: r.n });
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
  };
}
