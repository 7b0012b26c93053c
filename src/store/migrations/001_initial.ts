/**
 * 001: the seed's model (users, device types, devices, senders, accounts with their JSON config) and the
 * measures, completeness ledger and encrypted secrets.
 *
 * FROZEN once landed: never edit this file; change the schema with a new numbered migration. It is
 * self-contained on purpose (no imports from the rest of the store) so that later refactors cannot change
 * what it does.
 *
 * One schema for both engines: instants are bigint epoch ms, values double precision, booleans integer
 * 0/1, JSON text. Only the id column differs (SQLite AUTOINCREMENT, PostgreSQL identity).
 */
import {
  PostgresAdapter,
  sql,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
} from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTable = CreateTableBuilder<any, any>;

function isPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

function withId(db: AnyDb) {
  const postgres = isPostgres(db);
  return (t: AnyTable): AnyTable =>
    t.addColumn("id", "integer", (c: ColumnDefinitionBuilder) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    );
}

const DIRECTIONS = sql`('consumption', 'production')`;
const DAILY_SERIES = sql`('consumption', 'production', 'max_power')`;

export async function up(db: AnyDb): Promise<void> {
  const id = withId(db);
  const postgres = isPostgres(db);

  await db.schema
    .createTable("app_user")
    .$call(id)
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("roles", "text", (c) => c.notNull().defaultTo("ROLE_USER"))
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addUniqueConstraint("app_user_username_uq", ["username"])
    .execute();

  await db.schema
    .createTable("device_type")
    .$call(id)
    .addColumn("libelle", "text", (c) => c.notNull())
    .addColumn("impl_class", "text", (c) => c.notNull())
    .addColumn("qualitatif", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("planning", "integer", (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint("device_type_libelle_uq", ["libelle"])
    .addCheckConstraint("device_type_flags_ck", sql`qualitatif in (0, 1) and planning in (0, 1)`)
    .execute();

  await db
    .insertInto("device_type")
    .values({
      libelle: "Compteur électrique (Linky)",
      impl_class: "smarthome.automation.deviceType.Linky",
      qualitatif: 1,
      planning: 0,
    })
    .execute();

  await db.schema
    .createTable("device")
    .$call(id)
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("device_type_id", "integer", (c) => c.notNull().references("device_type.id"))
    .addColumn("mac", "text", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("unite", "text", (c) => c.notNull().defaultTo("W"))
    .addColumn("metadata", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("value", "double precision")
    .addColumn("date_value_ms", "bigint")
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addUniqueConstraint("device_user_mac_uq", ["user_id", "mac"])
    .execute();
  await db.schema.createIndex("device_mac_idx").on("device").column("mac").execute();

  await db.schema
    .createTable("notification_account_sender")
    .$call(id)
    .addColumn("libelle", "text", (c) => c.notNull())
    .addColumn("impl_class", "text", (c) => c.notNull())
    .addColumn("role", "text")
    .addColumn("cron", "text")
    .addUniqueConstraint("notification_account_sender_libelle_uq", ["libelle"])
    .execute();

  await db.schema
    .createTable("notification_account")
    .$call(id)
    .addColumn("sender_id", "integer", (c) => c.notNull().references("notification_account_sender.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("usage_point_id", "text", (c) => c.notNull())
    .addColumn("config", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .addUniqueConstraint("notification_account_sender_user_prm_uq", [
      "sender_id",
      "user_id",
      "usage_point_id",
    ])
    .execute();
  await db.schema
    .createIndex("notification_account_usage_point_idx")
    .on("notification_account")
    .column("usage_point_id")
    .execute();
  await db.schema
    .createIndex("notification_account_user_idx")
    .on("notification_account")
    .column("user_id")
    .execute();

  // Measures: a unique key is the one-row-per-(device, series, interval start) rule.
  //
  // curve_value holds nearly every row of the database and is written in bulk by first syncs, newest
  // week first. Its key orders start_ms DESCENDING so that such a backfill (of the newest device, the
  // usual case) appends at the end of the index instead of splitting pages in its middle: about 40%
  // faster on both engines. SQLite stores the table in that key itself (WITHOUT ROWID: one b-tree instead
  // of a rowid table plus an index). PostgreSQL cannot order a PRIMARY KEY constraint, so the key is a
  // unique index of the same name (ON CONFLICT infers it the same way).
  if (postgres) {
    await db.schema
      .createTable("curve_value")
      .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
      .addColumn("direction", "text", (c) => c.notNull())
      .addColumn("start_ms", "bigint", (c) => c.notNull())
      .addColumn("length_min", "integer", (c) => c.notNull())
      .addColumn("power_w", "double precision")
      .addColumn("energy_wh", "double precision")
      .addCheckConstraint("curve_value_direction_ck", sql`direction in ${DIRECTIONS}`)
      .addCheckConstraint("curve_value_length_ck", sql`length_min > 0`)
      .execute();
    await sql`create unique index curve_value_pk on curve_value (device_id, direction, start_ms desc)`.execute(
      db,
    );
  } else {
    // Kysely cannot order a key column, hence the raw DDL (same columns and constraints as above).
    await sql`create table curve_value (
      device_id integer not null references device (id) on delete cascade,
      direction text not null,
      start_ms bigint not null,
      length_min integer not null,
      power_w double precision,
      energy_wh double precision,
      constraint curve_value_pk primary key (device_id, direction, start_ms desc),
      constraint curve_value_direction_ck check (direction in ${DIRECTIONS}),
      constraint curve_value_length_ck check (length_min > 0)
    ) without rowid`.execute(db);
  }

  await db.schema
    .createTable("daily_value")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("start_ms", "bigint", (c) => c.notNull())
    .addColumn("length_min", "integer", (c) => c.notNull())
    .addColumn("value", "double precision")
    .addColumn("peak_at_ms", "bigint")
    .addPrimaryKeyConstraint("daily_value_pk", ["device_id", "series", "start_ms"])
    .addUniqueConstraint("daily_value_day_uq", ["device_id", "series", "day"])
    .addCheckConstraint("daily_value_series_ck", sql`series in ${DAILY_SERIES}`)
    .execute();

  await db.schema
    .createTable("monthly_value")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("start_ms", "bigint", (c) => c.notNull())
    .addColumn("length_min", "integer", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addColumn("peak_at_ms", "bigint")
    .addColumn("days", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("monthly_value_pk", ["device_id", "series", "month"])
    .addCheckConstraint("monthly_value_series_ck", sql`series in ${DAILY_SERIES}`)
    .execute();

  await db.schema
    .createTable("index_value")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("register", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("start_ms", "bigint", (c) => c.notNull())
    .addColumn("length_min", "integer", (c) => c.notNull())
    .addColumn("value_wh", "double precision")
    .addPrimaryKeyConstraint("index_value_pk", ["device_id", "direction", "register", "start_ms"])
    .addCheckConstraint("index_value_direction_ck", sql`direction in ${DIRECTIONS}`)
    .execute();

  await db.schema
    .createTable("completeness")
    .addColumn("device_id", "integer", (c) => c.notNull().references("device.id").onDelete("cascade"))
    .addColumn("dataset", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("expected", "integer", (c) => c.notNull())
    .addColumn("received", "integer", (c) => c.notNull())
    .addColumn("missing", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("first_seen_ms", "bigint", (c) => c.notNull())
    .addColumn("last_attempt_ms", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("completeness_pk", ["device_id", "dataset", "day"])
    .addCheckConstraint(
      "completeness_status_ck",
      sql`status in ('complete', 'partial', 'missing', 'gap', 'pending')`,
    )
    .addCheckConstraint(
      "completeness_counts_ck",
      sql`expected >= 0 and received >= 0 and missing >= 0 and attempts >= 0`,
    )
    .execute();

  await db.schema
    .createTable("app_secret")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("ciphertext", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("updated_at_ms", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "app_secret",
    "completeness",
    "index_value",
    "monthly_value",
    "daily_value",
    "curve_value",
    "notification_account",
    "notification_account_sender",
    "device",
    "device_type",
    "app_user",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
