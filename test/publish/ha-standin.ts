/**
 * A Home Assistant stand-in for the WebSocket API, written from the documented protocol and Home Assistant
 * 2026.11's validation rules (shared docs, home-assistant.md §1b; core `websocket_api/connection.py`,
 * `recorder/websocket_api.py`, `recorder/statistics.py`). It is our fake of a process edge, so it rejects
 * what Home Assistant rejects:
 * - auth: `auth_required` → `auth` with a known token → `auth_ok`, else `auth_invalid` and close;
 * - every command needs an integer `id` greater than the connection's previous one (`id_reuse`);
 * - unknown keys in a command are `invalid_format` (voluptuous schemas forbid extra keys);
 * - `recorder/import_statistics` (admin only): metadata with `has_sum`, `name`, `source`,
 *   `statistic_id`, `unit_of_measurement`, and, since 2026.11, `mean_type` (0, 1, 2) and `unit_class`
 *   (`energy` for an energy unit, or null); an external id `domain:object` matching Home Assistant's
 *   pattern with `source` = domain; each `start` tz-aware and on the hour; no hour twice in one call. Rows
 *   with an existing (id, start) are updated; later sums are left as they are (as in Home Assistant);
 * - `recorder/statistics_during_period`: `start_time`/`end_time` ISO strings, `period: hour`; rows come
 *   back with `start`/`end` in epoch milliseconds;
 * - `recorder/get_statistics_metadata`, `recorder/list_statistic_ids`, `ping`.
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface StoredRow {
  start: number;
  state?: number;
  sum?: number;
  mean?: number;
  min?: number;
  max?: number;
}

export interface StoredMetadata {
  statistic_id: string;
  source: string;
  name: string | null;
  unit_of_measurement: string | null;
  has_sum: boolean;
  mean_type: number;
  unit_class: string | null;
}

export interface StandInOptions {
  /** Accepted tokens and whether each is an administrator's (default: `admin-token` admin). */
  tokens?: Record<string, { admin: boolean }>;
  haVersion?: string;
}

const HOUR_MS = 3_600_000;
const EXTERNAL_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_):(?!_)[\da-z_]+(?<!_)$/;
const ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;
const ISO_TZ = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
/** Units of the converters the stand-in knows (Home Assistant's EnergyConverter and PowerConverter). */
const UNIT_CLASSES: Record<string, readonly string[]> = {
  energy: ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"],
  power: ["mW", "W", "kW", "MW", "GW", "TW", "BTU/h"],
};
const PERIODS = ["5minute", "hour", "day", "week", "month"];
const STAT_TYPES = ["change", "last_reset", "max", "mean", "min", "state", "sum"];

class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function invalid(message: string): never {
  throw new CommandError("invalid_format", message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) invalid(`extra keys not allowed @ data['${where}${k}']`);
}

const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);

/** Parses a datetime like Home Assistant's `dt_util.parse_datetime`: epoch ms and whether it is tz-aware. */
function parseDatetime(s: unknown): { ms: number; aware: boolean; onHour: boolean } | null {
  if (typeof s !== "string") return null;
  const m = ISO_TZ.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se = "00", frac = "", tz] = m;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (!Number.isFinite(naive)) return null;
  let offsetMs = 0;
  if (tz && tz !== "Z") {
    const om = /^([+-])(\d{2}):?(\d{2})$/.exec(tz)!;
    offsetMs = (om[1] === "-" ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3])) * 60_000;
  }
  const fracZero = frac === "" || /^\.0+$/.test(frac);
  return { ms: naive - offsetMs, aware: tz !== undefined, onHour: mi === "00" && se === "00" && fracZero };
}

export class HomeAssistantStandIn {
  private server: WebSocketServer | null = null;
  private readonly sockets = new Set<WebSocket>();
  private readonly tokens: Record<string, { admin: boolean }>;
  readonly metadata = new Map<string, StoredMetadata>();
  private readonly stats = new Map<string, Map<number, StoredRow>>();
  /** Every accepted `recorder/import_statistics`, in order. */
  readonly imports: Array<{ statisticId: string; stats: Array<Record<string, unknown>> }> = [];
  /** Every command received (type and id), and every error sent. */
  readonly commands: Array<{ type: string; id: unknown }> = [];
  readonly errors: Array<{ type: string; code: string; message: string }> = [];
  connections = 0;
  url = "";

  constructor(private readonly opts: StandInOptions = {}) {
    this.tokens = opts.tokens ?? { "admin-token": { admin: true } };
  }

  async start(): Promise<this> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/api/websocket" });
    this.server = server;
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    server.on("connection", (ws) => this.accept(ws));
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** Drops every connection (a Home Assistant restart, a network cut). */
  dropConnections(): void {
    for (const s of this.sockets) s.terminate();
  }

  /** Forgets everything (a fresh Home Assistant database). */
  reset(): void {
    this.metadata.clear();
    this.stats.clear();
  }

  /** Rows of a statistic by start. */
  rows(statisticId: string): StoredRow[] {
    return [...(this.stats.get(statisticId)?.values() ?? [])].sort((a, b) => a.start - b.start);
  }

  /** Changes a stored row behind our back (a diverged database). */
  tamper(statisticId: string, start: number, patch: Partial<StoredRow>): void {
    const row = this.stats.get(statisticId)?.get(start);
    if (!row) throw new Error(`no row ${statisticId} at ${new Date(start).toISOString()}`);
    Object.assign(row, patch);
  }

  private accept(ws: WebSocket): void {
    this.connections++;
    this.sockets.add(ws);
    ws.on("close", () => this.sockets.delete(ws));
    const version = this.opts.haVersion ?? "2026.11.0";
    let user: { admin: boolean } | null = null;
    let lastId = 0;
    const send = (m: unknown) => ws.send(JSON.stringify(m));
    send({ type: "auth_required", ha_version: version });
    ws.on("message", (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        ws.close(1003);
        return;
      }
      if (!user) {
        const token = isObject(msg) && msg.type === "auth" ? msg.access_token : undefined;
        const found = typeof token === "string" ? this.tokens[token] : undefined;
        if (!found) {
          send({ type: "auth_invalid", message: "Invalid access token or password" });
          ws.close();
          return;
        }
        user = found;
        send({ type: "auth_ok", ha_version: version });
        return;
      }
      if (
        !isObject(msg) ||
        !Number.isInteger(msg.id) ||
        (msg.id as number) < 1 ||
        typeof msg.type !== "string"
      ) {
        send({
          id: isObject(msg) ? msg.id : null,
          type: "result",
          success: false,
          error: { code: "invalid_format", message: "Message incorrectly formatted." },
        });
        return;
      }
      const id = msg.id as number;
      this.commands.push({ type: msg.type, id });
      const fail = (code: string, message: string) => {
        this.errors.push({ type: msg.type as string, code, message });
        send({ id, type: "result", success: false, error: { code, message } });
      };
      if (id <= lastId) {
        fail("id_reuse", "Identifier values have to increase.");
        return;
      }
      lastId = id;
      try {
        const result = this.handle(msg, user);
        if (result === PONG) send({ id, type: "pong" });
        else send({ id, type: "result", success: true, result });
      } catch (e) {
        if (e instanceof CommandError) fail(e.code, e.message);
        else fail("unknown_error", String(e));
      }
    });
  }

  private handle(msg: Record<string, unknown>, user: { admin: boolean }): unknown {
    switch (msg.type) {
      case "ping":
        return PONG;
      case "recorder/import_statistics":
        if (!user.admin) throw new CommandError("unauthorized", "Unauthorized");
        return this.importStatistics(msg);
      case "recorder/statistics_during_period":
        return this.statisticsDuringPeriod(msg);
      case "recorder/get_statistics_metadata": {
        onlyKeys(msg, ["id", "type", "statistic_ids"], "");
        const ids = msg.statistic_ids;
        if (ids !== undefined && (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")))
          invalid("expected a list of strings @ data['statistic_ids']");
        return this.listMetadata(ids as string[] | undefined);
      }
      case "recorder/list_statistic_ids":
        onlyKeys(msg, ["id", "type", "statistic_type"], "");
        return this.listMetadata(undefined);
      default:
        throw new CommandError("unknown_command", "Unknown command.");
    }
  }

  private listMetadata(ids: string[] | undefined): unknown[] {
    return [...this.metadata.values()]
      .filter((m) => !ids || ids.length === 0 || ids.includes(m.statistic_id))
      .map((m) => ({
        statistic_id: m.statistic_id,
        source: m.source,
        name: m.name,
        has_sum: m.has_sum,
        mean_type: m.mean_type,
        unit_class: m.unit_class,
        statistics_unit_of_measurement: m.unit_of_measurement,
        display_unit_of_measurement: m.unit_of_measurement,
      }));
  }

  private importStatistics(msg: Record<string, unknown>): null {
    onlyKeys(msg, ["id", "type", "metadata", "stats"], "");
    const md = msg.metadata;
    if (!isObject(md)) invalid("required key not provided @ data['metadata']");
    onlyKeys(
      md,
      [
        "has_mean",
        "has_sum",
        "mean_type",
        "name",
        "source",
        "statistic_id",
        "unit_class",
        "unit_of_measurement",
      ],
      "metadata']['",
    );
    for (const k of [
      "has_sum",
      "name",
      "source",
      "statistic_id",
      "unit_of_measurement",
      "mean_type",
      "unit_class",
    ])
      if (!(k in md)) invalid(`required key not provided @ data['metadata']['${k}']`);
    if (typeof md.has_sum !== "boolean")
      invalid("expected bool for dictionary value @ data['metadata']['has_sum']");
    if ("has_mean" in md && typeof md.has_mean !== "boolean")
      invalid("expected bool @ data['metadata']['has_mean']");
    if (md.name !== null && typeof md.name !== "string") invalid("expected str @ data['metadata']['name']");
    if (typeof md.source !== "string") invalid("expected str @ data['metadata']['source']");
    if (typeof md.statistic_id !== "string") invalid("expected str @ data['metadata']['statistic_id']");
    if (md.unit_of_measurement !== null && typeof md.unit_of_measurement !== "string")
      invalid("expected str @ data['metadata']['unit_of_measurement']");
    if (![0, 1, 2].includes(md.mean_type as number))
      invalid("value must be one of [0, 1, 2] @ data['metadata']['mean_type']");
    if (md.unit_class !== null && typeof md.unit_class !== "string")
      invalid("expected str @ data['metadata']['unit_class']");
    if (typeof md.unit_class === "string") {
      const units = UNIT_CLASSES[md.unit_class];
      if (!units)
        throw new CommandError("home_assistant_error", `Unsupported unit_class: '${md.unit_class}'`);
      if (!units.includes(md.unit_of_measurement as string))
        throw new CommandError(
          "home_assistant_error",
          `Unsupported unit_of_measurement '${String(md.unit_of_measurement)}' for unit_class '${md.unit_class}'`,
        );
    }
    if ("has_mean" in md && md.has_mean !== (md.mean_type !== 0))
      throw new CommandError("home_assistant_error", "has_mean does not match mean_type");
    const statisticId = md.statistic_id;
    if (ENTITY_ID.test(statisticId)) {
      if (md.source !== "recorder") throw new CommandError("home_assistant_error", "Invalid source");
    } else if (EXTERNAL_ID.test(statisticId)) {
      if (md.source !== statisticId.split(":")[0])
        throw new CommandError("home_assistant_error", "Invalid source");
    } else {
      throw new CommandError("home_assistant_error", `Invalid statistic_id ${statisticId}`);
    }
    const stats = msg.stats;
    if (!Array.isArray(stats)) invalid("expected list @ data['stats']");
    const parsed: StoredRow[] = [];
    const seen = new Set<number>();
    stats.forEach((s, i) => {
      if (!isObject(s)) invalid(`expected dict @ data['stats'][${i}]`);
      onlyKeys(s, ["start", "mean", "min", "max", "last_reset", "state", "sum"], `stats'][${i}]['`);
      const start = parseDatetime(s.start);
      if (!start) invalid(`invalid datetime @ data['stats'][${i}]['start']`);
      for (const k of ["mean", "min", "max", "state", "sum"] as const)
        if (k in s && !isNumber(s[k])) invalid(`expected float @ data['stats'][${i}]['${k}']`);
      if (!start.aware) throw new CommandError("home_assistant_error", `Naive timestamp: ${String(s.start)}`);
      if (!start.onHour)
        throw new CommandError(
          "home_assistant_error",
          `Invalid timestamp: timestamps must be from the top of the hour`,
        );
      if (seen.has(start.ms))
        throw new CommandError("home_assistant_error", `Duplicate start ${String(s.start)}`);
      seen.add(start.ms);
      parsed.push({
        start: start.ms,
        ...(isNumber(s.state) ? { state: s.state as number } : {}),
        ...(isNumber(s.sum) ? { sum: s.sum as number } : {}),
        ...(isNumber(s.mean) ? { mean: s.mean as number } : {}),
        ...(isNumber(s.min) ? { min: s.min as number } : {}),
        ...(isNumber(s.max) ? { max: s.max as number } : {}),
      });
    });
    this.metadata.set(statisticId, {
      statistic_id: statisticId,
      source: md.source,
      name: (md.name as string | null) ?? null,
      unit_of_measurement: (md.unit_of_measurement as string | null) ?? null,
      has_sum: md.has_sum,
      mean_type: md.mean_type as number,
      unit_class: (md.unit_class as string | null) ?? null,
    });
    let table = this.stats.get(statisticId);
    if (!table) {
      table = new Map();
      this.stats.set(statisticId, table);
    }
    for (const r of parsed) table.set(r.start, r);
    this.imports.push({ statisticId, stats: stats as Array<Record<string, unknown>> });
    return null;
  }

  private statisticsDuringPeriod(msg: Record<string, unknown>): Record<string, unknown[]> {
    onlyKeys(msg, ["id", "type", "start_time", "end_time", "statistic_ids", "period", "units", "types"], "");
    if (typeof msg.start_time !== "string") invalid("required key not provided @ data['start_time']");
    if (!Array.isArray(msg.statistic_ids) || msg.statistic_ids.length === 0)
      invalid("length of value must be at least 1 @ data['statistic_ids']");
    if (!PERIODS.includes(msg.period as string)) invalid("value must be one of the periods @ data['period']");
    const types = (msg.types as string[] | undefined) ?? STAT_TYPES;
    if (!Array.isArray(types) || types.some((t) => !STAT_TYPES.includes(t)))
      invalid("bad types @ data['types']");
    const start = parseDatetime(msg.start_time);
    if (!start) throw new CommandError("invalid_start_time", "Invalid start_time");
    let end: number | null = null;
    if (msg.end_time !== undefined) {
      const e = parseDatetime(msg.end_time);
      if (!e) throw new CommandError("invalid_end_time", "Invalid end_time");
      end = e.ms;
    }
    // Naive times are read in Home Assistant's own zone; the stand-in runs in UTC.
    if (msg.period !== "hour")
      throw new CommandError("not_supported", "the stand-in serves period 'hour' only");
    const out: Record<string, unknown[]> = {};
    for (const id of msg.statistic_ids as string[]) {
      const rows = this.rows(id).filter((r) => r.start >= start.ms && (end === null || r.start < end));
      if (rows.length === 0) continue;
      out[id] = rows.map((r) => {
        const o: Record<string, unknown> = { start: r.start, end: r.start + HOUR_MS };
        for (const t of types) if (t in r) o[t] = r[t as keyof StoredRow];
        return o;
      });
    }
    return out;
  }
}

const PONG = Symbol("pong");
