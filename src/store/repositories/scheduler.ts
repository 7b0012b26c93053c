/**
 * The scheduler's shared state: dispatched fire times and the shared Enedis quotas (migration 002), and
 * the accounts being synced (migration 005, `account_lease`; plain SQL: the table is the scheduler's own).
 */
import type BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import type { Scope } from "../scope.js";

export interface QuotaSlotRequest {
  api: string;
  nowMs: number;
  /**
   * The clock, read again once the API's row is locked: waiting for another process' reservation must
   * not leave the slot in the past (a late call is as bad as an early one for the next call's window).
   */
  now?: () => number;
  /** Spacing of calls for the per-second quota: 1000 / perSecond (+ a margin for network jitter). */
  secondIntervalMs: number;
  /** Calls allowed in any hour. */
  perHour: number;
  /**
   * Extra wait past the hour when the hour is full (default 1 ms): a call that reached Enedis later than
   * its slot would otherwise still be in Enedis' hour when the call one hour after its slot arrives.
   */
  hourMarginMs?: number;
}

export interface QuotaRow {
  api: string;
  secondTatMs: number;
  pausedUntilMs: number;
  calls: number;
  refused: number;
  /** Calls handed out in the last hour. */
  lastHour: number;
  /** Why it is (or was last) paused; null before migration 040 or when never paused. */
  pauseReason: string | null;
}

/** One API's calls around now, from the shared ledger (what a 429 is read against). */
export interface QuotaUseRow {
  lastSecond: number;
  lastHour: number;
  oldestInHourMs: number | null;
}

const HOUR_MS = 3_600_000;

/** `scheduler_tick.pages` of a fire time whose dispatcher has not finished enqueueing its pages. */
export const TICK_DISPATCHING = -1;

/** The statements of `reserveQuotaSlot` on SQLite, prepared once per connection. */
interface SlotStatements {
  state: BetterSqlite3.Statement;
  create: BetterSqlite3.Statement;
  full: BetterSqlite3.Statement;
  advance: BetterSqlite3.Statement;
  count: BetterSqlite3.Statement;
}

const slotStatements = new WeakMap<BetterSqlite3.Database, SlotStatements>();

/**
 * `reserveQuotaSlot` on SQLite: the same reads and writes as the Kysely version (PostgreSQL), through
 * prepared statements, inside the caller's transaction (which holds SQLite's write lock). Every Enedis
 * call takes one: building five queries for it cost more than running them.
 */
function sqliteReserveSlot(
  db: BetterSqlite3.Database,
  req: QuotaSlotRequest,
  n: { nowMs: number; secondIntervalMs: number; hourMarginMs: number },
): number {
  let st = slotStatements.get(db);
  if (!st) {
    st = {
      state: db.prepare("select second_tat_ms, paused_until_ms from quota_state where api = ?"),
      create: db.prepare("insert into quota_state (api) values (?) on conflict (api) do nothing"),
      full: db.prepare(
        "select slot_ms from quota_call where api = ? and slot_ms > ? order by slot_ms desc limit 1 offset ?",
      ),
      advance: db.prepare("update quota_state set second_tat_ms = ?, calls = calls + 1 where api = ?"),
      count: db.prepare("insert into quota_call (api, slot_ms) values (?, ?)"),
    };
    slotStatements.set(db, st);
  }
  const { api, perHour } = req;
  type StateRow = { second_tat_ms: number; paused_until_ms: number };
  let state = st.state.get(api) as StateRow | undefined;
  if (!state) {
    st.create.run(api);
    state = st.state.get(api) as StateRow;
  }
  const lockedNow = req.now ? Math.max(n.nowMs, Math.floor(req.now())) : n.nowMs;
  let slot = Math.max(lockedNow, Number(state.second_tat_ms), Number(state.paused_until_ms));
  const full = st.full.get(api, slot - HOUR_MS, perHour - 1) as { slot_ms: number } | undefined;
  if (full) slot = Math.max(slot, Number(full.slot_ms) + HOUR_MS + n.hourMarginMs);
  st.advance.run(slot + n.secondIntervalMs, api);
  st.count.run(api, slot);
  return slot;
}

export class SchedulerRepository {
  constructor(private readonly scope: Scope) {}

  /**
   * Claims a fire time for dispatch; true for exactly one caller among all processes. The fire time stays
   * TICK_DISPATCHING until the claimer sets its page count.
   */
  async claimTick(fireTimeMs: number, claimedBy: string): Promise<boolean> {
    const r = await this.scope.db
      .insertInto("scheduler_tick")
      .values({
        fire_time_ms: fireTimeMs,
        claimed_by: claimedBy,
        claimed_at_ms: this.scope.now(),
        // Until the claimer has queued every page (setTickPages).
        pages: TICK_DISPATCHING,
      })
      .onConflict((oc) => oc.column("fire_time_ms").doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async setTickPages(fireTimeMs: number, pages: number): Promise<void> {
    await this.scope.db
      .updateTable("scheduler_tick")
      .set({ pages })
      .where("fire_time_ms", "=", fireTimeMs)
      .execute();
  }

  /**
   * Fire times claimed before `staleBeforeMs` (by the claimer's clock) whose dispatch never finished
   * (pages still DISPATCHING: the dispatcher died), newest first, not older than `sinceMs`.
   */
  async unfinishedTicks(sinceMs: number, staleBeforeMs: number): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("scheduler_tick")
      .select("fire_time_ms")
      .where("pages", "=", TICK_DISPATCHING)
      .where("claimed_at_ms", "<", staleBeforeMs)
      .where("fire_time_ms", ">=", sinceMs)
      .orderBy("fire_time_ms", "desc")
      .execute();
    return rows.map((r) => Number(r.fire_time_ms));
  }

  /** Takes an unfinished dispatch over; true for exactly one caller. */
  async takeOverTick(fireTimeMs: number, claimedBy: string, staleBeforeMs: number): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("scheduler_tick")
      .set({ claimed_by: claimedBy, claimed_at_ms: this.scope.now() })
      .where("fire_time_ms", "=", fireTimeMs)
      .where("pages", "=", TICK_DISPATCHING)
      .where("claimed_at_ms", "<", staleBeforeMs)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0n) === 1;
  }

  /** The newest fire time dispatched before `fireTimeMs`, or null. */
  async tickBefore(fireTimeMs: number): Promise<number | null> {
    const r = await this.scope.db
      .selectFrom("scheduler_tick")
      .select((eb) => eb.fn.max("fire_time_ms").as("t"))
      .where("fire_time_ms", "<", fireTimeMs)
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }

  /** The newest dispatched fire time, or null. */
  async lastTick(): Promise<number | null> {
    const r = await this.scope.db
      .selectFrom("scheduler_tick")
      .select((eb) => eb.fn.max("fire_time_ms").as("t"))
      .executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }

  /** Forgets ticks older than `beforeMs` (they only serve catch-up after a restart). */
  async pruneTicks(beforeMs: number): Promise<void> {
    await this.scope.db.deleteFrom("scheduler_tick").where("fire_time_ms", "<", beforeMs).execute();
  }

  /**
   * Reserves the next call slot of an API, atomically across processes: calls are spaced evenly for the
   * per-second quota, and no more than `perHour` slots fall in any hour (sliding). Returns the instant the
   * caller may send at (it waits until then); the slot is counted at once.
   */
  async reserveQuotaSlot(req: QuotaSlotRequest): Promise<number> {
    const { api, perHour } = req;
    const hourMarginMs = Math.max(1, Math.ceil(req.hourMarginMs ?? 1));
    // Whole milliseconds: the slots are bigint columns (PostgreSQL refuses 1795907634928.05).
    const nowMs = Math.floor(req.nowMs);
    const secondIntervalMs = Math.ceil(req.secondIntervalMs);
    return this.scope.transaction(async (tx) => {
      if (tx.kind === "sqlite")
        return sqliteReserveSlot(tx.sqlite as BetterSqlite3.Database, req, {
          nowMs,
          secondIntervalMs,
          hourMarginMs,
        });
      let q = tx.db.selectFrom("quota_state").selectAll().where("api", "=", api);
      // SQLite transactions hold the write lock already; PostgreSQL locks the API's row.
      if (tx.kind === "postgres") q = q.forUpdate();
      let state = await q.executeTakeFirst();
      if (!state) {
        // The API's first call ever (a concurrent first insert waits for the other one, then locks it).
        await tx.db
          .insertInto("quota_state")
          .values({ api })
          .onConflict((oc) => oc.column("api").doNothing())
          .execute();
        state = await q.executeTakeFirstOrThrow();
      }
      const lockedNow = req.now ? Math.max(nowMs, Math.floor(req.now())) : nowMs;
      let slot = Math.max(lockedNow, Number(state.second_tat_ms), Number(state.paused_until_ms));
      // The perHour-th newest slot of the hour, if the hour holds that many (one row, not perHour rows).
      const full = await tx.db
        .selectFrom("quota_call")
        .select("slot_ms")
        .where("api", "=", api)
        .where("slot_ms", ">", slot - HOUR_MS)
        .orderBy("slot_ms", "desc")
        .offset(perHour - 1)
        .limit(1)
        .executeTakeFirst();
      if (full) {
        // The hour already holds perHour calls: wait until the oldest of them leaves it.
        slot = Math.max(slot, Number(full.slot_ms) + HOUR_MS + hourMarginMs);
      }
      await tx.db
        .updateTable("quota_state")
        .set({ second_tat_ms: slot + secondIntervalMs, calls: sql`calls + 1` })
        .where("api", "=", api)
        .execute();
      await tx.db.insertInto("quota_call").values({ api, slot_ms: slot }).execute();
      return slot;
    });
  }

  /**
   * Counts one call made on a user's behalf (migration 008) if the API's interactive calls of the last
   * hour are fewer than `maxPerHour`; false (nothing counted) when the share is used up. Atomic across
   * processes: the API's `quota_state` row is locked (PostgreSQL), or the SQLite write lock is held.
   * The call still takes its slot of the whole quota after this (`reserveQuotaSlot`).
   */
  async reserveInteractiveCall(req: {
    api: string;
    nowMs: number;
    maxPerHour: number;
    userId: number;
  }): Promise<boolean> {
    const nowMs = Math.floor(req.nowMs);
    return this.scope.transaction(async (tx) => {
      await tx.db
        .insertInto("quota_state")
        .values({ api: req.api })
        .onConflict((oc) => oc.column("api").doNothing())
        .execute();
      let q = tx.db.selectFrom("quota_state").select("api").where("api", "=", req.api);
      if (tx.kind === "postgres") q = q.forUpdate();
      await q.executeTakeFirstOrThrow();
      await tx.db
        .deleteFrom("quota_interactive_call")
        .where("api", "=", req.api)
        .where("slot_ms", "<=", nowMs - HOUR_MS)
        .execute();
      const row = await tx.db
        .selectFrom("quota_interactive_call")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("api", "=", req.api)
        .where("slot_ms", ">", nowMs - HOUR_MS)
        .executeTakeFirst();
      if (Number(row?.n ?? 0) >= req.maxPerHour) return false;
      await tx.db
        .insertInto("quota_interactive_call")
        .values({ api: req.api, slot_ms: nowMs, user_id: req.userId })
        .execute();
      return true;
    });
  }

  /** Calls made on users' behalf in the hour before `nowMs`, per API. */
  async interactiveCallsLastHour(nowMs: number): Promise<Record<string, number>> {
    const rows = await this.scope.db
      .selectFrom("quota_interactive_call")
      .select(["api", (eb) => eb.fn.countAll<number>().as("n")])
      .where("slot_ms", ">", Math.floor(nowMs) - HOUR_MS)
      .groupBy("api")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.api, Number(r.n)]));
  }

  /** Forgets call slots older than an hour before `nowMs`. */
  async pruneQuotaCalls(nowMs: number): Promise<void> {
    await this.scope.db
      .deleteFrom("quota_call")
      .where("slot_ms", "<", nowMs - HOUR_MS)
      .execute();
  }

  /** Enedis answered 429: every process waits until `untilMs` on this API. */
  async pauseQuota(api: string, until: number, reason: string | null = null): Promise<void> {
    const untilMs = Math.ceil(until);
    const pg = this.scope.kind === "postgres";
    await this.scope.db
      .insertInto("quota_state")
      .values({ api, paused_until_ms: untilMs, refused: 1, pause_reason: reason })
      .onConflict((oc) =>
        oc.column("api").doUpdateSet({
          paused_until_ms: pg
            ? sql`greatest(quota_state.paused_until_ms, ${untilMs}::bigint)`
            : sql`max(quota_state.paused_until_ms, ${untilMs})`,
          // The reason of the pause that holds: the longest one.
          pause_reason: sql`case when quota_state.paused_until_ms < ${untilMs}${pg ? sql`::bigint` : sql``} then ${reason} else quota_state.pause_reason end`,
          refused: sql`quota_state.refused + 1`,
        }),
      )
      .execute();
  }

  /** Calls of the last second and hour of an API and the hour's oldest (slots handed out, as counted). */
  async quotaUse(api: string, nowMs: number): Promise<QuotaUseRow> {
    const row = await this.scope.db
      .selectFrom("quota_call")
      .select((eb) => [
        eb.fn.countAll<number>().as("hour"),
        eb.fn.min<number>("slot_ms").as("oldest"),
        eb.fn
          .sum<number>(sql`case when slot_ms > ${Math.floor(nowMs) - 1000} then 1 else 0 end`)
          .as("second"),
      ])
      .where("api", "=", api)
      .where("slot_ms", ">", Math.floor(nowMs) - HOUR_MS)
      .executeTakeFirst();
    const hour = Number(row?.hour ?? 0);
    return {
      lastHour: hour,
      lastSecond: Number(row?.second ?? 0),
      oldestInHourMs:
        hour > 0 && row?.oldest !== null && row?.oldest !== undefined ? Number(row.oldest) : null,
    };
  }

  async quotaRows(nowMs: number): Promise<QuotaRow[]> {
    const rows = await this.scope.db.selectFrom("quota_state").selectAll().orderBy("api").execute();
    const counts = await this.scope.db
      .selectFrom("quota_call")
      .select(["api", (eb) => eb.fn.countAll<number>().as("n")])
      .where("slot_ms", ">", nowMs - HOUR_MS)
      .groupBy("api")
      .execute();
    const byApi = new Map(counts.map((c) => [c.api, Number(c.n)]));
    return rows.map((r) => ({
      api: r.api,
      secondTatMs: Number(r.second_tat_ms),
      pausedUntilMs: Number(r.paused_until_ms),
      calls: Number(r.calls),
      refused: Number(r.refused),
      lastHour: byApi.get(r.api) ?? 0,
      pauseReason: r.pause_reason ?? null,
    }));
  }

  /**
   * Takes the sync lease of an account until `expiresAtMs`: true for exactly one caller while the lease is
   * held and unexpired (by `nowMs`); a lease whose holder died is taken once it expired.
   */
  async acquireAccountLease(
    accountId: number,
    holder: string,
    nowMs: number,
    expiresAtMs: number,
  ): Promise<boolean> {
    const r = await sql`
      insert into account_lease (account_id, holder, expires_at_ms)
      values (${accountId}, ${holder}, ${Math.ceil(expiresAtMs)})
      on conflict (account_id) do update set holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
      where account_lease.expires_at_ms <= ${Math.floor(nowMs)}`.execute(this.scope.db);
    return Number(r.numAffectedRows ?? 0n) === 1;
  }

  /**
   * Takes over the lease `from` held (a holder known to be dead), whether it expired or not: true when
   * it was still that holder's (exactly one taker wins).
   */
  async takeOverAccountLease(
    accountId: number,
    from: string,
    holder: string,
    expiresAtMs: number,
  ): Promise<boolean> {
    const r = await sql`
      update account_lease set holder = ${holder}, expires_at_ms = ${Math.ceil(expiresAtMs)}
      where account_id = ${accountId} and holder = ${from}`.execute(this.scope.db);
    return Number(r.numAffectedRows ?? 0n) === 1;
  }

  /** Extends a lease this holder still has; false when it lost it (it expired and another took it). */
  async renewAccountLease(accountId: number, holder: string, expiresAtMs: number): Promise<boolean> {
    const r = await sql`
      update account_lease set expires_at_ms = ${Math.ceil(expiresAtMs)}
      where account_id = ${accountId} and holder = ${holder}`.execute(this.scope.db);
    return Number(r.numAffectedRows ?? 0n) === 1;
  }

  async releaseAccountLease(accountId: number, holder: string): Promise<void> {
    await sql`delete from account_lease where account_id = ${accountId} and holder = ${holder}`.execute(
      this.scope.db,
    );
  }

  /** The current holder of an account's lease (expired or not), or null. */
  async accountLeaseHolder(accountId: number): Promise<{ holder: string; expiresAtMs: number } | null> {
    const r = await sql<{ holder: string; expires_at_ms: string | number }>`
      select holder, expires_at_ms from account_lease where account_id = ${accountId}`.execute(this.scope.db);
    const row = r.rows[0];
    return row ? { holder: row.holder, expiresAtMs: Number(row.expires_at_ms) } : null;
  }
}
