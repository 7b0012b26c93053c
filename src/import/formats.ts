/**
 * The registry of file formats, detected from the content (never from the name: a name only supplies the
 * PRM a Conso Downloader file does not carry). Order matters only between formats that share a first line
 * (the bulk exports: Jour, Pmax and Heure differ by their data header and unit).
 */
import { isConsoDownloader, parseConsoDownloader } from "./conso-downloader.js";
import { isHeure, parseHeure } from "./heure.js";
import { isJour, parseJour } from "./jour.js";
import { isPmax, parsePmax } from "./pmax.js";
import { isR63, parseR63 } from "./r63.js";
import { decodeText, ImportRefusal, rowsOf, type FormatName, type ParsedFile, type Row } from "./text.js";
import { isZip, parseXlsx } from "./xlsx.js";

interface TextFormat {
  name: FormatName;
  detect(rows: readonly Row[]): boolean;
  parse(rows: readonly Row[], fileName: string): ParsedFile;
}

const TEXT_FORMATS: readonly TextFormat[] = [
  { name: "jour", detect: isJour, parse: parseJour },
  { name: "pmax", detect: isPmax, parse: parsePmax },
  { name: "heure", detect: isHeure, parse: parseHeure },
  { name: "r63", detect: isR63, parse: parseR63 },
  { name: "conso-downloader", detect: isConsoDownloader, parse: parseConsoDownloader },
];

const DESCRIBED =
  "an Enedis bulk export (Heure, Jour, Pmax), a Conso Downloader file (debut;fin;kW), an R63 file or the weekly XLSX";

/** Reads a file: its format from its content, then its readings. Throws `ImportRefusal`. */
export async function parseFile(buf: Uint8Array, fileName = ""): Promise<ParsedFile> {
  if (isZip(buf)) return parseXlsx(buf);
  const rows = rowsOf(decodeText(buf));
  if (rows.length === 0) throw new ImportRefusal(null, "the file is empty");
  for (const f of TEXT_FORMATS) {
    // A bulk export whose description is broken is refused by `detect` itself, with the line.
    if (f.detect(rows)) {
      const parsed = f.parse(rows, fileName);
      if (parsed.readings.length === 0) throw new ImportRefusal(null, "the file holds no measure");
      return parsed;
    }
  }
  const first = rows[0] as Row;
  throw new ImportRefusal(first.n, `not an Enedis export: this first line is not that of ${DESCRIBED}`);
}
