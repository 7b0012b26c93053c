/**
 * 080: alerts (issue 17) and channels as senders.
 *
 * - `notification_account_sender.config`: the non-secret settings of a channel sender (SMTP host and port,
 *   webhook URL…) as JSON text; a sender's secrets (SMTP password, Free Mobile key, webhook HMAC key) are
 *   in `app_secret` under `sender.secret:<sender id>`, encrypted. `enabled`: 0 when the admin switched the
 *   sender off, or when repeated failures disabled it (`disabled_reason` says which).
 * - `alert`: one alert of a kind about a subject (`account:<id>` for a meter, `user:<id>` for a summary)
 *   for one Paris day; the unique key makes "at most one alert per kind and meter per day" a database
 *   fact, and makes raising it again a no-op. It is also the in-app notification list (`read_at_ms`).
 * - `alert_delivery`: one alert through one channel sender; created with the alert in one transaction,
 *   so an alert is never lost between being raised and being queued. `status`: pending → sent, or
 *   failed (retried at `next_attempt_ms`) → abandoned after the last attempt.
 * - `alert_preference`: which channel senders a user picked for an alert kind.
 * - `alert_settings`: a user's thresholds, quiet hours and summary cadence (JSON text, see alerts/kinds.ts).
 *
 * FROZEN once landed: never edit this file.
 */
import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable("notification_account_sender")
    .addColumn("config", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await db.schema
    .alterTable("notification_account_sender")
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable("notification_account_sender").addColumn("disabled_reason", "text").execute();

  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("alert")
    .addColumn("id", "integer", (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("account_id", "integer", (c) => c.references("notification_account.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("read_at_ms", "bigint")
    .addUniqueConstraint("alert_kind_subject_day", ["kind", "subject", "day"])
    .execute();
  await db.schema
    .createIndex("alert_user_created")
    .on("alert")
    .columns(["user_id", "created_at_ms"])
    .execute();

  await db.schema
    .createTable("alert_delivery")
    .addColumn("id", "integer", (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("alert_id", "integer", (c) => c.notNull().references("alert.id").onDelete("cascade"))
    .addColumn("sender_id", "integer", (c) =>
      c.notNull().references("notification_account_sender.id").onDelete("cascade"),
    )
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_ms", "bigint", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("sent_at_ms", "bigint")
    .addUniqueConstraint("alert_delivery_alert_sender", ["alert_id", "sender_id"])
    .execute();
  await db.schema
    .createIndex("alert_delivery_due")
    .on("alert_delivery")
    .columns(["status", "next_attempt_ms"])
    .execute();

  await db.schema
    .createTable("alert_preference")
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("sender_id", "integer", (c) =>
      c.notNull().references("notification_account_sender.id").onDelete("cascade"),
    )
    .addPrimaryKeyConstraint("alert_preference_pk", ["user_id", "kind", "sender_id"])
    .execute();

  await db.schema
    .createTable("alert_settings")
    .addColumn("user_id", "integer", (c) => c.primaryKey().references("app_user.id").onDelete("cascade"))
    .addColumn("settings", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("alert_settings").execute();
  await db.schema.dropTable("alert_preference").execute();
  await db.schema.dropTable("alert_delivery").execute();
  await db.schema.dropTable("alert").execute();
  await sql`alter table notification_account_sender drop column disabled_reason`.execute(db);
  await sql`alter table notification_account_sender drop column enabled`.execute(db);
  await sql`alter table notification_account_sender drop column config`.execute(db);
}
