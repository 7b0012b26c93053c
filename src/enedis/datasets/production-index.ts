import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Experimental: cumulative production counters (Wh) per register. */
export const productionIndex: EnedisDatasetSpec = {
  ...datasetSpec("production_index"),
  ressource: "index_production",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "EA",
  v5Path: null,
  v5Api: null,
};
