/**
 * Enedis customer-site files written from the formats' descriptions (tariffs.md part 3), for the import
 * tests: generated here, never copied. Times are formatted with luxon's Europe/Paris; the tests' expected
 * figures are written by hand.
 */
import ExcelJS from "exceljs";
import { DateTime } from "luxon";

const PARIS = "Europe/Paris";
export const PRM = "22516914714270";
export const OTHER_PRM = "09876543210987";

export interface FileOptions {
  bom?: boolean;
  crlf?: boolean;
  /** A `;` at the end of every data line. */
  trailing?: boolean;
}

function write(lines: string[], o: FileOptions): Buffer {
  const text =
    lines.map((l) => (o.trailing ? `${l};` : l)).join(o.crlf ? "\r\n" : "\n") + (o.crlf ? "\r\n" : "\n");
  return Buffer.concat([
    o.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
    Buffer.from(text, "utf8"),
  ]);
}

const midnight = (day: string) => DateTime.fromISO(day, { zone: PARIS }).toMillis();
const isoParis = (ms: number) =>
  DateTime.fromMillis(ms, { zone: PARIS }).toISO({ suppressMilliseconds: true }) as string;
const naiveParis = (ms: number) => DateTime.fromMillis(ms, { zone: PARIS }).toFormat("yyyy-MM-dd HH:mm:ss");
const frParis = (ms: number) => DateTime.fromMillis(ms, { zone: PARIS }).toFormat("dd/MM/yyyy HH:mm:ss");

/** Interval ends every `step` minutes from `from`'s Paris midnight (exclusive) to `to`'s (inclusive). */
export function ends(from: string, to: string, stepMin: number): number[] {
  const out: number[] = [];
  for (let t = midnight(from) + stepMin * 60_000; t <= midnight(to); t += stepMin * 60_000) out.push(t);
  return out;
}

const BULK_NAMES =
  "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes";

/** A bulk "Heure" file: `value(i)` for the i-th interval (null = empty cell). */
export function heureFile(
  from: string,
  to: string,
  stepMin: number,
  value: (i: number) => number | null,
  o: FileOptions & { prm?: string; pas?: boolean } = {},
): Buffer {
  const fr = (d: string) => d.split("-").reverse().join("/");
  const lines = [
    BULK_NAMES,
    `${o.prm ?? PRM};Courbe de charge;${fr(from)};${fr(to)};Energie active;Consommation;Comptage Brut;W;${o.pas === false ? "" : stepMin}`,
    "Horodate;Valeur",
    ...ends(from, to, stepMin).map((t, i) => `${isoParis(t)};${value(i) ?? ""}`),
  ];
  return write(lines, o);
}

/** A bulk "Jour" file: index readings (EAS T) at each Paris midnight, then the `Periode` block. */
export function jourFile(index: Array<[day: string, wh: number | null]>, o: FileOptions = {}): Buffer {
  const regs = [
    ...Array.from({ length: 10 }, (_, i) => `EAS F${i + 1}`),
    "EAS D1",
    "EAS D2",
    "EAS D3",
    "EAS D4",
    "EAS T",
  ];
  const lines = [
    BULK_NAMES.replace(";Pas en minutes", ""),
    `${PRM};Index;${index[0]![0]};${index[index.length - 1]![0]};Energie active;Consommation;Comptage Brut;Wh`,
    `Horodate;Type de releve;${regs.join(";")}`,
    ...index.map(([day, wh]) => {
      const v = wh === null ? "" : String(wh);
      // F1 (the only supplier class), F2..F10 empty, D1 (the only distributor class), D2..D4 empty, T.
      return [isoParis(midnight(day)), "Arrêté quotidien", v, ...Array(9).fill(""), v, "", "", "", v].join(
        ";",
      );
    }),
    "Periode;Identifiant calendrier fournisseur;Libelle calendrier fournisseur;Identifiant classe temporelle 1",
    "01/01/2024 - 31/12/2024;FC000012;Base;BASE",
  ];
  return write(lines, o);
}

/** A bulk "Pmax" file: `[instant of the peak, VA]`. */
export function pmaxFile(rows: Array<[ms: number, va: number | null]>, o: FileOptions = {}): Buffer {
  const lines = [
    BULK_NAMES,
    `${PRM};Puissance maximale;01/01/2024;31/12/2024;Puissance apparente;Consommation;Comptage Brut;VA;`,
    "Horodate;Valeur",
    ...rows.map(([ms, va]) => `${isoParis(ms)};${va ?? ""}`),
  ];
  return write(lines, o);
}

/** Conso Downloader: `debut;fin;kW`, quoted decimal-comma kW, debut = interval start. */
export function consoDownloaderFile(
  from: string,
  to: string,
  stepMin: number,
  kw: (i: number) => string | null,
  o: FileOptions = {},
): Buffer {
  const lines = [
    "debut;fin;kW",
    ...ends(from, to, stepMin).map((end, i) => {
      const v = kw(i);
      return `${isoParis(end - stepMin * 60_000)};${isoParis(end)};${v === null ? "" : `"${v}"`}`;
    }),
  ];
  return write(lines, o);
}

/** R63: flat rows with naive Paris END labels and `Pas`. */
export function r63File(
  from: string,
  to: string,
  stepMin: number,
  value: (i: number) => number | null,
  o: FileOptions = {},
): Buffer {
  const lines = [
    "Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;Etat complémentaire",
    ...ends(from, to, stepMin).map(
      (t, i) => `${PRM};${from};${to};PA;CONS;BRUT;W;${naiveParis(t)};${value(i) ?? ""};B;PT${stepMin}M;0;0`,
    ),
  ];
  return write(lines, o);
}

/** The weekly XLSX: description rows, then from row 15 `dd/mm/YYYY HH:MM:SS` and decimal-comma kW. */
export async function xlsxFile(
  from: string,
  to: string,
  stepMin: number,
  kw: (i: number) => string | null,
  sheet = "Consommation Horaire",
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  ws.getCell("A1").value = "Consommation horaire";
  ws.getCell("A3").value = "Identifiant PRM";
  ws.getCell("B3").value = PRM;
  ws.getCell("A5").value = `Du ${from} au ${to}`;
  ws.getCell("A14").value = "Date et heure";
  ws.getCell("B14").value = "Consommation (kW)";
  ends(from, to, stepMin).forEach((t, i) => {
    ws.getCell(`A${15 + i}`).value = frParis(t);
    const v = kw(i);
    if (v !== null) ws.getCell(`B${15 + i}`).value = v;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
