/**
 * Alerts (migration 080): the alerts raised (also the in-app notification list), their deliveries through
 * channel senders, and users' preferences and settings. `raise` writes an alert and its deliveries in one
 * statement group: call it inside `store.transaction` so that both commit together (an alert is never
 * raised without its deliveries queued, nor queued twice: the unique key (kind, subject, day) makes a
 * second raise a no-op).
 */
import type { AlertCandidate, AlertKind, AlertSettings } from "../../alerts/kinds.js";
import { alertSubject } from "../../alerts/kinds.js";
import type { AlertDeliveryStatus } from "../schema.js";
import type { Scope } from "../scope.js";

export interface StoredAlert {
  id: number;
  userId: number;
  accountId: number | null;
  kind: AlertKind;
  day: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  createdAtMs: number;
  readAtMs: number | null;
}

export interface AlertDelivery {
  id: number;
  alertId: number;
  senderId: number;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
  sentAtMs: number | null;
}

export class AlertsRepository {
  constructor(private readonly scope: Scope) {}

  /**
   * Raises an alert and queues one delivery per channel sender the user picked for its kind (enabled
   * senders only). Returns the new alert, or null when the same (kind, subject, day) was raised already.
   * `notBeforeMs`: when the deliveries may go (quiet hours); default now.
   */
  async raise(c: AlertCandidate, opts: { notBeforeMs?: number } = {}): Promise<StoredAlert | null> {
    const db = this.scope.db;
    const now = this.scope.now();
    const row = await db
      .insertInto("alert")
      .values({
        user_id: c.userId,
        account_id: c.accountId,
        kind: c.kind,
        subject: alertSubject(c),
        day: c.day,
        title: c.title,
        body: c.body,
        link: c.link,
        data: JSON.stringify(c.data ?? {}),
        created_at_ms: now,
      })
      .onConflict((oc) => oc.columns(["kind", "subject", "day"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    const senders = await db
      .selectFrom("alert_preference as p")
      .innerJoin("notification_account_sender as s", "s.id", "p.sender_id")
      .select("s.id")
      .where("p.user_id", "=", c.userId)
      .where("p.kind", "=", c.kind)
      .where("s.enabled", "=", 1)
      .execute();
    if (senders.length > 0) {
      await db
        .insertInto("alert_delivery")
        .values(
          senders.map((s) => ({
            alert_id: row.id,
            sender_id: s.id,
            next_attempt_ms: opts.notBeforeMs ?? now,
          })),
        )
        .onConflict((oc) => oc.columns(["alert_id", "sender_id"]).doNothing())
        .execute();
    }
    return toAlert(row);
  }

  /** The user's alerts, newest first (the in-app list). */
  async listForUser(
    userId: number,
    opts: { limit?: number; unreadOnly?: boolean } = {},
  ): Promise<StoredAlert[]> {
    let q = this.scope.db
      .selectFrom("alert")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at_ms", "desc")
      .orderBy("id", "desc")
      .limit(opts.limit ?? 100);
    if (opts.unreadOnly) q = q.where("read_at_ms", "is", null);
    return (await q.execute()).map(toAlert);
  }

  async listForAccount(accountId: number, opts: { limit?: number } = {}): Promise<StoredAlert[]> {
    const rows = await this.scope.db
      .selectFrom("alert")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("created_at_ms", "desc")
      .orderBy("id", "desc")
      .limit(opts.limit ?? 100)
      .execute();
    return rows.map(toAlert);
  }

  async findById(id: number): Promise<StoredAlert | undefined> {
    const row = await this.scope.db.selectFrom("alert").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toAlert(row);
  }

  /** Marks the user's alert read; false when it is not theirs (or does not exist). */
  async markRead(userId: number, alertId: number): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("alert")
      .set({ read_at_ms: this.scope.now() })
      .where("id", "=", alertId)
      .where("user_id", "=", userId)
      .where("read_at_ms", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deliveriesOf(alertId: number): Promise<AlertDelivery[]> {
    const rows = await this.scope.db
      .selectFrom("alert_delivery")
      .selectAll()
      .where("alert_id", "=", alertId)
      .orderBy("id")
      .execute();
    return rows.map(toDelivery);
  }

  /** The channel senders the user picked per kind. */
  async preferences(userId: number): Promise<Map<AlertKind, number[]>> {
    const rows = await this.scope.db
      .selectFrom("alert_preference")
      .select(["kind", "sender_id"])
      .where("user_id", "=", userId)
      .orderBy("kind")
      .orderBy("sender_id")
      .execute();
    const out = new Map<AlertKind, number[]>();
    for (const r of rows) {
      const kind = r.kind as AlertKind;
      out.set(kind, [...(out.get(kind) ?? []), r.sender_id]);
    }
    return out;
  }

  /** Replaces the user's channel senders for one kind. */
  async setPreference(userId: number, kind: AlertKind, senderIds: readonly number[]): Promise<void> {
    const db = this.scope.db;
    await db.deleteFrom("alert_preference").where("user_id", "=", userId).where("kind", "=", kind).execute();
    const ids = [...new Set(senderIds)];
    if (ids.length > 0)
      await db
        .insertInto("alert_preference")
        .values(ids.map((sender_id) => ({ user_id: userId, kind, sender_id })))
        .execute();
  }

  async settings(userId: number): Promise<AlertSettings> {
    const row = await this.scope.db
      .selectFrom("alert_settings")
      .select("settings")
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.settings) as AlertSettings) : {};
  }

  async setSettings(userId: number, settings: AlertSettings): Promise<void> {
    const values = { user_id: userId, settings: JSON.stringify(settings), updated_at_ms: this.scope.now() };
    await this.scope.db
      .insertInto("alert_settings")
      .values(values)
      .onConflict((oc) =>
        oc.column("user_id").doUpdateSet({ settings: values.settings, updated_at_ms: values.updated_at_ms }),
      )
      .execute();
  }
}

interface AlertRow {
  id: number;
  user_id: number;
  account_id: number | null;
  kind: string;
  day: string;
  title: string;
  body: string;
  link: string | null;
  data: string;
  created_at_ms: number;
  read_at_ms: number | null;
}

function toAlert(r: AlertRow): StoredAlert {
  return {
    id: r.id,
    userId: r.user_id,
    accountId: r.account_id,
    kind: r.kind as AlertKind,
    day: r.day,
    title: r.title,
    body: r.body,
    link: r.link,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAtMs: r.created_at_ms,
    readAtMs: r.read_at_ms,
  };
}

function toDelivery(r: {
  id: number;
  alert_id: number;
  sender_id: number;
  status: AlertDeliveryStatus;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  sent_at_ms: number | null;
}): AlertDelivery {
  return {
    id: r.id,
    alertId: r.alert_id,
    senderId: r.sender_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptMs: r.next_attempt_ms,
    lastError: r.last_error,
    sentAtMs: r.sent_at_ms,
  };
}
