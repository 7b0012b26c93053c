import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** 30-minute (or 10/15/60) mean consumed power in W; 7 days per call; 24 months + 15 days of history. */
export const consumptionLoadCurve: EnedisDatasetSpec = {
  ...datasetSpec("consumption_load_curve"),
  ressource: "courbe_de_charge_consommation",
  extraParams: {},
  grandeurMetier: "CONS",
  grandeurPhysique: "PA",
  v5Path: "/metering_data_clc/v5/consumption_load_curve",
  v5Api: "metering_data_clc",
};
