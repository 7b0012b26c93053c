/** The sync's storage port implemented with the store's repositories. */
import { parisDateOf, type LocalDate } from "../domain/time.js";
import type { DatasetKey, Direction, Reading } from "../domain/types.js";
import { datasetSpec } from "../domain/datasets.js";
import type { Repositories, Store } from "../store/index.js";
import { ApiSubscriptionsRepository } from "../store/repositories/api-subscriptions.js";
import type { DailySeries } from "../store/repositories/measures.js";
import type { LedgerEntry, SyncStore, SyncWriter } from "./ports.js";

function months(readings: Reading[]): { from: string; to: string } | null {
  if (readings.length === 0) return null;
  let min = readings[0]!.startMs;
  let max = min;
  for (const r of readings) {
    if (r.startMs < min) min = r.startMs;
    if (r.startMs > max) max = r.startMs;
  }
  return { from: parisDateOf(min).slice(0, 7), to: parisDateOf(max).slice(0, 7) };
}

/**
 * A batch of load-curve points with the sync's semantics (the API's values replace stored ones). A large
 * batch (several windows committed together) into a range the meter has nothing in goes through the bulk
 * writer (PostgreSQL COPY, `tx.curveBulk`); anything else through the per-window upsert.
 */
async function saveCurve(
  tx: Repositories,
  deviceId: number,
  direction: Direction,
  readings: Reading[],
): Promise<void> {
  if (tx.curveBulk.pays(readings.length)) {
    let min = Number.MAX_SAFE_INTEGER;
    let max = Number.MIN_SAFE_INTEGER;
    for (const r of readings) {
      if (r.startMs < min) min = r.startMs;
      if (r.startMs > max) max = r.startMs;
    }
    if (await tx.curveBulk.claimRange(deviceId, direction, min, max)) {
      await tx.curveBulk.insertNew(deviceId, direction, readings);
      return;
    }
  }
  await tx.measures.upsertCurve(deviceId, direction, readings);
}

/** The sync's writer inside a store transaction (also the history imports' writer). */
export function writer(tx: Repositories): SyncWriter {
  return {
    async saveReadings(deviceId, dataset, readings) {
      const spec = datasetSpec(dataset);
      if (spec.kind === "curve") {
        await saveCurve(tx, deviceId, spec.direction, readings);
        if (spec.direction === "consumption") {
          const last = readings.reduce((a, b) => (b.startMs > a.startMs ? b : a));
          await tx.devices.advanceLastValue(deviceId, last.value, last.startMs + last.lengthMin * 60_000);
        }
        return;
      }
      if (spec.kind === "index") {
        await tx.measures.upsertIndex(deviceId, spec.direction, readings);
        return;
      }
      let series: DailySeries;
      if (spec.kind === "maxPower") {
        await tx.measures.upsertMaxPower(deviceId, readings);
        series = "max_power";
      } else {
        series = spec.direction;
        await tx.measures.upsertDaily(deviceId, spec.direction, readings);
      }
      const m = months(readings);
      if (m) await tx.measures.recomputeMonths(deviceId, series, m.from, m.to);
    },
    async recordLedger(deviceId, dataset, entries: LedgerEntry[], nowMs) {
      await tx.ledger.record(
        deviceId,
        dataset,
        entries.map((e) => ({ ...e, missing: Math.max(0, e.expected - e.received) })),
        nowMs,
      );
    },
    patchAccount: (accountId, patch) => tx.accounts.updateConfig(accountId, patch),
    patchDataset: (accountId, dataset, patch) => tx.accounts.updateDatasetState(accountId, dataset, patch),
    async patchDeviceMetadata(deviceId, patch) {
      await tx.devices.updateMetadata(deviceId, patch);
      // Dated off-peak history for the costs (tariffs/): the key is spelled both ways across generations.
      const offPeak = patch.offpeak_hours ?? patch.off_peak_hours;
      if (typeof offPeak === "string" && offPeak.trim() !== "")
        await tx.tariffs.recordOffPeak(deviceId, offPeak);
    },
  };
}

/** The application-wide "API not subscribed" records of a store (migration 006). */
export function apiSubscriptionsOf(store: Store): ApiSubscriptionsRepository {
  return new ApiSubscriptionsRepository(store.database.db);
}

export function syncStoreOf(store: Store): SyncStore {
  const apis = apiSubscriptionsOf(store);
  return {
    apisNotSubscribed: () => apis.list(),
    recordApiNotSubscribed: (api, message, nowMs, nextProbeMs) =>
      apis.record(api, message, nowMs, nextProbeMs),
    claimApiProbe: (api, nowMs, nextProbeMs) => apis.claimProbe(api, nowMs, nextProbeMs),
    async clearApiNotSubscribed(api) {
      await apis.clear(api);
    },
    transaction: (fn) => store.transaction((tx) => fn(writer(tx)), { durability: "relaxed" }),
    async repairCandidates(deviceId: number, dataset: DatasetKey, sinceDay: LocalDate, maxAttempts: number) {
      const open = await store.ledger.list(deviceId, dataset, {
        fromDay: sinceDay,
        statuses: ["partial", "missing"],
      });
      return open.filter((d) => d.attempts < maxAttempts).map((d) => d.day);
    },
    async closeGaps(deviceId: number, dataset: DatasetKey, beforeDay: LocalDate, maxAttempts: number) {
      const open = await store.ledger.list(deviceId, dataset, { statuses: ["partial", "missing"] });
      const done = open.filter((d) => d.day < beforeDay || d.attempts >= maxAttempts).map((d) => d.day);
      return store.ledger.setStatus(deviceId, dataset, done, "gap");
    },
  };
}
