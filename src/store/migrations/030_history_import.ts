/**
 * 030: history imports (Enedis export files, the original application's database).
 *
 * - `completeness.source`: who recorded a day of the ledger: `api` (the sync, the default for every row
 *   already there), `file` (an Enedis customer-site export) or `seed` (the original application's
 *   database). The sync's later records of a day set it back to `api`.
 * - `import_cursor`: where a long import got to (per seed device and dataset: the last day committed),
 *   written in the same transaction as the rows it covers, so that an import killed at any point resumes
 *   after what it committed and never counts a row twice.
 *
 * FROZEN once landed: never edit this file.
 */
import { sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable("completeness")
    .addColumn("source", "text", (c) => c.notNull().defaultTo("api"))
    .execute();
  await db.schema
    .createTable("import_cursor")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("import_cursor").execute();
  await sql`alter table completeness drop column source`.execute(db);
}
