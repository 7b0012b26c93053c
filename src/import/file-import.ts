/**
 * Imports a parsed file into a meter's history through the sync's own writer (`sync/store-adapter.ts`):
 * the same upserts, month recomputation and completeness ledger, the ledger's days marked `file`.
 *
 * Rules:
 * - one transaction per file: a file is stored whole or not at all;
 * - the API wins: a stored value (whoever stored it) is never overwritten by a file; where the file says
 *   something else the day is reported as a conflict (count and first days) and the stored value stays;
 * - a file never downgrades a day: a day the ledger already has complete is left as it is, and a day whose
 *   counts would not change is not recorded again, so importing the same file twice changes nothing;
 * - a missing measure (empty cell) is stored as a NULL (never a zero) and never replaces a value.
 */
import { parisDateOf, parisDayBounds, parisDayLengthMin, type LocalDate } from "../domain/time.js";
import type { Reading } from "../domain/types.js";
import { UniqueViolationError, type Repositories, type Store } from "../store/index.js";
import { writer } from "../sync/store-adapter.js";
import type { LedgerEntry } from "../sync/ports.js";
import { writeImportedCurve } from "./curve-writer.js";
import { mergeAgainstStored } from "./merge.js";
import type { ParsedFile } from "./text.js";

const CHUNK = 50_000;

export interface ImportProgress {
  done: number;
  total: number;
}

export interface FileImportReport {
  deviceId: number;
  dataset: ParsedFile["dataset"];
  format: ParsedFile["format"];
  /** Readings in the file (missing ones included). */
  readings: number;
  /** Readings newly stored (or filling a stored missing measure). */
  stored: number;
  /** Readings already stored with the same value. */
  unchanged: number;
  /** Empty cells (missing measures) in the file. */
  missing: number;
  /** Readings the stored data contradicts (the stored value stays), and the first days they fall on. */
  conflicts: { count: number; firstDays: LocalDate[] };
  /** Days recorded in the ledger by this import, by status. */
  days: { complete: number; partial: number; missing: number };
  /**
   * "Jour" files: their index readings (one per register used and day, dataset `consumption_index`):
   * in the file, newly stored, already stored alike. Conflicts with stored readings are counted above.
   */
  index?: { readings: number; stored: number; unchanged: number };
}

export async function importParsedFile(
  store: Store,
  deviceId: number,
  file: ParsedFile,
  opts: { nowMs: number; onProgress?: (p: ImportProgress) => void },
): Promise<FileImportReport> {
  const readings = file.readings;
  const curve = file.dataset === "consumption_load_curve";
  const first = readings[0] as Reading;
  const last = readings[readings.length - 1] as Reading;
  const fromMs = parisDayBounds(parisDateOf(first.startMs)).startMs;
  const toMs = parisDayBounds(parisDateOf(last.startMs)).endMs;
  const report: FileImportReport = {
    deviceId,
    dataset: file.dataset,
    format: file.format,
    readings: readings.length,
    stored: 0,
    unchanged: 0,
    missing: readings.filter((r) => r.value === null).length,
    conflicts: { count: 0, firstDays: [] },
    days: { complete: 0, partial: 0, missing: 0 },
  };
  const conflictDays = new Set<LocalDate>();
  let conflicts = 0;
  // Retried once when another writer of the meter wrote the same points meanwhile (the unique key
  // refused this transaction whole): the retry finds them stored and merges.
  for (let attempt = 1; ; attempt++) {
    try {
      await store.transaction(
        async (tx) => {
          conflictDays.clear();
          conflicts = 0;
          report.days = { complete: 0, partial: 0, missing: 0 };
          const w = writer(tx);
          let after: readonly Reading[];
          if (curve) {
            // The bulk writer: COPY into a range the meter has nothing in, else what is stored wins.
            const res = await writeImportedCurve(
              tx,
              deviceId,
              readings,
              { fromMs, toMs },
              { slice: CHUNK, onProgress: (done, total) => opts.onProgress?.({ done, total }) },
            );
            report.stored = res.stored;
            report.unchanged = res.unchanged;
            conflicts = res.conflicts.length;
            for (const t of res.conflicts) conflictDays.add(parisDateOf(t));
            after = res.fresh
              ? readings
              : await tx.measures.readings(deviceId, file.dataset, fromMs, toMs, { includeMissing: true });
          } else {
            const existing = await tx.measures.readings(deviceId, file.dataset, fromMs, toMs, {
              includeMissing: true,
            });
            const merged = mergeAgainstStored(readings, existing);
            report.unchanged = merged.unchanged;
            conflicts = merged.conflicts.length;
            for (const t of merged.conflicts) conflictDays.add(parisDateOf(t));
            const toWrite = merged.toWrite;
            for (let i = 0; i < toWrite.length; i += CHUNK) {
              await w.saveReadings(deviceId, file.dataset, toWrite.slice(i, i + CHUNK));
              opts.onProgress?.({ done: Math.min(i + CHUNK, toWrite.length), total: toWrite.length });
            }
            report.stored = toWrite.length;
            after = await tx.measures.readings(deviceId, file.dataset, fromMs, toMs, {
              includeMissing: true,
            });
          }

          // The ledger of the days the file touches, from what is stored now.
          const covered = new Map<LocalDate, { minutes: number; rows: number; step: number }>();
          for (const r of readings)
            covered.set(parisDateOf(r.startMs), { minutes: 0, rows: 0, step: r.lengthMin });
          for (const r of after) {
            const c = covered.get(parisDateOf(r.startMs));
            if (!c || r.value === null) continue;
            c.minutes += r.lengthMin;
            c.rows++;
          }
          const known = new Map(
            (
              await tx.ledger.list(deviceId, file.dataset, {
                fromDay: parisDateOf(fromMs),
                toDay: parisDateOf(toMs),
              })
            ).map((d) => [d.day, d]),
          );
          const entries: LedgerEntry[] = [];
          for (const [day, c] of covered) {
            const need = curve ? parisDayLengthMin(day) : c.minutes > 0 ? c.minutes : parisDayLengthMin(day);
            const expected = curve ? Math.round(need / c.step) : 1;
            const received = curve ? Math.round(Math.min(c.minutes, need) / c.step) : c.rows > 0 ? 1 : 0;
            const status = c.minutes >= need ? "complete" : c.minutes > 0 ? "partial" : "missing";
            const old = known.get(day);
            // A day the ledger has complete stays as it is; a `gap` (Enedis had nothing) is what files fill.
            if (old && old.status === "complete") continue;
            if (old && old.status === status && old.received === received && old.expected === expected)
              continue;
            entries.push({ day, expected, received, status, source: "file" });
            report.days[status]++;
          }
          if (entries.length > 0) await w.recordLedger(deviceId, file.dataset, entries, opts.nowMs);
          if (file.index) {
            const ix = await importIndex(tx, deviceId, file.index, opts.nowMs);
            report.index = ix.report;
            conflicts += ix.conflicts.length;
            for (const t of ix.conflicts) conflictDays.add(parisDateOf(t));
          }
        },
        { durability: "full" },
      );
      break;
    } catch (e) {
      if (attempt >= 2 || !(e instanceof UniqueViolationError)) throw e;
    }
  }
  report.conflicts = { count: conflicts, firstDays: [...conflictDays].sort().slice(0, 5) };
  return report;
}

/**
 * A "Jour" file's index readings (`consumption_index`), register by register: what is stored wins (a
 * reading the stored one contradicts is a conflict), the rest is stored with its `Type de releve`; the
 * ledger gets each day whose total (`EAS T`) is there (complete) or empty (missing), unless it has the
 * day complete already or with the same counts.
 */
async function importIndex(
  tx: Repositories,
  deviceId: number,
  groups: NonNullable<ParsedFile["index"]>,
  nowMs: number,
): Promise<{ report: NonNullable<FileImportReport["index"]>; conflicts: number[] }> {
  const all = groups.flatMap((g) => g.readings);
  const report = { readings: all.length, stored: 0, unchanged: 0 };
  const conflicts: number[] = [];
  if (all.length === 0) return { report, conflicts };
  let fromMs = Number.MAX_SAFE_INTEGER;
  let toMs = Number.MIN_SAFE_INTEGER;
  for (const r of all) {
    fromMs = Math.min(fromMs, r.startMs);
    toMs = Math.max(toMs, r.startMs + r.lengthMin * 60_000);
  }
  const storedBy = new Map<string, Reading[]>();
  for (const r of await tx.measures.readings(deviceId, "consumption_index", fromMs, toMs, {
    includeMissing: true,
  })) {
    const k = r.register ?? "";
    let l = storedBy.get(k);
    if (!l) storedBy.set(k, (l = []));
    l.push(r);
  }
  for (const g of groups) {
    const byRegister = new Map<string, Reading[]>();
    for (const r of g.readings) {
      const k = r.register ?? "";
      let l = byRegister.get(k);
      if (!l) byRegister.set(k, (l = []));
      l.push(r);
    }
    const toWrite: Reading[] = [];
    for (const [register, readings] of byRegister) {
      const merged = mergeAgainstStored(readings, storedBy.get(register) ?? []);
      report.unchanged += merged.unchanged;
      conflicts.push(...merged.conflicts);
      toWrite.push(...merged.toWrite);
    }
    if (toWrite.length > 0)
      await tx.measures.upsertIndex(deviceId, "consumption", toWrite, { readingType: g.readingType });
    report.stored += toWrite.length;
  }
  const known = new Map(
    (
      await tx.ledger.list(deviceId, "consumption_index", {
        fromDay: parisDateOf(fromMs),
        toDay: parisDateOf(toMs),
      })
    ).map((d) => [d.day, d]),
  );
  const entries: LedgerEntry[] = [];
  for (const r of all) {
    if (r.register !== "EAS T") continue;
    const day = parisDateOf(r.startMs);
    const received = r.value === null ? 0 : 1;
    const status = received === 1 ? "complete" : "missing";
    const old = known.get(day);
    if (old && (old.status === "complete" || (old.status === status && old.received === received))) continue;
    entries.push({ day, expected: 1, received, status, source: "file" });
  }
  if (entries.length > 0) await writer(tx).recordLedger(deviceId, "consumption_index", entries, nowMs);
  return { report, conflicts };
}
