/**
 * Conso Downloader's `historique_conso_<prm>_<date>.csv` (the browser extension ha-linky ≥ 1.6 reads):
 * header `debut;fin;kW`, quoted decimal-comma kW, `debut` = interval START. The file names no PRM: it
 * comes from `--usage-point`, else from the file name.
 */
import type { Reading } from "../domain/types.js";
import { instantsOf } from "./bulk-header.js";
import { checkSeries, ImportRefusal, kwToW, norm, numberCell, type ParsedFile, type Row } from "./text.js";

export function isConsoDownloader(rows: readonly Row[]): boolean {
  const h = rows[0]?.cells.map(norm) ?? [];
  return h[0] === "debut" && h[1] === "fin" && h[2] === "kw";
}

const NAME_RE = /historique_(?:conso|prod)_(\d{14})_/i;

/** The PRM a Conso Downloader file name carries, if any. */
export function prmFromConsoDownloaderName(name: string): string | null {
  return NAME_RE.exec(name)?.[1] ?? null;
}

export function parseConsoDownloader(rows: readonly Row[], fileName = ""): ParsedFile {
  const data = rows.slice(1);
  if (data.length === 0) throw new ImportRefusal(rows[0]?.n ?? 1, "the file has a header and no data");
  const starts = instantsOf(
    data.map((r) => ({ label: r.cells[0] ?? "", n: r.n })),
    30,
  );
  // `fin` gives each interval's length; without offsets it is read the same way, one step after `debut`.
  const ends = instantsOf(
    data.map((r) => ({ label: r.cells[1] ?? "", n: r.n })),
    30,
  );
  const readings: Reading[] = data.map((r, i) => {
    const lengthMin = ((ends[i] as number) - (starts[i] as number)) / 60_000;
    if (!(lengthMin > 0))
      throw new ImportRefusal(r.n, `"fin" ${r.cells[1]} is not after "debut" ${r.cells[0]}`);
    const kw = numberCell(r.cells[2], r.n, "kW");
    return { startMs: starts[i] as number, lengthMin, value: kw === null ? null : kwToW(kw) };
  });
  checkSeries(readings, (i) => (data[i] as Row).n);
  return {
    format: "conso-downloader",
    usagePointId: prmFromConsoDownloaderName(fileName),
    dataset: "consumption_load_curve",
    readings,
    lines: data.length,
  };
}
