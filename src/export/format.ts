/**
 * The export format of `contract.md`, one implementation for the CLI's `export` and the web's downloads
 * (`/api/v1/usage-points/{prm}/export`): the same bytes for the same range, whoever asks.
 *
 * - One row per stored measure with a value (missing measures are left out), ordered by start (then by
 *   register for indexes), `from` inclusive and `to` exclusive.
 * - CSV: a header `start,end,value,unit` (+ `peak_at` for max power, `register` for indexes), then one
 *   line per row; JSON: an array of objects with the same keys. Both end with a newline.
 * - Streamed: `exportChunks` reads the store one time slice at a time (a few thousand rows), so a
 *   3-year load curve is never held in memory, neither as rows nor as text.
 */
import { isoUtc } from "../domain/time.js";
import { DATASET_KEYS, isDatasetKey, type DatasetKey, type Reading } from "../domain/types.js";
import { datasetSpec } from "../enedis/datasets/index.js";
import type { Store } from "../store/index.js";

export type ExportFormat = "csv" | "json";

export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "json"];

export type ExportRow = Record<string, string | number>;

const DAY_MS = 86_400_000;

/** A dataset by its contract name or its Data Connect 2026 ressource name, or null. */
export function datasetKeyOf(name: string): DatasetKey | null {
  if (isDatasetKey(name)) return name;
  return DATASET_KEYS.find((k) => datasetSpec(k).ressource === name) ?? null;
}

/** The columns of a dataset's export, in order. */
export function exportColumns(dataset: DatasetKey): string[] {
  const kind = datasetSpec(dataset).kind;
  return [
    "start",
    "end",
    "value",
    "unit",
    ...(kind === "maxPower" ? ["peak_at"] : []),
    ...(kind === "index" ? ["register"] : []),
  ];
}

/** One reading (with a value) as an export row. */
export function exportRow(dataset: DatasetKey, r: Reading): ExportRow {
  const spec = datasetSpec(dataset);
  const row: ExportRow = {
    start: isoUtc(r.startMs),
    end: isoUtc(r.startMs + r.lengthMin * 60_000),
    value: r.value as number,
    unit: spec.unit,
  };
  if (spec.kind === "maxPower") row.peak_at = r.peakAtMs ? isoUtc(r.peakAtMs) : "";
  if (spec.kind === "index") row.register = r.register ?? "";
  return row;
}

function byStartThenRegister(a: Reading, b: Reading): number {
  return a.startMs - b.startMs || (a.register ?? "").localeCompare(b.register ?? "");
}

/** The readings that have a value, in export order. */
export function exportOrder(readings: readonly Reading[]): Reading[] {
  return readings.filter((r) => r.value !== null).sort(byStartThenRegister);
}

/** Rows of a list of readings (small ranges, tests). */
export function exportRows(dataset: DatasetKey, readings: readonly Reading[]): ExportRow[] {
  return exportOrder(readings).map((r) => exportRow(dataset, r));
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(columns: readonly string[], row: ExportRow): string {
  let out = "";
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) out += ",";
    out += csvCell(row[columns[i] as string] ?? "");
  }
  return out;
}

/** `isoUtc` for the hot path: the same text (second precision, `Z`) without a regular expression. */
function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * One reading as one line of the export, written straight from its fields: the same text as
 * `csvLine(exportRow(…))` or `JSON.stringify(exportRow(…))` (instants, numbers and units never need
 * quoting; a register goes through the general path), several times faster on a 3-year curve.
 */
function lineWriter(dataset: DatasetKey, format: ExportFormat): (r: Reading) => string {
  const spec = datasetSpec(dataset);
  const unit = spec.unit;
  if (spec.kind === "index") {
    const columns = exportColumns(dataset);
    return format === "csv"
      ? (r) => csvLine(columns, exportRow(dataset, r))
      : (r) => JSON.stringify(exportRow(dataset, r));
  }
  const end = (r: Reading) => iso(r.startMs + r.lengthMin * 60_000);
  if (spec.kind === "maxPower") {
    return format === "csv"
      ? (r) => `${iso(r.startMs)},${end(r)},${r.value as number},${unit},${r.peakAtMs ? iso(r.peakAtMs) : ""}`
      : (r) =>
          `{"start":"${iso(r.startMs)}","end":"${end(r)}","value":${JSON.stringify(r.value)},"unit":"${unit}","peak_at":"${r.peakAtMs ? iso(r.peakAtMs) : ""}"}`;
  }
  return format === "csv"
    ? (r) => `${iso(r.startMs)},${end(r)},${r.value as number},${unit}`
    : (r) =>
        `{"start":"${iso(r.startMs)}","end":"${end(r)}","value":${JSON.stringify(r.value)},"unit":"${unit}"}`;
}

/** How much time one read of the store covers: a few thousand rows at most, whatever the dataset. */
function sliceMs(dataset: DatasetKey): number {
  const kind = datasetSpec(dataset).kind;
  if (kind === "curve") return 42 * DAY_MS; // 6,048 rows at a 10-minute step
  if (kind === "index") return 92 * DAY_MS; // a few registers per day
  return 366 * DAY_MS;
}

export interface ExportRange {
  deviceId: number;
  dataset: DatasetKey;
  /** First instant, inclusive (a Paris midnight). */
  fromMs: number;
  /** Last instant, exclusive. */
  toMs: number;
  format: ExportFormat;
}

/**
 * The export as text chunks (one per slice of the range, none empty): header first, then the rows.
 * Memory holds one slice at a time; the caller writes each chunk before asking for the next.
 */
export async function* exportChunks(
  store: Pick<Store, "measures">,
  range: ExportRange,
): AsyncGenerator<string, void, undefined> {
  const { dataset, format } = range;
  const columns = exportColumns(dataset);
  const line = lineWriter(dataset, format);
  let first = true;
  yield format === "csv" ? `${columns.join(",")}\n` : "[";
  const step = sliceMs(dataset);
  for (let from = range.fromMs; from < range.toMs; from += step) {
    const to = Math.min(range.toMs, from + step);
    const readings = exportOrder(await store.measures.readings(range.deviceId, dataset, from, to));
    if (readings.length === 0) continue;
    const parts = new Array<string>(readings.length);
    for (let i = 0; i < readings.length; i++) parts[i] = line(readings[i] as Reading);
    if (format === "csv") yield `${parts.join("\n")}\n`;
    else {
      yield `${first ? "" : ","}${parts.join(",")}`;
      first = false;
    }
  }
  if (format === "json") yield "]\n";
}

/** The file name a download is offered under. */
export function exportFileName(
  usagePointId: string,
  dataset: DatasetKey,
  from: string,
  to: string,
  format: ExportFormat,
): string {
  return `${usagePointId}_${dataset}_${from}_${to}.${format}`;
}
