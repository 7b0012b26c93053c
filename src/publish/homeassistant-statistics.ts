/**
 * The Home Assistant statistics publisher: each meter's hourly energy as external long-term statistics
 * (`linky:<prm>_consumption`, `linky:<prm>_production`) that the Energy dashboard shows, imported over the
 * WebSocket API with `recorder/import_statistics` (shared docs, home-assistant.md §1b).
 *
 * Why statistics, not MQTT states: Linky data arrive a day late, and Home Assistant books a state at the
 * hour it arrives. Imported rows carry their own hour.
 *
 * Incremental and exact:
 * - rows come from the store (hourly.ts): the load curve summed into hours, or the daily energy at the
 *   day's first hour for days without a curve; `sum` is cumulative from the first row we have;
 * - our record (migration 003) keeps, per Paris day, a digest of the rows sent and the sum after the day.
 *   Before sending, the last hour we recorded is read back from Home Assistant
 *   (`recorder/statistics_during_period`, times in ms): when it holds that row with our sum, only the days
 *   whose digest changed are sent, from their first changed hour (read back too) to the end, so that every
 *   later sum stays right. Nothing is purged and an unchanged day is never sent again;
 * - an hour Home Assistant holds in the re-sent range that we no longer produce (the whole-day row at 00:00
 *   of a day that now has a curve without its first hour, a value Enedis now reports missing) is
 *   overwritten with state 0 and the sum so far, so that Home Assistant's series equals ours hour by hour
 *   (no stale state, no spike then negative hour in the Energy dashboard); such a filler counts as held
 *   when comparing, so it is not sent again;
 * - when Home Assistant holds nothing for the id (new install, statistics cleared) everything is sent; when
 *   it disagrees with our record (a restored backup on either side), its rows are read back and compared
 *   hour by hour, and we send from the first hour that differs;
 * - large histories go in chunks (`homeassistant.chunkHours` rows per call), each recorded once accepted,
 *   so that a first import of two years never times out and a crash mid-way resumes where it stopped.
 */
import type { EventBus } from "../app/events.js";
import type { Direction } from "../domain/types.js";
import type { Store } from "../store/index.js";
import type { HaStatisticDay } from "../store/repositories/ha-statistics.js";
import { HaAuthError, HaWebSocket, websocketUrlOf, type HaError } from "./ha-websocket.js";
import { addDays, parisDayStartMs } from "../domain/time.js";
import { buildDays, digestRows, parisIso, roundWh, type DayRows } from "./hourly.js";
import { importCostStatistics } from "./homeassistant-costs.js";
import { SyncWatcher } from "./triggers.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Sums are rounded to 1 mWh: anything closer is the same sum. */
const SUM_EPSILON = 0.0015;

/** Sends Home Assistant WebSocket commands (`HaWebSocket`, or a fake). */
export interface HaCaller {
  call<T = unknown>(type: string, fields?: Record<string, unknown>): Promise<T>;
}

export const STATISTIC_SOURCE = "linky";

/** `linky:<prm>_consumption` / `linky:<prm>_production`: lower case, digits and underscores. */
export function statisticIdOf(prm: string, direction: Direction): string {
  return `${STATISTIC_SOURCE}:${prm.toLowerCase()}_${direction}`;
}

/** The metadata Home Assistant 2026.11 requires (`mean_type`, `unit_class`), Wh with a sum. */
export function statisticMetadata(prm: string, direction: Direction) {
  return {
    source: STATISTIC_SOURCE,
    statistic_id: statisticIdOf(prm, direction),
    name: `Linky ${prm} ${direction}`,
    unit_of_measurement: "Wh",
    has_sum: true,
    mean_type: 0,
    unit_class: "energy",
  };
}

export interface ImportDeps {
  store: Store;
  ha: HaCaller;
  /** Rows per `recorder/import_statistics` call. */
  chunkHours: number;
  /** Pause between two chunks, ms (lets Home Assistant's recorder write them). */
  chunkPauseMs?: number;
  log?: (message: string) => void;
}

export interface ImportReport {
  statisticId: string;
  /** nothing (no data or nothing changed), incremental (from our record), full (HA held nothing),
   * recovered (HA disagreed with our record: compared hour by hour). */
  mode: "nothing" | "incremental" | "full" | "recovered";
  /** Rows sent, and the first hour sent (epoch ms) when any. */
  rowsSent: number;
  fromMs: number | null;
  calls: number;
}

interface FlatRow {
  startMs: number;
  energyWh: number;
  sum: number;
  day: number;
}

interface HaRow {
  start: number;
  end?: number;
  state?: number | null;
  sum?: number | null;
}

function flatten(days: readonly DayRows[]): { rows: FlatRow[]; firstOfDay: number[]; lastOfDay: number[] } {
  const rows: FlatRow[] = [];
  const firstOfDay: number[] = [];
  const lastOfDay: number[] = [];
  let sum = 0;
  days.forEach((d, i) => {
    firstOfDay.push(rows.length);
    for (const r of d.rows) {
      sum = roundWh(sum + r.energyWh);
      rows.push({ startMs: r.startMs, energyWh: r.energyWh, sum, day: i });
    }
    lastOfDay.push(rows.length - 1);
  });
  return { rows, firstOfDay, lastOfDay };
}

const close = (a: number | null | undefined, b: number) =>
  typeof a === "number" && Math.abs(a - b) <= SUM_EPSILON;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads Home Assistant's hourly rows of one statistic with start in [fromMs, toMs). */
async function haRows(ha: HaCaller, statisticId: string, fromMs: number, toMs?: number): Promise<HaRow[]> {
  const r = await ha.call<Record<string, HaRow[]> | null>("recorder/statistics_during_period", {
    start_time: new Date(fromMs).toISOString(),
    ...(toMs === undefined ? {} : { end_time: new Date(toMs).toISOString() }),
    statistic_ids: [statisticId],
    period: "hour",
    types: ["state", "sum"],
  });
  return (r?.[statisticId] ?? []).filter((x) => x.start >= fromMs && (toMs === undefined || x.start < toMs));
}

/**
 * The first hour in [fromMs, toMs) where Home Assistant does not hold what we would send, or null. Our rows
 * must be held with the same state and sum; an hour Home Assistant holds that we do not produce (a missing
 * hour, or the old whole-day row of a day that now has a curve) must be a filler: state 0 and the sum of
 * our row before it, else the Energy dashboard shows the stale state and a jump of the sum.
 */
function firstMismatch(
  rows: readonly FlatRow[],
  fromMs: number,
  toMs: number,
  held: readonly HaRow[],
): number | null {
  const byStart = new Map(held.filter((h) => h.start >= fromMs && h.start < toMs).map((h) => [h.start, h]));
  let j = firstAtOrAfter(rows, fromMs);
  let sumBefore = j > 0 ? rows[j - 1]!.sum : 0;
  const extras = [...byStart.keys()].sort((a, b) => a - b);
  let k = 0;
  while (j < rows.length && rows[j]!.startMs < toMs) {
    const r = rows[j]!;
    for (; k < extras.length && extras[k]! < r.startMs; k++) {
      const h = byStart.get(extras[k]!)!;
      if (!close(h.state, 0) || !close(h.sum, sumBefore)) return h.start;
    }
    if (k < extras.length && extras[k] === r.startMs) k++;
    const h = byStart.get(r.startMs);
    if (!h || !close(h.state, r.energyWh) || !close(h.sum, r.sum)) return r.startMs;
    sumBefore = r.sum;
    j++;
  }
  for (; k < extras.length; k++) {
    const h = byStart.get(extras[k]!)!;
    if (!close(h.state, 0) || !close(h.sum, sumBefore)) return h.start;
  }
  return null;
}

/** Index of the first row starting at or after `ms` (rows.length when none). */
function firstAtOrAfter(rows: readonly FlatRow[], ms: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.startMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A row to send: one of ours (`index` in rows), or a filler over an hour HA holds and we do not produce. */
interface SendRow {
  startMs: number;
  state: number;
  sum: number;
  index: number | null;
}

/** Imports what changed of one meter's direction. */
export async function importStatistic(
  deps: ImportDeps,
  target: { deviceId: number; prm: string; direction: Direction },
  /** Another series of hourly rows than the meter's energy (costs, per-period energy: homeassistant-costs.ts). */
  series?: { statisticId: string; metadata: Record<string, unknown>; days: DayRows[] },
): Promise<ImportReport> {
  const { store, ha } = deps;
  const id = series?.statisticId ?? statisticIdOf(target.prm, target.direction);
  const report: ImportReport = { statisticId: id, mode: "nothing", rowsSent: 0, fromMs: null, calls: 0 };
  const call = <T>(type: string, fields: Record<string, unknown>) => {
    report.calls++;
    return ha.call<T>(type, fields);
  };
  const dailySeries = target.direction;
  const days =
    series?.days ??
    buildDays(
      await store.measures.listCurve(
        target.deviceId,
        target.direction,
        Number.MIN_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER,
      ),
      await store.measures.listDaily(
        target.deviceId,
        dailySeries,
        Number.MIN_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER,
      ),
    );
  if (days.length === 0) return report;
  const digests = days.map((d) => digestRows(d.rows));
  const { rows, lastOfDay } = flatten(days);
  const reader: HaCaller = { call: (type, fields) => call(type, fields ?? {}) };

  const meta = await call<Array<{ statistic_id: string }> | null>("recorder/get_statistics_metadata", {
    statistic_ids: [id],
  });
  const known = (meta ?? []).some((m) => m.statistic_id === id);
  const record = await store.haStatistics.find(id);
  const recorded = new Map((await store.haStatistics.days(id)).map((d) => [d.day, d]));

  /** Where sending starts (an hour, epoch ms), and from which day our record is rewritten. */
  let fromMs: number;
  let recordFrom: number;
  /** Up to where (exclusive) Home Assistant may hold rows we no longer produce; null: it holds none. */
  let heldUntil: number | null = null;
  const seriesFrom = parisDayStartMs(days[0]!.day);
  const seriesEnd = rows[rows.length - 1]!.startMs + HOUR_MS;
  if (!known) {
    report.mode = "full";
    fromMs = rows[0]!.startMs;
    recordFrom = 0;
  } else {
    let consistent = false;
    if (record && record.lastStartMs !== null && record.lastSum !== null && recorded.size > 0) {
      const held = await haRows(reader, id, record.lastStartMs);
      const last = held.find((h) => h.start === record.lastStartMs);
      consistent =
        !!last && close(last.sum, record.lastSum) && held.every((h) => h.start <= record.lastStartMs!);
    }
    let changed = -1;
    if (consistent) {
      changed = days.findIndex((d, i) => recorded.get(d.day)?.digest !== digests[i]);
      if (
        changed > 0 &&
        !close(recorded.get(days[changed - 1]!.day)?.sumEnd, rows[lastOfDay[changed - 1]!]!.sum)
      ) {
        consistent = false; // our record and today's sums disagree: compare with HA hour by hour
      }
    }
    if (consistent) {
      if (changed < 0) return report; // nothing changed since the last import
      report.mode = "incremental";
      recordFrom = changed;
      fromMs = days[changed]!.rows[0]!.startMs;
      // A day sent before (or cut by a chunk): send from its first hour HA does not hold as we would,
      // counting the hours HA holds that we no longer produce (from the end of the day before).
      const windowFrom = changed > 0 ? rows[lastOfDay[changed - 1]!]!.startMs + HOUR_MS : seriesFrom;
      if (record!.lastStartMs! >= windowFrom) {
        const dayEnd = parisDayStartMs(addDays(days[changed]!.day, 1));
        const held = await haRows(reader, id, windowFrom, dayEnd);
        fromMs = firstMismatch(rows, windowFrom, dayEnd, held) ?? dayEnd;
        heldUntil = record!.lastStartMs! + HOUR_MS;
      }
    } else {
      report.mode = "recovered";
      recordFrom = 0;
      fromMs = seriesEnd;
      // Compare with what HA holds, a month at a time, up to the first hour that differs.
      for (let from = seriesFrom; from < seriesEnd; from += 31 * DAY_MS) {
        const to = Math.min(seriesEnd, from + 31 * DAY_MS);
        const m = firstMismatch(rows, from, to, await haRows(reader, id, from, to));
        if (m !== null) {
          fromMs = m;
          break;
        }
      }
      heldUntil = seriesEnd;
      deps.log?.(
        `homeassistant: ${id}: Home Assistant's rows differ from our record; sending from ${
          fromMs < seriesEnd ? parisIso(fromMs) : "nowhere (it holds them all)"
        }`,
      );
    }
  }

  // What to send: our rows from `fromMs`, and a filler (state 0, the sum so far) over every hour HA holds
  // there that we no longer produce, so that HA's series equals ours hour by hour.
  const start = firstAtOrAfter(rows, fromMs);
  const extras: number[] = [];
  if (heldUntil !== null && fromMs < heldUntil) {
    const ours = new Set(rows.slice(start).map((r) => r.startMs));
    for (let from = fromMs; from < heldUntil; from += 31 * DAY_MS) {
      for (const h of await haRows(reader, id, from, Math.min(heldUntil, from + 31 * DAY_MS)))
        if (!ours.has(h.start)) extras.push(h.start);
    }
    extras.sort((a, b) => a - b);
  }
  const send: SendRow[] = [];
  for (let j = start, k = 0; j <= rows.length; j++) {
    const until = j < rows.length ? rows[j]!.startMs : Number.POSITIVE_INFINITY;
    for (; k < extras.length && extras[k]! < until; k++)
      send.push({ startMs: extras[k]!, state: 0, sum: j > 0 ? rows[j - 1]!.sum : 0, index: null });
    if (j < rows.length) send.push({ startMs: until, state: rows[j]!.energyWh, sum: rows[j]!.sum, index: j });
  }

  // Days before `start`'s day that our record does not hold yet (recovered/full): recorded with the first chunk.
  const dayRecord = (i: number): HaStatisticDay => ({
    day: days[i]!.day,
    digest: digests[i]!,
    hours: days[i]!.rows.length,
    sumEnd: rows[lastOfDay[i]!]!.sum,
  });
  let nextDay = recordFrom;
  let first = true;
  const metadata = series?.metadata ?? statisticMetadata(target.prm, target.direction);
  const save = async (sentUntil: number) => {
    // Days whose every row is now in HA (sent, or held already before `start`).
    const done: HaStatisticDay[] = [];
    while (nextDay < days.length && lastOfDay[nextDay]! < sentUntil) done.push(dayRecord(nextDay++));
    const lastRow = rows[sentUntil - 1]!;
    await store.haStatistics.recordSent({
      statisticId: id,
      deviceId: target.deviceId,
      direction: target.direction,
      days: done,
      lastStartMs: lastRow.startMs,
      lastSum: lastRow.sum,
      ...(first ? { fromDay: recordFrom === 0 ? "0000-00-00" : days[recordFrom]!.day } : {}),
    });
    first = false;
  };
  if (send.length === 0) {
    await save(rows.length); // HA holds them all already: our record catches up
    return report;
  }
  report.fromMs = send[0]!.startMs;
  let sentUntil = start; // our rows before this index are in HA
  for (let i = 0; i < send.length; i += deps.chunkHours) {
    const chunk = send.slice(i, i + deps.chunkHours);
    if (i > 0 && deps.chunkPauseMs) await sleep(deps.chunkPauseMs);
    await call("recorder/import_statistics", {
      metadata,
      stats: chunk.map((r) => ({ start: parisIso(r.startMs), state: r.state, sum: r.sum })),
    });
    report.rowsSent += chunk.length;
    for (const r of chunk) if (r.index !== null) sentUntil = r.index + 1;
    if (i + chunk.length >= send.length) sentUntil = rows.length;
    if (sentUntil > 0) await save(sentUntil);
  }
  deps.log?.(
    `homeassistant: ${id}: ${report.rowsSent} hourly rows sent from ${parisIso(report.fromMs)} (${report.mode}${
      extras.length > 0 ? `; ${extras.length} hours no longer produced set to 0` : ""
    })`,
  );
  return report;
}

export interface HomeAssistantStatisticsOptions {
  store: Store;
  events?: EventBus | undefined;
  log: (message: string) => void;
  /** Home Assistant base URL (`http://homeassistant.local:8123`, the Supervisor's) or its WebSocket URL. */
  url: string;
  token: string;
  chunkHours: number;
  chunkPauseMs?: number;
  /** Polling for syncs run by other processes, ms (default 5 min; 0 = off). */
  pollMs?: number;
  /** After a failure that may pass (HA down), try the meter again after this, ms (default 60 s). */
  retryMs?: number;
  /** Client options (tests). */
  backoffMs?: { initial: number; max: number };
}

export class HomeAssistantStatistics {
  readonly name = "homeassistant";
  readonly client: HaWebSocket;
  private watcher: SyncWatcher | null = null;
  private readonly queued = new Map<number, string>();
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retry = new Map<number, string>();
  private stopped = true;
  private authFailed = false;
  /** Reports of the imports done (newest last; tests and diagnostics). */
  readonly reports: ImportReport[] = [];

  constructor(private readonly opts: HomeAssistantStatisticsOptions) {
    this.client = new HaWebSocket({
      url: websocketUrlOf(opts.url),
      token: opts.token,
      log: opts.log,
      ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.client.start();
    this.watcher = new SyncWatcher(
      {
        store: this.opts.store,
        events: this.opts.events,
        log: this.opts.log,
        ...(this.opts.pollMs !== undefined ? { intervalMs: this.opts.pollMs } : {}),
      },
      (m) => this.enqueue(m.deviceId, m.usagePointId),
    );
    await this.watcher.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.watcher?.stop();
    this.watcher = null;
    await this.client.stop(); // fails the running import's call: it stops there, recorded up to its last chunk
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  enqueue(deviceId: number, prm: string): void {
    this.queued.set(deviceId, prm);
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopped || this.authFailed) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0 && !this.stopped) {
      const [deviceId, prm] = this.queued.entries().next().value as [number, string];
      this.queued.delete(deviceId);
      try {
        for (const direction of ["consumption", "production"] as const) {
          this.reports.push(
            await importStatistic(
              {
                store: this.opts.store,
                ha: this.client,
                chunkHours: this.opts.chunkHours,
                chunkPauseMs: this.opts.chunkPauseMs ?? 500,
                log: this.opts.log,
              },
              { deviceId, prm, direction },
            ),
          );
        }
        // Costs and per-period energy on the meter's tariff (none without one).
        const costDeps = {
          store: this.opts.store,
          ha: this.client,
          chunkHours: this.opts.chunkHours,
          log: this.opts.log,
        };
        this.reports.push(
          ...(await importCostStatistics(
            { ...costDeps, chunkPauseMs: this.opts.chunkPauseMs ?? 500 },
            { deviceId, prm },
          )),
        );
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof HaAuthError) {
          this.authFailed = true; // logged by the client; nothing works until the token is fixed
          return;
        }
        const permanent = (e as HaError).permanent === true;
        this.opts.log(
          `homeassistant: statistics of ${prm}: ${e instanceof Error ? e.message : String(e)}${
            permanent ? "" : "; trying again later"
          }`,
        );
        if (!permanent) this.retryLater(deviceId, prm);
      }
    }
  }

  private retryLater(deviceId: number, prm: string): void {
    this.retry.set(deviceId, prm);
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const again = [...this.retry];
      this.retry.clear();
      for (const [d, p] of again) this.enqueue(d, p);
    }, this.opts.retryMs ?? 60_000);
    this.retryTimer.unref();
  }
}
