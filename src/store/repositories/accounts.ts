/**
 * Notification accounts (the seed's `NotificationAccount`): one per (sender, user, usage point), with the
 * seed's JSON `config`. The config keeps the seed's snake_case keys (`usage_point_id`, the `last_*`
 * watermarks in epoch ms, `expired`) so that people who ran the seed recognise it; embedded domain objects
 * (subscribed services) keep the domain's shape. Unknown keys are kept as they are.
 */
import { sql, type Selectable } from "kysely";
import { z } from "zod";
import type { DatasetKey } from "../../domain/types.js";
import { CorruptRowError, NotFoundError, translateDbError } from "../errors.js";
import type { NotificationAccountTable } from "../schema.js";
import type { Scope } from "../scope.js";
import type { Sender } from "./senders.js";

/** The config key holding each dataset's watermark: the seed's three, then the same pattern. */
export const WATERMARK_KEYS = {
  consumption_load_curve: "last_consumption_load_curve",
  daily_consumption: "last_daily_consumption",
  daily_consumption_max_power: "last_consumption_max_power",
  production_load_curve: "last_production_load_curve",
  daily_production: "last_daily_production",
  consumption_index: "last_consumption_index",
  production_index: "last_production_index",
} as const satisfies Record<DatasetKey, string>;

export type WatermarkKey = (typeof WATERMARK_KEYS)[DatasetKey];

const epochMs = z.number().int();
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");

/** One failed attempt, as recorded on the account (never a secret in `message`). */
export const syncErrorSchema = z.looseObject({
  at_ms: epochMs,
  /** `ErrorKind` of the domain error, or `internal`. */
  kind: z.string(),
  message: z.string(),
  permanent: z.boolean(),
  dataset: z.string().optional(),
  status: z.number().int().optional(),
  code: z.string().optional(),
});
export type SyncErrorRecord = z.infer<typeof syncErrorSchema>;

/** The domain `SubscribedService`. */
export const subscribedServiceSchema = z.looseObject({
  id: z.string(),
  usagePointId: z.string(),
  consumption: z.boolean(),
  production: z.boolean(),
  measureType: z.string(),
  step: z.string().nullable(),
  state: z.string(),
  startDate: localDate.nullable(),
  endDate: localDate.nullable(),
  autorisationId: z.number().nullable(),
  autorisationType: z.string().nullable(),
});

/**
 * Why a sync ended as it did, language-neutral: a key of the message catalogue (`sync.reason.<key>`)
 * and its parameters. The English `message` beside it is for logs and the API.
 */
export const syncReasonSchema = z.object({
  key: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type SyncReason = z.infer<typeof syncReasonSchema>;

/** Per-dataset state beside the watermark. */
export const datasetStateSchema = z.looseObject({
  /** Wrong direction, service not subscribed…: the dataset is not asked for. */
  not_applicable: z.boolean().optional(),
  not_applicable_reason: z.string().nullable().optional(),
  not_applicable_code: syncReasonSchema.nullable().optional(),
  last_success_ms: epochMs.nullable().optional(),
  last_error: syncErrorSchema.nullable().optional(),
  next_attempt_ms: epochMs.nullable().optional(),
  /** Consecutive failed attempts (reset on success), for backoff. */
  failures: z.number().int().min(0).optional(),
  /** The first day not fetched yet going forward (exclusive end of what was fetched). */
  fetched_until: localDate.nullable().optional(),
  /** The oldest day fetched so far (backfill cursor, newest first). */
  backfill_oldest: localDate.nullable().optional(),
  /** Enedis has nothing before this day (meter activation, history horizon). */
  data_floor: localDate.nullable().optional(),
});
export type DatasetState = z.infer<typeof datasetStateSchema>;

/** What one dataset did in the last sync. */
export const datasetOutcomeSchema = z.looseObject({
  outcome: z.enum(["ok", "partial", "no_data_yet", "not_applicable", "failed"]),
  message: z.string().nullable().optional(),
  reason: syncReasonSchema.nullable().optional(),
  windows: z.number().int().optional(),
  retries: z.number().int().optional(),
  points: z.number().int().optional(),
});
export type DatasetOutcome = z.infer<typeof datasetOutcomeSchema>;

/** The last sync of the account, as shown to its owner and to the operator. */
export const syncOutcomeSchema = z.looseObject({
  started_at_ms: epochMs,
  finished_at_ms: epochMs.nullable(),
  outcome: z.enum(["ok", "partial", "failed", "expired", "running"]),
  message: z.string().nullable(),
  reason: syncReasonSchema.nullable().optional(),
  /** Calls made to Enedis, and retries among them. */
  calls: z.number().int(),
  retries: z.number().int(),
  datasets: z.record(z.string(), datasetOutcomeSchema),
});
export type SyncOutcome = z.infer<typeof syncOutcomeSchema>;

const watermarkShape = Object.fromEntries(
  Object.values(WATERMARK_KEYS).map((k) => [k, epochMs.nullable().optional()]),
) as Record<WatermarkKey, z.ZodOptional<z.ZodNullable<z.ZodNumber>>>;

export const accountConfigSchema = z.looseObject({
  usage_point_id: z.string().min(1),
  /** Consent v2: the autorisation the usage point was granted under. */
  autorisation_id: z.union([z.string(), z.number()]).nullable().optional(),
  ...watermarkShape,
  /** Consent missing, revoked or ended: syncs stop until the user consents again. */
  expired: z.boolean().optional(),
  expired_at_ms: epochMs.nullable().optional(),
  expired_reason: z.string().nullable().optional(),
  /** The catalogue key of the reason (`consent_expired`, `revoked_by_admin`). */
  expired_code: z.string().nullable().optional(),
  consent_given_at_ms: epochMs.nullable().optional(),
  consent_start_date: localDate.nullable().optional(),
  consent_end_date: localDate.nullable().optional(),
  subscribed_services: z.array(subscribedServiceSchema).optional(),
  subscribed_services_at_ms: epochMs.nullable().optional(),
  /** Last sync outcome of the account as a whole. */
  last_success_ms: epochMs.nullable().optional(),
  last_error: syncErrorSchema.nullable().optional(),
  next_attempt_ms: epochMs.nullable().optional(),
  failures: z.number().int().min(0).optional(),
  datasets: z.record(z.string(), datasetStateSchema).optional(),
  /** The datasets this usage point has (from its subscribed services, or all for the legacy API). */
  dataset_keys: z.array(z.string()).optional(),
  contract_checked_at_ms: epochMs.nullable().optional(),
  last_sync: syncOutcomeSchema.nullable().optional(),
  /** A household without an Enedis application: the community gateway it reads through (migration 012 keeps the token). */
  gateway: z.enum(["conso-api", "myelectricaldata", "myelectricaldata-v2"]).nullable().optional(),
  /** Gateways: the Paris minute of the day (360-599) of the account's daily run, drawn once. */
  gateway_run_minute: z.number().int().min(0).max(1439).nullable().optional(),
  /** The scheduler: the newest fire time the account's fresh sync ran for (epoch ms). */
  scheduler_fire_ms: epochMs.nullable().optional(),
  /** The application lacks an Enedis API this account needs (shown with the account). */
  api_not_subscribed: z
    .looseObject({ api: z.string(), message: z.string(), since_ms: epochMs, next_check_ms: epochMs })
    .nullable()
    .optional(),
});
export type AccountConfig = z.infer<typeof accountConfigSchema>;

/**
 * A shallow patch: a key set to a value replaces it, `null` clears it, `undefined` (or absent) leaves it.
 * `datasets` is replaced whole; use `updateDatasetState` to change one dataset.
 */
export type AccountConfigPatch = { [K in keyof AccountConfig]?: AccountConfig[K] | undefined };

export interface Account {
  id: number;
  senderId: number;
  userId: number;
  usagePointId: string;
  config: AccountConfig;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface NewAccount {
  senderId: number;
  userId: number;
  usagePointId: string;
  /** Initial config; `usage_point_id` is set from `usagePointId`. */
  config?: Omit<AccountConfigPatch, "usage_point_id">;
}

/** One group of `statusGroups`: accounts with the same state and cursors. */
export interface AccountStatusGroup {
  count: number;
  /** Of which with a successful sync since the time asked. */
  syncedSince: number;
  maxNextAttemptMs: number | null;
  expired: boolean;
  lastOutcome: string | null;
  datasetKeys: string[] | null;
  /** Per dataset: `fetched_until`, `backfill_oldest`, `data_floor`, `not_applicable` when set. */
  datasets: Record<string, Record<string, unknown>>;
}

export interface AccountListOptions {
  userId?: number;
  senderId?: number;
  offset?: number;
  limit?: number;
}

/** The watermark of a dataset in a config (epoch ms), or null. */
export function watermarkOf(config: AccountConfig, dataset: DatasetKey): number | null {
  return config[WATERMARK_KEYS[dataset]] ?? null;
}

/**
 * Config texts this process checked and wrote itself, the most recent ones: read back (the sync patches
 * its account's config once per window), they are the schema's output already and skip a second check.
 * Any other text (another process', an older row) is checked in full.
 */
const checkedTexts = new Set<string>();
const CHECKED_TEXTS = 64;

function rememberChecked(text: string): void {
  checkedTexts.delete(text);
  checkedTexts.add(text);
  if (checkedTexts.size > CHECKED_TEXTS) checkedTexts.delete(checkedTexts.values().next().value as string);
}

function parseConfig(id: number | string, text: string): AccountConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CorruptRowError(`notification_account ${id}: config is not JSON`, { cause: e });
  }
  if (checkedTexts.has(text)) return json as AccountConfig;
  const r = accountConfigSchema.safeParse(json);
  if (!r.success) {
    throw new CorruptRowError(
      `notification_account ${id}: config does not match its schema: ${z.prettifyError(r.error)}`,
    );
  }
  return r.data;
}

/** Validates a config about to be written; a bad patch is the caller's error (RangeError). */
function checkConfig(config: unknown): AccountConfig {
  const r = accountConfigSchema.safeParse(config);
  if (!r.success) throw new RangeError(`invalid account config: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * `checkConfig(merge(current, patch))` for a `current` known to pass the schema: only the patched keys
 * can fail it (the schema has no rule across keys), so only they are checked.
 */
function checkPatched(current: AccountConfig, patch: AccountConfigPatch): AccountConfig {
  const out: Record<string, unknown> = { ...current };
  const shape = accountConfigSchema.shape as Record<string, z.ZodType | undefined>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const field = shape[k];
    if (!field) {
      out[k] = v; // a key the schema does not name: kept as is (a loose object)
      continue;
    }
    const r = field.safeParse(v);
    if (!r.success) {
      const issues = new z.ZodError(r.error.issues.map((i) => ({ ...i, path: [k, ...i.path] })));
      throw new RangeError(`invalid account config: ${z.prettifyError(issues)}`);
    }
    out[k] = r.data;
  }
  return out as AccountConfig;
}

function merge<T extends object>(base: T, patch: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out as T;
}

function toAccount(row: Selectable<NotificationAccountTable>): Account {
  return {
    id: row.id,
    senderId: row.sender_id,
    userId: row.user_id,
    usagePointId: row.usage_point_id,
    config: parseConfig(row.id, row.config),
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

export class AccountsRepository {
  constructor(private readonly scope: Scope) {}

  async create(account: NewAccount): Promise<Account> {
    const config = checkConfig(merge({ usage_point_id: account.usagePointId }, account.config ?? {}));
    config.usage_point_id = account.usagePointId;
    const now = this.scope.now();
    try {
      const row = await this.scope.db
        .insertInto("notification_account")
        .values({
          sender_id: account.senderId,
          user_id: account.userId,
          usage_point_id: account.usagePointId,
          config: JSON.stringify(config),
          created_at_ms: now,
          updated_at_ms: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAccount(row);
    } catch (e) {
      throw translateDbError(
        e,
        `an account for usage point ${account.usagePointId} (user ${account.userId}, sender ${account.senderId})`,
      );
    }
  }

  async findById(id: number): Promise<Account | undefined> {
    const row = await this.scope.db
      .selectFrom("notification_account")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  async find(senderId: number, userId: number, usagePointId: string): Promise<Account | undefined> {
    const row = await this.scope.db
      .selectFrom("notification_account")
      .selectAll()
      .where("sender_id", "=", senderId)
      .where("user_id", "=", userId)
      .where("usage_point_id", "=", usagePointId)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  /** Every account of a usage point (one per user and sender), by id. */
  async findByUsagePoint(usagePointId: string): Promise<Account[]> {
    const rows = await this.scope.db
      .selectFrom("notification_account")
      .selectAll()
      .where("usage_point_id", "=", usagePointId)
      .orderBy("id")
      .execute();
    return rows.map(toAccount);
  }

  /** By id. */
  async list(opts: AccountListOptions = {}): Promise<Account[]> {
    let q = this.scope.db.selectFrom("notification_account").selectAll();
    if (opts.userId !== undefined) q = q.where("user_id", "=", opts.userId);
    if (opts.senderId !== undefined) q = q.where("sender_id", "=", opts.senderId);
    q = q.orderBy("id");
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    if (opts.offset !== undefined) q = q.offset(opts.offset);
    return (await q.execute()).map(toAccount);
  }

  /** The account with its sender (the seed's `findById`, which joins the sender). */
  async findWithSender(id: number): Promise<{ account: Account; sender: Sender } | undefined> {
    const row = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .selectAll("a")
      .select([
        "s.libelle",
        "s.impl_class",
        "s.role",
        "s.cron",
        "s.config as sender_config",
        "s.enabled as sender_enabled",
        "s.disabled_reason as sender_disabled_reason",
        "s.failures as sender_failures",
      ])
      .where("a.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      account: toAccount(row),
      sender: {
        id: row.sender_id,
        libelle: row.libelle,
        implClass: row.impl_class,
        role: row.role,
        cron: row.cron,
        config: JSON.parse(row.sender_config) as Record<string, unknown>,
        enabled: Number(row.sender_enabled) === 1,
        disabledReason: row.sender_disabled_reason,
        failures: Number(row.sender_failures),
      },
    };
  }

  /** `findWithSender` for many ids in one query (a scheduler page), in id order; unknown ids left out. */
  async listWithSender(ids: readonly number[]): Promise<Array<{ account: Account; sender: Sender }>> {
    if (ids.length === 0) return [];
    const rows = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .selectAll("a")
      .select([
        "s.libelle",
        "s.impl_class",
        "s.role",
        "s.cron",
        "s.config as sender_config",
        "s.enabled as sender_enabled",
        "s.disabled_reason as sender_disabled_reason",
        "s.failures as sender_failures",
      ])
      .where("a.id", "in", [...ids])
      .orderBy("a.id")
      .execute();
    return rows.map((row) => ({
      account: toAccount(row),
      sender: {
        id: row.sender_id,
        libelle: row.libelle,
        implClass: row.impl_class,
        role: row.role,
        cron: row.cron,
        config: JSON.parse(row.sender_config) as Record<string, unknown>,
        enabled: Number(row.sender_enabled) === 1,
        disabledReason: row.sender_disabled_reason,
        failures: Number(row.sender_failures),
      },
    }));
  }

  /**
   * The accounts of some senders folded into groups that look alike to the operator status (same consent
   * state, last outcome, datasets and cursors), with their count, their latest retry time and how many
   * had a successful sync since `sinceMs`: one aggregate query (the configs' JSON read by the database),
   * a few dozen rows for thousands of accounts in a steady state.
   */
  async statusGroups(senderIds: readonly number[], sinceMs: number): Promise<AccountStatusGroup[]> {
    if (senderIds.length === 0) return [];
    const pg = this.scope.kind === "postgres";
    // Constant paths only (no input in them): the dataset keys and the cursor fields.
    const text = (path: string[]) =>
      pg ? `(c #>> '{${path.join(",")}}')` : `json_extract(c, '$.${path.join(".")}')`;
    const keys = Object.keys(WATERMARK_KEYS) as DatasetKey[];
    const fields = ["fetched_until", "backfill_oldest", "data_floor", "not_applicable"] as const;
    const groupCols = [
      `${text(["expired"])} AS expired`,
      `${text(["last_sync", "outcome"])} AS outcome`,
      `${text(["dataset_keys"])} AS dataset_keys`,
      ...keys.flatMap((k, i) => fields.map((f, j) => `${text(["datasets", k, f])} AS d${i}_${j}`)),
    ];
    const num = (path: string[]) => (pg ? `(${text(path)})::double precision` : text(path));
    const inner = pg
      ? sql`SELECT config::jsonb AS c FROM notification_account WHERE sender_id IN (${sql.join([...senderIds])})`
      : sql`SELECT config AS c FROM notification_account WHERE sender_id IN (${sql.join([...senderIds])})`;
    const q = sql<Record<string, unknown>>`
      SELECT ${sql.raw(groupCols.join(", "))},
        COUNT(*) AS n,
        MAX(${sql.raw(num(["next_attempt_ms"]))}) AS next_attempt,
        SUM(CASE WHEN ${sql.raw(num(["last_success_ms"]))} >= ${sinceMs} THEN 1 ELSE 0 END) AS synced
      FROM (${inner}) t
      GROUP BY ${sql.raw(groupCols.map((_, i) => String(i + 1)).join(", "))}`;
    const rows = (await q.execute(this.scope.db)).rows;
    const bool = (v: unknown) => v === true || v === 1 || v === "true" || v === "1";
    return rows.map((r) => {
      const datasets: Record<string, Record<string, unknown>> = {};
      keys.forEach((k, i) => {
        const st: Record<string, unknown> = {};
        fields.forEach((f, j) => {
          const v = r[`d${i}_${j}`];
          if (v === null || v === undefined) return;
          st[f] = f === "not_applicable" ? bool(v) : String(v);
        });
        if (Object.keys(st).length > 0) datasets[k] = st;
      });
      const dk = r.dataset_keys;
      return {
        count: Number(r.n),
        syncedSince: Number(r.synced ?? 0),
        maxNextAttemptMs:
          r.next_attempt === null || r.next_attempt === undefined ? null : Number(r.next_attempt),
        expired: bool(r.expired),
        lastOutcome: typeof r.outcome === "string" ? r.outcome : null,
        datasetKeys: typeof dk === "string" ? (JSON.parse(dk) as string[]) : null,
        datasets,
      };
    });
  }

  /** Each account's last successful sync (epoch ms) for some senders, by id, without reading the configs whole. */
  async lastSuccesses(senderIds: readonly number[]): Promise<Array<{ id: number; lastSuccessMs: number }>> {
    if (senderIds.length === 0) return [];
    const expr =
      this.scope.kind === "postgres"
        ? sql.raw(`(config::jsonb #>> '{last_success_ms}')::double precision`)
        : sql.raw(`json_extract(config, '$.last_success_ms')`);
    const rows = await sql<{ id: number; v: number | string | null }>`
      SELECT id, ${expr} AS v FROM notification_account
      WHERE sender_id IN (${sql.join([...senderIds])}) ORDER BY id`.execute(this.scope.db);
    return rows.rows
      .filter((r) => r.v !== null)
      .map((r) => ({ id: Number(r.id), lastSuccessMs: Number(r.v) }));
  }

  /** Ids of the accounts whose sender has a cron, ordered by id, one page (the seed's `listIdsWithCron`). */
  async listIdsWithCron(page: { offset: number; limit: number }): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .select("a.id")
      .where("s.cron", "is not", null)
      .orderBy("a.id")
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Every id of the accounts whose sender has a cron, ordered (the dispatcher's page boundaries). */
  async idsWithCron(): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .select("a.id")
      .where("s.cron", "is not", null)
      .orderBy("a.id")
      .execute();
    return rows.map((r) => r.id);
  }

  /** Ids of the accounts whose sender has a cron with `fromId <= id <= toId`, ordered (a page by range). */
  async listIdsWithCronBetween(fromId: number, toId: number): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .select("a.id")
      .where("s.cron", "is not", null)
      .where("a.id", ">=", fromId)
      .where("a.id", "<=", toId)
      .orderBy("a.id")
      .execute();
    return rows.map((r) => r.id);
  }

  /** The seed's `countWithCron`. */
  async countWithCron(): Promise<number> {
    const { n } = await this.scope.db
      .selectFrom("notification_account as a")
      .innerJoin("notification_account_sender as s", "s.id", "a.sender_id")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("s.cron", "is not", null)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * Merges `patch` into the stored config (see `AccountConfigPatch`) and returns the result. The read and
   * the write are one transaction, the row locked on PostgreSQL, so concurrent patches of different keys
   * all land. Throws NotFoundError for an unknown account, RangeError for a patch the schema refuses.
   */
  async updateConfig(id: number, patch: AccountConfigPatch): Promise<AccountConfig> {
    return this.patchConfig(id, () => patch);
  }

  /** Read, merge and write under one lock; `makePatch` sees the current config. */
  private async patchConfig(
    id: number,
    makePatch: (current: AccountConfig) => AccountConfigPatch,
  ): Promise<AccountConfig> {
    return this.scope.transaction(async (tx) => {
      let q = tx.db.selectFrom("notification_account").select("config").where("id", "=", id);
      // SQLite has no FOR UPDATE: its transactions already hold the database's write lock.
      if (tx.kind === "postgres") q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw new NotFoundError(`notification_account ${id} does not exist`);
      const checked = checkedTexts.has(row.config);
      const current = parseConfig(id, row.config);
      const patch = makePatch(current);
      const config = checked ? checkPatched(current, patch) : checkConfig(merge(current, patch));
      const text = JSON.stringify(config);
      try {
        await tx.db
          .updateTable("notification_account")
          .set({
            config: text,
            usage_point_id: config.usage_point_id,
            updated_at_ms: tx.now(),
          })
          .where("id", "=", id)
          .execute();
      } catch (e) {
        throw translateDbError(
          e,
          `an account for usage point ${config.usage_point_id} (same user and sender)`,
        );
      }
      // A text known to pass the schema (whether or not this transaction commits).
      rememberChecked(text);
      return config;
    });
  }

  /** Sets a dataset's watermark (epoch ms of the newest point stored, as in the seed), or clears it. */
  async setWatermark(id: number, dataset: DatasetKey, ms: number | null): Promise<AccountConfig> {
    return this.updateConfig(id, { [WATERMARK_KEYS[dataset]]: ms });
  }

  /** Merges `patch` into one dataset's state (same rules as `updateConfig`, one level down). */
  async updateDatasetState(id: number, dataset: DatasetKey, patch: DatasetState): Promise<AccountConfig> {
    return this.patchConfig(id, (current) => ({
      datasets: { ...current.datasets, [dataset]: merge(current.datasets?.[dataset] ?? {}, patch) },
    }));
  }

  /** True when it existed. */
  async delete(id: number): Promise<boolean> {
    const r = await this.scope.db.deleteFrom("notification_account").where("id", "=", id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
