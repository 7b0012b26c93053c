/**
 * 005: `account_lease`: who is syncing an account right now, whatever started the sync (a scheduler job
 * in any `serve` or `worker` process, the first sync after a consent, the CLI `sync` command). One row per
 * account being synced; a holder renews its lease while it syncs and deletes it when done, and a lease
 * whose holder died (its `expires_at_ms` passed) may be taken by another. Two syncs of one account never
 * run at once: no duplicate Enedis calls, no cursor written back to an older value.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("account_lease")
    .addColumn("account_id", "integer", (c) =>
      c.primaryKey().references("notification_account.id").onDelete("cascade"),
    )
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("expires_at_ms", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("account_lease").execute();
}
