/**
 * 061: `index_value.reading_type`: the kind of index reading a row is, as its source names it (the
 * Enedis "Jour" export's `Type de releve`, e.g. `Arrêté quotidien`), so that an imported file's rows can
 * be given back as they came (every register of every reading, with its type). NULL for the API's index
 * readings, which name none.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("index_value").addColumn("reading_type", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("index_value").dropColumn("reading_type").execute();
}
