import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Mean injected power in W per interval; same limits as the consumption curve. */
export const productionLoadCurve: EnedisDatasetSpec = {
  ...datasetSpec("production_load_curve"),
  ressource: "courbe_de_charge_production",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "PA",
  v5Path: "/metering_data_plc/v5/production_load_curve",
  v5Api: "metering_data_plc",
};
