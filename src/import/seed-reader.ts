/**
 * The original application's database (schema `smarthome`, `seed-schema.md`), read only: the one module
 * with SQL against it, the way a repository holds ours. Naive `timestamp without time zone` values are
 * read as their wall-clock digits (epoch ms of the label read as UTC), never through the JVM's or this
 * process' zone: the import resolves them in Europe/Paris itself.
 */
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";

export const LINKY_IMPL = "smarthome.automation.deviceType.Linky";
export const DATACONNECT_IMPL = "smarthome.automation.datasource.DataConnectDataSourceProvider";

export interface SeedUser {
  id: number;
  username: string;
  password: string;
  enabled: boolean;
  locked: boolean;
  roles: string[];
}
export interface SeedSender {
  id: number;
  libelle: string;
  implClass: string;
  role: string | null;
  cron: string | null;
}
export interface SeedAccount {
  id: number;
  userId: number;
  senderId: number;
  config: string | null;
}
export interface SeedDevice {
  id: number;
  userId: number;
  mac: string;
  label: string;
  implClass: string;
  typeLibelle: string;
}
/** A value row: `t` = the naive label's digits as epoch ms. */
export interface SeedValue {
  id: number;
  t: number;
  name: string | null;
  value: number;
}

/** `YYYY-MM-DD HH:MM:SS` of a naive epoch. */
export function naiveText(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace("T", " ");
}

const NAIVE_MS = "(extract(epoch from date_value) * 1000)::float8";

/**
 * A chunk of `device_value` rows as columns (row i of each array), by label then id: `t` = the naive
 * label's digits as epoch ms, `main` = 1 for the main series (W, `name` NULL), 0 for `baseinst` (Wh).
 */
export interface SeedColumns {
  length: number;
  id: Float64Array;
  t: Float64Array;
  main: Uint8Array;
  value: Float64Array;
}

/** PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 4_294_967_296;

const ROW_BYTES = 43;

/**
 * Complete rows of a `COPY (select id, date_value, name is null, value::float8 …) TO STDOUT (FORMAT
 * binary)` body from byte `o` (after the header): the columns, and where the unread bytes start (a row
 * cut by the end of `buf`, or -1 after the trailer).
 */
export function parseSeedRows(buf: Buffer, o: number): { rows: SeedColumns; next: number } {
  // 4 fields of known sizes: 2 + (4+8) + (4+8) + (4+1) + (4+8) = 43 bytes a row.
  const cap = Math.max(0, Math.floor((buf.length - o) / ROW_BYTES));
  const id = new Float64Array(cap);
  const t = new Float64Array(cap);
  const main = new Uint8Array(cap);
  const value = new Float64Array(cap);
  let n = 0;
  let next = o;
  while (next + 2 <= buf.length) {
    const fields = buf.readInt16BE(next);
    if (fields === -1) {
      next = -1;
      break;
    }
    if (next + ROW_BYTES > buf.length) break;
    if (fields !== 4 || buf.readInt32BE(next + 2) !== 8 || buf.readInt32BE(next + 14) !== 8)
      throw new Error(`seed COPY: unexpected row layout at byte ${next}`);
    if (buf.readInt32BE(next + 31) !== 8) throw new Error(`seed COPY: a NULL value at byte ${next}`);
    id[n] = buf.readInt32BE(next + 6) * TWO_32 + buf.readUInt32BE(next + 10);
    const us = buf.readInt32BE(next + 18) * TWO_32 + buf.readUInt32BE(next + 22);
    t[n] = PG_EPOCH_MS + Math.floor(us / 1000);
    main[n] = buf[next + 30] as number;
    value[n] = buf.readDoubleBE(next + 35);
    n++;
    next += ROW_BYTES;
  }
  return {
    rows: {
      length: n,
      id: id.subarray(0, n),
      t: t.subarray(0, n),
      main: main.subarray(0, n),
      value: value.subarray(0, n),
    },
    next,
  };
}

export class SeedReader {
  private constructor(private readonly client: pg.Client) {}

  static async open(url: string): Promise<SeedReader> {
    const client = new pg.Client({
      connectionString: url,
      application_name: "linky-dataconnect import-seed",
    });
    await client.connect();
    await client.query("set default_transaction_read_only = on");
    // The curve is read a meter at a time in label order: sort it in memory, not in temporary files.
    await client.query("set work_mem = '64MB'");
    return new SeedReader(client);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  async users(): Promise<SeedUser[]> {
    const r = await this.client.query<{
      id: string;
      username: string;
      password: string;
      enabled: boolean;
      account_locked: boolean;
      roles: string[] | null;
    }>(`select u.id::text, u.username, u.password, u.enabled, u.account_locked,
        array(select r.authority from smarthome.user_role ur join smarthome.role r on r.id = ur.role_id
              where ur.user_id = u.id order by r.authority) as roles
      from smarthome.utilisateur u order by u.id`);
    return r.rows.map((u) => ({
      id: Number(u.id),
      username: u.username,
      password: u.password,
      enabled: u.enabled,
      locked: u.account_locked,
      roles: u.roles ?? [],
    }));
  }

  async senders(): Promise<SeedSender[]> {
    const r = await this.client.query<{
      id: string;
      libelle: string;
      impl_class: string;
      role: string | null;
      cron: string | null;
    }>(
      "select id::text, libelle, impl_class, role, cron from smarthome.notification_account_sender order by id",
    );
    return r.rows.map((s) => ({
      id: Number(s.id),
      libelle: s.libelle,
      implClass: s.impl_class,
      role: s.role,
      cron: s.cron,
    }));
  }

  async accounts(): Promise<SeedAccount[]> {
    const r = await this.client.query<{
      id: string;
      user_id: string;
      sender_id: string;
      config: string | null;
    }>(
      `select id::text, user_id::text, notification_account_sender_id::text as sender_id, config
       from smarthome.notification_account order by id`,
    );
    return r.rows.map((a) => ({
      id: Number(a.id),
      userId: Number(a.user_id),
      senderId: Number(a.sender_id),
      config: a.config,
    }));
  }

  async devices(): Promise<SeedDevice[]> {
    const r = await this.client.query<{
      id: string;
      user_id: string;
      mac: string;
      label: string;
      impl_class: string;
      libelle: string;
    }>(
      `select d.id::text, d.user_id::text, d.mac, d.label, t.impl_class, t.libelle
       from smarthome.device d join smarthome.device_type t on t.id = d.device_type_id order by d.id`,
    );
    return r.rows.map((d) => ({
      id: Number(d.id),
      userId: Number(d.user_id),
      mac: d.mac,
      label: d.label,
      implClass: d.impl_class,
      typeLibelle: d.libelle,
    }));
  }

  /** First and last label of the device's main series (W), naive ms; null when it has none. */
  async curveSpan(deviceId: number): Promise<{ first: number; last: number } | null> {
    const r = await this.client.query<{ first: number | null; last: number | null }>(
      `select (extract(epoch from min(date_value)) * 1000)::float8 as first,
              (extract(epoch from max(date_value)) * 1000)::float8 as last
       from smarthome.device_value where device_id = $1 and name is null`,
      [deviceId],
    );
    const row = r.rows[0];
    return row && row.first !== null && row.last !== null ? { first: row.first, last: row.last } : null;
  }

  /** Main series (W) and `baseinst` (Wh) rows with a label in (fromT, toT], by label then id. */
  async curveValues(deviceId: number, fromT: number, toT: number): Promise<SeedValue[]> {
    // Rows as arrays (no object per row from the driver), the id as a number (ids < 2^53).
    const r = await this.client.query<[number, number, string | null, number]>({
      name: "seed-curve-values",
      text: `select id::float8, ${NAIVE_MS} as t, name, value::float8 as value from smarthome.device_value
        where device_id = $1 and (name is null or name = 'baseinst')
          and date_value > $2::timestamp and date_value <= $3::timestamp
        order by date_value, device_value.id`,
      values: [deviceId, naiveText(fromT), naiveText(toT)],
      rowMode: "array",
    });
    const out = new Array<SeedValue>(r.rows.length);
    for (let i = 0; i < r.rows.length; i++) {
      const v = r.rows[i] as [number, number, string | null, number];
      out[i] = { id: v[0], t: v[1], name: v[2], value: v[3] };
    }
    return out;
  }

  /**
   * The main series (W) and `baseinst` (Wh) rows of a device with a label after `fromT`, by label then
   * id, as batches of columns, through one binary `COPY … TO STDOUT` (no text formatting on the server,
   * no object per row in the driver, one scan of the device's rows). The server keeps sending while the
   * caller works on a batch, up to the socket's buffers: the next batches are on their way meanwhile.
   * Consume it to the end before any other query of this reader.
   */
  async *curveBatches(deviceId: number, fromT: number): AsyncGenerator<SeedColumns> {
    if (!Number.isSafeInteger(deviceId)) throw new RangeError(`seed device id ${deviceId}`);
    // COPY takes no parameters: the values are a number and a formatted timestamp.
    const text = `copy (select id::int8, date_value, name is null, value::float8 from smarthome.device_value
        where device_id = ${deviceId} and (name is null or name = 'baseinst')
          and date_value > '${naiveText(fromT)}'::timestamp
        order by date_value, id) to stdout (format binary)`;
    const stream = this.client.query(copyTo(text));
    let rest: Buffer = Buffer.alloc(0);
    let headerDone = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let o = 0;
      if (!headerDone) {
        if (buf.length < 19 || buf.length < 19 + buf.readInt32BE(15)) {
          rest = buf;
          continue;
        }
        o = 19 + buf.readInt32BE(15);
        headerDone = true;
      }
      const { rows, next } = parseSeedRows(buf, o);
      rest = next < 0 ? Buffer.alloc(0) : buf.subarray(next);
      buf = rest;
      if (rows.length > 0) yield rows;
    }
  }

  /** `device_value_day` or `device_value_month` rows of `basesum` and `max`, by date then id. */
  async dayValues(table: "device_value_day" | "device_value_month", deviceId: number): Promise<SeedValue[]> {
    const r = await this.client.query<{ id: string; t: number; name: string; value: number }>(
      `select id::text, ${NAIVE_MS} as t, name, value from smarthome.${table}
       where device_id = $1 and name in ('basesum', 'max') order by date_value, ${table}.id`,
      [deviceId],
    );
    return r.rows.map((v) => ({ id: Number(v.id), t: v.t, name: v.name, value: Number(v.value) }));
  }
}
