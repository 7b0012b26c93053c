/**
 * 002: the scheduler's shared state.
 * - `scheduler_tick`: one row per dispatched fire time; whoever inserts it dispatches it, so that several
 *   workers dispatch each minute exactly once, and a restart knows the last minute dispatched.
 * - `quota_state`: one row per Enedis API: the next free call slot of the per-second quota (calls are
 *   spaced evenly) and the pause Enedis asked for with a 429, shared by every process of the application;
 * - `quota_call`: the call slots handed out in the last hour, per API, for the sliding hourly quota.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("scheduler_tick")
    .addColumn("fire_time_ms", "bigint", (c) => c.primaryKey())
    .addColumn("claimed_by", "text", (c) => c.notNull())
    .addColumn("claimed_at_ms", "bigint", (c) => c.notNull())
    .addColumn("pages", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("quota_state")
    .addColumn("api", "text", (c) => c.primaryKey())
    .addColumn("second_tat_ms", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("paused_until_ms", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("calls", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("refused", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("quota_call")
    .addColumn("api", "text", (c) => c.notNull())
    .addColumn("slot_ms", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("quota_call_api_slot_idx")
    .on("quota_call")
    .columns(["api", "slot_ms"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("quota_call").execute();
  await db.schema.dropTable("quota_state").execute();
  await db.schema.dropTable("scheduler_tick").execute();
}
