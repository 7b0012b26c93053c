import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Energy injected per Paris day in Wh. */
export const dailyProduction: EnedisDatasetSpec = {
  ...datasetSpec("daily_production"),
  ressource: "production_quotidienne",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "EA",
  v5Path: "/metering_data_dp/v5/daily_production",
  v5Api: "metering_data_dp",
};
