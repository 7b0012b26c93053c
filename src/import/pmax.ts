/**
 * Enedis bulk export "Pmax" (daily max power): `Horodate;Valeur` in VA. The label's Paris day is the day;
 * a label that is not that day's midnight is the instant of the peak.
 */
import { parisDateOf, parisDayLengthMin, parisDayStartMs } from "../domain/time.js";
import type { Reading } from "../domain/types.js";
import { instantsOf, looksLikeBulk, readBulkHeader } from "./bulk-header.js";
import { horodateSeries } from "./heure.js";
import { ImportRefusal, type ParsedFile, type Row } from "./text.js";

export function isPmax(rows: readonly Row[]): boolean {
  if (!looksLikeBulk(rows)) return false;
  const h = readBulkHeader(rows);
  return h.columns[0] === "horodate" && h.columns[1] === "valeur" && /^k?va$/i.test(h.unit);
}

export function parsePmax(rows: readonly Row[]): ParsedFile {
  const h = readBulkHeader(rows);
  const factor = /^kva$/i.test(h.unit) ? 1000 : 1;
  const series = horodateSeries(h.data);
  // Exact labels (with offsets) are read one by one: days, not a series of steps.
  const at = series.map((p) => instantsOf([p], 1440)[0] as number);
  const readings: Reading[] = [];
  for (let i = 0; i < series.length; i++) {
    const p = series[i] as (typeof series)[number];
    const day = parisDateOf(at[i] as number);
    const startMs = parisDayStartMs(day);
    const prev = readings[readings.length - 1];
    if (prev && prev.startMs >= startMs)
      throw new ImportRefusal(p.n, `day ${day} repeats or goes back in time`);
    readings.push({
      startMs,
      lengthMin: parisDayLengthMin(day),
      value: p.value === null ? null : p.value * factor,
      peakAtMs: at[i] === startMs || p.value === null ? null : (at[i] as number),
    });
  }
  return {
    format: "pmax",
    usagePointId: h.usagePointId,
    dataset: "daily_consumption_max_power",
    readings,
    lines: series.length,
  };
}
