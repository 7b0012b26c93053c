/**
 * A database shaped like the original application's (schema `smarthome`, from seed-schema.md: the same
 * table and column names and types, one id sequence, no unique key on the value tables), created on the
 * shared PostgreSQL server for one test file and dropped after it. `SeedBuilder` writes rows the way the
 * original did: naive Paris wall-clock labels, W at the interval END, `baseinst` Wh beside it.
 */
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { DateTime } from "luxon";
import pg from "pg";
import type { Store } from "../../src/store/index.js";
import { PG_ADMIN_URL } from "./db.js";

export const LINKY_IMPL = "smarthome.automation.deviceType.Linky";
export const DATACONNECT_IMPL = "smarthome.automation.datasource.DataConnectDataSourceProvider";

const DDL = `
create schema smarthome;
create sequence public.hibernate_sequence start 1 increment 1;
create table smarthome.utilisateur (
  id bigint not null primary key, version bigint not null, username varchar(255) not null unique,
  password varchar(255) not null, nom varchar(255) not null, prenom varchar(255) not null,
  application_key varchar(255) not null unique, enabled boolean not null, account_expired boolean not null,
  account_locked boolean not null, password_expired boolean not null, profil_public boolean not null,
  last_activation timestamp not null, last_connexion timestamp, telephone_mobile varchar(255));
create index utilisateur_username on smarthome.utilisateur (username);
create table smarthome.role (id bigint not null primary key, version bigint not null, authority varchar(255) not null unique);
create table smarthome.user_role (role_id bigint not null references smarthome.role, user_id bigint not null references smarthome.utilisateur,
  primary key (role_id, user_id));
create table smarthome.device_type (id bigint not null primary key, version bigint not null, libelle varchar(255) not null unique,
  impl_class varchar(255) not null, qualitatif boolean not null default false, planning boolean not null default false);
create table smarthome.notification_account_sender (id bigint not null primary key, version bigint not null,
  impl_class varchar(255) not null, libelle varchar(255) not null unique, role varchar(255), cron varchar(255));
create table smarthome.notification_account (id bigint not null primary key, version bigint not null, config text,
  notification_account_sender_id bigint not null references smarthome.notification_account_sender,
  user_id bigint not null references smarthome.utilisateur, unique (user_id, notification_account_sender_id));
create table smarthome.device (id bigint not null primary key, version bigint not null default 0, label varchar(255) not null,
  mac varchar(255) not null, value varchar(255), date_value timestamp, unite varchar(16),
  device_type_id bigint not null references smarthome.device_type, user_id bigint not null references smarthome.utilisateur,
  agent_id bigint, groupe varchar(255), command varchar(255), tableau_bord varchar(255), formula varchar(255), extras text,
  favori boolean not null default false);
create index device_agent on smarthome.device (agent_id);
create index device_agent_mac on smarthome.device (agent_id, mac);
create index device_user on smarthome.device (user_id);
create table smarthome.device_value (id bigint not null, version bigint not null, date_value timestamp not null,
  device_id bigint not null references smarthome.device, name varchar(64), value numeric not null, alert_level varchar(16));
create index device_value_device on smarthome.device_value (device_id);
create index device_value_idx on smarthome.device_value (date_value, device_id, name);
create table smarthome.device_value_day (id bigint not null, version bigint not null default 0, date_value timestamp not null,
  device_id bigint not null references smarthome.device, name varchar(64) not null, value double precision not null);
create index device_value_day_idx on smarthome.device_value_day (date_value, device_id, name);
create table smarthome.device_value_month (id bigint not null, version bigint not null default 0, date_value timestamp not null,
  device_id bigint not null references smarthome.device, name varchar(64) not null, value double precision not null);
create index device_value_month_idx on smarthome.device_value_month (date_value, device_id, name);
`;

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export interface SeedDb {
  url: string;
  client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh database with the `smarthome` schema, empty. */
export async function createSeedDb(): Promise<SeedDb> {
  const name = `seed_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin(`create database ${name}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  await client.query(DDL);
  return {
    url: u.toString(),
    client,
    async drop() {
      await client.end();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Paris wall clock of an instant, as the JVM wrote it. */
export const naiveParis = (ms: number) =>
  DateTime.fromMillis(ms, { zone: "Europe/Paris" }).toFormat("yyyy-MM-dd HH:mm:ss");

export class SeedBuilder {
  constructor(private readonly c: pg.Client) {}

  private async id(): Promise<number> {
    return Number(
      (await this.c.query<{ id: string }>("select nextval('public.hibernate_sequence')::text as id")).rows[0]!
        .id,
    );
  }

  async role(authority: string): Promise<number> {
    const id = await this.id();
    await this.c.query("insert into smarthome.role values ($1, 0, $2)", [id, authority]);
    return id;
  }

  /** A user whose password is bcrypt'ed like Spring Security's (`$2a$`, 10 rounds unless said). */
  async user(
    username: string,
    password: string,
    o: { roles?: number[]; enabled?: boolean; rounds?: number } = {},
  ): Promise<number> {
    const id = await this.id();
    // Spring Security 2 wrote `$2a$`; bcryptjs writes `$2b$`, the same algorithm for these lengths.
    const hash = bcrypt.hashSync(password, bcrypt.genSaltSync(o.rounds ?? 10)).replace(/^\$2b\$/, "$2a$");
    await this.c.query(
      `insert into smarthome.utilisateur values ($1, 0, $2, $3, 'Nom', ' ', $4, $5, false, false, false, false, '2019-06-28 10:00:00', null, null)`,
      [id, username, hash, randomBytes(16).toString("hex"), o.enabled ?? true],
    );
    for (const r of o.roles ?? [])
      await this.c.query("insert into smarthome.user_role values ($1, $2)", [r, id]);
    return id;
  }

  async deviceType(libelle: string, impl: string): Promise<number> {
    const id = await this.id();
    await this.c.query("insert into smarthome.device_type values ($1, 0, $2, $3, true, false)", [
      id,
      libelle,
      impl,
    ]);
    return id;
  }

  async sender(libelle: string, impl: string, cron: string | null): Promise<number> {
    const id = await this.id();
    await this.c.query("insert into smarthome.notification_account_sender values ($1, 0, $2, $3, null, $4)", [
      id,
      impl,
      libelle,
      cron,
    ]);
    return id;
  }

  async account(userId: number, senderId: number, config: unknown): Promise<number> {
    const id = await this.id();
    await this.c.query("insert into smarthome.notification_account values ($1, 0, $2, $3, $4)", [
      id,
      JSON.stringify(config),
      senderId,
      userId,
    ]);
    return id;
  }

  async device(userId: number, typeId: number, mac: string, label: string, unite = "W"): Promise<number> {
    const id = await this.id();
    await this.c.query(
      "insert into smarthome.device (id, version, label, mac, unite, device_type_id, user_id, favori) values ($1, 0, $2, $3, $4, $5, $6, false)",
      [id, label, mac, unite, typeId, userId],
    );
    return id;
  }

  /** Rows of `device_value` (`name` null = W), in the order given (ids follow it). */
  async values(
    deviceId: number,
    rows: Array<{ label: string; name: string | null; value: number }>,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += 5000) {
      const part = rows.slice(i, i + 5000);
      const first =
        Number(
          (
            await this.c.query<{ id: string }>(
              `select setval('public.hibernate_sequence', nextval('public.hibernate_sequence') + $1 - 1)::text as id`,
              [part.length],
            )
          ).rows[0]!.id,
        ) -
        part.length +
        1;
      await this.c.query(
        `insert into smarthome.device_value (id, version, date_value, device_id, name, value)
         select $1::bigint + o - 1, 0, l::timestamp, $2, n, v::numeric
         from unnest($3::text[], $4::text[], $5::float8[]) with ordinality as u(l, n, v, o)`,
        [first, deviceId, part.map((r) => r.label), part.map((r) => r.name), part.map((r) => r.value)],
      );
    }
  }

  async dayValue(
    table: "device_value_day" | "device_value_month",
    deviceId: number,
    label: string,
    name: string,
    value: number,
  ): Promise<void> {
    const id = await this.id();
    await this.c.query(
      `insert into smarthome.${table} (id, version, date_value, device_id, name, value) values ($1, 0, $2, $3, $4, $5)`,
      [id, label, deviceId, name, value],
    );
  }
}

/** 30-minute interval ends from `from`'s Paris midnight (exclusive) to `to`'s (inclusive), UTC ms. */
export function halfHourEnds(from: string, to: string): number[] {
  const a = DateTime.fromISO(from, { zone: "Europe/Paris" }).toMillis();
  const b = DateTime.fromISO(to, { zone: "Europe/Paris" }).toMillis();
  const out: number[] = [];
  for (let t = a + 1_800_000; t <= b; t += 1_800_000) out.push(t);
  return out;
}

/** Everything a migration writes in our store, without the clock's columns, for comparing two runs. */
export async function migratedSnapshot(store: Store): Promise<unknown> {
  const users = (await store.users.list()).map((u) => ({
    username: u.username,
    roles: u.roles,
    bcrypt: u.passwordHash.startsWith("$2a$"),
    disabled: u.disabledAtMs !== null,
  }));
  const accounts = (await store.accounts.list({ limit: 1000 })).map((a) => {
    const { last_sync: _s, ...config } = a.config;
    return { usagePointId: a.usagePointId, config };
  });
  const meters: unknown[] = [];
  for (const a of await store.accounts.list({ limit: 1000 })) {
    for (const d of await store.devices.findByMac(a.usagePointId)) {
      const all = [0, Date.parse("2100-01-01")] as const;
      const ledger = [];
      for (const ds of [
        "consumption_load_curve",
        "daily_consumption",
        "daily_consumption_max_power",
      ] as const) {
        for (const l of await store.ledger.list(d.id, ds)) {
          const { firstSeenMs: _f, lastAttemptMs: _l, deviceId: _d, ...rest } = l;
          ledger.push(rest);
        }
      }
      meters.push({
        mac: d.mac,
        curve: await store.measures.readings(d.id, "consumption_load_curve", ...all, {
          includeMissing: true,
        }),
        daily: await store.measures.readings(d.id, "daily_consumption", ...all, { includeMissing: true }),
        max: await store.measures.readings(d.id, "daily_consumption_max_power", ...all, {
          includeMissing: true,
        }),
        months: [
          ...(await store.measures.listMonthly(d.id, "consumption", "2000-01", "2099-12")),
          ...(await store.measures.listMonthly(d.id, "max_power", "2000-01", "2099-12")),
        ],
        ledger,
      });
    }
  }
  const cursors = await store.importCursors.list("seed:");
  return { users, accounts, meters, cursors };
}
