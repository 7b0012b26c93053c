import type { DatasetSpec } from "../../domain/datasets.js";

/**
 * How Enedis names one dataset on the wire, in each API generation, beside its source-neutral facts
 * (`src/domain/datasets.ts`).
 */
export interface EnedisDatasetSpec extends DatasetSpec {
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
}

/** The quota scope of every 2026 measure ressource: one API, one quota. */
export const MEASURES_API_2026 = "mesure_synchrone_auto";
