/**
 * The migrations, in order. Each is a numbered file that is never edited once landed; a schema change is a
 * new file and a new line here. Kysely's Migrator records what ran (`kysely_migration`), refuses a
 * history that does not match this list, and serialises concurrent runs (a PostgreSQL advisory lock; on
 * SQLite, the write lock).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { MigrationError } from "../errors.js";
import * as m001 from "./001_initial.js";
import * as m002 from "./002_scheduler.js";
import * as m003 from "./003_homeassistant.js";
import * as m004 from "./004_api_tokens.js";
import * as m005 from "./005_account_lease.js";
import * as m006 from "./006_api_subscription.js";
import * as m007 from "./007_sessions.js";
import * as m008 from "./008_consent_claims.js";
import * as m012 from "./012_gateways.js";
import * as m020 from "./020_tariffs.js";
import * as m030 from "./030_history_import.js";
import * as m040 from "./040_quota_pause_reason.js";
import * as m060 from "./060_curve_value_set_checks.js";
import * as m061 from "./061_index_reading_type.js";
import * as m080 from "./080_alerts.js";
import * as m081 from "./081_alert_delivery_claim.js";

export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ["001_initial", m001],
  ["002_scheduler", m002],
  ["003_homeassistant", m003],
  ["004_api_tokens", m004],
  ["005_account_lease", m005],
  ["006_api_subscription", m006],
  ["007_sessions", m007],
  ["008_consent_claims", m008],
  ["012_gateways", m012],
  ["020_tariffs", m020],
  ["030_history_import", m030],
  ["040_quota_pause_reason", m040],
  ["060_curve_value_set_checks", m060],
  ["061_index_reading_type", m061],
  ["080_alerts", m080],
  ["081_alert_delivery_claim", m081],
];

const provider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(MIGRATIONS);
  },
};

export interface MigrateResult {
  /** Names of the migrations this call applied (empty when the schema was up to date). */
  applied: string[];
}

/** Brings the schema up to date. Safe to call at every start and from several processes at once. */
export async function migrate<DB>(db: Kysely<DB>): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed ?? "(setup)"} failed: ${reason}`, { cause: error });
  }
  return { applied: results.filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

/** Names of the migrations already applied, in order. */
export async function appliedMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  return (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
