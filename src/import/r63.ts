/**
 * The R63 flat file (load curve on formal request): a header naming its columns
 * (`Identifiant PRM;…;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;Etat complémentaire`),
 * rows `…;W;2023-03-13 00:30:00;692;B;PT30M;0;0`. `Horodate` is the interval's END in Paris wall time with
 * no offset: resolved with the sync's series walk, each point `Pas` long.
 */
import { parseStepMinutes } from "../domain/time.js";
import type { Reading } from "../domain/types.js";
import { instantsOf } from "./bulk-header.js";
import { checkSeries, ImportRefusal, norm, numberCell, prmCell, type ParsedFile, type Row } from "./text.js";

function columns(rows: readonly Row[]): Record<"prm" | "unit" | "time" | "value" | "step", number> {
  const h = rows[0]?.cells.map(norm) ?? [];
  return {
    prm: h.indexOf("identifiant prm"),
    unit: h.indexOf("unite"),
    time: h.indexOf("horodate"),
    value: h.indexOf("valeur"),
    step: h.indexOf("pas"),
  };
}

export function isR63(rows: readonly Row[]): boolean {
  const c = columns(rows);
  return c.prm === 0 && c.time > 0 && c.value > 0 && c.step > 0;
}

export function parseR63(rows: readonly Row[]): ParsedFile {
  const c = columns(rows);
  const data = rows.slice(1);
  if (data.length === 0) throw new ImportRefusal(rows[0]?.n ?? 1, "the file has a header and no data");
  let prm: string | null = null;
  const steps = data.map((r) => {
    const p = prmCell(r.cells[c.prm], r.n);
    if (prm !== null && p !== prm) throw new ImportRefusal(r.n, "a second usage point in the same file");
    prm = p;
    const unit = c.unit >= 0 ? (r.cells[c.unit] ?? "") : "W";
    if (!/^k?w$/i.test(unit)) throw new ImportRefusal(r.n, `unit "${unit}" is not a power in W`);
    const step = parseStepMinutes(r.cells[c.step] ?? "");
    if (step === null)
      throw new ImportRefusal(r.n, `Pas "${r.cells[c.step] ?? ""}" is not a step like PT30M`);
    return { step, factor: /^kw$/i.test(unit) ? 1000 : 1 };
  });
  // One walk per run of equal steps (old data may change from 60 to 30 minutes).
  const ends: number[] = [];
  for (let i = 0; i < data.length;) {
    let j = i;
    while (j < data.length && steps[j]!.step === steps[i]!.step) j++;
    const part = data.slice(i, j).map((r) => ({ label: r.cells[c.time] ?? "", n: r.n }));
    ends.push(...instantsOf(part, steps[i]!.step));
    i = j;
  }
  const readings: Reading[] = data.map((r, i) => {
    const v = numberCell(r.cells[c.value], r.n, "Valeur");
    const { step, factor } = steps[i]!;
    return {
      startMs: (ends[i] as number) - step * 60_000,
      lengthMin: step,
      value: v === null ? null : v * factor,
    };
  });
  checkSeries(readings, (i) => (data[i] as Row).n);
  return {
    format: "r63",
    usagePointId: prm,
    dataset: "consumption_load_curve",
    readings,
    lines: data.length,
  };
}
