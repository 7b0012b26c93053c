/**
 * 003: our record of what was imported into Home Assistant's long-term statistics.
 * - `ha_statistic`: one row per external statistic (`linky:<prm>_consumption`…): the meter and direction
 *   it comes from, the last hour sent and the cumulative sum at that hour;
 * - `ha_statistic_day`: per statistic and Paris day, a digest of the hourly rows sent for that day and the
 *   sum after its last hour. A day whose rows now hash differently (Enedis filled a gap or corrected a
 *   value) is sent again, from its first changed hour to the end, so that every later sum stays right.
 *
 * FROZEN once landed: never edit this file.
 */
import { sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("ha_statistic")
    .addColumn("statistic_id", "text", (c) => c.primaryKey())
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("last_start_ms", "bigint")
    .addColumn("last_sum", "double precision")
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .addCheckConstraint("ha_statistic_direction_ck", sql`direction in ('consumption', 'production')`)
    .execute();

  await db.schema
    .createTable("ha_statistic_day")
    .addColumn("statistic_id", "text", (c) =>
      c.notNull().references("ha_statistic.statistic_id").onDelete("cascade"),
    )
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("hours", "integer", (c) => c.notNull())
    .addColumn("sum_end", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("ha_statistic_day_pk", ["statistic_id", "day"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("ha_statistic_day").execute();
  await db.schema.dropTable("ha_statistic").execute();
}
