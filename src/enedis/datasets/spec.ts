import type { DatasetKey, DatasetKind, Direction, MeasureTypeCode, Unit } from "../../domain/types.js";

/** What we know about one dataset: how to ask for it in each API generation and its limits. */
export interface DatasetSpec {
  key: DatasetKey;
  kind: DatasetKind;
  direction: Direction;
  /** Native unit of `Reading.value`. */
  unit: Unit;
  /** Data Connect 2026: `GET /mesure_synchrone_auto/v2/<ressource>`. */
  ressource: string;
  /** Extra query parameters Enedis requires for this ressource. */
  extraParams: Readonly<Record<string, string>>;
  /** `grandeurMetier` / `grandeurPhysique` of the series to read in the 2026 envelope. */
  grandeurMetier: "CONS" | "PROD";
  grandeurPhysique: string;
  /** Legacy v5 path (`/metering_data_clc/v5/consumption_load_curve`), or null when v5 had none. */
  v5Path: string | null;
  /** Legacy v5 API name (its own quota scope). */
  v5Api: string | null;
  /** The `subscribed_services` measure type that says the PRM has this dataset. */
  measureType: MeasureTypeCode;
  /** Fixed maximum span of one call in days (7 for load curves), or null when configurable. */
  hardMaxDaysPerCall: number | null;
  /** History Enedis keeps: months + days before today. */
  historyMonths: number | null;
  historyExtraDays: number;
  /** Experimental datasets are parsed from the Swagger structure only (no real capture seen). */
  experimental: boolean;
  /** Seed's watermark key in the account's JSON config, when the seed had one. */
  seedWatermarkKey: string | null;
}

/** The quota scope of every 2026 measure ressource: one API, one quota. */
export const MEASURES_API_2026 = "mesure_synchrone_auto";
