import type { DatasetSpec } from "./spec.js";

/** Experimental: cumulative production counters (Wh) per register. */
export const productionIndex: DatasetSpec = {
  key: "production_index",
  kind: "index",
  direction: "production",
  unit: "Wh",
  ressource: "index_production",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "EA",
  v5Path: null,
  v5Api: null,
  measureType: "IDX",
  hardMaxDaysPerCall: null,
  historyMonths: 36,
  historyExtraDays: 15,
  experimental: true,
  seedWatermarkKey: "last_production_index",
};
