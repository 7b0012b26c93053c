/**
 * Enedis' weekly XLSX export, sheet "Consommation Horaire": a few lines of description (the PRM among
 * them), then from about row 15 `dd/mm/YYYY HH:MM:SS;kW` (decimal comma, or a number cell). The time is
 * the interval's END in Paris wall time (like every Enedis curve but Conso Downloader's), resolved with
 * the sync's series walk; the step is the most frequent gap. Read with exceljs.
 */
import ExcelJS from "exceljs";
import type { Reading } from "../domain/types.js";
import { instantsOf } from "./bulk-header.js";
import { checkSeries, dominantGapMin, ImportRefusal, kwToW, numberCell, type ParsedFile } from "./text.js";

export const XLSX_SHEET = "Consommation Horaire";

/** A ZIP container (what every .xlsx is). */
export function isZip(buf: Uint8Array): boolean {
  return buf.length > 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

const FR_TIME_RE = /^(\d{2})\/(\d{2})\/(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const pad = (n: number) => String(n).padStart(2, "0");

/** The cell as a Paris wall-time label `YYYY-MM-DD HH:MM:SS`, or null when it is not a time. */
function timeLabel(v: ExcelJS.CellValue): string | null {
  if (v instanceof Date) {
    // Spreadsheet dates carry no zone: exceljs gives the wall time as if it were UTC.
    return `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}`;
  }
  if (typeof v !== "string") return null;
  const m = FR_TIME_RE.exec(v.trim());
  return m ? `${m[3]}-${m[2]}-${m[1]} ${m[4]}:${m[5]}:${m[6] ?? "00"}` : null;
}

function text(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  if (typeof v === "object" && "richText" in v) return v.richText.map((t) => t.text).join("");
  return String(v as unknown as string);
}

export async function parseXlsx(buf: Uint8Array): Promise<ParsedFile> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs' typings want its own Buffer type; a Node Buffer view over the same bytes is what it reads.
    await wb.xlsx.load(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as unknown as ExcelJS.Buffer);
  } catch {
    throw new ImportRefusal(null, "not a readable XLSX workbook");
  }
  const ws = wb.getWorksheet(XLSX_SHEET);
  if (!ws) throw new ImportRefusal(null, `no sheet "${XLSX_SHEET}": not an Enedis weekly export`);
  let prm: string | null = null;
  const data: Array<{ label: string; n: number; kw: number | null }> = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const a = row.getCell(1).value;
    const label = timeLabel(a);
    if (label === null) {
      if (data.length > 0 && text(a).trim() !== "")
        throw new ImportRefusal(n, `"${text(a)}" is not a time dd/mm/YYYY HH:MM:SS`);
      for (let c = 1; c <= row.cellCount && prm === null; c++) {
        const t = text(row.getCell(c).value).trim();
        if (/^\d{14}$/.test(t)) prm = t;
      }
      return;
    }
    const b = row.getCell(2).value;
    const kw = typeof b === "number" ? b : numberCell(text(b), n, "kW");
    data.push({ label, n, kw });
  });
  if (data.length === 0) throw new ImportRefusal(null, `sheet "${XLSX_SHEET}" holds no measure`);
  const rough = instantsOf(data, 60);
  const step = dominantGapMin(rough) ?? 60;
  const ends = instantsOf(data, step);
  const readings: Reading[] = data.map((d, i) => ({
    startMs: (ends[i] as number) - step * 60_000,
    lengthMin: step,
    value: d.kw === null ? null : kwToW(d.kw),
  }));
  checkSeries(readings, (i) => (data[i] as { n: number }).n);
  return {
    format: "xlsx-hourly",
    usagePointId: prm,
    dataset: "consumption_load_curve",
    readings,
    lines: data.length,
  };
}
