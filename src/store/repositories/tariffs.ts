/**
 * Offers, the offer each meter is on, Tempo colours and the off-peak history of each meter (migration
 * 020). Offers are stored as their validated JSON; this repository does not validate them again but
 * refuses a row it cannot read back.
 */
import { sql } from "kysely";
import {
  addDaysFast,
  parisDateFast,
  parisFirstInstantOfHourFast,
  parisMidnightFast,
} from "../../domain/paris-fast.js";
import { parisDateOf } from "../../domain/time.js";
import type { Offer } from "../../tariffs/offers.js";
import type { TempoColour } from "../../tariffs/pricing.js";
import { CorruptRowError } from "../errors.js";
import type { Scope } from "../scope.js";

export interface StoredOffer {
  offer: Offer;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface TariffAssignment {
  deviceId: number;
  fromDay: string;
  offerName: string;
}

export interface TempoDay {
  day: string;
  colour: TempoColour;
  source: string;
}

export interface OffPeakRecord {
  fromDay: string;
  label: string;
  lastSeenDay: string;
}

const ROWS_PER_STATEMENT = 400;

export interface CurveDayPart {
  /** Paris day. */
  day: string;
  /** Index of the part: 0 before the first cut, i after the i-th cut (Paris wall-clock hours). */
  part: number;
  energyWh: number;
}

export class TariffsRepository {
  constructor(private readonly scope: Scope) {}

  // --- offers

  /** Adds or replaces offers by name, all in one transaction. */
  async saveOffers(offers: readonly Offer[]): Promise<void> {
    const now = this.scope.now();
    await this.scope.transaction(async (tx) => {
      for (const o of offers) {
        const definition = JSON.stringify(o);
        await tx.db
          .insertInto("tariff_offer")
          .values({ name: o.name, kind: o.kind, definition, created_at_ms: now, updated_at_ms: now })
          .onConflict((oc) => oc.column("name").doUpdateSet({ kind: o.kind, definition, updated_at_ms: now }))
          .execute();
      }
    });
  }

  async listOffers(): Promise<StoredOffer[]> {
    const rows = await this.scope.db.selectFrom("tariff_offer").selectAll().orderBy("name").execute();
    return rows.map(toStored);
  }

  async findOffer(name: string): Promise<StoredOffer | undefined> {
    const r = await this.scope.db
      .selectFrom("tariff_offer")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return r ? toStored(r) : undefined;
  }

  async deleteOffer(name: string): Promise<boolean> {
    const r = await this.scope.db.deleteFrom("tariff_offer").where("name", "=", name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- assignments

  /** The meter is on `offerName` from `fromDay` on (replaces a row of the same day). */
  async assign(deviceId: number, fromDay: string, offerName: string): Promise<void> {
    const now = this.scope.now();
    await this.scope.db
      .insertInto("tariff_assignment")
      .values({ device_id: deviceId, from_day: fromDay, offer_name: offerName, created_at_ms: now })
      .onConflict((oc) =>
        oc.columns(["device_id", "from_day"]).doUpdateSet({ offer_name: offerName, created_at_ms: now }),
      )
      .execute();
  }

  /** A meter's assignments, by day. */
  async assignments(deviceId: number): Promise<TariffAssignment[]> {
    const rows = await this.scope.db
      .selectFrom("tariff_assignment")
      .select(["device_id", "from_day", "offer_name"])
      .where("device_id", "=", deviceId)
      .orderBy("from_day")
      .execute();
    return rows.map((r) => ({ deviceId: r.device_id, fromDay: r.from_day, offerName: r.offer_name }));
  }

  // --- Tempo

  /** Stores colours (a day seen again is overwritten with its new colour and source). */
  async saveTempoDays(days: readonly TempoDay[]): Promise<number> {
    const now = this.scope.now();
    await this.scope.transaction(async (tx) => {
      for (let i = 0; i < days.length; i += ROWS_PER_STATEMENT) {
        await tx.db
          .insertInto("tempo_day")
          .values(
            days.slice(i, i + ROWS_PER_STATEMENT).map((d) => ({
              day: d.day,
              colour: d.colour,
              source: d.source,
              updated_at_ms: now,
            })),
          )
          .onConflict((oc) =>
            oc.column("day").doUpdateSet({
              colour: (eb) => eb.ref("excluded.colour"),
              source: (eb) => eb.ref("excluded.source"),
              updated_at_ms: now,
            }),
          )
          .execute();
      }
    });
    return days.length;
  }

  /** Colours of the days in [fromDay, toDay), by day. */
  async tempoDays(fromDay: string, toDay: string): Promise<TempoDay[]> {
    const rows = await this.scope.db
      .selectFrom("tempo_day")
      .select(["day", "colour", "source"])
      .where("day", ">=", fromDay)
      .where("day", "<", toDay)
      .orderBy("day")
      .execute();
    return rows;
  }

  // --- the curve cut for pricing

  /**
   * The consumption curve's energy per Paris day and part of the day, the day cut at whole Paris
   * wall-clock hours `cutHours` (sorted, 1..23): a year at three parts is about 1,100 rows. A point
   * belongs to the part its start falls in. The parts' instants are worked out here (daylight-saving days
   * included: on the spring day a part from 02:00 starts at 03:00, on the autumn day both 02:00 hours are
   * in the part holding 02:00) and sent as one parameter; the database answers each part's sum from a
   * range of the curve's key. No sort of the year's points: about ten times faster than grouping them.
   */
  async curveByDayPart(
    deviceId: number,
    fromMs: number,
    toMs: number,
    cutHours: readonly number[],
  ): Promise<CurveDayPart[]> {
    const parts: { day: string; part: number }[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let day = parisDateFast(fromMs); ; day = addDaysFast(day, 1)) {
      const midnight = parisMidnightFast(day);
      if (midnight >= toMs) break;
      const next = parisMidnightFast(addDaysFast(day, 1));
      let from = midnight;
      for (let i = 0; i <= cutHours.length; i++) {
        const to =
          i < cutHours.length ? Math.min(parisFirstInstantOfHourFast(midnight, cutHours[i]!), next) : next;
        if (to > from) {
          parts.push({ day, part: i });
          starts.push(Math.max(from, fromMs));
          ends.push(Math.min(to, toMs));
        }
        from = Math.max(from, to);
      }
    }
    if (parts.length === 0) return [];
    const curve = (s: ReturnType<typeof sql>, e: ReturnType<typeof sql>) =>
      sql<number | null>`(select sum(c.energy_wh) from curve_value c
        where c.device_id = ${deviceId} and c.direction = 'consumption' and c.start_ms >= ${s} and c.start_ms < ${e})`;
    const rows =
      this.scope.kind === "postgres"
        ? (
            await sql<{
              k: string | number;
              e: number | null;
            }>`select u.k - 1 as k, ${curve(sql`u.s`, sql`u.e`)} as e
              from unnest(${starts}::bigint[], ${ends}::bigint[]) with ordinality as u(s, e, k)`.execute(
              this.scope.db,
            )
          ).rows
        : (
            await sql<{ k: number; e: number | null }>`select j.key as k, ${curve(
              sql`json_extract(j.value, '$[0]')`,
              sql`json_extract(j.value, '$[1]')`,
            )} as e from json_each(${JSON.stringify(starts.map((st, i) => [st, ends[i]]))}) j`.execute(
              this.scope.db,
            )
          ).rows;
    const out: CurveDayPart[] = [];
    for (const r of rows) {
      if (r.e === null) continue;
      const p = parts[Number(r.k)]!;
      out.push({ day: p.day, part: p.part, energyWh: Number(r.e) });
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.part - b.part));
  }

  // --- off-peak history

  /**
   * Records the off-peak string a contract read gave on `day` (default: today in Paris). A string different from the one in force
   * that day is a new row from `day`; the same string only moves `last_seen_day`. Returns whether a new
   * row was written.
   */
  async recordOffPeak(deviceId: number, label: string, day?: string): Promise<boolean> {
    const now = this.scope.now();
    day ??= parisDateOf(now);
    return this.scope.transaction(async (tx) => {
      const current = await tx.db
        .selectFrom("offpeak_history")
        .select(["from_day", "label"])
        .where("device_id", "=", deviceId)
        .where("from_day", "<=", day)
        .orderBy("from_day", "desc")
        .executeTakeFirst();
      if (current && current.label === label) {
        await tx.db
          .updateTable("offpeak_history")
          .set({ last_seen_day: day, seen_at_ms: now })
          .where("device_id", "=", deviceId)
          .where("from_day", "=", current.from_day)
          .where("last_seen_day", "<", day)
          .execute();
        return false;
      }
      await tx.db
        .insertInto("offpeak_history")
        .values({ device_id: deviceId, from_day: day, label, last_seen_day: day, seen_at_ms: now })
        .onConflict((oc) =>
          oc.columns(["device_id", "from_day"]).doUpdateSet({ label, last_seen_day: day, seen_at_ms: now }),
        )
        .execute();
      return true;
    });
  }

  /** A meter's off-peak history, by day. */
  async offPeakHistory(deviceId: number): Promise<OffPeakRecord[]> {
    const rows = await this.scope.db
      .selectFrom("offpeak_history")
      .select(["from_day", "label", "last_seen_day"])
      .where("device_id", "=", deviceId)
      .orderBy("from_day")
      .execute();
    return rows.map((r) => ({ fromDay: r.from_day, label: r.label, lastSeenDay: r.last_seen_day }));
  }
}

function toStored(r: {
  name: string;
  definition: string;
  created_at_ms: number;
  updated_at_ms: number;
}): StoredOffer {
  let offer: Offer;
  try {
    offer = JSON.parse(r.definition) as Offer;
  } catch (e) {
    throw new CorruptRowError(`offer "${r.name}": definition is not JSON`, { cause: e });
  }
  return { offer, createdAtMs: Number(r.created_at_ms), updatedAtMs: Number(r.updated_at_ms) };
}
