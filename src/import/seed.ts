/**
 * Migration from the original application's database (`import-seed --from postgres://…`).
 *
 * What goes where (seed-schema.md):
 * - `utilisateur` → users, with their bcrypt `$2a$` hash as it is (checked at the first sign-in and
 *   replaced by ours then, `auth/legacy-password.ts`); ROLE_ADMIN makes an admin; a disabled or locked user
 *   stays disabled;
 * - `notification_account_sender`: the DataConnect provider becomes a `dataconnect` sender; others are
 *   listed and skipped;
 * - `notification_account` of DataConnect: accounts (PRM, `expired`, the `last_*` watermarks, numbers or
 *   numeric strings after a form save); the old per-user tokens are dropped;
 * - `device` of the Linky type only (by `device_type.impl_class`), matched to an account by user and PRM;
 * - `device_value` main series (W at the interval END, naive Paris time) → the load curve, each day's
 *   labels resolved with the sync's series walk (`resolveIntervalEnds`); `baseinst` (Wh) is not stored,
 *   it is checked against W (and gives the W where the main row is missing);
 * - `device_value_day` `basesum` (Wh) / `max` (VA) → daily energy / max power; months are recomputed
 *   from the days by the writer, and checked against `device_value_month`.
 *
 * Duplicates (the original had no unique key): rows of one label with the same value are one measure;
 * with different values, a conflict (the last written row, the highest id, is kept, as the original's
 * find-then-update left it), except in the autumn's repeated hour, where two labels are two instants in
 * insertion order. A label off the 30-minute grid is rejected (counted).
 *
 * Resumable: everything before the measures is find-or-create by natural keys; the measures go a
 * bounded chunk of days per transaction, with the device's cursor (`import_cursor`) written in the same
 * transaction. A run killed at any point (`kill -9`) resumes after the last committed chunk; a run after a
 * complete one finds every cursor at its end and changes nothing.
 *
 * The watermarks become the sync's cursors: `fetched_until` = the later of the watermark and the day after
 * the last complete migrated day, `backfill_oldest` = the first migrated day; migrated days are in the
 * ledger (source `seed`), so the first sync asks Enedis only for what is missing.
 */
import { addDaysFast, parisMidnightFast, parisSummerTime } from "../domain/paris-fast.js";
import {
  addDays,
  daysBetween,
  maxDate,
  minDate,
  parisDateOf,
  parisDayLengthMin,
  parisDayStartMs,
  resolveIntervalEnds,
  type LocalDate,
} from "../domain/time.js";
import { isUsagePointId, type DatasetKey, type Reading } from "../domain/types.js";
import type { Store } from "../store/index.js";
import { ROLE_ADMIN, ROLE_USER, type AccountConfigPatch } from "../store/index.js";
import { writer } from "../sync/store-adapter.js";
import type { LedgerEntry } from "../sync/ports.js";
import { UniqueViolationError } from "../store/errors.js";
import { writeImportedCurve } from "./curve-writer.js";
import {
  DATACONNECT_IMPL,
  LINKY_IMPL,
  naiveText,
  SeedReader,
  type SeedColumns,
  type SeedValue,
} from "./seed-reader.js";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface SeedProgress {
  stage: "users" | "accounts" | "measures" | "done";
  done: number;
  total: number;
}

export interface SeedReport {
  users: { created: number; existing: number; admins: number };
  senders: { created: number; existing: number; skipped: string[] };
  accounts: { created: number; existing: number; skipped: number };
  meters: { migrated: number; skipped: Array<{ seedDeviceId: number; reason: string }> };
  measures: Record<"consumption_load_curve" | "daily_consumption" | "daily_consumption_max_power", number>;
  days: { complete: number; partial: number; missing: number };
  duplicates: number;
  conflicts: { count: number; firstDays: LocalDate[] };
  rejectedLabels: number;
  baseinst: { checked: number; mismatched: number; derived: number };
  months: { checked: number; mismatched: number };
  /** Chunks committed by this run (0: everything was already there). */
  chunks: number;
}

export interface SeedOptions {
  nowMs: number;
  /** Days of load curve per transaction (default 31). */
  chunkDays?: number;
  onProgress?: (p: SeedProgress) => void;
}

/** Epoch ms from a watermark that may be a number or a numeric string (after a form save). */
function epoch(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

function truthy(v: unknown): boolean {
  return v === true || v === "true";
}

/** UTC offset of Paris for a naive label on a day without a change of offset. */
function offsetOfNaive(t: number): number {
  const s = parisSummerTime(new Date(t).getUTCFullYear());
  return t - HOUR >= s.startMs && t - 2 * HOUR < s.endMs ? 2 * HOUR : HOUR;
}

/** Paris midnight of a day, and the day's length in minutes, without a time-zone lookup (hot path). */
const midnight = parisMidnightFast;
function dayLengthMin(day: LocalDate): number {
  return (midnight(addDaysFast(day, 1)) - midnight(day)) / MIN;
}

/** The Paris day an END label closes (midnight closes the day before). */
function dayOfEnd(t: number): LocalDate {
  return new Date(t - 1).toISOString().slice(0, 10);
}

interface Point {
  t: number;
  id: number;
  w: number | null;
  wh: number | null;
}

type CurveCursor = { until: LocalDate; first: LocalDate; completeUntil: LocalDate; done: boolean };

/**
 * A meter's curve read, started ahead: its span, its cursor, and its COPY stream already asked for (the
 * seed's server scans and sorts it while the previous meter is written).
 */
interface CurveRead {
  seedDeviceId: number;
  span: { first: number; last: number } | null;
  cursor: CurveCursor | undefined;
  batches: AsyncIterator<SeedColumns>;
  first: Promise<IteratorResult<SeedColumns>>;
}

/** Seed rows received and not yet written, in label order: batches in, a chunk's rows out. */
class ColumnQueue {
  private batches: SeedColumns[] = [];
  /** Rows of the first batch already taken. */
  private offset = 0;

  push(c: SeedColumns): void {
    if (c.length > 0) this.batches.push(c);
  }

  /** The last label received (-Infinity when none is waiting). */
  lastT(): number {
    const b = this.batches[this.batches.length - 1];
    return b ? (b.t[b.length - 1] as number) : Number.NEGATIVE_INFINITY;
  }

  /** Every waiting row with a label <= toT, as one set of columns. */
  take(toT: number): SeedColumns {
    let n = 0;
    let bi = 0;
    let cut = this.offset;
    for (; bi < this.batches.length; bi++) {
      const b = this.batches[bi] as SeedColumns;
      let k = bi === 0 ? this.offset : 0;
      while (k < b.length && (b.t[k] as number) <= toT) k++;
      n += k - (bi === 0 ? this.offset : 0);
      cut = k;
      if (k < b.length) break;
    }
    const out: SeedColumns = {
      length: n,
      id: new Float64Array(n),
      t: new Float64Array(n),
      main: new Uint8Array(n),
      value: new Float64Array(n),
    };
    let o = 0;
    const full = Math.min(bi, this.batches.length - 1);
    for (let x = 0; x <= full && o < n; x++) {
      const b = this.batches[x] as SeedColumns;
      const s = x === 0 ? this.offset : 0;
      const e = x === bi ? cut : b.length;
      out.id.set(b.id.subarray(s, e), o);
      out.t.set(b.t.subarray(s, e), o);
      out.main.set(b.main.subarray(s, e), o);
      out.value.set(b.value.subarray(s, e), o);
      o += e - s;
    }
    if (bi >= this.batches.length) {
      this.batches = [];
      this.offset = 0;
    } else {
      this.batches = this.batches.slice(bi);
      this.offset = cut;
    }
    return out;
  }
}

export class SeedMigration {
  private readonly report: SeedReport = {
    users: { created: 0, existing: 0, admins: 0 },
    senders: { created: 0, existing: 0, skipped: [] },
    accounts: { created: 0, existing: 0, skipped: 0 },
    meters: { migrated: 0, skipped: [] },
    measures: { consumption_load_curve: 0, daily_consumption: 0, daily_consumption_max_power: 0 },
    days: { complete: 0, partial: 0, missing: 0 },
    duplicates: 0,
    conflicts: { count: 0, firstDays: [] },
    rejectedLabels: 0,
    baseinst: { checked: 0, mismatched: 0, derived: 0 },
    months: { checked: 0, mismatched: 0 },
    chunks: 0,
  };
  private readonly conflictDays = new Set<LocalDate>();
  /** Load-curve chunks of every meter, and those committed (by this run or an earlier one). */
  private chunkTotal = 0;
  private chunkDone = 0;

  /** The reader the meter being migrated uses (meters alternate between the readers). */
  private seed: SeedReader;
  private readonly readers: SeedReader[];

  /**
   * `readers`: one connection to the seed, or two: then the next meter's curve is read on the second
   * while this one is written.
   */
  constructor(
    private readonly store: Store,
    readers: SeedReader | SeedReader[],
    private readonly opts: SeedOptions,
  ) {
    this.readers = Array.isArray(readers) ? readers : [readers];
    this.seed = this.readers[0] as SeedReader;
  }

  static async run(store: Store, url: string, opts: SeedOptions): Promise<SeedReport> {
    const readers = [await SeedReader.open(url)];
    try {
      readers.push(await SeedReader.open(url));
      return await new SeedMigration(store, readers, opts).run();
    } finally {
      for (const r of readers) await r.close();
    }
  }

  /** Starts reading a meter's curve on `reader` (which must be idle). */
  private async startCurve(seedDeviceId: number, reader: SeedReader): Promise<CurveRead> {
    const span = await reader.curveSpan(seedDeviceId);
    const cursor = await this.store.importCursors.get<CurveCursor>(`seed:device:${seedDeviceId}:curve`);
    const from = cursor?.until ?? (span ? dayOfEnd(span.first) : null);
    const batches =
      span && from !== null && !cursor?.done
        ? reader.curveBatches(seedDeviceId, Date.parse(`${from}T00:00:00Z`))[Symbol.asyncIterator]()
        : (async function* () {})();
    const first = batches.next();
    // Awaited when the meter's turn comes; marked handled so that a failure meanwhile is not "unhandled".
    first.catch(() => undefined);
    return { seedDeviceId, span, cursor, batches, first };
  }

  async run(): Promise<SeedReport> {
    const users = await this.users();
    const senders = await this.senders();
    const accounts = await this.accounts(users, senders);
    const devices = (await this.seed.devices()).filter((d) => {
      if (d.implClass !== LINKY_IMPL) {
        this.report.meters.skipped.push({ seedDeviceId: d.id, reason: `not a Linky (${d.typeLibelle})` });
        return false;
      }
      return true;
    });
    const chunk = this.opts.chunkDays ?? 31;
    for (const d of devices) {
      const span = await this.seed.curveSpan(d.id);
      if (span)
        this.chunkTotal += Math.ceil((daysBetween(dayOfEnd(span.first), dayOfEnd(span.last)) + 1) / chunk);
    }
    const todo = devices.filter((d) => {
      if (users.get(d.userId) === undefined || !isUsagePointId(d.mac)) {
        this.report.meters.skipped.push({ seedDeviceId: d.id, reason: "no user, or its mac is not a PRM" });
        return false;
      }
      return true;
    });
    let ahead: CurveRead | undefined;
    for (const [k, d] of todo.entries()) {
      const userId = users.get(d.userId) as number;
      const account = accounts.find((a) => a.seedUserId === d.userId && a.prm === d.mac);
      const type = await this.store.devices.linkyType();
      const device = await this.store.devices.findOrCreate({
        userId,
        mac: d.mac,
        label: d.label,
        deviceTypeId: type.id,
      });
      this.seed = this.readers[k % this.readers.length] as SeedReader;
      const mine = ahead ?? (await this.startCurve(d.id, this.seed));
      // The next meter's curve is asked for now, on the other reader, while this one is written.
      const next = todo[k + 1];
      ahead =
        next && this.readers.length > 1
          ? await this.startCurve(next.id, this.readers[(k + 1) % this.readers.length] as SeedReader)
          : undefined;
      const span = await this.curve(d.id, device.id, mine);
      const daily = await this.daily(d.id, device.id);
      if (account) await this.cursors(account, span, daily);
      this.report.meters.migrated++;
    }
    this.report.conflicts = {
      count: this.report.conflicts.count,
      firstDays: [...this.conflictDays].sort().slice(0, 5),
    };
    this.opts.onProgress?.({ stage: "done", done: 1, total: 1 });
    return this.report;
  }

  /** seed user id → our user id. */
  private async users(): Promise<Map<number, number>> {
    const map = new Map<number, number>();
    const all = await this.seed.users();
    for (const [i, u] of all.entries()) {
      const admin = u.roles.includes(ROLE_ADMIN);
      if (admin) this.report.users.admins++;
      let ours = await this.store.users.findByUsername(u.username);
      if (ours) this.report.users.existing++;
      else {
        // One transaction: a run killed here never leaves a disabled user enabled.
        ours = await this.store.transaction(async (tx) => {
          const created = await tx.users.create({
            username: u.username,
            passwordHash: u.password,
            roles: admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER],
          });
          if (!u.enabled || u.locked) await tx.users.setDisabled(created.id, this.opts.nowMs);
          return created;
        });
        this.report.users.created++;
      }
      map.set(u.id, ours.id);
      this.opts.onProgress?.({ stage: "users", done: i + 1, total: all.length });
    }
    return map;
  }

  /** seed sender id → our sender id (DataConnect only). */
  private async senders(): Promise<Map<number, number>> {
    const map = new Map<number, number>();
    for (const s of await this.seed.senders()) {
      if (s.implClass !== DATACONNECT_IMPL) {
        this.report.senders.skipped.push(`${s.libelle} (${s.implClass})`);
        continue;
      }
      let ours = await this.store.senders.findByLibelle(s.libelle);
      if (ours) this.report.senders.existing++;
      else {
        ours = await this.store.senders.create({
          libelle: s.libelle,
          implClass: "dataconnect",
          cron: s.cron,
          role: s.role,
        });
        this.report.senders.created++;
      }
      map.set(s.id, ours.id);
    }
    return map;
  }

  private async accounts(users: Map<number, number>, senders: Map<number, number>) {
    const out: Array<{
      accountId: number;
      seedUserId: number;
      prm: string;
      wm: Record<string, number | null>;
    }> = [];
    for (const a of await this.seed.accounts()) {
      const senderId = senders.get(a.senderId);
      const userId = users.get(a.userId);
      if (senderId === undefined || userId === undefined) continue;
      let config: Record<string, unknown> = {};
      try {
        config = JSON.parse(a.config ?? "{}") as Record<string, unknown>;
      } catch {
        config = {};
      }
      const prm = String(config.usage_point_id ?? "").trim();
      if (!isUsagePointId(prm)) {
        this.report.accounts.skipped++;
        continue;
      }
      const wm = {
        last_consumption_load_curve: epoch(config.last_consumption_load_curve),
        last_daily_consumption: epoch(config.last_daily_consumption),
        last_consumption_max_power: epoch(config.last_consumption_max_power),
      };
      let ours = await this.store.accounts.find(senderId, userId, prm);
      if (ours) this.report.accounts.existing++;
      else {
        const patch: Omit<AccountConfigPatch, "usage_point_id"> = { ...wm };
        if (truthy(config.expired)) {
          patch.expired = true;
          patch.expired_reason = "expired in the original application";
        }
        ours = await this.store.accounts.create({ senderId, userId, usagePointId: prm, config: patch });
        this.report.accounts.created++;
      }
      out.push({ accountId: ours.id, seedUserId: a.userId, prm, wm });
    }
    return out;
  }

  private conflict(day: LocalDate): void {
    this.report.conflicts.count++;
    this.conflictDays.add(day);
  }

  /**
   * One label's rows (by id) → the measures it stands for: equal values are one (duplicates), two
   * different values in the autumn's repeated hour are two instants (lower id first), more is a conflict
   * (the last written kept).
   */
  private collapse(rows: SeedValue[], ambiguous: boolean, day: LocalDate): SeedValue[] {
    if (rows.length <= 1) return rows;
    const distinct: SeedValue[] = [];
    for (const r of rows) {
      if (distinct.some((d) => Math.abs(d.value - r.value) < 1e-9)) this.report.duplicates++;
      else distinct.push(r);
    }
    const room = ambiguous ? 2 : 1;
    if (distinct.length <= room) return distinct;
    this.conflict(day);
    return ambiguous
      ? [distinct[0] as SeedValue, distinct[distinct.length - 1] as SeedValue]
      : [distinct[distinct.length - 1] as SeedValue];
  }

  /** A day's points (labels resolved) from its rows. */
  private dayPoints(day: LocalDate, rows: SeedValue[]): Reading[] {
    const dayLen = dayLengthMin(day);
    const dst = dayLen !== 1440;
    // Rows come by label then id: each label's rows are consecutive.
    const groups: Array<{ t: number; w: SeedValue[]; wh: SeedValue[] }> = [];
    for (const r of rows) {
      if (r.t % (30 * MIN) !== 0) {
        this.report.rejectedLabels++;
        continue;
      }
      let g = groups[groups.length - 1];
      if (!g || g.t !== r.t) groups.push((g = { t: r.t, w: [], wh: [] }));
      (r.name === null ? g.w : g.wh).push(r);
    }
    const labels = groups.map((g) => g.t);
    // The step: the most frequent gap between labels (30 minutes for v4 data, 60 for old data).
    let step = 30;
    let n30 = 0;
    let n60 = 0;
    for (let i = 1; i < labels.length; i++) {
      const g = ((labels[i] as number) - (labels[i - 1] as number)) / MIN;
      if (g === 30) n30++;
      else if (g === 60) n60++;
    }
    if (n60 > n30) step = 60;
    const points: Point[] = [];
    // The autumn's repeated hour: each label's first measure, in label order, then each label's second
    // (the lower id is the earlier instant): the order the series walk reads the hour in.
    const repeated: Point[][] = [];
    for (const g of groups) {
      const t = g.t;
      const hour = new Date(t).getUTCHours();
      const ambiguous = dayLen === 1500 && hour >= 2 && hour < 3;
      const ws = this.collapse(g.w, ambiguous, day);
      const whs = this.collapse(g.wh, ambiguous, day);
      const count = Math.max(ws.length, whs.length);
      const here: Point[] = [];
      for (let i = 0; i < count; i++) {
        const w = ws[i];
        const wh = whs[i];
        here.push({ t, id: (w ?? wh)!.id, w: w?.value ?? null, wh: wh?.value ?? null });
      }
      if (ambiguous) {
        here.forEach((p, i) => (repeated[i] ??= []).push(p));
        continue;
      }
      if (repeated.length > 0) points.push(...repeated.splice(0).flat());
      points.push(...here);
    }
    if (repeated.length > 0) points.push(...repeated.splice(0).flat());
    let ends: number[];
    if (!dst) ends = points.map((p) => p.t - offsetOfNaive(p.t));
    else {
      ends = resolveIntervalEnds(
        points.map((p) => ({ label: naiveText(p.t), stepMin: step })),
        midnight(day),
      );
    }
    const out: Reading[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as Point;
      let w = p.w;
      if (p.wh !== null) {
        if (w === null) {
          w = Math.round(((p.wh * 60) / step) * 100) / 100;
          this.report.baseinst.derived++;
        } else {
          this.report.baseinst.checked++;
          if (Math.abs(Math.round(((w * step) / 60) * 100) / 100 - p.wh) > 0.011)
            this.report.baseinst.mismatched++;
        }
      }
      if (w === null) continue;
      const startMs = (ends[i] as number) - step * MIN;
      const prev = out[out.length - 1];
      if (prev && startMs < prev.startMs + prev.lengthMin * MIN) {
        this.conflict(day);
        continue;
      }
      out.push({ startMs, lengthMin: step, value: w });
    }
    return out;
  }

  /**
   * One day's points and ledger entry from its rows `[i, j)` of a chunk's columns. A regular day (not a
   * change of offset, exactly one W row per label on a full 30- or 60-minute grid: nearly every day) is
   * read straight from the columns; any other goes through `dayPoints` (duplicates, conflicts, baseinst,
   * the series walk).
   */
  private dayOf(day: LocalDate, c: SeedColumns, i: number, j: number, out: Reading[]): LedgerEntry {
    const need = dayLengthMin(day);
    const n = j - i;
    const t0 = Date.parse(`${day}T00:00:00Z`);
    const step = n === 48 ? 30 : n === 24 ? 60 : 0;
    let regular = need === 1440 && step > 0;
    if (regular) {
      const stepMs = step * MIN;
      for (let k = i; k < j; k++) {
        if (c.main[k] !== 1 || c.t[k] !== t0 + (k - i + 1) * stepMs) {
          regular = false;
          break;
        }
      }
    }
    if (regular) {
      const shift = offsetOfNaive(t0 + step * MIN) + step * MIN;
      for (let k = i; k < j; k++)
        out.push({ startMs: (c.t[k] as number) - shift, lengthMin: step, value: c.value[k] as number });
      const expected = need / step;
      return { day, expected, received: expected, status: "complete", source: "seed" };
    }
    const rows: SeedValue[] = [];
    for (let k = i; k < j; k++)
      rows.push({
        id: c.id[k] as number,
        t: c.t[k] as number,
        name: c.main[k] === 1 ? null : "baseinst",
        value: c.value[k] as number,
      });
    const pts = this.dayPoints(day, rows);
    for (const p of pts) out.push(p);
    const minutes = pts.reduce((a, p) => a + p.lengthMin, 0);
    const st = pts[0]?.lengthMin ?? 30;
    const status = minutes >= need ? "complete" : minutes > 0 ? "partial" : "missing";
    return {
      day,
      expected: Math.round(need / st),
      received: Math.round(Math.min(minutes, need) / st),
      status,
      source: "seed",
    };
  }

  /**
   * A chunk's points, ledger and cursor in one transaction, through the bulk writer: a range the meter
   * has nothing in (the usual case) is written straight (PostgreSQL COPY); otherwise what is stored wins
   * (`mergeAgainstStored`: absent points added, stored missing measures filled, contradictions counted as
   * conflicts) and a day the ledger has complete stays so. Retried once when another writer of the meter
   * wrote the same range meanwhile (the unique key refused this transaction whole).
   */
  private async writeChunk(
    deviceId: number,
    key: string,
    readings: Reading[],
    ledger: LedgerEntry[],
    next: object,
    last: boolean,
  ): Promise<{ conflicts: number[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(
          async (tx) => {
            let conflicts: number[] = [];
            let entries = ledger;
            if (readings.length > 0) {
              const res = await writeImportedCurve(
                tx,
                deviceId,
                readings,
                {
                  fromMs: (readings[0] as Reading).startMs,
                  toMs: (readings[readings.length - 1] as Reading).startMs + 1,
                },
                { lastValue: last },
              );
              conflicts = res.conflicts;
              if (!res.fresh) {
                // A day the ledger has complete (the API's, an earlier import's) stays so.
                const days = ledger.map((e) => e.day);
                const complete = new Set(
                  (
                    await tx.ledger.list(deviceId, "consumption_load_curve", {
                      fromDay: days[0] as LocalDate,
                      toDay: addDays(days[days.length - 1] as LocalDate, 1),
                    })
                  )
                    .filter((d) => d.status === "complete")
                    .map((d) => d.day),
                );
                entries = ledger.filter((e) => !complete.has(e.day));
              }
            }
            if (entries.length > 0)
              await writer(tx).recordLedger(deviceId, "consumption_load_curve", entries, this.opts.nowMs);
            await tx.importCursors.set(key, next, this.opts.nowMs);
            return { conflicts };
          },
          { durability: "relaxed" },
        );
      } catch (e) {
        if (attempt >= 2 || !(e instanceof UniqueViolationError)) throw e;
      }
    }
  }

  /** The device's load curve, a chunk of days per transaction. Returns the days migrated. */
  private async curve(
    seedDeviceId: number,
    deviceId: number,
    read: CurveRead,
  ): Promise<{ first: LocalDate; completeUntil: LocalDate } | null> {
    const key = `seed:device:${seedDeviceId}:curve`;
    if (read.seedDeviceId !== seedDeviceId) throw new Error("import-seed: a meter's curve read mixed up");
    const span = read.span;
    if (!span) return null;
    const firstDay = dayOfEnd(span.first);
    const lastDay = dayOfEnd(span.last);
    let cur: CurveCursor = read.cursor ?? {
      until: firstDay,
      first: firstDay,
      completeUntil: firstDay,
      done: false,
    };
    const chunk = this.opts.chunkDays ?? 31;
    this.chunkDone += Math.ceil(daysBetween(cur.first, cur.until) / chunk);
    if (cur.done) return { first: cur.first, completeUntil: cur.completeUntil };
    // Labels in (from 00:00, to 00:00] are the end labels of the days [from, to). One COPY streams the
    // device's rows from the cursor on; each chunk of days is written as soon as its last label is in
    // (or the stream ends), while the server goes on sending.
    const pending = new ColumnQueue();
    let from = cur.until;
    let to = minDate(addDays(from, chunk), addDays(lastDay, 1));
    const flush = async () => {
      const toT = Date.parse(`${to}T00:00:00Z`);
      const c = pending.take(toT);
      const readings: Reading[] = [];
      const ledger: LedgerEntry[] = [];
      let completeUntil = cur.completeUntil;
      const counted = { complete: 0, partial: 0, missing: 0 };
      let i = 0;
      for (let day = from, dayT = Date.parse(`${from}T00:00:00Z`); day < to; day = addDays(day, 1)) {
        dayT += DAY;
        let j = i;
        while (j < c.length && (c.t[j] as number) <= dayT) j++;
        const entry = this.dayOf(day, c, i, j, readings);
        i = j;
        ledger.push(entry);
        counted[entry.status as "complete" | "partial" | "missing"]++;
        if (entry.status === "complete") completeUntil = maxDate(completeUntil, addDays(day, 1));
      }
      const next: CurveCursor = { until: to, first: cur.first, completeUntil, done: to > lastDay };
      const { conflicts } = await this.writeChunk(deviceId, key, readings, ledger, next, next.done);
      for (const t of conflicts) this.conflict(parisDateOf(t));
      this.report.measures.consumption_load_curve += readings.length;
      this.report.days.complete += counted.complete;
      this.report.days.partial += counted.partial;
      this.report.days.missing += counted.missing;
      this.report.chunks++;
      cur = next;
      this.opts.onProgress?.({ stage: "measures", done: ++this.chunkDone, total: this.chunkTotal });
      from = to;
      to = minDate(addDays(from, chunk), addDays(lastDay, 1));
    };
    for (let r = await read.first; !r.done; r = await read.batches.next()) {
      pending.push(r.value);
      while (!cur.done && pending.lastT() > Date.parse(`${to}T00:00:00Z`)) await flush();
    }
    while (!cur.done) await flush();
    return { first: cur.first, completeUntil: cur.completeUntil };
  }

  /** Daily energy and max power (small: one transaction), months checked. */
  private async daily(
    seedDeviceId: number,
    deviceId: number,
  ): Promise<{
    basesum: LocalDate | null;
    max: LocalDate | null;
    first: Partial<Record<DatasetKey, LocalDate>>;
  }> {
    const key = `seed:device:${seedDeviceId}:daily`;
    type Cursor = {
      basesum: LocalDate | null;
      max: LocalDate | null;
      first: Partial<Record<DatasetKey, LocalDate>>;
    };
    const known = await this.store.importCursors.get<Cursor>(key);
    if (known) return known;
    const rows = await this.seed.dayValues("device_value_day", seedDeviceId);
    const series = { basesum: new Map<LocalDate, SeedValue[]>(), max: new Map<LocalDate, SeedValue[]>() };
    for (const r of rows) {
      if (r.t % DAY !== 0) {
        this.report.rejectedLabels++;
        continue;
      }
      const m = series[r.name as "basesum" | "max"];
      const day = new Date(r.t).toISOString().slice(0, 10);
      let l = m.get(day);
      if (!l) m.set(day, (l = []));
      l.push(r);
    }
    const cursor: Cursor = { basesum: null, max: null, first: {} };
    const plan: Array<{ dataset: DatasetKey; readings: Reading[]; ledger: LedgerEntry[] }> = [];
    for (const [name, dataset] of [
      ["basesum", "daily_consumption"],
      ["max", "daily_consumption_max_power"],
    ] as const) {
      const readings: Reading[] = [];
      const ledger: LedgerEntry[] = [];
      for (const [day, l] of [...series[name]].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const [v] = this.collapse(l, false, day);
        if (!v) continue;
        readings.push({
          startMs: parisDayStartMs(day),
          lengthMin: parisDayLengthMin(day),
          value: v.value,
          ...(name === "max" && { peakAtMs: null }),
        });
        ledger.push({ day, expected: 1, received: 1, status: "complete", source: "seed" });
        cursor[name] = cursor[name] === null ? day : maxDate(cursor[name] as LocalDate, day);
        cursor.first[dataset] = cursor.first[dataset]
          ? minDate(cursor.first[dataset] as LocalDate, day)
          : day;
      }
      plan.push({ dataset, readings, ledger });
    }
    await this.store.transaction(async (tx) => {
      const w = writer(tx);
      for (const p of plan) {
        if (p.readings.length > 0) await w.saveReadings(deviceId, p.dataset, p.readings);
        if (p.ledger.length > 0) await w.recordLedger(deviceId, p.dataset, p.ledger, this.opts.nowMs);
      }
      await tx.importCursors.set(key, cursor, this.opts.nowMs);
    });
    this.report.measures.daily_consumption += plan[0]!.readings.length;
    this.report.measures.daily_consumption_max_power += plan[1]!.readings.length;
    this.report.chunks++;
    // The original's month rows, against ours (recomputed from the days by the writer).
    for (const m of await this.seed.dayValues("device_value_month", seedDeviceId)) {
      const month = new Date(m.t).toISOString().slice(0, 7);
      const ours = await this.store.measures.listMonthly(
        deviceId,
        m.name === "max" ? "max_power" : "consumption",
        month,
        month,
      );
      this.report.months.checked++;
      if (!ours[0] || Math.abs(ours[0].value - m.value) > 0.5) this.report.months.mismatched++;
    }
    return cursor;
  }

  /** The watermarks and migrated days as the sync's cursors (only ever moved forward). */
  private async cursors(
    account: { accountId: number; wm: Record<string, number | null> },
    curve: { first: LocalDate; completeUntil: LocalDate } | null,
    daily: {
      basesum: LocalDate | null;
      max: LocalDate | null;
      first: Partial<Record<DatasetKey, LocalDate>>;
    },
  ): Promise<void> {
    const current = await this.store.accounts.findById(account.accountId);
    if (!current) return;
    const sets: Array<{
      dataset: DatasetKey;
      wmKey: string;
      until: LocalDate | null;
      first: LocalDate | null;
    }> = [];
    const wmCurve = account.wm.last_consumption_load_curve ?? null;
    sets.push({
      dataset: "consumption_load_curve",
      wmKey: "last_consumption_load_curve",
      until: maxOf(curve?.completeUntil ?? null, wmCurve === null ? null : parisDateOf(wmCurve)),
      first: curve?.first ?? null,
    });
    for (const [dataset, wmKey, last] of [
      ["daily_consumption", "last_daily_consumption", daily.basesum],
      ["daily_consumption_max_power", "last_consumption_max_power", daily.max],
    ] as const) {
      const wm = account.wm[wmKey] ?? null;
      sets.push({
        dataset,
        wmKey,
        until: maxOf(
          last === null ? null : addDays(last, 1),
          wm === null ? null : addDays(parisDateOf(wm), 1),
        ),
        first: daily.first[dataset] ?? null,
      });
    }
    for (const s of sets) {
      if (s.until === null) continue;
      const st = current.config.datasets?.[s.dataset] ?? {};
      const fetched = st.fetched_until ? maxDate(st.fetched_until, s.until) : s.until;
      const oldest =
        s.first === null
          ? (st.backfill_oldest ?? null)
          : st.backfill_oldest
            ? minDate(st.backfill_oldest, s.first)
            : s.first;
      if (fetched === st.fetched_until && oldest === (st.backfill_oldest ?? null)) continue;
      await this.store.accounts.updateDatasetState(account.accountId, s.dataset, {
        fetched_until: fetched,
        ...(oldest !== null && { backfill_oldest: oldest }),
      });
    }
  }
}

function maxOf(a: LocalDate | null, b: LocalDate | null): LocalDate | null {
  if (a === null) return b;
  if (b === null) return a;
  return maxDate(a, b);
}
