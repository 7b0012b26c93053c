/**
 * Erasure (right to erasure): the deletes and counts that remove a meter's data, an account or a user,
 * table by table. Each method is one step; `store/erasure.ts` runs the steps of one erasure in one
 * transaction. Every table keyed by a device, an account or a user is named here on purpose (rather than
 * left to `on delete cascade`), so that the counts shown before and the rows deleted are the same list.
 *
 * Tables: by device `curve_value`, `daily_value`, `monthly_value`, `index_value` (measures),
 * `completeness` (ledger), `ha_statistic` and `ha_statistic_day` (Home Assistant records), then `device`;
 * by account `account_lease`, then `notification_account`; by user `api_token`, `web_session`, the
 * user's pending-consent secret in `app_secret`, then `app_user`.
 */
import { sql, type SelectQueryBuilder } from "kysely";
import type { Database } from "../schema.js";
import type { Scope } from "../scope.js";

/** Rows per table that hold a meter's data. */
export interface DeviceDataCounts {
  curve_value: number;
  daily_value: number;
  monthly_value: number;
  index_value: number;
  completeness: number;
  ha_statistic: number;
  ha_statistic_day: number;
}

export const MEASURE_TABLES = ["curve_value", "daily_value", "monthly_value", "index_value"] as const;

/** Name of the `app_secret` row that holds a user's consent in progress (see `web/consent.ts`). */
export const pendingConsentSecret = (userId: number) => `web.consent_pending.${userId}`;

const zero = (): DeviceDataCounts => ({
  curve_value: 0,
  daily_value: 0,
  monthly_value: 0,
  index_value: 0,
  completeness: 0,
  ha_statistic: 0,
  ha_statistic_day: 0,
});

export class ErasureRepository {
  constructor(private readonly scope: Scope) {}

  /** How many rows of each table hold these devices' data. */
  async countDeviceData(deviceIds: readonly number[]): Promise<DeviceDataCounts> {
    const counts = zero();
    if (deviceIds.length === 0) return counts;
    const ids = [...deviceIds];
    const db = this.scope.db;
    const n = (r: { n: number | string | bigint }) => Number(r.n);
    for (const table of [...MEASURE_TABLES, "completeness", "ha_statistic"] as const) {
      const r = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("device_id", "in", ids)
        .executeTakeFirstOrThrow();
      counts[table] = n(r);
    }
    const days = await db
      .selectFrom("ha_statistic_day")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("statistic_id", "in", (eb) =>
        eb.selectFrom("ha_statistic").select("statistic_id").where("device_id", "in", ids),
      )
      .executeTakeFirstOrThrow();
    counts.ha_statistic_day = n(days);
    return counts;
  }

  /** Deletes these devices' measures, ledger and Home Assistant records, then the devices. */
  async deleteDevices(deviceIds: readonly number[]): Promise<DeviceDataCounts & { device: number }> {
    const counts = { ...zero(), device: 0 };
    if (deviceIds.length === 0) return counts;
    const ids = [...deviceIds];
    const db = this.scope.db;
    const r = await db
      .deleteFrom("ha_statistic_day")
      .where("statistic_id", "in", (eb) =>
        eb.selectFrom("ha_statistic").select("statistic_id").where("device_id", "in", ids),
      )
      .executeTakeFirst();
    counts.ha_statistic_day = Number(r.numDeletedRows);
    for (const table of ["ha_statistic", "completeness", ...MEASURE_TABLES] as const) {
      const d = await db.deleteFrom(table).where("device_id", "in", ids).executeTakeFirst();
      counts[table] = Number(d.numDeletedRows);
    }
    const d = await db.deleteFrom("device").where("id", "in", ids).executeTakeFirst();
    counts.device = Number(d.numDeletedRows);
    return counts;
  }

  /** Deletes these accounts with their sync leases; returns how many accounts went. */
  async deleteAccounts(accountIds: readonly number[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const ids = [...accountIds];
    // account_lease is the scheduler's own table, outside the typed schema (migration 005).
    await sql`delete from account_lease where account_id in (${sql.join(ids)})`.execute(this.scope.db);
    await this.deleteAlerts((qb) => qb.where("account_id", "in", ids));
    const r = await this.scope.db
      .deleteFrom("notification_account")
      .where("id", "in", ids)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /**
   * Deletes what belongs to the user itself (API tokens, sessions, consent in progress) and the user row.
   * Their accounts and devices must be gone first (`deleteAccounts`, `deleteDevices`).
   */
  async deleteUserRows(
    userId: number,
  ): Promise<{ api_token: number; web_session: number; app_secret: number; app_user: number }> {
    const db = this.scope.db;
    await this.deleteAlerts((qb) => qb.where("user_id", "=", userId));
    await db.deleteFrom("alert_preference").where("user_id", "=", userId).execute();
    await db.deleteFrom("alert_settings").where("user_id", "=", userId).execute();
    const tokens = await db.deleteFrom("api_token").where("user_id", "=", userId).executeTakeFirst();
    const sessions = await db.deleteFrom("web_session").where("user_id", "=", userId).executeTakeFirst();
    const secrets = await db
      .deleteFrom("app_secret")
      .where((eb) =>
        eb.or([
          eb("name", "=", pendingConsentSecret(userId)),
          // The user's recipient settings of channel senders (alerts/channels: address, Free Mobile key).
          eb("name", "like", `sender.secret:%:user:${userId}`),
        ]),
      )
      .executeTakeFirst();
    const user = await db.deleteFrom("app_user").where("id", "=", userId).executeTakeFirst();
    return {
      api_token: Number(tokens.numDeletedRows),
      web_session: Number(sessions.numDeletedRows),
      app_secret: Number(secrets.numDeletedRows),
      app_user: Number(user.numDeletedRows),
    };
  }

  /** Alerts (the in-app list) and their deliveries, selected by `where` on `alert`. */
  private async deleteAlerts(
    where: (
      qb: SelectQueryBuilder<Database, "alert", { id: number }>,
    ) => SelectQueryBuilder<Database, "alert", { id: number }>,
  ): Promise<void> {
    const db = this.scope.db;
    const ids = (await where(db.selectFrom("alert").select("id")).execute()).map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await db.deleteFrom("alert_delivery").where("alert_id", "in", chunk).execute();
      await db.deleteFrom("alert").where("id", "in", chunk).execute();
    }
  }
}
