/**
 * Files people give us: Tempo colours (`date;colour`) and the CRE open-data CSV of regulated tariffs
 * ("Historique des TRV d'électricité résidentiels": `;`, decimal comma, `dd/MM/yyyy`, empty DATE_FIN =
 * in force, fixed part EUR per year, variable EUR per kWh; see /work/shared/docs/tariffs.md §2e).
 */
import { isLocalDate, type LocalDate } from "../domain/time.js";
import { validateOffer, type Offer } from "./offers.js";
import type { TempoColour } from "./pricing.js";

export class FileFormatError extends Error {
  override readonly name = "FileFormatError";
}

const COLOURS: Record<string, TempoColour> = {
  BLEU: "BLEU",
  BLUE: "BLEU",
  BLANC: "BLANC",
  WHITE: "BLANC",
  ROUGE: "ROUGE",
  RED: "ROUGE",
};

/** A colour word (`BLEU`/`BLUE`, any case; RTE's `BLUE`/`WHITE`/`RED`), or undefined. */
export function tempoColourOf(word: string): TempoColour | undefined {
  return COLOURS[word.trim().toUpperCase()];
}

/** `date;colour` or `date,colour` lines, header optional; a bad line fails the whole file. */
export function parseTempoCsv(text: string): { day: LocalDate; colour: TempoColour }[] {
  const out: { day: LocalDate; colour: TempoColour }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const [d = "", c = ""] = line.split(/[;,]/).map((s) => s.trim().replace(/^"|"$/g, ""));
    if (i === 0 && !isLocalDate(d)) return; // header
    if (!isLocalDate(d)) throw new FileFormatError(`line ${i + 1}: "${d}" is not a date YYYY-MM-DD`);
    const colour = tempoColourOf(c);
    if (!colour)
      throw new FileFormatError(`line ${i + 1}: "${c}" is not a Tempo colour (BLEU, BLANC, ROUGE)`);
    out.push({ day: d, colour });
  });
  if (out.length === 0) throw new FileFormatError("no Tempo day in the file");
  return out;
}

function frDate(s: string, where: string): LocalDate {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s.trim());
  const d = m ? `${m[3]}-${m[2]}-${m[1]}` : s.trim();
  if (!isLocalDate(d)) throw new FileFormatError(`${where}: "${s}" is not a date dd/MM/yyyy`);
  return d;
}

function frNumber(s: string, where: string): number {
  const n = Number(s.trim().replace(/\s/g, "").replace(",", "."));
  if (s.trim() === "" || !Number.isFinite(n)) throw new FileFormatError(`${where}: "${s}" is not a number`);
  return n;
}

const VARIABLE = {
  base: { base: "PART_VARIABLE_TTC" },
  hphc: { hp: "PART_VARIABLE_HP_TTC", hc: "PART_VARIABLE_HC_TTC" },
  tempo: {
    hp_bleu: "PART_VARIABLE_HPBleu_TTC",
    hc_bleu: "PART_VARIABLE_HCBleu_TTC",
    hp_blanc: "PART_VARIABLE_HPBlanc_TTC",
    hc_blanc: "PART_VARIABLE_HCBlanc_TTC",
    hp_rouge: "PART_VARIABLE_HPRouge_TTC",
    hc_rouge: "PART_VARIABLE_HCRouge_TTC",
  },
} as const;

const LABEL = { base: "Base", hphc: "HP/HC", tempo: "Tempo" } as const;

export interface CreImport {
  kind: Offer["kind"];
  offers: Offer[];
  /** Newest DATE_DEBUT in the file. */
  newest: LocalDate;
}

/**
 * Reads a CRE CSV (Base, HP/HC or Tempo, told apart by its columns) into one dated offer per subscribed
 * power, named `Tarif Bleu <kind> <kVA> kVA (CRE)`; HP/HC offers use the contract's off-peak hours.
 */
export function parseCreCsv(text: string, fileName = "file"): CreImport {
  const lines = text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((l) => l.replace(/[;\s]/g, "") !== "");
  const header = (lines[0] ?? "").split(";").map((h) => h.trim());
  const col = (name: string) => header.findIndex((h) => h.toUpperCase() === name.toUpperCase());
  const kind: Offer["kind"] | undefined =
    col(VARIABLE.tempo.hp_rouge) >= 0
      ? "tempo"
      : col(VARIABLE.hphc.hp) >= 0
        ? "hphc"
        : col(VARIABLE.base.base) >= 0
          ? "base"
          : undefined;
  if (!kind)
    throw new FileFormatError(
      `${fileName}: not a CRE tariff file (no PART_VARIABLE_TTC, PART_VARIABLE_HP_TTC or PART_VARIABLE_HPRouge_TTC column)`,
    );
  for (const c of ["DATE_DEBUT", "P_SOUSCRITE", "PART_FIXE_TTC"])
    if (col(c) < 0) throw new FileFormatError(`${fileName}: no ${c} column`);
  const byKva = new Map<
    number,
    { from: LocalDate; to: LocalDate | null; fixed: number; prices: Record<string, number> }[]
  >();
  let newest = "0000-00-00";
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(";");
    const where = `${fileName} line ${i + 1}`;
    const get = (c: string) => cells[col(c)] ?? "";
    const from = frDate(get("DATE_DEBUT"), `${where} DATE_DEBUT`);
    const end = col("DATE_FIN") >= 0 ? get("DATE_FIN").trim() : "";
    const to = end === "" ? null : frDate(end, `${where} DATE_FIN`);
    const kva = frNumber(get("P_SOUSCRITE"), `${where} P_SOUSCRITE`);
    const fixedPart = get("PART_FIXE_TTC");
    // Rows announced without prices (a power not sold in that period) are skipped.
    if (fixedPart.trim() === "") continue;
    const fixed = frNumber(fixedPart, `${where} PART_FIXE_TTC`);
    const prices: Record<string, number> = {};
    for (const [key, c] of Object.entries(VARIABLE[kind])) prices[key] = frNumber(get(c), `${where} ${c}`);
    if (from > newest) newest = from;
    const list = byKva.get(kva) ?? [];
    list.push({ from, to, fixed, prices });
    byKva.set(kva, list);
  }
  if (byKva.size === 0) throw new FileFormatError(`${fileName}: no tariff row`);
  const offers: Offer[] = [];
  for (const [kva, rows] of [...byKva].sort((a, b) => a[0] - b[0])) {
    rows.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    // The same start twice: the later line wins.
    const unique = rows.filter((r, i) => rows[i + 1]?.from !== r.from);
    offers.push(
      validateOffer({
        name: `Tarif Bleu ${LABEL[kind]} ${kva} kVA (CRE)`,
        kind,
        ...(kind === "hphc" && { offpeak: "contract" }),
        source: `CRE open data (${fileName}), TTC`,
        prices: unique.map((r, i) => {
          const next = unique[i + 1];
          // DATE_FIN is the last day in force; a row overlapping the next is cut at the next's start.
          const to = r.to !== null && (!next || r.to < next.from) ? r.to : undefined;
          return {
            from: r.from,
            ...(to !== undefined && { to }),
            subscription_eur_per_month: Math.round((r.fixed / 12) * 1e6) / 1e6,
            ...r.prices,
          };
        }),
      }),
    );
  }
  return { kind, offers, newest };
}

/** The last regulated change (1 February or 1 August) on or before `today`. */
export function lastRegulatedChange(today: LocalDate): LocalDate {
  const y = Number(today.slice(0, 4));
  const md = today.slice(5);
  if (md >= "08-01") return `${y}-08-01`;
  if (md >= "02-01") return `${y}-02-01`;
  return `${y - 1}-08-01`;
}
