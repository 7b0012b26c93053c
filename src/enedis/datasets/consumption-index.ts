import type { DatasetSpec } from "./spec.js";

/** Experimental: cumulative consumption counters (Wh) per register, one reading a day. */
export const consumptionIndex: DatasetSpec = {
  key: "consumption_index",
  kind: "index",
  direction: "consumption",
  unit: "Wh",
  ressource: "index_consommation",
  extraParams: {},
  grandeurMetier: "CONS",
  grandeurPhysique: "EA",
  v5Path: null,
  v5Api: null,
  measureType: "IDX",
  hardMaxDaysPerCall: null,
  historyMonths: 36,
  historyExtraDays: 15,
  experimental: true,
  seedWatermarkKey: "last_consumption_index",
};
