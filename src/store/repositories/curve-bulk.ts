/**
 * Bulk writes of load curves (history imports, backfill commits of several windows): the fastest way each
 * engine has to put many points into `curve_value`, inside the caller's transaction.
 *
 * Use, in one `store.transaction`:
 * 1. `claimRange(device, direction, fromMs, toMs)`: takes the device's bulk-write lock until the end of
 *    the transaction and says whether the device has no point stored in [fromMs, toMs];
 * 2. when it has none, `insertNew(…)`: PostgreSQL `COPY … FROM STDIN (FORMAT binary)` straight into
 *    `curve_value`; SQLite, prepared multi-row INSERTs without conflict handling;
 * 3. otherwise `fill(…)` with the points the caller found absent (or stored as missing): PostgreSQL COPY
 *    into a temporary staging table, then one `INSERT … SELECT … ON CONFLICT`; SQLite, prepared multi-row
 *    upserts. Either way a stored value is never replaced: a point only fills a stored missing measure
 *    (NULL). Deciding conflicts (a stored value the new point contradicts) is the caller's: it has read
 *    the range in the same transaction, after the claim.
 *
 * The lock: PostgreSQL, a transaction-level advisory lock per device (`pg_advisory_xact_lock`), so that
 * two bulk writers of one meter take turns and the emptiness seen by the first holds until it commits.
 * The per-window sync upsert does not take it: should a sync write the same points meanwhile, the unique
 * key refuses the second writer (`UniqueViolationError`), whose transaction rolls back whole; its retry
 * finds the range not empty and fills it. SQLite: the transaction already holds the database's write
 * lock (`BEGIN IMMEDIATE`).
 *
 * Points are validated first (integer instants, positive lengths, finite or null values) and reduced to
 * the last of each start instant: a bad batch writes nothing.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Statement } from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Direction, Reading } from "../../domain/types.js";
import { withPgClient } from "../database.js";
import {
  ForeignKeyViolationError,
  isForeignKeyViolation,
  isUniqueViolation,
  StoreError,
  UniqueViolationError,
} from "../errors.js";
import type { Scope } from "../scope.js";

/** First key of the bulk-write advisory lock (the second is the device id): "lkcv". */
const LOCK_NS = 0x6c6b6376;

/** The smallest batch `pays` sends through COPY: about three 7-day windows of 30-minute points. */
export const BULK_MIN_ROWS = 1000;

const COLUMNS = "(device_id, direction, start_ms, length_min, power_w, energy_wh)";

const FILL_TAIL = `on conflict (device_id, direction, start_ms) do update set
  length_min = excluded.length_min, power_w = excluded.power_w, energy_wh = excluded.energy_wh
  where curve_value.power_w is null and excluded.power_w is not null`;

function fail(what: string, i: number, why: string): never {
  throw new RangeError(`${what}: reading #${i} ${why}`);
}

/**
 * The points checked and newest first (the order of curve_value's key, so that the index grows at its
 * end), one per start instant (the last given). Input in either order costs one pass.
 */
function prepare(what: string, readings: readonly Reading[]): Reading[] {
  let asc = true;
  let desc = true;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    if (!Number.isSafeInteger(r.startMs)) fail(what, i, `has no integer startMs (${String(r.startMs)})`);
    if (!Number.isInteger(r.lengthMin) || r.lengthMin <= 0)
      fail(what, i, `has a bad lengthMin (${String(r.lengthMin)})`);
    if (r.value !== null && !Number.isFinite(r.value))
      fail(what, i, `has a non-finite value (${String(r.value)})`);
    if (i > 0) {
      const p = (readings[i - 1] as Reading).startMs;
      if (r.startMs <= p) asc = false;
      if (r.startMs >= p) desc = false;
    }
  }
  if (desc) return readings as Reading[];
  if (asc) return readings.slice().reverse();
  const last = new Map<number, Reading>();
  for (const r of readings) last.set(r.startMs, r);
  return [...last.values()].sort((a, b) => b.startMs - a.startMs);
}

// --- PostgreSQL: binary COPY

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const TWO_32 = 4_294_967_296;

/** The rows as a `COPY … (FORMAT binary)` stream body (header, rows, trailer). */
export function binaryCopyBody(deviceId: number, direction: Direction, rows: readonly Reading[]): Buffer {
  const dir = Buffer.from(direction, "utf8");
  // Per row: field count, then (length, bytes) of 6 fields.
  const rowBytes = 2 + 8 + 4 + dir.length + 12 + 8 + 12 + 12;
  const buf = Buffer.allocUnsafe(SIGNATURE.length + 8 + rows.length * rowBytes + 2);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o); // flags
  o = buf.writeInt32BE(0, o); // header extension length
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Reading;
    o = buf.writeInt16BE(6, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(deviceId, o);
    o = buf.writeInt32BE(dir.length, o);
    o += dir.copy(buf, o);
    o = buf.writeInt32BE(8, o);
    o = buf.writeInt32BE(Math.floor(r.startMs / TWO_32), o);
    o = buf.writeUInt32BE(r.startMs >>> 0, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(r.lengthMin, o);
    if (r.value === null) {
      o = buf.writeInt32BE(-1, o);
      o = buf.writeInt32BE(-1, o);
    } else {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(r.value, o);
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE((r.value * r.lengthMin) / 60, o);
    }
  }
  o = buf.writeInt16BE(-1, o);
  return buf.subarray(0, o);
}

async function copyIn(
  client: pg.ClientBase,
  table: string,
  deviceId: number,
  direction: Direction,
  rows: readonly Reading[],
): Promise<number> {
  const stream = client.query(copyFrom(`copy ${table} ${COLUMNS} from stdin (format binary)`));
  await pipeline(Readable.from([binaryCopyBody(deviceId, direction, rows)]), stream);
  return stream.rowCount;
}

function translated(what: string, e: unknown): never {
  if (isUniqueViolation(e))
    throw new UniqueViolationError(
      `${what}: another transaction wrote points of this range meanwhile; retry`,
      "curve_value_pk",
      { cause: e },
    );
  if (isForeignKeyViolation(e)) throw new ForeignKeyViolationError(`${what}: no such device`, { cause: e });
  throw e;
}

// --- SQLite: prepared multi-row statements

const SQLITE_CHUNKS = [128, 16, 1] as const;
const sqliteStatements = new WeakMap<BetterSqlite3.Database, Map<string, Statement>>();

function sqliteStatement(db: BetterSqlite3.Database, rows: number, fill: boolean): Statement {
  let cache = sqliteStatements.get(db);
  if (!cache) sqliteStatements.set(db, (cache = new Map()));
  const key = `${fill ? "fill" : "new"}:${rows}`;
  let stmt = cache.get(key);
  if (!stmt) {
    const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?)").join(", ");
    stmt = db.prepare(`insert into curve_value ${COLUMNS} values ${values}${fill ? ` ${FILL_TAIL}` : ""}`);
    cache.set(key, stmt);
  }
  return stmt;
}

function sqliteWrite(
  db: BetterSqlite3.Database,
  deviceId: number,
  direction: Direction,
  rows: readonly Reading[],
  fill: boolean,
): number {
  let written = 0;
  let i = 0;
  for (const size of SQLITE_CHUNKS) {
    if (rows.length - i < size) continue;
    const stmt = sqliteStatement(db, size, fill);
    const params: unknown[] = new Array(size * 6);
    while (rows.length - i >= size) {
      for (let j = 0; j < size; j++) {
        const r = rows[i + j] as Reading;
        const k = j * 6;
        params[k] = deviceId;
        params[k + 1] = direction;
        params[k + 2] = r.startMs;
        params[k + 3] = r.lengthMin;
        params[k + 4] = r.value;
        params[k + 5] = r.value === null ? null : (r.value * r.lengthMin) / 60;
      }
      written += stmt.run(params).changes;
      i += size;
    }
  }
  return written;
}

export class CurveBulkRepository {
  constructor(private readonly scope: Scope) {}

  /**
   * True where a bulk write beats the per-window upsert for a batch of `rows` points: PostgreSQL from a
   * few windows on (COPY's setup costs a round trip or two); never on SQLite, whose upsert is already a
   * prepared multi-row statement in the same process.
   */
  pays(rows: number): boolean {
    return this.scope.kind === "postgres" && rows >= BULK_MIN_ROWS;
  }

  private inTransaction(what: string): Scope {
    if (!this.scope.inTransaction) throw new StoreError(`${what} runs inside store.transaction(fn) only`);
    return this.scope;
  }

  /**
   * Takes the device's bulk-write lock for the rest of the transaction; true when the device has no
   * point of `direction` with a start in [fromMs, toMs] (both included).
   */
  async claimRange(deviceId: number, direction: Direction, fromMs: number, toMs: number): Promise<boolean> {
    const tx = this.inTransaction("curveBulk.claimRange");
    if (tx.kind === "postgres") {
      if (!Number.isSafeInteger(deviceId) || !Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs))
        throw new RangeError(`curveBulk.claimRange: bad device or range (${deviceId}, ${fromMs}, ${toMs})`);
      if (direction !== "consumption" && direction !== "production")
        throw new RangeError(`curveBulk.claimRange: bad direction "${String(direction)}"`);
      // One round trip, two statements: the lock, then the check, whose snapshot is taken once the lock
      // is held (each statement of a simple query takes its own), so that it sees what the previous
      // holder committed. Numbers and a checked word only: nothing to quote.
      return withPgClient(tx.db, async (client) => {
        const results = (await client.query(
          `select pg_advisory_xact_lock(${LOCK_NS}, ${deviceId});
           select exists (select 1 from curve_value where device_id = ${deviceId} and direction = '${direction}'
             and start_ms >= ${fromMs} and start_ms <= ${toMs}) as taken`,
        )) as unknown as Array<pg.QueryResult<{ taken: boolean }>>;
        return results[1]?.rows[0]?.taken === false;
      });
    }
    const row = await tx.db
      .selectFrom("curve_value")
      .select("start_ms")
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<=", toMs)
      .limit(1)
      .executeTakeFirst();
    return row === undefined;
  }

  /** Points into a range `claimRange` found empty. Returns the rows written. */
  async insertNew(deviceId: number, direction: Direction, readings: readonly Reading[]): Promise<number> {
    const what = `curveBulk.insertNew(device ${deviceId}, ${direction})`;
    const tx = this.inTransaction(what);
    const rows = prepare(what, readings);
    if (rows.length === 0) return 0;
    try {
      if (tx.kind === "sqlite") return sqliteWrite(tx.sqlite!, deviceId, direction, rows, false);
      return await withPgClient(tx.db, (client) => copyIn(client, "curve_value", deviceId, direction, rows));
    } catch (e) {
      translated(what, e);
    }
  }

  /**
   * Points into a range that holds some already: inserted where absent, filling a stored missing measure
   * (NULL) where present; a stored value always stays. Returns the rows inserted or filled.
   */
  async fill(deviceId: number, direction: Direction, readings: readonly Reading[]): Promise<number> {
    const what = `curveBulk.fill(device ${deviceId}, ${direction})`;
    const tx = this.inTransaction(what);
    const rows = prepare(what, readings);
    if (rows.length === 0) return 0;
    try {
      if (tx.kind === "sqlite") return sqliteWrite(tx.sqlite!, deviceId, direction, rows, true);
      return await withPgClient(tx.db, async (client) => {
        await client.query(
          `create temporary table if not exists curve_stage (like curve_value including defaults) on commit delete rows`,
        );
        await copyIn(client, "curve_stage", deviceId, direction, rows);
        const r = await client.query(
          `insert into curve_value ${COLUMNS} select ${COLUMNS.slice(1, -1)} from curve_stage order by start_ms desc ${FILL_TAIL}`,
        );
        await client.query("truncate curve_stage");
        return r.rowCount ?? 0;
      });
    } catch (e) {
      translated(what, e);
    }
  }
}
