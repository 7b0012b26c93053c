/** Pieces every gateway source shares: window rules (Enedis' own, which every gateway forwards). */
import { daysBetween, parisToday } from "../domain/time.js";
import { datasetSpec } from "../domain/datasets.js";
import { maxDaysPerCall, windowViolation, type Window } from "../domain/windows.js";
import type { DatasetKey } from "../domain/types.js";
import type { SourceCapabilities } from "./port.js";

export class GatewayWindows {
  private readonly learned = new Map<DatasetKey, number>();

  constructor(
    private readonly now: () => number,
    private readonly dailyWindowDays = 365,
  ) {}

  maxDaysPerCall(dataset: DatasetKey): number {
    const days = Math.min(this.learned.get(dataset) ?? this.dailyWindowDays, this.dailyWindowDays);
    return maxDaysPerCall(datasetSpec(dataset), { dailyWindowDays: days });
  }

  shrinkWindow(dataset: DatasetKey, w: Window): number {
    const span = daysBetween(w.from, w.to);
    if (datasetSpec(dataset).hardMaxDaysPerCall === null && span > 1) {
      const half = Math.ceil(span / 2);
      if (half < this.maxDaysPerCall(dataset)) this.learned.set(dataset, half);
    }
    return this.maxDaysPerCall(dataset);
  }

  /** Throws RangeError for a window no call may carry (checked before anything is sent). */
  check(dataset: DatasetKey, w: Window): void {
    const v = windowViolation(datasetSpec(dataset), w, parisToday(this.now()), {
      dailyWindowDays: this.maxDaysPerCall(dataset),
    });
    if (v) throw new RangeError(v);
  }
}

/**
 * What every community gateway shares: no services discovery, one daily run between 06:00 and 10:00
 * Paris with an early-afternoon retry, the same error classes, no gate, services or contract scopes of
 * Enedis. Each source says only what differs (its kind, datasets, contract facts, stamps, quota).
 */
export function gatewayCapabilities(
  own: Pick<SourceCapabilities, "kind" | "datasets" | "contract" | "timestamps" | "quota">,
): SourceCapabilities {
  return {
    ...own,
    servicesDiscovery: false,
    calls: { dailyRun: { startHour: 6, endHour: 10, retryHour: 13 } },
    errors: [
      "bad_request",
      "no_consent",
      "quota",
      "transient",
      "no_data_yet",
      "wrong_direction",
      "load_curve_off",
      "before_activation",
      "beyond_history",
      "gateway_banned",
    ],
    gateScope: null,
    servicesScope: null,
    contractScopes: [],
  };
}
