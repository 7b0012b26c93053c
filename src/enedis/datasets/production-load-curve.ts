import type { DatasetSpec } from "./spec.js";

/** Mean injected power in W per interval; same limits as the consumption curve. */
export const productionLoadCurve: DatasetSpec = {
  key: "production_load_curve",
  kind: "curve",
  direction: "production",
  unit: "W",
  ressource: "courbe_de_charge_production",
  extraParams: {},
  grandeurMetier: "PROD",
  grandeurPhysique: "PA",
  v5Path: "/metering_data_plc/v5/production_load_curve",
  v5Api: "metering_data_plc",
  measureType: "CDC",
  hardMaxDaysPerCall: 7,
  historyMonths: 24,
  historyExtraDays: 15,
  experimental: false,
  seedWatermarkKey: "last_production_load_curve",
};
