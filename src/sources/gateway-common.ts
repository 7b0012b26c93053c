/** Pieces every gateway source shares: window rules (Enedis' own, which every gateway forwards). */
import { daysBetween, parisToday } from "../domain/time.js";
import { datasetSpec } from "../domain/datasets.js";
import { maxDaysPerCall, windowViolation, type Window } from "../domain/windows.js";
import type { DatasetKey } from "../domain/types.js";

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
