/**
 * 040: `quota_state.pause_reason`: why an API is paused (which quota refused, and for how long), so that
 * `status` and `/metrics` can say it. Null for pauses recorded before this migration.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("quota_state").addColumn("pause_reason", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("quota_state").dropColumn("pause_reason").execute();
}
