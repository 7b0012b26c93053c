/**
 * Notification account senders (the seed's `NotificationAccountSender`, "Connecteurs" in its admin UI): a
 * unique `libelle`, the implementation, the role a user needs, and the Quartz cron that schedules the
 * accounts of data-source senders.
 */
import { sql, type Selectable } from "kysely";
import { translateDbError } from "../errors.js";
import type { NotificationAccountSenderTable } from "../schema.js";
import type { Scope } from "../scope.js";

export interface Sender {
  id: number;
  libelle: string;
  implClass: string;
  role: string | null;
  /** Quartz cron expression (`0 0/10 * * * ?`), or null: never scheduled. */
  cron: string | null;
  /** A channel sender's non-secret settings (its secrets are in `app_secret`, see alerts/channels). */
  config: Record<string, unknown>;
  /** False when the admin switched it off, or repeated failures did (`disabledReason`). */
  enabled: boolean;
  disabledReason: string | null;
  /** Deliveries that failed in a row through it. */
  failures: number;
}

export interface NewSender {
  libelle: string;
  implClass: string;
  role?: string | null;
  cron?: string | null;
  config?: Record<string, unknown>;
  enabled?: boolean;
  disabledReason?: string | null;
}

export type SenderPatch = Partial<NewSender>;

export interface SenderListOptions {
  /** Case-insensitive substring of the libelle (the seed's ilike search). */
  search?: string;
  offset?: number;
  limit?: number;
}

function parseConfig(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toSender(row: Selectable<NotificationAccountSenderTable>): Sender {
  return {
    id: row.id,
    libelle: row.libelle,
    implClass: row.impl_class,
    role: row.role,
    cron: row.cron,
    config: parseConfig(row.config),
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    failures: Number(row.failures),
  };
}

function checkLibelle(libelle: string): void {
  if (libelle.trim() === "") throw new RangeError("a sender's libelle cannot be empty");
}

/** Case-insensitive "libelle contains s", with `%`, `_` and `\` taken literally (SQLite has no default escape). */
function libelleContains(s: string) {
  const pattern = `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(libelle) like ${pattern} escape '\\'`;
}

export class SendersRepository {
  constructor(private readonly scope: Scope) {}

  async create(sender: NewSender): Promise<Sender> {
    checkLibelle(sender.libelle);
    try {
      const row = await this.scope.db
        .insertInto("notification_account_sender")
        .values({
          libelle: sender.libelle,
          impl_class: sender.implClass,
          role: sender.role ?? null,
          cron: sender.cron ?? null,
          config: JSON.stringify(sender.config ?? {}),
          enabled: sender.enabled === false ? 0 : 1,
          disabled_reason: sender.disabledReason ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSender(row);
    } catch (e) {
      throw translateDbError(e, `a sender with libelle "${sender.libelle}"`);
    }
  }

  async findById(id: number): Promise<Sender | undefined> {
    const row = await this.scope.db
      .selectFrom("notification_account_sender")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toSender(row);
  }

  async findByLibelle(libelle: string): Promise<Sender | undefined> {
    const row = await this.scope.db
      .selectFrom("notification_account_sender")
      .selectAll()
      .where("libelle", "=", libelle)
      .executeTakeFirst();
    return row && toSender(row);
  }

  /** Ordered by libelle, like the seed's admin list. */
  async list(opts: SenderListOptions = {}): Promise<Sender[]> {
    let q = this.scope.db.selectFrom("notification_account_sender").selectAll();
    if (opts.search) q = q.where(libelleContains(opts.search));
    q = q.orderBy("libelle").orderBy("id");
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    if (opts.offset !== undefined) q = q.offset(opts.offset);
    return (await q.execute()).map(toSender);
  }

  async count(search?: string): Promise<number> {
    let q = this.scope.db
      .selectFrom("notification_account_sender")
      .select((eb) => eb.fn.countAll<number>().as("n"));
    if (search) q = q.where(libelleContains(search));
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** The updated sender, or undefined when it does not exist. */
  async update(id: number, patch: SenderPatch): Promise<Sender | undefined> {
    if (patch.libelle !== undefined) checkLibelle(patch.libelle);
    const set = {
      ...(patch.libelle !== undefined && { libelle: patch.libelle }),
      ...(patch.implClass !== undefined && { impl_class: patch.implClass }),
      ...(patch.role !== undefined && { role: patch.role }),
      ...(patch.cron !== undefined && { cron: patch.cron }),
      ...(patch.config !== undefined && { config: JSON.stringify(patch.config) }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
      // Switching a sender on again starts its failure count afresh.
      ...(patch.enabled === true && { failures: 0, disabled_reason: null }),
      ...(patch.disabledReason !== undefined && { disabled_reason: patch.disabledReason }),
    };
    if (Object.keys(set).length === 0) return this.findById(id);
    try {
      const row = await this.scope.db
        .updateTable("notification_account_sender")
        .set(set)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toSender(row);
    } catch (e) {
      throw translateDbError(e, `a sender with libelle "${patch.libelle ?? ""}"`);
    }
  }

  /** A delivery through this sender went: its failures in a row start again from 0. */
  async recordSuccess(id: number): Promise<void> {
    await this.scope.db
      .updateTable("notification_account_sender")
      .set({ failures: 0 })
      .where("id", "=", id)
      .where("failures", "<>", 0)
      .execute();
  }

  /**
   * A delivery through this sender failed: counts it, and disables the sender with `reason` when this
   * makes `disableAfter` failures in a row (0: never). True when this call disabled it.
   */
  async recordFailure(id: number, disableAfter: number, reason: string): Promise<boolean> {
    const row = await this.scope.db
      .updateTable("notification_account_sender")
      .set((eb) => ({ failures: eb("failures", "+", 1) }))
      .where("id", "=", id)
      .returning(["failures", "enabled"])
      .executeTakeFirst();
    if (!row || disableAfter <= 0 || Number(row.failures) < disableAfter || Number(row.enabled) !== 1)
      return false;
    const r = await this.scope.db
      .updateTable("notification_account_sender")
      .set({ enabled: 0, disabled_reason: reason })
      .where("id", "=", id)
      .where("enabled", "=", 1)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** True when it existed. A sender that accounts still use cannot be deleted (ForeignKeyViolationError). */
  async delete(id: number): Promise<boolean> {
    try {
      const r = await this.scope.db
        .deleteFrom("notification_account_sender")
        .where("id", "=", id)
        .executeTakeFirst();
      return r.numDeletedRows > 0n;
    } catch (e) {
      throw translateDbError(e, `sender ${id}`);
    }
  }
}
