/**
 * Alert deliveries (migrations 080, 081): finding the due ones, claiming one before sending it, recording
 * the outcome; what the user and the admin see of them.
 *
 * Glossary
 * - due: `pending` or `failed` with `next_attempt_ms` ≤ now, through an enabled sender, not claimed;
 * - claim: `claimed_by` + `claim_until_ms` set by one conditional UPDATE (the row's lock decides between
 *   two processes on PostgreSQL, the single writer on SQLite): only the process whose UPDATE changed the
 *   row sends it. `attempts` counts claims, so a process killed while sending still uses one attempt;
 * - holder: `holderName("alerts")` of scheduler/lease.ts, so that a claim of a killed process of this
 *   machine can be released at once rather than when it expires.
 */
import type { AlertDeliveryStatus } from "../schema.js";
import type { Scope } from "../scope.js";

export interface DeliveryToSend {
  id: number;
  alertId: number;
  senderId: number;
  attempts: number;
  status: AlertDeliveryStatus;
}

/** A delivery as the user's list shows it. */
export interface DeliveryView {
  id: number;
  alertId: number;
  senderId: number;
  senderLabel: string;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
  sentAtMs: number | null;
}

/** Per sender, what its deliveries look like (admin "Connecteurs"). */
export interface SenderDeliveryStats {
  senderId: number;
  sent: number;
  waiting: number;
  failed: number;
  abandoned: number;
  lastError: string | null;
}

/** What `DeliveryView` is read from (`alert_delivery as d` joined with its sender `s`). */
const VIEW_COLUMNS = [
  "d.id",
  "d.alert_id",
  "d.sender_id",
  "s.libelle",
  "d.status",
  "d.attempts",
  "d.next_attempt_ms",
  "d.last_error",
  "d.sent_at_ms",
] as const;

function toView(r: {
  id: number;
  alert_id: number;
  sender_id: number;
  libelle: string;
  status: AlertDeliveryStatus;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  sent_at_ms: number | null;
}): DeliveryView {
  return {
    id: r.id,
    alertId: r.alert_id,
    senderId: r.sender_id,
    senderLabel: r.libelle,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptMs: Number(r.next_attempt_ms),
    lastError: r.last_error,
    sentAtMs: r.sent_at_ms === null ? null : Number(r.sent_at_ms),
  };
}

export class AlertDeliveriesRepository {
  constructor(private readonly scope: Scope) {}

  /** Ids of due deliveries, oldest first. */
  async dueIds(limit: number): Promise<number[]> {
    const now = this.scope.now();
    const rows = await this.scope.db
      .selectFrom("alert_delivery as d")
      .innerJoin("notification_account_sender as s", "s.id", "d.sender_id")
      .select("d.id")
      .where("d.status", "in", ["pending", "failed"])
      .where("d.next_attempt_ms", "<=", now)
      .where((eb) => eb.or([eb("d.claim_until_ms", "is", null), eb("d.claim_until_ms", "<=", now)]))
      .where("s.enabled", "=", 1)
      .orderBy("d.next_attempt_ms")
      .orderBy("d.id")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Claims a due delivery for `holder` until `untilMs` and counts the attempt. The delivery, or undefined
   * when it is no longer due or another process claimed it first.
   */
  async claim(id: number, holder: string, untilMs: number): Promise<DeliveryToSend | undefined> {
    const now = this.scope.now();
    const row = await this.scope.db
      .updateTable("alert_delivery")
      .set((eb) => ({ claimed_by: holder, claim_until_ms: untilMs, attempts: eb("attempts", "+", 1) }))
      .where("id", "=", id)
      .where("status", "in", ["pending", "failed"])
      .where("next_attempt_ms", "<=", now)
      .where((eb) => eb.or([eb("claim_until_ms", "is", null), eb("claim_until_ms", "<=", now)]))
      .returning(["id", "alert_id", "sender_id", "attempts", "status"])
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        alertId: row.alert_id,
        senderId: row.sender_id,
        attempts: Number(row.attempts),
        status: row.status,
      }
    );
  }

  /** Claims still running (ahead of now), with their holders: the caller releases those of dead processes. */
  async activeClaims(): Promise<{ id: number; holder: string }[]> {
    const rows = await this.scope.db
      .selectFrom("alert_delivery")
      .select(["id", "claimed_by"])
      .where("status", "in", ["pending", "failed"])
      .where("claim_until_ms", ">", this.scope.now())
      .execute();
    return rows.flatMap((r) => (r.claimed_by ? [{ id: r.id, holder: r.claimed_by }] : []));
  }

  /** Ends `holder`'s claim without an outcome (its process died): the delivery is due again. */
  async release(id: number, holder: string): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("alert_delivery")
      .set({ claim_until_ms: null })
      .where("id", "=", id)
      .where("claimed_by", "=", holder)
      .where("status", "in", ["pending", "failed"])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** The receiver took it. False when the claim was lost meanwhile (the outcome is then not ours to write). */
  async markSent(id: number, holder: string): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("alert_delivery")
      .set({ status: "sent", sent_at_ms: this.scope.now(), last_error: null, claim_until_ms: null })
      .where("id", "=", id)
      .where("claimed_by", "=", holder)
      .where("status", "in", ["pending", "failed"])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** It failed: `failed` again at `nextAttemptMs`, or `abandoned` (nextAttemptMs null). */
  async markFailed(
    id: number,
    holder: string,
    outcome: { error: string; nextAttemptMs: number | null },
  ): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("alert_delivery")
      .set({
        status: outcome.nextAttemptMs === null ? "abandoned" : "failed",
        ...(outcome.nextAttemptMs !== null && { next_attempt_ms: outcome.nextAttemptMs }),
        last_error: outcome.error.slice(0, 500),
        claim_until_ms: null,
      })
      .where("id", "=", id)
      .where("claimed_by", "=", holder)
      .where("status", "in", ["pending", "failed"])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** The deliveries of these alerts (the user's list: one line per channel). */
  async ofAlerts(alertIds: readonly number[]): Promise<DeliveryView[]> {
    if (alertIds.length === 0) return [];
    const rows = await this.scope.db
      .selectFrom("alert_delivery as d")
      .innerJoin("notification_account_sender as s", "s.id", "d.sender_id")
      .select(VIEW_COLUMNS)
      .where("d.alert_id", "in", [...alertIds])
      .orderBy("d.id")
      .execute();
    return rows.map(toView);
  }

  /** The user's failed or abandoned deliveries, newest alert first (the settings page's warning). */
  async failuresOfUser(userId: number, limit = 20): Promise<(DeliveryView & { title: string })[]> {
    const rows = await this.scope.db
      .selectFrom("alert_delivery as d")
      .innerJoin("alert as a", "a.id", "d.alert_id")
      .innerJoin("notification_account_sender as s", "s.id", "d.sender_id")
      .select([...VIEW_COLUMNS, "a.title"])
      .where("a.user_id", "=", userId)
      .where("d.status", "in", ["failed", "abandoned"])
      .orderBy("a.created_at_ms", "desc")
      .orderBy("d.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toView(r), title: r.title }));
  }

  /** Per sender: deliveries sent, waiting, failed (to be retried), abandoned, and the newest error. */
  async statsBySender(senderIds: readonly number[]): Promise<Map<number, SenderDeliveryStats>> {
    const out = new Map<number, SenderDeliveryStats>();
    if (senderIds.length === 0) return out;
    const rows = await this.scope.db
      .selectFrom("alert_delivery")
      .select(["sender_id", "status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("sender_id", "in", [...senderIds])
      .groupBy(["sender_id", "status"])
      .execute();
    for (const r of rows) {
      const s = out.get(r.sender_id) ?? {
        senderId: r.sender_id,
        sent: 0,
        waiting: 0,
        failed: 0,
        abandoned: 0,
        lastError: null,
      };
      const n = Number(r.n);
      if (r.status === "sent") s.sent += n;
      else if (r.status === "pending") s.waiting += n;
      else if (r.status === "failed") s.failed += n;
      else s.abandoned += n;
      out.set(r.sender_id, s);
    }
    for (const s of out.values()) {
      if (s.failed + s.abandoned === 0) continue;
      const last = await this.scope.db
        .selectFrom("alert_delivery")
        .select("last_error")
        .where("sender_id", "=", s.senderId)
        .where("status", "in", ["failed", "abandoned"])
        .where("last_error", "is not", null)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      s.lastError = last?.last_error ?? null;
    }
    return out;
  }

  /** Unread alerts of the user (the navigation's badge). */
  async unreadCount(userId: number): Promise<number> {
    const r = await this.scope.db
      .selectFrom("alert")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("read_at_ms", "is", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Marks every unread alert of the user read; how many. */
  async markAllRead(userId: number): Promise<number> {
    const r = await this.scope.db
      .updateTable("alert")
      .set({ read_at_ms: this.scope.now() })
      .where("user_id", "=", userId)
      .where("read_at_ms", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Every user's alert settings (JSON text), for the summaries; disabled users left out. */
  async settingsOfActiveUsers(): Promise<{ userId: number; settings: string }[]> {
    const rows = await this.scope.db
      .selectFrom("alert_settings as s")
      .innerJoin("app_user as u", "u.id", "s.user_id")
      .select(["s.user_id", "s.settings"])
      .where("u.disabled_at_ms", "is", null)
      .orderBy("s.user_id")
      .execute();
    return rows.map((r) => ({ userId: r.user_id, settings: r.settings }));
  }

  /** Whether an alert of this kind, subject and day exists already. */
  async alertExists(kind: string, subject: string, day: string): Promise<boolean> {
    const r = await this.scope.db
      .selectFrom("alert")
      .select("id")
      .where("kind", "=", kind)
      .where("subject", "=", subject)
      .where("day", "=", day)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Deletes a channel sender's secrets, its own and its users' (the sender is being deleted). */
  async deleteSenderSecrets(senderId: number): Promise<void> {
    await this.scope.db
      .deleteFrom("app_secret")
      .where((eb) =>
        eb.or([
          eb("name", "=", `sender.secret:${senderId}`),
          eb("name", "like", `sender.secret:${senderId}:user:%`),
        ]),
      )
      .execute();
  }

  /** Deletes a user's recipient settings of every channel sender (the user is being erased). */
  async deleteUserChannelSecrets(userId: number): Promise<number> {
    const r = await this.scope.db
      .deleteFrom("app_secret")
      .where("name", "like", `sender.secret:%:user:${userId}`)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
