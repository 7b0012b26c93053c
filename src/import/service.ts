/**
 * One file into the meters of its usage point: parse (format from the content), check the PRM against
 * the account, then import into each meter of the PRM. Used by the `import` command and the meter page's
 * upload. Throws `ImportRefusal` (nothing stored) for a file that is not an Enedis export, names another
 * usage point, or has no account here.
 */
import type { Store } from "../store/index.js";
import { importParsedFile, type FileImportReport, type ImportProgress } from "./file-import.js";
import { parseFile } from "./formats.js";
import { ImportRefusal } from "./text.js";

export interface ImportFileOptions {
  /** The account's usage point: the file must name it (or none). */
  usagePointId?: string;
  /** Only this meter (the upload on a meter's page). */
  deviceId?: number;
  nowMs: number;
  onProgress?: (deviceId: number, p: ImportProgress) => void;
}

/** The meters a file goes to: those with an account for the PRM. */
async function devicesFor(store: Store, prm: string): Promise<number[]> {
  const ids: number[] = [];
  for (const a of await store.accounts.findByUsagePoint(prm)) {
    const d = await store.devices.findByUserAndMac(a.userId, prm);
    if (d && !ids.includes(d.id)) ids.push(d.id);
  }
  return ids;
}

export async function importFile(
  store: Store,
  buf: Uint8Array,
  fileName: string,
  opts: ImportFileOptions,
): Promise<FileImportReport[]> {
  const parsed = await parseFile(buf, fileName);
  if (opts.usagePointId && parsed.usagePointId && parsed.usagePointId !== opts.usagePointId)
    throw new ImportRefusal(null, "the file is for another usage point than the account's");
  const prm = opts.usagePointId ?? parsed.usagePointId;
  if (!prm) throw new ImportRefusal(null, "the file names no usage point: give --usage-point PRM");
  let devices = await devicesFor(store, prm);
  if (opts.deviceId !== undefined) devices = devices.filter((d) => d === opts.deviceId);
  if (devices.length === 0)
    throw new ImportRefusal(
      null,
      "the usage point has no account here (add one with: account add --user NAME --usage-point PRM)",
    );
  const reports: FileImportReport[] = [];
  for (const deviceId of devices) {
    reports.push(
      await importParsedFile(store, deviceId, parsed, {
        nowMs: opts.nowMs,
        ...(opts.onProgress && { onProgress: (p: ImportProgress) => opts.onProgress?.(deviceId, p) }),
      }),
    );
  }
  return reports;
}
