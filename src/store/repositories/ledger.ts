/**
 * The completeness ledger: per device, dataset and Paris day, how many points were expected (from the
 * interval length and daylight saving), received and missing, and what that makes the day:
 *
 * - `complete`: everything expected is there;
 * - `partial`: some points came, some are missing: fetch the day again later;
 * - `missing`: the day was asked for and nothing came: fetch again later;
 * - `pending`: planned or in flight, not answered yet;
 * - `gap`: definitive, Enedis will not serve more (past its history, or retried long enough).
 *
 * The sync decides the status; this repository keeps the record and counts the attempts.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Insertable, Selectable } from "kysely";
import type { DatasetKey } from "../../domain/types.js";
import type { CompletenessTable, LedgerSource, LedgerStatus } from "../schema.js";
import type { Scope } from "../scope.js";

export type { LedgerSource, LedgerStatus } from "../schema.js";

export const LEDGER_STATUSES = [
  "complete",
  "partial",
  "missing",
  "gap",
  "pending",
] as const satisfies readonly LedgerStatus[];

export interface LedgerDayInput {
  /** Paris day `YYYY-MM-DD`. */
  day: string;
  expected: number;
  received: number;
  missing: number;
  status: LedgerStatus;
  /** Who records the day: the sync (`api`, the default), a file import or the seed migration. */
  source?: LedgerSource;
}

export interface LedgerDay extends LedgerDayInput {
  deviceId: number;
  dataset: string;
  /** How many times the day was recorded (attempts to fetch it). */
  attempts: number;
  firstSeenMs: number;
  lastAttemptMs: number;
  source: LedgerSource;
}

export interface LedgerListOptions {
  /** First day, inclusive. */
  fromDay?: string;
  /** Last day, exclusive. */
  toDay?: string;
  statuses?: readonly LedgerStatus[];
  limit?: number;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const ROWS_PER_STATEMENT = 500;

function check(d: LedgerDayInput, i: number): void {
  const where = `ledger entry #${i} (${d.day})`;
  if (!DAY_RE.test(d.day)) throw new RangeError(`${where}: day must be YYYY-MM-DD`);
  for (const k of ["expected", "received", "missing"] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 0)
      throw new RangeError(`${where}: ${k} must be a whole number >= 0`);
  }
  if (!(LEDGER_STATUSES as readonly string[]).includes(d.status)) {
    throw new RangeError(`${where}: unknown status "${d.status}"`);
  }
}

function toLedgerDay(r: Selectable<CompletenessTable>): LedgerDay {
  return {
    deviceId: r.device_id,
    dataset: r.dataset,
    day: r.day,
    expected: r.expected,
    received: r.received,
    missing: r.missing,
    status: r.status,
    attempts: r.attempts,
    firstSeenMs: r.first_seen_ms,
    lastAttemptMs: r.last_attempt_ms,
    source: r.source,
  };
}

/** What `record` upserts: the columns in the order of the statements below. */
const RECORD_COLUMNS = [
  "device_id",
  "dataset",
  "day",
  "expected",
  "received",
  "missing",
  "status",
  "attempts",
  "first_seen_ms",
  "last_attempt_ms",
  "source",
] as const;

type RecordRow = { [K in (typeof RECORD_COLUMNS)[number]]: Insertable<CompletenessTable>[K] };

const RECORD_TAIL = `on conflict (device_id, dataset, day) do update set
  expected = excluded.expected, received = excluded.received, missing = excluded.missing,
  status = excluded.status, attempts = completeness.attempts + 1,
  last_attempt_ms = excluded.last_attempt_ms, source = excluded.source`;

/** Multi-row statement sizes on SQLite: a week of curve days is 7 rows, a year of daily ones 365. */
const SQLITE_RECORD_CHUNKS = [64, 8, 1] as const;

const sqliteRecordStatements = new WeakMap<BetterSqlite3.Database, Map<number, BetterSqlite3.Statement>>();

/**
 * SQLite: the same upsert as the Kysely one below, through statements prepared once per connection (a
 * sync records the days of every window; building the query each time cost more than running it).
 */
function sqliteRecord(db: BetterSqlite3.Database, rows: readonly RecordRow[]): void {
  let cache = sqliteRecordStatements.get(db);
  if (!cache) {
    cache = new Map();
    sqliteRecordStatements.set(db, cache);
  }
  const width = RECORD_COLUMNS.length;
  let i = 0;
  for (const size of SQLITE_RECORD_CHUNKS) {
    if (rows.length - i < size) continue;
    let stmt = cache.get(size);
    if (!stmt) {
      const one = `(${RECORD_COLUMNS.map(() => "?").join(", ")})`;
      stmt = db.prepare(
        `insert into completeness (${RECORD_COLUMNS.join(", ")}) values ${Array.from({ length: size }, () => one).join(", ")} ${RECORD_TAIL}`,
      );
      cache.set(size, stmt);
    }
    const params: unknown[] = new Array(size * width);
    while (rows.length - i >= size) {
      for (let j = 0; j < size; j++) {
        const r = rows[i + j] as RecordRow;
        for (let k = 0; k < width; k++) params[j * width + k] = r[RECORD_COLUMNS[k] as keyof RecordRow];
      }
      stmt.run(params);
      i += size;
    }
  }
}

export class LedgerRepository {
  constructor(private readonly scope: Scope) {}

  /**
   * Records one attempt for each day: a new day starts at 1 attempt with `firstSeenMs = atMs`; a known
   * day gets the new counts and status, one more attempt and `lastAttemptMs = atMs`.
   */
  async record(
    deviceId: number,
    dataset: DatasetKey,
    days: readonly LedgerDayInput[],
    atMs = this.scope.now(),
  ): Promise<void> {
    days.forEach(check);
    const byDay = new Map(days.map((d) => [d.day, d]));
    const rows = [...byDay.values()].map((d) => ({
      device_id: deviceId,
      dataset,
      day: d.day,
      expected: d.expected,
      received: d.received,
      missing: d.missing,
      status: d.status,
      attempts: 1,
      first_seen_ms: atMs,
      last_attempt_ms: atMs,
      source: d.source ?? ("api" as const),
    }));
    if (rows.length === 0) return;
    await this.scope.transaction(async (tx) => {
      if (tx.kind === "sqlite") {
        sqliteRecord(tx.sqlite as BetterSqlite3.Database, rows);
        return;
      }
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await tx.db
          .insertInto("completeness")
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          .onConflict((oc) =>
            oc.columns(["device_id", "dataset", "day"]).doUpdateSet((eb) => ({
              expected: eb.ref("excluded.expected"),
              received: eb.ref("excluded.received"),
              missing: eb.ref("excluded.missing"),
              status: eb.ref("excluded.status"),
              attempts: eb("completeness.attempts", "+", 1),
              last_attempt_ms: eb.ref("excluded.last_attempt_ms"),
              source: eb.ref("excluded.source"),
            })),
          )
          .execute();
      }
    });
  }

  /** Changes the status of known days without counting an attempt (e.g. give up: `gap`). Returns rows changed. */
  async setStatus(
    deviceId: number,
    dataset: DatasetKey,
    days: readonly string[],
    status: LedgerStatus,
  ): Promise<number> {
    if (!(LEDGER_STATUSES as readonly string[]).includes(status))
      throw new RangeError(`unknown status "${status}"`);
    if (days.length === 0) return 0;
    let changed = 0;
    for (let i = 0; i < days.length; i += ROWS_PER_STATEMENT) {
      const r = await this.scope.db
        .updateTable("completeness")
        .set({ status })
        .where("device_id", "=", deviceId)
        .where("dataset", "=", dataset)
        .where("day", "in", days.slice(i, i + ROWS_PER_STATEMENT))
        .executeTakeFirst();
      changed += Number(r.numUpdatedRows);
    }
    return changed;
  }

  async get(deviceId: number, dataset: DatasetKey, day: string): Promise<LedgerDay | undefined> {
    const row = await this.scope.db
      .selectFrom("completeness")
      .selectAll()
      .where("device_id", "=", deviceId)
      .where("dataset", "=", dataset)
      .where("day", "=", day)
      .executeTakeFirst();
    return row && toLedgerDay(row);
  }

  /** Days of a dataset, by day. */
  async list(deviceId: number, dataset: DatasetKey, opts: LedgerListOptions = {}): Promise<LedgerDay[]> {
    let q = this.scope.db
      .selectFrom("completeness")
      .selectAll()
      .where("device_id", "=", deviceId)
      .where("dataset", "=", dataset);
    if (opts.fromDay !== undefined) q = q.where("day", ">=", opts.fromDay);
    if (opts.toDay !== undefined) q = q.where("day", "<", opts.toDay);
    if (opts.statuses !== undefined) {
      if (opts.statuses.length === 0) return [];
      q = q.where("status", "in", [...opts.statuses]);
    }
    q = q.orderBy("day");
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toLedgerDay);
  }

  /** Days that may still fill in (`partial`, `missing`, `pending`), oldest first. */
  async listOpen(
    deviceId: number,
    dataset: DatasetKey,
    opts: Omit<LedgerListOptions, "statuses"> = {},
  ): Promise<LedgerDay[]> {
    return this.list(deviceId, dataset, { ...opts, statuses: ["partial", "missing", "pending"] });
  }

  /** Days per dataset and status over every device (monitoring). */
  async countAll(): Promise<Array<{ dataset: string; status: LedgerStatus; days: number }>> {
    const rows = await this.scope.db
      .selectFrom("completeness")
      .select((eb) => ["dataset", "status", eb.fn.countAll<number>().as("n")])
      .groupBy(["dataset", "status"])
      .orderBy("dataset")
      .orderBy("status")
      .execute();
    return rows.map((r) => ({ dataset: r.dataset, status: r.status, days: Number(r.n) }));
  }

  /** Days per status for a device (all datasets, or one). */
  async countByStatus(deviceId: number, dataset?: DatasetKey): Promise<Record<LedgerStatus, number>> {
    let q = this.scope.db
      .selectFrom("completeness")
      .select((eb) => ["status", eb.fn.countAll<number>().as("n")])
      .where("device_id", "=", deviceId);
    if (dataset !== undefined) q = q.where("dataset", "=", dataset);
    const rows = await q.groupBy("status").execute();
    const out = Object.fromEntries(LEDGER_STATUSES.map((s) => [s, 0])) as Record<LedgerStatus, number>;
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }
}
