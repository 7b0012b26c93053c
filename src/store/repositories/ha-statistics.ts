/**
 * Our record of the hourly statistics imported into Home Assistant (migration 003): per external
 * statistic, the last hour sent and its cumulative sum; per Paris day, a digest of the hourly rows sent and
 * the sum after the day. The statistics publisher compares today's rows with it to send only what changed,
 * and continues the sums from it.
 */
import type { Direction } from "../../domain/types.js";
import type { Scope } from "../scope.js";

export interface HaStatisticRecord {
  statisticId: string;
  deviceId: number;
  direction: Direction;
  /** Start of the last hour sent (epoch ms), null before the first import. */
  lastStartMs: number | null;
  /** Cumulative Wh at that hour. */
  lastSum: number | null;
  updatedAtMs: number;
}

export interface HaStatisticDay {
  /** Paris day `YYYY-MM-DD`. */
  day: string;
  /** Digest of the day's hourly rows. */
  digest: string;
  /** Hourly rows of the day. */
  hours: number;
  /** Cumulative Wh after the day's last row. */
  sumEnd: number;
}

const ROWS_PER_STATEMENT = 400;

export class HaStatisticsRepository {
  constructor(private readonly scope: Scope) {}

  async find(statisticId: string): Promise<HaStatisticRecord | undefined> {
    const r = await this.scope.db
      .selectFrom("ha_statistic")
      .selectAll()
      .where("statistic_id", "=", statisticId)
      .executeTakeFirst();
    return r
      ? {
          statisticId: r.statistic_id,
          deviceId: r.device_id,
          direction: r.direction,
          lastStartMs: r.last_start_ms === null ? null : Number(r.last_start_ms),
          lastSum: r.last_sum,
          updatedAtMs: Number(r.updated_at_ms),
        }
      : undefined;
  }

  /** The days recorded for a statistic, by day. */
  async days(statisticId: string): Promise<HaStatisticDay[]> {
    const rows = await this.scope.db
      .selectFrom("ha_statistic_day")
      .select(["day", "digest", "hours", "sum_end"])
      .where("statistic_id", "=", statisticId)
      .orderBy("day")
      .execute();
    return rows.map((r) => ({ day: r.day, digest: r.digest, hours: r.hours, sumEnd: r.sum_end }));
  }

  /**
   * Records one accepted import: the days it covered (replacing what was recorded for them) and the new
   * last hour and sum. With `fromDay`, recorded days from it on that `days` does not name are forgotten
   * (they are sent again next time). One transaction.
   */
  async recordSent(input: {
    statisticId: string;
    deviceId: number;
    direction: Direction;
    days: readonly HaStatisticDay[];
    lastStartMs: number;
    lastSum: number;
    fromDay?: string;
  }): Promise<void> {
    const now = this.scope.now();
    await this.scope.transaction(async (tx) => {
      await tx.db
        .insertInto("ha_statistic")
        .values({
          statistic_id: input.statisticId,
          device_id: input.deviceId,
          direction: input.direction,
          last_start_ms: input.lastStartMs,
          last_sum: input.lastSum,
          updated_at_ms: now,
        })
        .onConflict((oc) =>
          oc.column("statistic_id").doUpdateSet({
            device_id: input.deviceId,
            direction: input.direction,
            last_start_ms: input.lastStartMs,
            last_sum: input.lastSum,
            updated_at_ms: now,
          }),
        )
        .execute();
      if (input.fromDay !== undefined) {
        await tx.db
          .deleteFrom("ha_statistic_day")
          .where("statistic_id", "=", input.statisticId)
          .where("day", ">=", input.fromDay)
          .execute();
      }
      const rows = input.days.map((d) => ({
        statistic_id: input.statisticId,
        day: d.day,
        digest: d.digest,
        hours: d.hours,
        sum_end: d.sumEnd,
      }));
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await tx.db
          .insertInto("ha_statistic_day")
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          .onConflict((oc) =>
            oc.columns(["statistic_id", "day"]).doUpdateSet({
              digest: (eb) => eb.ref("excluded.digest"),
              hours: (eb) => eb.ref("excluded.hours"),
              sum_end: (eb) => eb.ref("excluded.sum_end"),
            }),
          )
          .execute();
      }
    });
  }

  /** Forgets a statistic (everything is sent again next time, from HA's own last row). */
  async forget(statisticId: string): Promise<void> {
    await this.scope.transaction(async (tx) => {
      await tx.db.deleteFrom("ha_statistic_day").where("statistic_id", "=", statisticId).execute();
      await tx.db.deleteFrom("ha_statistic").where("statistic_id", "=", statisticId).execute();
    });
  }
}
