import type { DatasetSpec } from "./spec.js";

/** Energy consumed per Paris day in Wh; 36 months + 15 days of history. */
export const dailyConsumption: DatasetSpec = {
  key: "daily_consumption",
  kind: "daily",
  direction: "consumption",
  unit: "Wh",
  ressource: "consommation_quotidienne",
  extraParams: {},
  grandeurMetier: "CONS",
  grandeurPhysique: "EA",
  v5Path: "/metering_data_dc/v5/daily_consumption",
  v5Api: "metering_data_dc",
  measureType: "ENERGIE",
  hardMaxDaysPerCall: null,
  historyMonths: 36,
  historyExtraDays: 15,
  experimental: false,
  seedWatermarkKey: "last_daily_consumption",
};
