import type { DatasetSpec } from "./spec.js";

/** Highest apparent power of each Paris day in VA, with the time of the peak. */
export const dailyConsumptionMaxPower: DatasetSpec = {
  key: "daily_consumption_max_power",
  kind: "maxPower",
  direction: "consumption",
  unit: "VA",
  ressource: "puissance_conso_max_quotidienne",
  // Enedis requires both, even though the Swagger marks them optional.
  extraParams: { mesuresPas: "P1D", grandeurPhysique: "PMA" },
  grandeurMetier: "CONS",
  grandeurPhysique: "PMA",
  v5Path: "/metering_data_dcmp/v5/daily_consumption_max_power",
  v5Api: "metering_data_dcmp",
  measureType: "PMAX",
  hardMaxDaysPerCall: null,
  historyMonths: 36,
  historyExtraDays: 15,
  experimental: false,
  seedWatermarkKey: "last_consumption_max_power",
};
