import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Energy consumed per Paris day in Wh; 36 months + 15 days of history. */
export const dailyConsumption: EnedisDatasetSpec = {
  ...datasetSpec("daily_consumption"),
  ressource: "consommation_quotidienne",
  extraParams: {},
  grandeurMetier: "CONS",
  grandeurPhysique: "EA",
  v5Path: "/metering_data_dc/v5/daily_consumption",
  v5Api: "metering_data_dc",
};
