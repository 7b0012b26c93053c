/**
 * The detectors' registry: one entry per detector file, each kind raised by exactly one detector (the
 * registry refuses a kind twice). `summary` is not detected here (a scheduled digest, see delivery).
 */
import type { AlertKind } from "../kinds.js";
import { consentDetector } from "./consent.js";
import { nightBaseLoadDetector, powerDetector, unusualDayDetector } from "./consumption.js";
import { gatewayDetector } from "./gateway.js";
import { staleDataDetector } from "./stale-data.js";
import { syncDetector } from "./sync.js";
import { offPeakDetector, tempoDetector } from "./tariff.js";
import type { Detector } from "./types.js";

function registry(list: Detector[]): readonly Detector[] {
  const seen = new Set<AlertKind>();
  for (const d of list)
    for (const k of d.kinds) {
      if (seen.has(k)) throw new Error(`alert kind ${k} has two detectors`);
      seen.add(k);
    }
  return list;
}

export const DETECTORS: readonly Detector[] = registry([
  consentDetector,
  gatewayDetector,
  staleDataDetector,
  syncDetector,
  nightBaseLoadDetector,
  unusualDayDetector,
  powerDetector,
  tempoDetector,
  offPeakDetector,
]);

/** Every kind a detector raises. */
export const DETECTED_KINDS: readonly AlertKind[] = DETECTORS.flatMap((d) => d.kinds);

export type { Detector, DetectContext } from "./types.js";
