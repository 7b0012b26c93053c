import type { DatasetSpec } from "./spec.js";

/** Energy injected per Paris day in Wh. */
export const dailyProduction: DatasetSpec = {
  key: "daily_production",
  kind: "daily",
  direction: "production",
  unit: "Wh",
  ressource: "production_quotidienne",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "EA",
  v5Path: "/metering_data_dp/v5/daily_production",
  v5Api: "metering_data_dp",
  measureType: "ENERGIE",
  hardMaxDaysPerCall: null,
  historyMonths: 36,
  historyExtraDays: 15,
  experimental: false,
  seedWatermarkKey: "last_daily_production",
};
