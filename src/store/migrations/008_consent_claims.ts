/**
 * 008: who consented to what, and the interactive share of the quota.
 *
 * - `consent_autorisation`: every Data Connect v2 `autorisation_id` ever attached, with the user and the
 *   PRM it went to. The primary key makes "claimed at most once, ever" atomic across processes.
 * - `consent_holding`: every (PRM, user) pair that was ever attached, kept after the account or the user is
 *   deleted (no foreign key on purpose): a PRM once held by someone else is never re-attached to another
 *   user without an administrator (consent v1 cannot tell who consented). Backfilled from the accounts.
 * - `consent_review`: what an administrator decides: a conflict (a second user's return named an
 *   autorisation or a PRM already attached to someone; the holder's account is suspended meanwhile) or a
 *   consent v1 PRM waiting for approval. `grant` is the account configuration to attach on approval (JSON:
 *   consent dates, services; no secret).
 * - `quota_interactive_call`: the calls made to Enedis on a user's behalf (consent returns, retries, "test
 *   the API"), per API, for the last hour: all of them together may use at most a share of the hourly quota.
 *
 * FROZEN once landed: never edit this file.
 */
import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("consent_autorisation")
    .addColumn("autorisation_id", "bigint", (c) => c.primaryKey())
    .addColumn("usage_point_id", "text", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .addColumn("claimed_at_ms", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("consent_holding")
    .addColumn("usage_point_id", "text", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .addColumn("first_at_ms", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("consent_holding_pk", ["usage_point_id", "user_id"])
    .execute();
  await sql`insert into consent_holding (usage_point_id, user_id, first_at_ms)
    select usage_point_id, user_id, min(created_at_ms) from notification_account
    group by usage_point_id, user_id`.execute(db);
  await db.schema
    .createTable("consent_review")
    .addColumn("id", "integer", (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("usage_point_id", "text", (c) => c.notNull())
    .addColumn("requester_user_id", "integer", (c) => c.notNull())
    .addColumn("holder_user_id", "integer")
    .addColumn("holder_account_id", "integer")
    .addColumn("autorisation_id", "bigint")
    .addColumn("grant", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("decision", "text")
    .addColumn("decided_by_user_id", "integer")
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("decided_at_ms", "bigint")
    .execute();
  await db.schema
    .createIndex("consent_review_status")
    .on("consent_review")
    .columns(["status", "created_at_ms"])
    .execute();
  await db.schema
    .createTable("quota_interactive_call")
    .addColumn("api", "text", (c) => c.notNull())
    .addColumn("slot_ms", "bigint", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("quota_interactive_call_api")
    .on("quota_interactive_call")
    .columns(["api", "slot_ms"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of ["quota_interactive_call", "consent_review", "consent_holding", "consent_autorisation"])
    await db.schema.dropTable(t).execute();
}
