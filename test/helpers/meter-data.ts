/**
 * Meter data for erasure tests: a few rows in every table keyed by a device (curves, days, months, indexes,
 * ledger, Home Assistant records), and a count of the rows of every table in the database.
 */
import { sql } from "kysely";
import { addDays, parisDayLengthMin, parisDayStartMs } from "../../src/domain/time.js";
import type { Store } from "../../src/store/index.js";

/** The rows `seedMeterData` writes, per table. */
export const SEEDED_ROWS = {
  curve_value: 8,
  daily_value: 2,
  monthly_value: 1,
  index_value: 2,
  completeness: 2,
  ha_statistic: 1,
  ha_statistic_day: 2,
} as const;

/** Two days of every kind of data for one device (`tag` keeps Home Assistant statistic ids apart). */
export async function seedMeterData(store: Store, deviceId: number, tag: string): Promise<void> {
  const days = ["2026-11-20", "2026-11-21"];
  const curve = days.flatMap((day) =>
    Array.from({ length: 4 }, (_, i) => ({
      startMs: parisDayStartMs(day) + i * 1_800_000,
      lengthMin: 30,
      value: 100 + i,
    })),
  );
  const daily = days.map((day) => ({
    startMs: parisDayStartMs(day),
    lengthMin: parisDayLengthMin(day),
    value: 1000,
  }));
  await store.measures.upsertCurve(deviceId, "consumption", curve);
  await store.measures.upsertDaily(deviceId, "consumption", daily);
  await store.measures.recomputeMonths(deviceId, "consumption", "2026-11", "2026-11");
  await store.measures.upsertIndex(
    deviceId,
    "consumption",
    daily.map((d) => ({ ...d, register: "DI000001:HC" })),
  );
  await store.ledger.record(
    deviceId,
    "daily_consumption",
    days.map((day) => ({ day, expected: 1, received: 1, missing: 0, status: "complete" as const })),
  );
  await store.haStatistics.recordSent({
    statisticId: `linky:${tag}_consumption`,
    deviceId,
    direction: "consumption",
    days: days.map((day, i) => ({ day, digest: `d${i}`, hours: 24, sumEnd: 1000 * (i + 1) })),
    lastStartMs: parisDayStartMs(addDays(days[1]!, 1)) - 3600_000,
    lastSum: 2000,
  });
}

/** Rows of every table of the database (migration bookkeeping excepted), by table name. */
export async function countEveryTable(store: Store): Promise<Record<string, number>> {
  const db = store.database.db;
  const tables = (await db.introspection.getTables())
    .map((t) => t.name)
    .filter((n) => !n.startsWith("kysely_") && !n.startsWith("_"))
    .sort();
  const out: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`.execute(db);
    out[t] = Number(rows[0]?.n ?? 0);
  }
  return out;
}
