/**
 * 081: claiming alert deliveries, and counting a channel sender's failures in a row.
 *
 * - `alert_delivery.claimed_by` / `claim_until_ms`: a process that is about to send a delivery first
 *   claims it (`<host>:<pid>` until an instant); no other process takes it while the claim holds, so two
 *   workers never send the same delivery at once. A claim whose holder died expires by itself (or at once
 *   when the holder was a process of the same machine that no longer runs).
 * - `notification_account_sender.failures`: deliveries that failed in a row through this sender (a success
 *   resets it); past `alerts.delivery.disableAfterFailures` the sender is disabled with its reason.
 *
 * FROZEN once landed: never edit this file.
 */
import type { Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("alert_delivery").addColumn("claimed_by", "text").execute();
  await db.schema.alterTable("alert_delivery").addColumn("claim_until_ms", "bigint").execute();
  await db.schema
    .alterTable("notification_account_sender")
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("notification_account_sender").dropColumn("failures").execute();
  await db.schema.alterTable("alert_delivery").dropColumn("claim_until_ms").execute();
  await db.schema.alterTable("alert_delivery").dropColumn("claimed_by").execute();
}
