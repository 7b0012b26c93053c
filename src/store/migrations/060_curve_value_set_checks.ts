/**
 * 060: PostgreSQL checks `curve_value`'s device reference once per statement instead of once per row.
 *
 * A foreign key runs a lookup of `device` for every inserted row (an after-row trigger): a COPY of a
 * year of load curve into `curve_value` spent two thirds of its time there (about 210,000 rows/s
 * against 600,000 into the same table without it). The reference is the same for every row of a bulk
 * write, so it is checked per statement over the statement's rows (a transition table):
 *
 * - insert: the devices named by the new rows must exist; they are locked `FOR KEY SHARE`, as a foreign
 *   key's check locks them, so that a device cannot be deleted under a transaction that writes its points
 *   (the delete waits for it, then removes them); a missing device raises `foreign_key_violation`
 *   (SQLSTATE 23503), the error a foreign key raises;
 * - update of `device_id` (which the application never does): the same check, row by row;
 * - delete of devices: their points go with them (`on delete cascade` before), in the same statement;
 * - update of `device.id` (never done either): refused while points refer to the old id.
 *
 * SQLite keeps its foreign key (its check is one b-tree probe in the same process).
 *
 * FROZEN once landed: never edit this file.
 */
import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations run against whatever schema exists at their point in history, not today's typed one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function isPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: AnyDb): Promise<void> {
  if (!isPostgres(db)) return;
  // The foreign key's name was chosen by PostgreSQL (001 declared it inline): find it.
  await sql`do $$
    declare fk text;
    begin
      select c.conname into fk from pg_constraint c
        where c.conrelid = 'curve_value'::regclass and c.contype = 'f'
          and c.confrelid = 'device'::regclass;
      if fk is not null then
        execute format('alter table curve_value drop constraint %I', fk);
      end if;
    end $$`.execute(db);
  await sql`create function curve_value_device_check() returns trigger language plpgsql as $$
    declare
      wanted integer;
      found integer;
    begin
      select count(distinct device_id) into wanted from new_rows;
      select count(*) into found from (
        select d.id from device d where d.id in (select device_id from new_rows) for key share of d
      ) locked;
      if found <> wanted then
        raise exception 'insert or update on table "curve_value" names a device that does not exist'
          using errcode = 'foreign_key_violation';
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger curve_value_device_ins after insert on curve_value
    referencing new table as new_rows for each statement execute function curve_value_device_check()`.execute(
    db,
  );
  await sql`create function curve_value_device_row_check() returns trigger language plpgsql as $$
    begin
      perform 1 from device d where d.id = new.device_id for key share of d;
      if not found then
        raise exception 'update on table "curve_value" names a device that does not exist'
          using errcode = 'foreign_key_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger curve_value_device_upd before update of device_id on curve_value
    for each row when (old.device_id is distinct from new.device_id)
    execute function curve_value_device_row_check()`.execute(db);
  await sql`create function device_curve_cascade() returns trigger language plpgsql as $$
    begin
      delete from curve_value where device_id in (select id from old_rows);
      return null;
    end $$`.execute(db);
  await sql`create trigger device_curve_cascade after delete on device
    referencing old table as old_rows for each statement execute function device_curve_cascade()`.execute(db);
  await sql`create function device_curve_key_check() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from curve_value where device_id = old.id) then
        raise exception 'update on table "device" would leave points of device % without their device', old.id
          using errcode = 'foreign_key_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger device_curve_key_check before update of id on device
    for each row when (old.id is distinct from new.id) execute function device_curve_key_check()`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger device_curve_key_check on device`.execute(db);
  await sql`drop function device_curve_key_check()`.execute(db);
  await sql`drop trigger device_curve_cascade on device`.execute(db);
  await sql`drop function device_curve_cascade()`.execute(db);
  await sql`drop trigger curve_value_device_upd on curve_value`.execute(db);
  await sql`drop function curve_value_device_row_check()`.execute(db);
  await sql`drop trigger curve_value_device_ins on curve_value`.execute(db);
  await sql`drop function curve_value_device_check()`.execute(db);
  await sql`alter table curve_value add foreign key (device_id) references device (id) on delete cascade`.execute(
    db,
  );
}
