/**
 * The three lines that open Enedis' bulk exports ("Mes téléchargements": Heure, Jour, Pmax):
 * `Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite[;Pas en minutes]`,
 * then its values, then the data header (`Horodate;Valeur`, or `Horodate;Type de releve;EAS F1…` for Jour).
 */
import { parseWallTime, resolveIntervalEnds, parisDayStartMs, type LabelledEnd } from "../domain/time.js";
import { ImportRefusal, norm, prmCell, type Row } from "./text.js";

export interface BulkHeader {
  usagePointId: string;
  /** `Type de donnees`, normalised (`courbe de charge`, `index`, `puissance maximale`…). */
  type: string;
  /** `Unite` as written (`W`, `Wh`, `VA`…). */
  unit: string;
  /** `Pas en minutes`, when given. */
  stepMin: number | null;
  /** The data header's cells, normalised. */
  columns: string[];
  /** Data rows (after the three header lines). */
  data: Row[];
}

/** True when the file opens like a bulk export (line 1's first two names). */
export function looksLikeBulk(rows: readonly Row[]): boolean {
  const h = rows[0]?.cells.map(norm) ?? [];
  return h[0] === "identifiant prm" && h[1] === "type de donnees";
}

export function readBulkHeader(rows: readonly Row[]): BulkHeader {
  const names = (rows[0]?.cells ?? []).map(norm);
  const values = rows[1];
  const dataHeader = rows[2];
  if (!values)
    throw new ImportRefusal(rows[0]?.n ?? 1, "the export's second line (its description) is missing");
  if (!dataHeader) throw new ImportRefusal(values.n, "the data header (Horodate;…) is missing");
  const col = (name: string) => names.indexOf(name);
  const usagePointId = prmCell(values.cells[col("identifiant prm")], values.n);
  const unitAt = col("unite");
  if (unitAt < 0) throw new ImportRefusal(rows[0]?.n ?? 1, 'the first line names no "Unite" column');
  const stepAt = col("pas en minutes");
  const stepCell = stepAt >= 0 ? (values.cells[stepAt] ?? "").trim() : "";
  const stepMin = stepCell === "" ? null : Number(stepCell);
  if (stepMin !== null && !(Number.isInteger(stepMin) && stepMin > 0))
    throw new ImportRefusal(values.n, `"Pas en minutes" ${stepCell} is not a number of minutes`);
  return {
    usagePointId,
    type: norm(values.cells[col("type de donnees")] ?? ""),
    unit: (values.cells[unitAt] ?? "").trim(),
    stepMin,
    columns: dataHeader.cells.map(norm),
    data: rows.slice(3),
  };
}

/**
 * Exact UTC instants of a column of time labels: ISO with an offset is exact; a label without one is Paris
 * wall time, resolved with the sync's series walk (`resolveIntervalEnds`), `stepMin` apart.
 */
export function instantsOf(labels: readonly { label: string; n: number }[], stepMin: number): number[] {
  if (labels.length === 0) return [];
  const points: LabelledEnd[] = [];
  const exact: number[] = [];
  for (const l of labels) {
    const w = parseWallTime(l.label);
    if (!w)
      throw new ImportRefusal(l.n, `"${l.label}" is not a time (ISO 8601, e.g. 2024-01-18T00:30:00+01:00)`);
    points.push({ label: l.label, stepMin });
    if (w.exactMs !== undefined) exact.push(w.exactMs);
  }
  // Every label carries its offset: exact, nothing to resolve (and a repeat is refused with its line).
  if (exact.length === labels.length) return exact;
  const first = parseWallTime((labels[0] as { label: string }).label);
  const start = parisDayStartMs(first!.date);
  try {
    return resolveIntervalEnds(points, start);
  } catch (e) {
    const bad = labels.find((l) => (e as Error).message.includes(`"${l.label}"`));
    throw new ImportRefusal(bad?.n ?? null, (e as Error).message);
  }
}
