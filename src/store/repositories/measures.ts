/**
 * Measures: load curves (`curve_value`), daily values (`daily_value`: energy and max power), monthly
 * aggregates (`monthly_value`) and daily index registers (`index_value`).
 *
 * One row per (device, series, interval start), enforced by the primary key; every write is an upsert,
 * so writing the same readings twice changes nothing.
 *
 * Missing measures: a reading whose value is null (Enedis says the measure is missing) is STORED, with a
 * NULL value, never a zero. The row records that the interval was asked for and came back empty, the
 * ledger can count it, and a later fetch that brings the value fills it in. The reverse never happens: a
 * null never overwrites a value already stored. Range queries return NULL rows; `readings()` leaves them
 * out unless asked.
 *
 * Hot path (`upsertCurve`, a million rows on a first sync): rows go newest first (the order of the
 * table's key, so a newest-first backfill appends to the index) in chunked multi-row statements inside
 * one transaction per call (or the caller's).
 * - SQLite: prepared statements through better-sqlite3, cached per connection. Kysely would build and
 *   compile the statement again for every chunk and prepare it again in better-sqlite3 (its driver
 *   keeps no statement cache): a 64-row upsert costs more to compile than to run.
 * - PostgreSQL: one statement per chunk whose four columns travel as arrays (`unnest`): eight parameters
 *   whatever the chunk size, no 65,535-parameter ceiling, one round trip, a constant text that runs as a
 *   named prepared statement (see `preparedName` in database.ts). When the device has no row yet
 *   in the chunk's time range (the usual backfill), a plain INSERT guarded by that emptiness skips the
 *   ON CONFLICT machinery (which costs about 40% on PostgreSQL); otherwise the upsert runs. Should two
 *   writers race on the same device and range, the loser gets a UniqueViolationError and its transaction
 *   rolls back whole; the retry takes the upsert path. Nothing is duplicated or silently lost.
 */
import { sql, type Insertable, type Selectable } from "kysely";
import type { Statement } from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import {
  addDaysFast,
  parisDateFast,
  parisFirstInstantOfHourFast,
  parisMidnightFast,
  parisSummerTimes,
} from "../../domain/paris-fast.js";
import { addMonths, parisDateOf, parisDayLengthMin, parisDayStartMs } from "../../domain/time.js";
import type { DatasetKey, Direction, Reading } from "../../domain/types.js";
import { isUniqueViolation, UniqueViolationError } from "../errors.js";
import type { DailySeries, DailyValueTable, IndexValueTable, MonthlyValueTable } from "../schema.js";
import type { Scope } from "../scope.js";

export type { DailySeries } from "../schema.js";

/** Rows inserted, or updated because something changed (an identical rewrite counts 0). */
export interface UpsertResult {
  written: number;
}

export interface CurvePoint {
  startMs: number;
  lengthMin: number;
  /** Mean power over the interval, W; null = missing. */
  powerW: number | null;
  /** powerW × lengthMin / 60. */
  energyWh: number | null;
}

export interface DailyPoint {
  day: string;
  startMs: number;
  lengthMin: number;
  /** Wh, or VA for `max_power`; null = missing. */
  value: number | null;
  peakAtMs: number | null;
}

export interface MonthlyPoint {
  month: string;
  startMs: number;
  lengthMin: number;
  /** Sum of the days' Wh, or the max of the days' VA for `max_power`. */
  value: number;
  peakAtMs: number | null;
  /** Days with a value. */
  days: number;
}

export interface IndexPoint {
  register: string;
  day: string;
  startMs: number;
  lengthMin: number;
  valueWh: number | null;
  /** The reading's kind as its source named it (a "Jour" file's `Type de releve`), or null (the API). */
  readingType: string | null;
}

/** Load-curve points folded into an hour or a Paris day. */
export interface CurveBucket {
  /** Start of the bucket: a UTC hour, or a Paris midnight. */
  startMs: number;
  /** Stored points in the bucket, and those with a value. */
  rows: number;
  points: number;
  /** Mean power of the points with a value, W (null when none has one). */
  meanW: number | null;
  minW: number | null;
  maxW: number | null;
  /** Energy of the points with a value, Wh. */
  energyWh: number | null;
}

export interface CurveDayBucket extends CurveBucket {
  /** Paris day `YYYY-MM-DD`. */
  day: string;
  /** Mean power over the night hours asked (Paris wall clock), W; null without a point then. */
  nightW: number | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Where each dataset lives. */
export type DatasetLocation =
  | { table: "curve_value"; direction: Direction }
  | { table: "daily_value"; series: DailySeries }
  | { table: "index_value"; direction: Direction };

export const DATASET_LOCATIONS = {
  consumption_load_curve: { table: "curve_value", direction: "consumption" },
  production_load_curve: { table: "curve_value", direction: "production" },
  daily_consumption: { table: "daily_value", series: "consumption" },
  daily_production: { table: "daily_value", series: "production" },
  daily_consumption_max_power: { table: "daily_value", series: "max_power" },
  consumption_index: { table: "index_value", direction: "consumption" },
  production_index: { table: "index_value", direction: "production" },
} as const satisfies Record<DatasetKey, DatasetLocation>;

const MINUTE_MS = 60_000;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

// --- validation

function fail(what: string, i: number, why: string): never {
  throw new RangeError(`${what}: reading #${i} ${why}`);
}

function checkBase(r: Reading, i: number, what: string): void {
  if (!Number.isSafeInteger(r.startMs)) fail(what, i, `has no integer startMs (${String(r.startMs)})`);
  if (!Number.isInteger(r.lengthMin) || r.lengthMin <= 0) {
    fail(what, i, `has a bad lengthMin (${String(r.lengthMin)})`);
  }
  if (r.value !== null && !Number.isFinite(r.value))
    fail(what, i, `has a non-finite value (${String(r.value)})`);
}

/**
 * Keeps the last reading of each start instant (Enedis never repeats one, but PostgreSQL refuses a
 * statement that would update the same row twice) and sorts the batch by start, ascending. Sorted input,
 * the usual case, costs one pass.
 */
function lastPerStart<T extends { startMs: number }>(
  rows: readonly T[],
  key: (r: T) => string | number,
): T[] {
  let sorted = true;
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i] as T).startMs <= (rows[i - 1] as T).startMs) {
      sorted = false;
      break;
    }
  }
  if (sorted) return rows as T[];
  const m = new Map<string | number, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()].sort((x, y) => x.startMs - y.startMs);
}

function checkDay(r: Reading, i: number, what: string): string {
  const day = parisDateOf(r.startMs);
  if (parisDayStartMs(day) !== r.startMs) fail(what, i, `does not start at Paris midnight (${day})`);
  const len = parisDayLengthMin(day);
  if (r.lengthMin !== len) fail(what, i, `lasts ${r.lengthMin} min but Paris day ${day} lasts ${len}`);
  return day;
}

function checkMonth(m: string, what: string): void {
  if (!MONTH_RE.test(m)) throw new RangeError(`${what} must be a month YYYY-MM, got "${m}"`);
}

function nextMonth(month: string): string {
  return addMonths(`${month}-01`, 1).slice(0, 7);
}

function monthBounds(month: string): { startMs: number; lengthMin: number } {
  const startMs = parisDayStartMs(`${month}-01`);
  return { startMs, lengthMin: (parisDayStartMs(`${nextMonth(month)}-01`) - startMs) / MINUTE_MS };
}

// --- SQLite prepared statements for the curve hot path

const CURVE_CHUNKS = [64, 8, 1] as const;
const PG_CURVE_CHUNK = 5000;

const CURVE_UPSERT_TAIL = `on conflict (device_id, direction, start_ms) do update set
  length_min = excluded.length_min, power_w = excluded.power_w, energy_wh = excluded.energy_wh
  where (excluded.power_w is not null or curve_value.power_w is null)
    and (excluded.power_w is distinct from curve_value.power_w
      or excluded.length_min is distinct from curve_value.length_min)`;

const sqliteStatements = new WeakMap<BetterSqlite3.Database, Map<number, Statement>>();

function sqliteCurveStatement(db: BetterSqlite3.Database, rows: number): Statement {
  let cache = sqliteStatements.get(db);
  if (!cache) {
    cache = new Map();
    sqliteStatements.set(db, cache);
  }
  let stmt = cache.get(rows);
  if (!stmt) {
    const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?)").join(", ");
    stmt = db.prepare(
      `insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh) values ${values} ${CURVE_UPSERT_TAIL}`,
    );
    cache.set(rows, stmt);
  }
  return stmt;
}

function toDaily(r: Selectable<DailyValueTable>): DailyPoint {
  return { day: r.day, startMs: r.start_ms, lengthMin: r.length_min, value: r.value, peakAtMs: r.peak_at_ms };
}

function toMonthly(r: Selectable<MonthlyValueTable>): MonthlyPoint {
  return {
    month: r.month,
    startMs: r.start_ms,
    lengthMin: r.length_min,
    value: r.value,
    peakAtMs: r.peak_at_ms,
    days: r.days,
  };
}

function toIndex(r: Selectable<IndexValueTable>): IndexPoint {
  return {
    register: r.register,
    day: r.day,
    startMs: r.start_ms,
    lengthMin: r.length_min,
    valueWh: r.value_wh,
    readingType: r.reading_type,
  };
}

const ROWS_PER_STATEMENT = 500;

export class MeasuresRepository {
  constructor(private readonly scope: Scope) {}

  // --- load curves

  /**
   * Stores load-curve readings (mean power in W per interval) of one direction. Validates every reading
   * first (integer instants, positive length, finite or null value): a bad batch writes nothing.
   */
  async upsertCurve(
    deviceId: number,
    direction: Direction,
    readings: readonly Reading[],
  ): Promise<UpsertResult> {
    const what = `upsertCurve(device ${deviceId}, ${direction})`;
    for (let i = 0; i < readings.length; i++) checkBase(readings[i] as Reading, i, what);
    // Newest first: the order of curve_value's key (see migration 001), so that a backfill appends.
    const rows = lastPerStart(readings, (r) => r.startMs)
      .slice()
      .reverse();
    if (rows.length === 0) return { written: 0 };
    return this.scope.transaction(
      (tx) =>
        tx.kind === "sqlite"
          ? sqliteUpsertCurve(tx, deviceId, direction, rows)
          : pgUpsertCurve(tx, deviceId, direction, rows),
      // Measures can always be fetched again: when no caller transaction decides, do not wait for the flush.
      { relaxed: true },
    );
  }

  /** Points with start in [fromMs, toMs), by start. */
  async listCurve(
    deviceId: number,
    direction: Direction,
    fromMs: number,
    toMs: number,
  ): Promise<CurvePoint[]> {
    const rows = await this.scope.db
      .selectFrom("curve_value")
      .select(["start_ms", "length_min", "power_w", "energy_wh"])
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .orderBy("start_ms")
      .execute();
    return rows.map((r) => ({
      startMs: r.start_ms,
      lengthMin: r.length_min,
      powerW: r.power_w,
      energyWh: r.energy_wh,
    }));
  }

  /**
   * The span of a device's stored data with a value, over its load curves and daily energies: the first
   * start and the last end (epoch ms), or nulls when nothing is stored. The page's one "last data".
   */
  async dataSpan(deviceId: number): Promise<{ firstMs: number | null; lastEndMs: number | null }> {
    const curve = await this.scope.db
      .selectFrom("curve_value")
      .select((eb) => [
        eb.fn.min<number | null>("start_ms").as("first"),
        eb.fn.max<number | null>(sql<number>`start_ms + length_min * 60000`).as("last"),
      ])
      .where("device_id", "=", deviceId)
      .where("power_w", "is not", null)
      .executeTakeFirstOrThrow();
    const daily = await this.scope.db
      .selectFrom("daily_value")
      .select((eb) => [
        eb.fn.min<number | null>("start_ms").as("first"),
        eb.fn.max<number | null>(sql<number>`start_ms + length_min * 60000`).as("last"),
      ])
      .where("device_id", "=", deviceId)
      .where("value", "is not", null)
      .executeTakeFirstOrThrow();
    const pick = (a: unknown, b: unknown, f: (x: number, y: number) => number) => {
      const xs = [a, b].filter((v) => v !== null && v !== undefined).map(Number);
      return xs.length === 0 ? null : xs.reduce((x, y) => f(x, y));
    };
    return {
      firstMs: pick(curve.first, daily.first, Math.min),
      lastEndMs: pick(curve.last, daily.last, Math.max),
    };
  }

  /** Stored points with start in [fromMs, toMs): `rows` in all, `missing` of them with a null value. */
  async countCurve(
    deviceId: number,
    direction: Direction,
    fromMs = Number.MIN_SAFE_INTEGER,
    toMs = Number.MAX_SAFE_INTEGER,
  ): Promise<{ rows: number; missing: number }> {
    const r = await this.scope.db
      .selectFrom("curve_value")
      .select((eb) => [eb.fn.countAll<number>().as("rows"), eb.fn.count<number>("power_w").as("present")])
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .executeTakeFirstOrThrow();
    return { rows: Number(r.rows), missing: Number(r.rows) - Number(r.present) };
  }

  /**
   * The load curve per hour (UTC hours are Paris hours: Paris is a whole number of hours from UTC), by
   * start: a month's 1,488 points become 744 rows without leaving the database.
   */
  async curveHourly(
    deviceId: number,
    direction: Direction,
    fromMs: number,
    toMs: number,
  ): Promise<CurveBucket[]> {
    const bucket = sql<number>`start_ms / ${sql.lit(HOUR_MS)}`;
    const rows = await this.scope.db
      .selectFrom("curve_value")
      .select((eb) => [
        bucket.as("b"),
        eb.fn.countAll<number>().as("rows"),
        eb.fn.count<number>("power_w").as("points"),
        eb.fn.avg<number | null>("power_w").as("mean_w"),
        eb.fn.min<number | null>("power_w").as("min_w"),
        eb.fn.max<number | null>("power_w").as("max_w"),
        eb.fn.sum<number | null>("energy_wh").as("energy_wh"),
      ])
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    return rows.map((r) => ({
      startMs: Number(r.b) * HOUR_MS,
      rows: Number(r.rows),
      points: Number(r.points),
      meanW: r.mean_w === null ? null : Number(r.mean_w),
      minW: r.min_w === null ? null : Number(r.min_w),
      maxW: r.max_w === null ? null : Number(r.max_w),
      energyWh: r.energy_wh === null ? null : Number(r.energy_wh),
    }));
  }

  /**
   * The load curve per Paris day, by day, with the mean power of the night hours [nightFrom, nightTo)
   * (Paris wall clock) of each day: the base load. One scan; Paris days are cut in SQL with the summer
   * times of the years the range touches (EU rule, see domain/paris-fast.ts).
   */
  async curveByParisDay(
    deviceId: number,
    direction: Direction,
    fromMs: number,
    toMs: number,
    night: { fromHour: number; toHour: number } = { fromHour: 1, toHour: 5 },
  ): Promise<CurveDayBucket[]> {
    const summer = parisSummerTimes(fromMs, toMs);
    // Constants only (computed instants, never input): inlined so that PostgreSQL types them as bigint.
    const offset = sql<number>`(case ${sql.join(
      summer.map(
        (s) =>
          sql`when start_ms >= ${sql.lit(s.startMs)} and start_ms < ${sql.lit(s.endMs)} then ${sql.lit(2 * HOUR_MS)}`,
      ),
      sql` `,
    )} else ${sql.lit(HOUR_MS)} end)`;
    const local = sql<number>`(start_ms + ${offset})`;
    const day = sql<number>`${local} / ${sql.lit(DAY_MS)}`;
    const hour = sql<number>`(${local} / ${sql.lit(HOUR_MS)}) % 24`;
    const nightW = sql<
      number | null
    >`avg(case when ${hour} >= ${sql.lit(night.fromHour)} and ${hour} < ${sql.lit(night.toHour)} then power_w end)`;
    const rows = await this.scope.db
      .selectFrom("curve_value")
      .select((eb) => [
        day.as("d"),
        eb.fn.countAll<number>().as("rows"),
        eb.fn.count<number>("power_w").as("points"),
        eb.fn.avg<number | null>("power_w").as("mean_w"),
        eb.fn.min<number | null>("power_w").as("min_w"),
        eb.fn.max<number | null>("power_w").as("max_w"),
        eb.fn.sum<number | null>("energy_wh").as("energy_wh"),
        nightW.as("night_w"),
      ])
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .groupBy(day)
      .orderBy(day)
      .execute();
    return rows.map((r) => {
      const date = new Date(Number(r.d) * DAY_MS).toISOString().slice(0, 10);
      return {
        day: date,
        startMs: parisMidnightFast(date),
        rows: Number(r.rows),
        points: Number(r.points),
        meanW: r.mean_w === null ? null : Number(r.mean_w),
        minW: r.min_w === null ? null : Number(r.min_w),
        maxW: r.max_w === null ? null : Number(r.max_w),
        energyWh: r.energy_wh === null ? null : Number(r.energy_wh),
        nightW: r.night_w === null ? null : Number(r.night_w),
      };
    });
  }

  /**
   * Per Paris day, the mean power over the night hours [fromHour, toHour) (Paris wall clock): the base
   * load. Each night's instants are worked out here (daylight-saving days included: on the autumn day
   * both 02:00 hours are in, on the spring day the missing one is not) and sent as one parameter; the
   * database sums each night from a range of the curve's key: a few hundred small range reads, no scan
   * nor sort of the year's points.
   */
  async nightLoadByParisDay(
    deviceId: number,
    direction: Direction,
    fromMs: number,
    toMs: number,
    night: { fromHour: number; toHour: number } = { fromHour: 1, toHour: 5 },
  ): Promise<Array<{ day: string; nightW: number; points: number }>> {
    const days: string[] = [];
    const ranges: [number, number][] = [];
    for (let day = parisDateFast(fromMs); ; day = addDaysFast(day, 1)) {
      const midnight = parisMidnightFast(day);
      if (midnight >= toMs) break;
      const a = Math.max(parisFirstInstantOfHourFast(midnight, night.fromHour), fromMs);
      const b = Math.min(parisFirstInstantOfHourFast(midnight, night.toHour), toMs);
      if (b <= a) continue;
      days.push(day);
      ranges.push([a, b]);
    }
    if (ranges.length === 0) return [];
    const of = (agg: "sum" | "count", s: ReturnType<typeof sql>, e: ReturnType<typeof sql>) =>
      sql<number | null>`(select ${sql.raw(agg)}(c.power_w) from curve_value c
        where c.device_id = ${deviceId} and c.direction = ${direction} and c.start_ms >= ${s} and c.start_ms < ${e})`;
    const rows =
      this.scope.kind === "postgres"
        ? (
            await sql<{ k: string | number; w: number | null; n: string | number }>`select u.k - 1 as k,
              ${of("sum", sql`u.s`, sql`u.e`)} as w, ${of("count", sql`u.s`, sql`u.e`)} as n
              from unnest(${ranges.map((r) => r[0])}::bigint[], ${ranges.map((r) => r[1])}::bigint[])
                with ordinality as u(s, e, k)`.execute(this.scope.db)
          ).rows
        : (
            await sql<{ k: number; w: number | null; n: number }>`select j.key as k,
              ${of("sum", sql`j.value ->> 0`, sql`j.value ->> 1`)} as w,
              ${of("count", sql`j.value ->> 0`, sql`j.value ->> 1`)} as n
              from json_each(${JSON.stringify(ranges)}) j`.execute(this.scope.db)
          ).rows;
    const out: Array<{ day: string; nightW: number; points: number }> = [];
    for (const r of rows) {
      const n = Number(r.n);
      if (n === 0 || r.w === null) continue;
      out.push({ day: days[Number(r.k)]!, nightW: Number(r.w) / n, points: n });
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  // --- daily values

  /**
   * Stores daily energy (Wh) of one direction. Each reading must start at a Paris midnight and last that
   * day (1380, 1440 or 1500 min); its `day` is derived from it.
   */
  async upsertDaily(
    deviceId: number,
    series: "consumption" | "production",
    readings: readonly Reading[],
  ): Promise<UpsertResult> {
    return this.writeDaily(deviceId, series, readings, `upsertDaily(device ${deviceId}, ${series})`);
  }

  /** Stores daily max power (VA) with the instant of each day's peak (`peakAtMs`). */
  async upsertMaxPower(deviceId: number, readings: readonly Reading[]): Promise<UpsertResult> {
    return this.writeDaily(deviceId, "max_power", readings, `upsertMaxPower(device ${deviceId})`);
  }

  private async writeDaily(
    deviceId: number,
    series: DailySeries,
    readings: readonly Reading[],
    what: string,
  ): Promise<UpsertResult> {
    const values = readings.map((r, i) => {
      checkBase(r, i, what);
      const day = checkDay(r, i, what);
      const peak = series === "max_power" ? (r.peakAtMs ?? null) : null;
      if (peak !== null && !Number.isSafeInteger(peak)) fail(what, i, `has a bad peakAtMs (${String(peak)})`);
      return {
        device_id: deviceId,
        series,
        day,
        start_ms: r.startMs,
        length_min: r.lengthMin,
        value: r.value,
        peak_at_ms: peak,
      };
    });
    const rows = lastPerStart(
      values.map((v) => ({ ...v, startMs: v.start_ms })),
      (v) => v.startMs,
    ).map(({ startMs: _s, ...v }) => v);
    if (rows.length === 0) return { written: 0 };
    return this.scope.transaction(
      async (tx) => {
        let written = 0;
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const r = await tx.db
            .insertInto("daily_value")
            .values(rows.slice(i, i + ROWS_PER_STATEMENT))
            .onConflict((oc) =>
              oc
                .columns(["device_id", "series", "start_ms"])
                .doUpdateSet({
                  length_min: (eb) => eb.ref("excluded.length_min"),
                  value: (eb) => eb.ref("excluded.value"),
                  peak_at_ms: (eb) => eb.ref("excluded.peak_at_ms"),
                })
                .where(
                  sql<boolean>`(excluded.value is not null or daily_value.value is null)
                    and (excluded.value is distinct from daily_value.value
                      or excluded.peak_at_ms is distinct from daily_value.peak_at_ms
                      or excluded.length_min is distinct from daily_value.length_min)`,
                ),
            )
            .executeTakeFirst();
          written += Number(r.numInsertedOrUpdatedRows ?? 0n);
        }
        return { written };
      },
      { relaxed: true },
    );
  }

  /** The newest Paris day with a daily value of `series`, per device (one grouped scan, for a sweep). */
  async newestDayByDevice(series: DailySeries = "consumption"): Promise<Map<number, string>> {
    const rows = await this.scope.db
      .selectFrom("daily_value")
      .select(["device_id", (eb) => eb.fn.max<string>("day").as("day")])
      .where("series", "=", series)
      .where("value", "is not", null)
      .groupBy("device_id")
      .execute();
    return new Map(rows.map((r) => [r.device_id, r.day]));
  }

  /**
   * The newest Paris day with a daily value of `series` among every device except `deviceId`, or null
   * when no other device has one: whether Enedis published for other meters (the stale-data alert).
   */
  async newestDayOfOthers(deviceId: number, series: DailySeries = "consumption"): Promise<string | null> {
    const r = await this.scope.db
      .selectFrom("daily_value")
      .select((eb) => eb.fn.max<string | null>("day").as("day"))
      .where("device_id", "<>", deviceId)
      .where("series", "=", series)
      .where("value", "is not", null)
      .executeTakeFirst();
    return r?.day ?? null;
  }

  /** Days with start in [fromMs, toMs), by day. */
  async listDaily(
    deviceId: number,
    series: DailySeries,
    fromMs: number,
    toMs: number,
  ): Promise<DailyPoint[]> {
    const rows = await this.scope.db
      .selectFrom("daily_value")
      .selectAll()
      .where("device_id", "=", deviceId)
      .where("series", "=", series)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .orderBy("start_ms")
      .execute();
    return rows.map(toDaily);
  }

  // --- monthly aggregates

  /**
   * Recomputes the months `fromMonth`..`toMonth` (inclusive, `YYYY-MM`) of a series from its daily
   * values: the sum of the days' energy, or the max of the days' max power (with its peak instant).
   * Days with a null value are left out; a month with no value left loses its row. Returns the number of
   * month rows written.
   */
  async recomputeMonths(
    deviceId: number,
    series: DailySeries,
    fromMonth: string,
    toMonth: string,
  ): Promise<number> {
    checkMonth(fromMonth, "fromMonth");
    checkMonth(toMonth, "toMonth");
    if (toMonth < fromMonth) return 0;
    const fromDay = `${fromMonth}-01`;
    const toDay = `${nextMonth(toMonth)}-01`;
    return this.scope.transaction(
      async (tx) => {
        const days = await tx.db
          .selectFrom("daily_value")
          .select(["day", "value", "peak_at_ms"])
          .where("device_id", "=", deviceId)
          .where("series", "=", series)
          .where("day", ">=", fromDay)
          .where("day", "<", toDay)
          .where("value", "is not", null)
          .orderBy("day")
          .execute();
        const months = new Map<string, { value: number; peakAtMs: number | null; days: number }>();
        for (const d of days) {
          const v = d.value as number;
          const month = d.day.slice(0, 7);
          const m = months.get(month);
          if (!m) months.set(month, { value: v, peakAtMs: d.peak_at_ms, days: 1 });
          else if (series === "max_power") {
            m.days++;
            if (v > m.value) {
              m.value = v;
              m.peakAtMs = d.peak_at_ms;
            }
          } else {
            m.days++;
            m.value += v;
          }
        }
        await tx.db
          .deleteFrom("monthly_value")
          .where("device_id", "=", deviceId)
          .where("series", "=", series)
          .where("month", ">=", fromMonth)
          .where("month", "<=", toMonth)
          .execute();
        const rows = [...months].map(([month, m]) => {
          const { startMs, lengthMin } = monthBounds(month);
          return {
            device_id: deviceId,
            series,
            month,
            start_ms: startMs,
            length_min: lengthMin,
            value: m.value,
            peak_at_ms: series === "max_power" ? m.peakAtMs : null,
            days: m.days,
          };
        });
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          await tx.db
            .insertInto("monthly_value")
            .values(rows.slice(i, i + ROWS_PER_STATEMENT))
            .execute();
        }
        return rows.length;
      },
      { relaxed: true },
    );
  }

  /** Months `fromMonth`..`toMonth` inclusive, by month. */
  async listMonthly(
    deviceId: number,
    series: DailySeries,
    fromMonth: string,
    toMonth: string,
  ): Promise<MonthlyPoint[]> {
    checkMonth(fromMonth, "fromMonth");
    checkMonth(toMonth, "toMonth");
    const rows = await this.scope.db
      .selectFrom("monthly_value")
      .selectAll()
      .where("device_id", "=", deviceId)
      .where("series", "=", series)
      .where("month", ">=", fromMonth)
      .where("month", "<=", toMonth)
      .orderBy("month")
      .execute();
    return rows.map(toMonthly);
  }

  // --- index registers (experimental datasets)

  /**
   * Stores daily index readings (cumulative Wh); each reading names its `register`. `readingType`: the
   * kind of reading the source names (a "Jour" file's `Type de releve`), kept with the rows it writes.
   */
  async upsertIndex(
    deviceId: number,
    direction: Direction,
    readings: readonly Reading[],
    opts: { readingType?: string | null } = {},
  ): Promise<UpsertResult> {
    const what = `upsertIndex(device ${deviceId}, ${direction})`;
    const byKey = new Map<string, Insertable<IndexValueTable>>();
    readings.forEach((r, i) => {
      checkBase(r, i, what);
      if (typeof r.register !== "string" || r.register === "") fail(what, i, "has no register");
      byKey.set(`${r.register}\u0000${r.startMs}`, {
        device_id: deviceId,
        direction,
        register: r.register,
        day: parisDateOf(r.startMs),
        start_ms: r.startMs,
        length_min: r.lengthMin,
        value_wh: r.value,
        ...(opts.readingType !== undefined && { reading_type: opts.readingType }),
      });
    });
    const rows = [...byKey.values()];
    if (rows.length === 0) return { written: 0 };
    return this.scope.transaction(
      async (tx) => {
        let written = 0;
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const r = await tx.db
            .insertInto("index_value")
            .values(rows.slice(i, i + ROWS_PER_STATEMENT))
            .onConflict((oc) =>
              oc
                .columns(["device_id", "direction", "register", "start_ms"])
                .doUpdateSet({
                  length_min: (eb) => eb.ref("excluded.length_min"),
                  value_wh: (eb) => eb.ref("excluded.value_wh"),
                  ...(opts.readingType !== undefined && {
                    reading_type: (eb) => eb.ref("excluded.reading_type"),
                  }),
                })
                .where(
                  sql<boolean>`(excluded.value_wh is not null or index_value.value_wh is null)
                    and (excluded.value_wh is distinct from index_value.value_wh
                      or excluded.length_min is distinct from index_value.length_min)`,
                ),
            )
            .executeTakeFirst();
          written += Number(r.numInsertedOrUpdatedRows ?? 0n);
        }
        return { written };
      },
      { relaxed: true },
    );
  }

  /** Index readings with start in [fromMs, toMs), by start then register. */
  async listIndex(
    deviceId: number,
    direction: Direction,
    fromMs: number,
    toMs: number,
  ): Promise<IndexPoint[]> {
    const rows = await this.scope.db
      .selectFrom("index_value")
      .selectAll()
      .where("device_id", "=", deviceId)
      .where("direction", "=", direction)
      .where("start_ms", ">=", fromMs)
      .where("start_ms", "<", toMs)
      .orderBy("start_ms")
      .orderBy("register")
      .execute();
    return rows.map(toIndex);
  }

  // --- export

  /**
   * A dataset's stored readings with start in [fromMs, toMs), by start, in the dataset's native unit (W,
   * Wh or VA; `peakAtMs` for max power, `register` for indexes). Missing measures (null) are left out
   * unless `includeMissing`.
   */
  async readings(
    deviceId: number,
    dataset: DatasetKey,
    fromMs: number,
    toMs: number,
    opts: { includeMissing?: boolean } = {},
  ): Promise<Reading[]> {
    const loc: DatasetLocation = DATASET_LOCATIONS[dataset];
    let out: Reading[];
    if (loc.table === "curve_value") {
      out = (await this.listCurve(deviceId, loc.direction, fromMs, toMs)).map((p) => ({
        startMs: p.startMs,
        lengthMin: p.lengthMin,
        value: p.powerW,
      }));
    } else if (loc.table === "daily_value") {
      const maxPower = loc.series === "max_power";
      out = (await this.listDaily(deviceId, loc.series, fromMs, toMs)).map((p) => ({
        startMs: p.startMs,
        lengthMin: p.lengthMin,
        value: p.value,
        ...(maxPower && { peakAtMs: p.peakAtMs }),
      }));
    } else {
      out = (await this.listIndex(deviceId, loc.direction, fromMs, toMs)).map((p) => ({
        startMs: p.startMs,
        lengthMin: p.lengthMin,
        value: p.valueWh,
        register: p.register,
      }));
    }
    return opts.includeMissing ? out : out.filter((r) => r.value !== null);
  }
}

// --- curve writers (inside a transaction)

async function sqliteUpsertCurve(
  tx: Scope,
  deviceId: number,
  direction: Direction,
  rows: readonly Reading[],
): Promise<UpsertResult> {
  const db = tx.sqlite;
  if (!db) throw new Error("no SQLite connection");
  let written = 0;
  let i = 0;
  for (const size of CURVE_CHUNKS) {
    if (rows.length - i < size) continue;
    const stmt = sqliteCurveStatement(db, size);
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
  return { written };
}

async function pgUpsertCurve(
  tx: Scope,
  deviceId: number,
  direction: Direction,
  rows: readonly Reading[],
): Promise<UpsertResult> {
  let written = 0;
  for (let i = 0; i < rows.length; i += PG_CURVE_CHUNK) {
    const chunk = rows.slice(i, i + PG_CURVE_CHUNK);
    const starts = new Array<number>(chunk.length);
    const lengths = new Array<number>(chunk.length);
    const powers = new Array<number | null>(chunk.length);
    const energies = new Array<number | null>(chunk.length);
    let min = Number.MAX_SAFE_INTEGER;
    let max = Number.MIN_SAFE_INTEGER;
    for (let j = 0; j < chunk.length; j++) {
      const r = chunk[j] as Reading;
      starts[j] = r.startMs;
      lengths[j] = r.lengthMin;
      powers[j] = r.value;
      energies[j] = r.value === null ? null : (r.value * r.lengthMin) / 60;
      if (r.startMs < min) min = r.startMs;
      if (r.startMs > max) max = r.startMs;
    }
    const source = sql`select ${deviceId}::integer, ${direction}::text, u.s, u.l, u.p, u.e
      from unnest(${starts}::bigint[], ${lengths}::integer[], ${powers}::double precision[], ${energies}::double precision[])
        as u(s, l, p, e)`;
    try {
      const fresh =
        await sql`insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh)
        ${source}
        where not exists (select 1 from curve_value
          where device_id = ${deviceId} and direction = ${direction} and start_ms between ${min} and ${max})`.execute(
          tx.db,
        );
      const inserted = Number(fresh.numAffectedRows ?? 0n);
      if (inserted > 0) {
        written += inserted;
        continue;
      }
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new UniqueViolationError(
          `upsertCurve(device ${deviceId}, ${direction}): another transaction wrote the same points; retry`,
          "curve_value_pk",
          { cause: e },
        );
      }
      throw e;
    }
    const r =
      await sql`insert into curve_value (device_id, direction, start_ms, length_min, power_w, energy_wh)
      ${source}
      ${sql.raw(CURVE_UPSERT_TAIL)}`.execute(tx.db);
    written += Number(r.numAffectedRows ?? 0n);
  }
  return { written };
}
