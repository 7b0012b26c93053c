/**
 * Enedis APIs the application is not subscribed to (migration 006, `api_subscription`): an application-wide
 * condition (403 900908), recorded once, cleared by the operator or by a successful probe. Plain SQL: the
 * table is the sync's own and is not part of the typed schema the other repositories share.
 */
import { sql, type Kysely } from "kysely";

export interface ApiNotSubscribed {
  api: string;
  /** Enedis' answer, as classified (never a secret). */
  message: string;
  /** First refusal of this episode, epoch ms. */
  refusedAtMs: number;
  /** From then on, one sync may ask this API again (a probe), epoch ms. */
  nextProbeMs: number;
  refusals: number;
}

interface Row {
  api: string;
  message: string;
  refused_at_ms: string | number;
  next_probe_ms: string | number;
  refusals: string | number;
}

function affected(r: { numAffectedRows?: bigint }): number {
  return Number(r.numAffectedRows ?? 0n);
}

export class ApiSubscriptionsRepository {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(private readonly db: Kysely<any>) {}

  /** Every API recorded as not subscribed, by name. */
  async list(): Promise<ApiNotSubscribed[]> {
    const r = await sql<Row>`select api, message, refused_at_ms, next_probe_ms, refusals
      from api_subscription order by api`.execute(this.db);
    return r.rows.map((row) => ({
      api: row.api,
      message: row.message,
      refusedAtMs: Number(row.refused_at_ms),
      nextProbeMs: Number(row.next_probe_ms),
      refusals: Number(row.refusals),
    }));
  }

  /**
   * Records a refusal; true when the API was not recorded yet (the caller tells the operator then, once).
   * A refusal of a recorded API (a failed probe) keeps the first refusal time and moves the next probe.
   */
  async record(api: string, message: string, nowMs: number, nextProbeMs: number): Promise<boolean> {
    const inserted =
      await sql`insert into api_subscription (api, message, refused_at_ms, next_probe_ms, refusals)
      values (${api}, ${message}, ${Math.floor(nowMs)}, ${Math.ceil(nextProbeMs)}, 1)
      on conflict (api) do nothing`.execute(this.db);
    if (affected(inserted) === 1) return true;
    await sql`update api_subscription
      set message = ${message}, refusals = refusals + 1,
        next_probe_ms = case when next_probe_ms > ${Math.ceil(nextProbeMs)} then next_probe_ms
          else ${Math.ceil(nextProbeMs)} end
      where api = ${api}`.execute(this.db);
    return false;
  }

  /**
   * Claims the next probe of a recorded API: true for exactly one caller once `next_probe_ms` has passed
   * (the next probe is then moved to `nextProbeMs`, so that the other syncs keep waiting).
   */
  async claimProbe(api: string, nowMs: number, nextProbeMs: number): Promise<boolean> {
    const r = await sql`update api_subscription set next_probe_ms = ${Math.ceil(nextProbeMs)}
      where api = ${api} and next_probe_ms <= ${Math.floor(nowMs)}`.execute(this.db);
    return affected(r) === 1;
  }

  /** The operator subscribed the API (or a probe succeeded): syncs call it again. All APIs when omitted. */
  async clear(api?: string): Promise<number> {
    const r =
      api === undefined
        ? await sql`delete from api_subscription`.execute(this.db)
        : await sql`delete from api_subscription where api = ${api}`.execute(this.db);
    return affected(r);
  }
}
