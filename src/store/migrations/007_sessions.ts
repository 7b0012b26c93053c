/**
 * 007: server-side sessions (`web_session`) and disabled users (`app_user.disabled_at_ms`).
 *
 * The session cookie stays signed but only names a session record; the record says whether it still
 * opens anything (not revoked, not idle too long, not past its absolute lifetime). Its `id` is the hex
 * SHA-256 of the random id the cookie carries: reading the table does not give usable cookies.
 * `last_seen_ms` is written at most every few minutes, not at every request. A disabled user
 * (`disabled_at_ms` set) cannot sign in, and their sessions and API tokens stop working.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("app_user").addColumn("disabled_at_ms", "bigint").execute();
  await db.schema
    .createTable("web_session")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("created_ms", "bigint", (c) => c.notNull())
    .addColumn("last_seen_ms", "bigint", (c) => c.notNull())
    .addColumn("expires_ms", "bigint", (c) => c.notNull())
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("user_agent", "text", (c) => c.notNull())
    .addColumn("revoked_ms", "bigint")
    .execute();
  await db.schema.createIndex("web_session_user_idx").on("web_session").column("user_id").execute();
  await db.schema.createIndex("web_session_expires_idx").on("web_session").column("expires_ms").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("web_session").execute();
  await db.schema.alterTable("app_user").dropColumn("disabled_at_ms").execute();
}
