import { datasetSpec } from "../../domain/datasets.js";
import type { EnedisDatasetSpec } from "./spec.js";

/** Highest apparent power of each Paris day in VA, with the time of the peak. */
export const dailyConsumptionMaxPower: EnedisDatasetSpec = {
  ...datasetSpec("daily_consumption_max_power"),
  ressource: "puissance_conso_max_quotidienne",
  // Enedis requires both, even though the Swagger marks them optional.
  extraParams: { mesuresPas: "P1D", grandeurPhysique: "PMA" },
  grandeurMetier: "CONS",
  grandeurPhysique: "PMA",
  v5Path: "/metering_data_dcmp/v5/daily_consumption_max_power",
  v5Api: "metering_data_dcmp",
};
