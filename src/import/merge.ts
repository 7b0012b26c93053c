/**
 * Imported readings against what is stored already (whoever stored it: the API, an earlier import): the
 * stored values win. Shared by the file import and the seed migration.
 *
 * For each imported reading, by start:
 * - a stored reading of the same start with a value: `unchanged` when the import says the same (or has
 *   nothing), else a conflict (the stored value stays);
 * - a stored interval with a value that overlaps it with another start (a 60-minute file over 30-minute
 *   API data): a conflict when the import has a value, and nothing written;
 * - a stored missing measure (NULL) of the same start: filled by a value, `unchanged` by another null;
 * - nothing stored: written.
 */
import type { Reading } from "../domain/types.js";

/** Values closer than this are the same measure (W, Wh or VA; files round differently). */
export const SAME = 0.01;

export interface MergeResult {
  /** What to write: absent readings, and values for stored missing measures. */
  toWrite: Reading[];
  unchanged: number;
  /** Start instants of the imported readings the stored data contradicts. */
  conflicts: number[];
}

function differs(a: Reading, b: Reading): boolean {
  return a.lengthMin !== b.lengthMin || Math.abs((a.value as number) - (b.value as number)) > SAME;
}

/** `incoming` and `stored` by start, ascending. */
export function mergeAgainstStored(incoming: readonly Reading[], stored: readonly Reading[]): MergeResult {
  const byStart = new Map(stored.map((r) => [r.startMs, r]));
  const valued = stored.filter((r) => r.value !== null);
  const out: MergeResult = { toWrite: [], unchanged: 0, conflicts: [] };
  let k = 0;
  for (const r of incoming) {
    const endMs = r.startMs + r.lengthMin * 60_000;
    while (
      k < valued.length &&
      (valued[k] as Reading).startMs + (valued[k] as Reading).lengthMin * 60_000 <= r.startMs
    )
      k++;
    const same = byStart.get(r.startMs);
    if (same && same.value !== null) {
      if (r.value === null || !differs(r, same)) out.unchanged++;
      else out.conflicts.push(r.startMs);
      continue;
    }
    const over = valued[k];
    if (over && over.startMs < endMs) {
      if (r.value !== null) out.conflicts.push(r.startMs);
      continue;
    }
    if (same && r.value === null) {
      out.unchanged++;
      continue;
    }
    out.toWrite.push(r);
  }
  return out;
}
