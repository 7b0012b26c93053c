/**
 * The dataset registry: one file per dataset, registered here once. Adding a dataset means adding a
 * file and a line below; the registry refuses duplicates.
 */
import type { DatasetKey } from "../../domain/types.js";
import { consumptionIndex } from "./consumption-index.js";
import { consumptionLoadCurve } from "./consumption-load-curve.js";
import { dailyConsumptionMaxPower } from "./daily-consumption-max-power.js";
import { dailyConsumption } from "./daily-consumption.js";
import { dailyProduction } from "./daily-production.js";
import { productionIndex } from "./production-index.js";
import { productionLoadCurve } from "./production-load-curve.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Enedis' wire names of a dataset (its source-neutral facts are `src/domain/datasets.ts`). */
export type { EnedisDatasetSpec, EnedisDatasetSpec as DatasetSpec } from "./spec.js";
export { MEASURES_API_2026 } from "./spec.js";

const registry = new Map<DatasetKey, EnedisDatasetSpec>();
const byRessource = new Map<string, EnedisDatasetSpec>();

export function registerDataset(spec: EnedisDatasetSpec): void {
  if (registry.has(spec.key)) throw new Error(`dataset ${spec.key} is registered twice`);
  if (byRessource.has(spec.ressource)) throw new Error(`ressource ${spec.ressource} is registered twice`);
  registry.set(spec.key, spec);
  byRessource.set(spec.ressource, spec);
}

for (const spec of [
  consumptionLoadCurve,
  dailyConsumption,
  dailyConsumptionMaxPower,
  productionLoadCurve,
  dailyProduction,
  consumptionIndex,
  productionIndex,
]) {
  registerDataset(spec);
}

export function datasetSpec(key: DatasetKey): EnedisDatasetSpec {
  const spec = registry.get(key);
  if (!spec) throw new Error(`unknown dataset ${key}`);
  return spec;
}

export function datasetByRessource(ressource: string): EnedisDatasetSpec | undefined {
  return byRessource.get(ressource);
}

export function datasetByV5Path(path: string): EnedisDatasetSpec | undefined {
  return [...registry.values()].find((s) => s.v5Path === path);
}

export function allDatasets(): EnedisDatasetSpec[] {
  return [...registry.values()];
}
