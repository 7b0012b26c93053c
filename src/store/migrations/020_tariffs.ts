/**
 * 020: what energy costs.
 *
 * - `tariff_offer`: offers by unique name; `definition` is the validated offer as JSON (kind, off-peak
 *   setting, dated price rows: see `tariffs/offers.ts`). Adding the same name again replaces it.
 * - `tariff_assignment`: the offer a meter is on from a Paris day on (until its next row).
 * - `tempo_day`: the colour of each Tempo day (06:00 on `day` to 06:00 the next day) with where it came
 *   from (`import`, `rte`, `myelectricaldata`, `simulator`).
 * - `offpeak_history`: the off-peak string each contract read gave, from the Paris day it was first seen;
 *   a change is a new row, the same string seen again only moves `last_seen_day`.
 *
 * FROZEN once landed: never edit this file.
 */
import { sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("tariff_offer")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .addCheckConstraint("tariff_offer_kind_ck", sql`kind in ('base', 'hphc', 'tempo')`)
    .execute();
  await db.schema
    .createTable("tariff_assignment")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("from_day", "text", (c) => c.notNull())
    .addColumn("offer_name", "text", (c) => c.notNull())
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("tariff_assignment_pk", ["device_id", "from_day"])
    .execute();
  await db.schema
    .createTable("tempo_day")
    .addColumn("day", "text", (c) => c.primaryKey())
    .addColumn("colour", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .addCheckConstraint("tempo_day_colour_ck", sql`colour in ('BLEU', 'BLANC', 'ROUGE')`)
    .execute();
  await db.schema
    .createTable("offpeak_history")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("from_day", "text", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("last_seen_day", "text", (c) => c.notNull())
    .addColumn("seen_at_ms", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("offpeak_history_pk", ["device_id", "from_day"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of ["offpeak_history", "tempo_day", "tariff_assignment", "tariff_offer"])
    await db.schema.dropTable(t).execute();
}
