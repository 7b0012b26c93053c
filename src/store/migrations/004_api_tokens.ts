/**
 * 004: personal API tokens (`api_token`): a user creates them on their page for scripts and revokes them
 * there. Only a SHA-256 digest of each token is kept (tokens are 256-bit random strings: a slow hash adds
 * nothing), with a short prefix to recognise it in the list; the token itself is shown once.
 *
 * FROZEN once landed: never edit this file.
 */
import { PostgresAdapter, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("api_token")
    .addColumn("id", "integer", (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("last_used_at_ms", "bigint")
    .addUniqueConstraint("api_token_hash_uq", ["token_hash"])
    .execute();
  await db.schema.createIndex("api_token_user_idx").on("api_token").column("user_id").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("api_token").execute();
}
