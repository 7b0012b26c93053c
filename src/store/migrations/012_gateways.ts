/**
 * 012: community gateways (Conso API, MyElectricalData).
 *
 * - `account_gateway`: the gateway an account reads its meter through, and the household's token,
 *   encrypted like the application token (bound to the account id); `prms` (JSON) are those the token was
 *   seen to cover; `token_refused_*` is set when the gateway answered 401 (expired, or not covering).
 * - `gateway_call`: every call made to a gateway, per budget scope (the public address, a PDL, a gateway
 *   user) and whether the gateway's cache served it: the budgets are counted from it, shared by every
 *   process and account of the installation.
 * - `gateway_block`: a gateway that must not be called: banned (Cloudflare's 403 page: every call stops
 *   until an operator clears it) or throttled (429 900804, until `until_ms`).
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
    .createTable("account_gateway")
    .addColumn("account_id", "integer", (c) =>
      c.primaryKey().references("notification_account.id").onDelete("cascade"),
    )
    .addColumn("gateway", "text", (c) => c.notNull())
    .addColumn("token_ciphertext", "text", (c) => c.notNull())
    .addColumn("token_hint", "text", (c) => c.notNull())
    .addColumn("prms", "text", (c) => c.notNull())
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("token_refused_at_ms", "bigint")
    .addColumn("token_refused_message", "text")
    .execute();
  await db.schema
    .createTable("gateway_call")
    .addColumn("id", "integer", (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("gateway", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("at_ms", "bigint", (c) => c.notNull())
    .addColumn("cached", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex("gateway_call_scope_at")
    .on("gateway_call")
    .columns(["gateway", "scope", "at_ms"])
    .execute();
  await db.schema
    .createTable("gateway_block")
    .addColumn("gateway", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("since_ms", "bigint", (c) => c.notNull())
    .addColumn("until_ms", "bigint")
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("gateway_block").execute();
  await db.schema.dropTable("gateway_call").execute();
  await db.schema.dropTable("account_gateway").execute();
}
