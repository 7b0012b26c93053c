import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Experimental: cumulative consumption counters (Wh) per register, one reading a day. */
export const consumptionIndex: EnedisDatasetSpec = {
  ...datasetSpec("consumption_index"),
  ressource: "index_consommation",
  extraParams: {},
  grandeurMetier: "CONS",
  grandeurPhysique: "EA",
  v5Path: null,
  v5Api: null,
};
