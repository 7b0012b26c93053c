/**
 * 006: `api_subscription`: an Enedis API that answered "not subscribed for this application" (403 900908).
 * It is a condition of the application, not of one account: one row per API, so that the operator is told
 * once and the syncs of every account wait without calling that API until the operator clears the row, or
 * until `next_probe_ms`, when exactly one sync claims the right to ask again (one probe call, not one per
 * account).
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("api_subscription")
    .addColumn("api", "text", (c) => c.primaryKey())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("refused_at_ms", "bigint", (c) => c.notNull())
    .addColumn("next_probe_ms", "bigint", (c) => c.notNull())
    .addColumn("refusals", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("api_subscription").execute();
}
