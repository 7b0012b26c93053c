/**
 * The history imports' load-curve writer (Enedis files, the seed migration), inside the caller's
 * transaction, through the store's bulk writer (`tx.curveBulk`):
 *
 * - the meter's range is claimed first (its bulk-write lock, and whether it holds anything);
 * - an empty range is written straight (PostgreSQL `COPY`, SQLite prepared batches);
 * - otherwise what is stored wins (`mergeAgainstStored`): absent points are added and stored missing
 *   measures filled (COPY into a staging table + one INSERT … SELECT … ON CONFLICT on PostgreSQL), every
 *   contradiction is returned as a conflict and the stored value stays;
 * - the meter's last value moves forward as the sync's writer moves it.
 */
import type { Reading } from "../domain/types.js";
import type { Repositories } from "../store/index.js";
import { mergeAgainstStored } from "./merge.js";

const MIN = 60_000;

export interface CurveWriteResult {
  /** True when the range held nothing: every reading was written as it came. */
  fresh: boolean;
  /** Readings written (new, or filling a stored missing measure). */
  stored: number;
  /** Readings already stored with the same value. */
  unchanged: number;
  /** Start instants of the readings the stored data contradicts (not written). */
  conflicts: number[];
}

/**
 * Consumption load-curve readings (by start, ascending) of one meter into `[fromMs, toMs)` (the range
 * claimed: at least the readings' span). `onProgress` after each slice written.
 */
export async function writeImportedCurve(
  tx: Repositories,
  deviceId: number,
  readings: readonly Reading[],
  range: { fromMs: number; toMs: number },
  opts: {
    slice?: number;
    onProgress?: (done: number, total: number) => void;
    /** Move the meter's last value (default true; a long import does it with its newest chunk only). */
    lastValue?: boolean;
  } = {},
): Promise<CurveWriteResult> {
  if (readings.length === 0) return { fresh: true, stored: 0, unchanged: 0, conflicts: [] };
  const fresh = await tx.curveBulk.claimRange(deviceId, "consumption", range.fromMs, range.toMs - 1);
  let toWrite: readonly Reading[] = readings;
  let unchanged = 0;
  let conflicts: number[] = [];
  if (!fresh) {
    const stored = await tx.measures.readings(deviceId, "consumption_load_curve", range.fromMs, range.toMs, {
      includeMissing: true,
    });
    const merged = mergeAgainstStored(readings, stored);
    toWrite = merged.toWrite;
    unchanged = merged.unchanged;
    conflicts = merged.conflicts;
  }
  const slice = opts.slice ?? toWrite.length;
  for (let i = 0; i < toWrite.length; i += slice) {
    const part = toWrite.slice(i, i + slice);
    if (fresh) await tx.curveBulk.insertNew(deviceId, "consumption", part);
    else await tx.curveBulk.fill(deviceId, "consumption", part);
    opts.onProgress?.(Math.min(i + slice, toWrite.length), toWrite.length);
  }
  if (toWrite.length > 0 && opts.lastValue !== false) {
    let last = toWrite[0] as Reading;
    for (const r of toWrite) if (r.startMs > last.startMs) last = r;
    await tx.devices.advanceLastValue(deviceId, last.value, last.startMs + last.lengthMin * MIN);
  }
  return { fresh, stored: toWrite.length, unchanged, conflicts };
}
