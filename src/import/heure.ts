/**
 * Enedis bulk export "Heure" (load curve): `Horodate;Valeur`, ISO time with offset at the interval's END,
 * mean power in W over the step (`Pas en minutes`, else the most frequent gap: 30 or 60 minutes).
 */
import type { Reading } from "../domain/types.js";
import { instantsOf, looksLikeBulk, readBulkHeader } from "./bulk-header.js";
import { checkSeries, dominantGapMin, ImportRefusal, numberCell, type ParsedFile, type Row } from "./text.js";

export function isHeure(rows: readonly Row[]): boolean {
  if (!looksLikeBulk(rows)) return false;
  const h = readBulkHeader(rows);
  return h.columns[0] === "horodate" && h.columns[1] === "valeur" && /^k?w$/i.test(h.unit);
}

/** Reads a `Horodate;Valeur` series of interval ends (Heure, Pmax share the shape). */
export function horodateSeries(
  data: readonly Row[],
): Array<{ label: string; n: number; value: number | null }> {
  return data.map((r) => {
    if (r.cells.length < 2 && (r.cells[0] ?? "") === "")
      throw new ImportRefusal(r.n, "the line has no Horodate");
    return { label: r.cells[0] ?? "", n: r.n, value: numberCell(r.cells[1], r.n, "Valeur") };
  });
}

export function parseHeure(rows: readonly Row[]): ParsedFile {
  const h = readBulkHeader(rows);
  if (!/^k?w$/i.test(h.unit))
    throw new ImportRefusal(rows[1]?.n ?? 2, `unit "${h.unit}" is not a power in W`);
  const factor = /^kw$/i.test(h.unit) ? 1000 : 1;
  const series = horodateSeries(h.data);
  let step = h.stepMin;
  if (step === null) {
    // Offsets make the labels exact; without them a 30-minute guess is refined once resolved.
    const rough = instantsOf(series, 30);
    step = dominantGapMin(rough) ?? 30;
  }
  const ends = instantsOf(series, step);
  const readings: Reading[] = series.map((p, i) => ({
    startMs: (ends[i] as number) - step * 60_000,
    lengthMin: step,
    value: p.value === null ? null : p.value * factor,
  }));
  checkSeries(readings, (i) => (series[i] as { n: number }).n);
  return {
    format: "heure",
    usagePointId: h.usagePointId,
    dataset: "consumption_load_curve",
    readings,
    lines: series.length,
  };
}
