/**
 * The Home Assistant statistics import against a stand-in of Home Assistant's WebSocket API (ha-standin.ts),
 * on real SQLite and PostgreSQL: a first import of two years of a simulator meter in chunks, a restart that
 * sends nothing, new days, a gap filled by Enedis and a corrected value (sent again from the first changed
 * hour), Home Assistant losing or disagreeing with what it held. After each step the sums Home Assistant
 * holds equal sums recomputed from our database, hour by hour, and the DST days have 23 and 25 rows.
 * Also: the stand-in's own validation, and the client's auth, id order and reconnection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { EventBus } from "../../src/app/events.js";
import { parisDateOf, parisDayStartMs } from "../../src/domain/time.js";
import { HaAuthError, HaCommandError, HaWebSocket, websocketUrlOf } from "../../src/publish/ha-websocket.js";
import {
  HomeAssistantStatistics,
  importStatistic,
  statisticIdOf,
  type HaCaller,
  type ImportReport,
} from "../../src/publish/homeassistant-statistics.js";
import { homeAssistantTarget } from "../../src/publish/index.js";
import type { Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";
import { HomeAssistantStandIn } from "./ha-standin.js";
import { config, expectedHours, meter, writeCurve, writeDaily } from "./helpers.js";

const HOUR = 3_600_000;
const PRM = "22516914714270";
const ID = statisticIdOf(PRM, "consumption");
const CHUNK = 720;

/**
 * Home Assistant's rows equal the rows and sums recomputed from the database, hour by hour: every hour we
 * produce is held with our state and sum, and an hour Home Assistant holds that we do not produce (a
 * whole-day row overwritten when the day got its curve, an hour that became missing) holds state 0 and
 * the sum so far, so that the Energy dashboard shows nothing there and no jump of the sum.
 */
async function expectSameAsDatabase(ha: HomeAssistantStandIn, store: Store, deviceId: number, id = ID) {
  const expected = await expectedHours(
    store,
    deviceId,
    id.endsWith("_production") ? "production" : "consumption",
  );
  const held = ha.rows(id);
  const heldStarts = new Set(held.map((r) => r.start));
  expect(
    expected.filter((e) => !heldStarts.has(e.start)).map((e) => new Date(e.start).toISOString()),
  ).toEqual([]);
  const byStart = new Map(expected.map((e) => [e.start, e]));
  let sum = 0;
  for (const h of held) {
    const e = byStart.get(h.start) ?? { start: h.start, state: 0, sum };
    if (Math.abs(h.state! - e.state) > 0.002 || Math.abs(h.sum! - e.sum) > 0.01)
      throw new Error(
        `hour ${new Date(e.start).toISOString()}: HA holds ${h.state}/${h.sum}, expected ${e.state}/${e.sum}${
          byStart.has(h.start) ? "" : " (an hour we do not produce)"
        }`,
      );
    sum = e.sum;
  }
  return held;
}

function rowsPerDay(rows: ReadonlyArray<{ start: number }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(parisDateOf(r.start), (m.get(parisDateOf(r.start)) ?? 0) + 1);
  return m;
}

describeEachDatabase("Home Assistant statistics import", (db) => {
  let ha: HomeAssistantStandIn;
  let client: HaWebSocket;
  let store: Store;
  let deviceId: number;
  const sent: number[] = []; // every hour start ever sent, to see what was sent twice

  beforeAll(async () => {
    ha = await new HomeAssistantStandIn().start();
    store = db.getStore();
    ({ deviceId } = await meter(store, PRM));
  });
  afterAll(async () => {
    await client?.stop();
    await ha?.stop();
  });

  const connect = () => {
    client = new HaWebSocket({ url: websocketUrlOf(ha.url), token: "admin-token" });
    client.start();
    return client;
  };
  async function run(caller: HaCaller = client): Promise<ImportReport> {
    const before = ha.imports.length;
    const report = await importStatistic(
      { store, ha: caller, chunkHours: CHUNK },
      { deviceId, prm: PRM, direction: "consumption" },
    );
    for (const imp of ha.imports.slice(before))
      for (const s of imp.stats) sent.push(Date.parse(s.start as string));
    return report;
  }
  const gapHour = (t: number) => {
    const h = new Date(t).toLocaleString("en-GB", {
      timeZone: "Europe/Paris",
      hour: "2-digit",
      hour12: false,
    });
    return parisDateOf(t) === "2026-06-10" && Number(h) >= 10 && Number(h) < 14;
  };

  // Two years of curve written, then sent and checked hour by hour: 15 to 20 s on a loaded machine.
  it("imports two years in chunks, with metadata Home Assistant 2026.11 takes, sums equal to the database's", async () => {
    await writeCurve(store, deviceId, PRM, "2024-11-28", "2026-11-20", { missing: gapHour });
    await writeDaily(store, deviceId, PRM, "2024-11-28", "2026-11-20");
    connect();
    const report = await run();
    expect(report.mode).toBe("full");
    const held = await expectSameAsDatabase(ha, store, deviceId);
    expect(held.length).toBe(722 * 24 - 4); // 2024-11-28..2026-11-19, minus the 4 missing hours (DST days net 0)
    expect(report.rowsSent).toBe(held.length);
    expect(ha.imports).toHaveLength(Math.ceil(held.length / CHUNK));
    expect(ha.imports.every((i) => i.stats.length <= CHUNK)).toBe(true);
    const days = rowsPerDay(held);
    expect(days.get("2025-03-30")).toBe(23);
    expect(days.get("2025-10-26")).toBe(25);
    expect(days.get("2026-03-29")).toBe(23);
    expect(days.get("2026-10-25")).toBe(25);
    expect(days.get("2026-06-10")).toBe(20);
    expect(ha.metadata.get(ID)).toEqual({
      statistic_id: ID,
      source: "linky",
      name: `Linky ${PRM} consumption`,
      unit_of_measurement: "Wh",
      has_sum: true,
      mean_type: 0,
      unit_class: "energy",
    });
    expect(ID).toBe("linky:22516914714270_consumption");
    // starts are sent on the hour with the Paris offset
    expect(ha.imports[0]!.stats[0]).toMatchObject({ start: "2024-11-28T00:00:00+01:00" });
    expect(ha.errors).toEqual([]);
  }, 90_000);

  it("sends nothing after a restart when nothing changed (ids start again on the new connection)", async () => {
    await client.stop();
    const before = ha.imports.length;
    connect();
    const report = await run();
    expect(report).toMatchObject({ mode: "nothing", rowsSent: 0 });
    expect(ha.imports.length).toBe(before);
    expect(ha.connections).toBe(2);
    expect(ha.errors).toEqual([]);
  });

  it("sends only the new days, the sums continuing from what Home Assistant holds", async () => {
    await writeCurve(store, deviceId, PRM, "2026-11-20", "2026-11-28");
    const report = await run();
    expect(report).toMatchObject({
      mode: "incremental",
      rowsSent: 8 * 24,
      fromMs: parisDayStartMs("2026-11-20"),
    });
    await expectSameAsDatabase(ha, store, deviceId);
  });

  it("sends again from the first filled hour when Enedis fills a gap, so that every later sum stays right", async () => {
    const lastSum = ha.rows(ID).at(-1)!.sum!;
    await writeCurve(store, deviceId, PRM, "2026-06-10", "2026-06-11");
    const report = await run();
    const from = parisDayStartMs("2026-06-10") + 10 * HOUR; // 10:00 Paris, the first hour filled
    expect(report.mode).toBe("incremental");
    expect(report.fromMs).toBe(from);
    const held = await expectSameAsDatabase(ha, store, deviceId);
    expect(report.rowsSent).toBe(held.filter((r) => r.start >= from).length);
    expect(rowsPerDay(held).get("2026-06-10")).toBe(24);
    expect(held.at(-1)!.sum!).toBeGreaterThan(lastSum);
  });

  it("sends again from the corrected hour when a value changes", async () => {
    const at = Date.parse("2026-09-01T16:30:00Z"); // 18:30 Paris
    await writeCurve(store, deviceId, PRM, "2026-09-01", "2026-09-02", {
      power: (t, w) => (t === at ? w + 1000 : w),
    });
    const report = await run();
    expect(report).toMatchObject({ mode: "incremental", fromMs: Date.parse("2026-09-01T16:00:00Z") });
    await expectSameAsDatabase(ha, store, deviceId);
  });

  it("never sent an hour twice except to carry a change", async () => {
    const counts = new Map<number, number>();
    for (const t of sent) counts.set(t, (counts.get(t) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
    // the gap's hours (10:00-14:00 Paris) were sent once, when filled; only the hours after them twice
    expect(Math.min(...twice)).toBe(parisDayStartMs("2026-06-10") + 14 * HOUR);
    expect(Math.max(...counts.values())).toBe(3); // from the correction on: initial, gap, correction
  });

  it("resumes after a failure between chunks without sending a chunk twice", async () => {
    await writeCurve(store, deviceId, PRM, "2026-11-28", "2026-12-28"); // 30 days = 720 rows… in 2 chunks of 500
    let imports = 0;
    const failing: HaCaller = {
      call: (type, fields) => {
        if (type === "recorder/import_statistics" && ++imports === 2)
          return Promise.reject(new Error("connection lost"));
        return client.call(type, fields);
      },
    };
    const before = sent.length;
    await expect(
      importStatistic(
        { store, ha: failing, chunkHours: 500 },
        { deviceId, prm: PRM, direction: "consumption" },
      ),
    ).rejects.toThrow("connection lost");
    const report = await run();
    expect(report.fromMs).toBe(parisDayStartMs("2026-11-28") + 500 * HOUR);
    expect(report.rowsSent).toBe(30 * 24 - 500);
    const held = await expectSameAsDatabase(ha, store, deviceId);
    void held;
    expect(sent.length - before).toBe(report.rowsSent); // only the second run's rows were seen here
  });

  it("sends everything again when Home Assistant lost its statistics", async () => {
    ha.reset();
    const report = await run();
    expect(report.mode).toBe("full");
    await expectSameAsDatabase(ha, store, deviceId);
  });

  it("compares hour by hour when Home Assistant disagrees with our record, and sends from the first difference", async () => {
    const rows = ha.rows(ID);
    const last = rows.at(-1)!;
    ha.tamper(ID, last.start, { sum: last.sum! + 5 });
    let report = await run();
    expect(report).toMatchObject({ mode: "recovered", rowsSent: 1, fromMs: last.start });
    await expectSameAsDatabase(ha, store, deviceId);
    // our record lost: Home Assistant holds everything already, nothing is sent, the record is rebuilt
    await store.haStatistics.forget(ID);
    report = await run();
    expect(report).toMatchObject({ mode: "recovered", rowsSent: 0 });
    expect((await store.haStatistics.days(ID)).length).toBeGreaterThan(700);
    report = await run();
    expect(report.mode).toBe("nothing");
  });

  /**
   * A day first known by its daily energy only (one row at 00:00 holding the whole day), whose curve Enedis
   * publishes later except 00:00-01:00: the old 00:00 row must not stay in Home Assistant with the whole
   * day's state and sum (a spike, then a hugely negative hour in the Energy dashboard).
   */
  async function dailyThenCurveWithoutFirstHour(prm: string, recover: boolean, chunkHours = CHUNK) {
    const { deviceId: dev } = await meter(store, prm);
    const id = statisticIdOf(prm, "consumption");
    const day = "2026-05-06";
    const dayStart = parisDayStartMs(day);
    const importIt = () =>
      importStatistic({ store, ha: client, chunkHours }, { deviceId: dev, prm, direction: "consumption" });
    await writeCurve(store, dev, prm, "2026-05-01", day);
    await writeDaily(store, dev, prm, day, "2026-05-07");
    expect(await importIt()).toMatchObject({ mode: "full", rowsSent: 5 * 24 + 1 });
    const whole = ha.rows(id).find((r) => r.start === dayStart)!;
    expect(whole.state).toBeGreaterThan(1000); // the whole day at 00:00
    await writeCurve(store, dev, prm, day, "2026-05-08", {
      missing: (t) => t >= dayStart && t < dayStart + HOUR,
    });
    if (recover) await store.haStatistics.forget(id); // our record lost: HA's rows compared hour by hour
    const report = await importIt();
    expect(report).toMatchObject({ mode: recover ? "recovered" : "incremental", fromMs: dayStart });
    expect(report.rowsSent).toBe(1 + 23 + 24); // the old 00:00 row overwritten, then the new hours
    const held = await expectSameAsDatabase(ha, store, dev, id);
    const before = held.find((r) => r.start === dayStart - HOUR)!;
    expect(held.find((r) => r.start === dayStart)).toMatchObject({ state: 0, sum: before.sum });
    for (let i = 1; i < held.length; i++) {
      const step = held[i]!.sum! - held[i - 1]!.sum!;
      expect(step).toBeGreaterThanOrEqual(0);
      expect(Math.abs(step - held[i]!.state!)).toBeLessThan(0.01);
    }
    expect((await importIt()).mode).toBe("nothing");
  }

  it("overwrites the old whole-day row when a daily-only day gets a curve without its first hour", async () => {
    await dailyThenCurveWithoutFirstHour("18394651307812", false);
  });

  it("overwrites the old whole-day row in the recovered path too (our record lost)", async () => {
    await dailyThenCurveWithoutFirstHour("27364510928374", true);
  });

  it("overwrites the old whole-day row also when sent one hour per call (the filler alone in a chunk)", async () => {
    await dailyThenCurveWithoutFirstHour("47281930564728", false, 1);
  });

  it("overwrites an hour Home Assistant holds that we never produced when it disagrees (recovered)", async () => {
    const prm = "36482019475611";
    const { deviceId: dev } = await meter(store, prm);
    const id = statisticIdOf(prm, "consumption");
    const gap = parisDayStartMs("2026-05-03") + 5 * HOUR;
    await writeCurve(store, dev, prm, "2026-05-01", "2026-05-06", {
      missing: (t) => t >= gap && t < gap + HOUR,
    });
    const importIt = () =>
      importStatistic(
        { store, ha: client, chunkHours: CHUNK },
        { deviceId: dev, prm, direction: "consumption" },
      );
    expect((await importIt()).mode).toBe("full");
    // a row HA holds at an hour we do not produce, with a stale sum (e.g. an HA backup restored)
    await client.call("recorder/import_statistics", {
      metadata: {
        source: "linky",
        statistic_id: id,
        name: `Linky ${prm} consumption`,
        unit_of_measurement: "Wh",
        has_sum: true,
        mean_type: 0,
        unit_class: "energy",
      },
      stats: [{ start: new Date(gap).toISOString(), state: 500, sum: 99_999 }],
    });
    await store.haStatistics.forget(id);
    const report = await importIt();
    expect(report).toMatchObject({ mode: "recovered", fromMs: gap });
    await expectSameAsDatabase(ha, store, dev, id);
    expect(ha.rows(id).find((r) => r.start === gap)).toMatchObject({ state: 0 });
    expect((await importIt()).mode).toBe("nothing");
  });

  it("puts the daily energy at the day's first hour for a meter without a load curve", async () => {
    const prm = "32320647321714";
    const { deviceId: dev } = await meter(store, prm);
    await writeDaily(store, dev, prm, "2026-03-20", "2026-04-05");
    const report = await importStatistic(
      { store, ha: client, chunkHours: CHUNK },
      { deviceId: dev, prm, direction: "consumption" },
    );
    expect(report).toMatchObject({ mode: "full", rowsSent: 16 });
    const held = await expectSameAsDatabase(ha, store, dev, statisticIdOf(prm, "consumption"));
    expect(held.map((r) => r.start)).toContain(parisDayStartMs("2026-03-29"));
    for (const r of held) expect(r.start).toBe(parisDayStartMs(parisDateOf(r.start)));
    const none = await importStatistic(
      { store, ha: client, chunkHours: CHUNK },
      { deviceId: dev, prm, direction: "production" },
    );
    expect(none.rowsSent).toBe(0);
  });

  it("imports production as linky:<prm>_production", async () => {
    const prm = "24880057139941";
    const { deviceId: dev } = await meter(store, prm);
    await writeCurve(store, dev, prm, "2026-06-01", "2026-06-08", { direction: "production" });
    const report = await importStatistic(
      { store, ha: client, chunkHours: CHUNK },
      { deviceId: dev, prm, direction: "production" },
    );
    expect(report).toMatchObject({
      statisticId: "linky:24880057139941_production",
      mode: "full",
      rowsSent: 7 * 24,
    });
    await expectSameAsDatabase(ha, store, dev, statisticIdOf(prm, "production"));
  });

  it("the publisher imports at start and after each sync.finished, and stops cleanly", async () => {
    const prm = "64975835695673";
    const { account, deviceId: dev } = await meter(store, prm);
    await writeCurve(store, dev, prm, "2026-11-01", "2026-11-10");
    const events = new EventBus();
    const logs: string[] = [];
    const pub = new HomeAssistantStatistics({
      store,
      events,
      log: (m) => logs.push(m),
      url: ha.url,
      token: "admin-token",
      chunkHours: CHUNK,
      chunkPauseMs: 0,
      pollMs: 0,
    });
    await pub.start();
    const id = statisticIdOf(prm, "consumption");
    await vi_waitFor(() => ha.rows(id).length === 9 * 24);
    await writeCurve(store, dev, prm, "2026-11-10", "2026-11-12");
    events.emit("sync.finished", {
      accountId: account.id,
      deviceId: dev,
      usagePointId: prm,
      outcome: {
        started_at_ms: 0,
        finished_at_ms: 1,
        outcome: "ok",
        message: null,
        calls: 0,
        retries: 0,
        datasets: {},
      },
    });
    await vi_waitFor(() => ha.rows(id).length === 11 * 24);
    await pub.idle();
    await expectSameAsDatabase(ha, store, dev, id);
    await pub.stop();
    expect(logs.some((l) => l.includes(`${id}: 48 hourly rows sent`))).toBe(true);
  });
});

async function vi_waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Home Assistant WebSocket client", () => {
  let ha: HomeAssistantStandIn;
  beforeAll(async () => {
    ha = await new HomeAssistantStandIn({
      tokens: { "admin-token": { admin: true }, "user-token": { admin: false } },
    }).start();
  });
  afterAll(async () => ha?.stop());

  it("fails with a clear, permanent error on a refused token, and does not retry", async () => {
    const before = ha.connections;
    const c = new HaWebSocket({
      url: websocketUrlOf(ha.url),
      token: "wrong",
      backoffMs: { initial: 10, max: 10 },
    });
    c.start();
    const e = await c.call("ping").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HaAuthError);
    expect((e as HaAuthError).permanent).toBe(true);
    expect((e as Error).message).toMatch(/long-lived access token/);
    await new Promise((r) => setTimeout(r, 100));
    expect(ha.connections - before).toBe(1);
    await c.stop();
  });

  it("sends strictly increasing ids and reconnects with backoff after a drop", async () => {
    const c = new HaWebSocket({
      url: websocketUrlOf(ha.url),
      token: "admin-token",
      backoffMs: { initial: 20, max: 100 },
    });
    c.start();
    const first = ha.commands.length;
    await Promise.all([c.call("ping"), c.call("ping"), c.call("recorder/list_statistic_ids")]);
    const ids = ha.commands.slice(first).map((x) => x.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    const connections = ha.connections;
    ha.dropConnections();
    // Until the client has seen the drop (or has already reconnected, with its 20 ms backoff): a ping
    // sent before would still go out on the dying connection.
    await vi_waitFor(() => !c.connected || ha.connections > connections);
    await c.call("ping");
    expect(ha.connections).toBe(connections + 1);
    await c.stop();
  });

  it("reports a command Home Assistant refuses (a non-admin token cannot import)", async () => {
    const c = new HaWebSocket({ url: websocketUrlOf(ha.url), token: "user-token" });
    c.start();
    const e = await c
      .call("recorder/import_statistics", { metadata: {}, stats: [] })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HaCommandError);
    expect((e as HaCommandError).code).toBe("unauthorized");
    await c.stop();
  });

  it("derives the WebSocket URL of Core and of the Supervisor (add-on)", () => {
    expect(websocketUrlOf("http://homeassistant.local:8123")).toBe(
      "ws://homeassistant.local:8123/api/websocket",
    );
    expect(websocketUrlOf("https://ha.example.org/")).toBe("wss://ha.example.org/api/websocket");
    expect(websocketUrlOf("http://supervisor/core")).toBe("ws://supervisor/core/websocket");
    expect(websocketUrlOf("ws://10.0.0.2:8123/api/websocket")).toBe("ws://10.0.0.2:8123/api/websocket");
    expect(homeAssistantTarget(config, { SUPERVISOR_TOKEN: "s3cret" })).toEqual({
      url: "http://supervisor/core",
      token: "s3cret",
    });
    expect(homeAssistantTarget(config, {})).toBeNull();
    expect(() =>
      homeAssistantTarget(
        { ...config, homeassistant: { ...config.homeassistant, url: "http://ha:8123" } },
        {},
      ),
    ).toThrow(/HOMEASSISTANT_TOKEN/);
  });
});

describe("the Home Assistant stand-in rejects what Home Assistant 2026.11 rejects", () => {
  let ha: HomeAssistantStandIn;
  let ws: WebSocket;
  let nextId = 1;
  const replies = new Map<number, { success: boolean; result?: unknown; error?: { code: string } }>();

  beforeAll(async () => {
    ha = await new HomeAssistantStandIn().start();
    ws = new WebSocket(websocketUrlOf(ha.url));
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString()) as { type: string; id?: number };
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: "admin-token" }));
      if (m.type === "result") replies.set(m.id!, m as never);
    });
    await new Promise<void>((resolve) => ws.on("message", (d) => String(d).includes("auth_ok") && resolve()));
  });
  afterAll(async () => {
    ws?.close();
    await ha?.stop();
  });

  async function send(msg: Record<string, unknown>, id = nextId++) {
    replies.delete(id);
    ws.send(JSON.stringify({ id, ...msg }));
    await vi_waitFor(() => replies.has(id), 5000);
    return replies.get(id)!;
  }
  const metadata = {
    source: "linky",
    statistic_id: "linky:12345678901234_consumption",
    name: "Linky",
    unit_of_measurement: "Wh",
    has_sum: true,
    mean_type: 0,
    unit_class: "energy",
  };
  const importing = (
    md: Record<string, unknown>,
    stats: unknown[] = [{ start: "2025-01-01T00:00:00+01:00", state: 1, sum: 1 }],
  ) => send({ type: "recorder/import_statistics", metadata: md, stats });
  const without = (k: string) => Object.fromEntries(Object.entries(metadata).filter(([x]) => x !== k));

  it("accepts the documented example and returns rows with times in ms", async () => {
    expect((await importing(metadata)).success).toBe(true);
    const r = await send({
      type: "recorder/statistics_during_period",
      start_time: "2024-12-31T23:00:00Z",
      statistic_ids: [metadata.statistic_id],
      period: "hour",
      types: ["sum"],
    });
    expect(r.result).toEqual({
      [metadata.statistic_id]: [
        { start: Date.parse("2024-12-31T23:00:00Z"), end: Date.parse("2025-01-01T00:00:00Z"), sum: 1 },
      ],
    });
  });

  it.each([
    ["no mean_type", () => importing(without("mean_type")), "invalid_format"],
    ["no unit_class", () => importing(without("unit_class")), "invalid_format"],
    [
      "an energy unit_class on €",
      () => importing({ ...metadata, unit_of_measurement: "€" }),
      "home_assistant_error",
    ],
    ["a bad mean_type", () => importing({ ...metadata, mean_type: 3 }), "invalid_format"],
    ["an unknown key", () => importing({ ...metadata, icon: "x" }), "invalid_format"],
    [
      "an id with capitals",
      () => importing({ ...metadata, statistic_id: "linky:Meter" }),
      "home_assistant_error",
    ],
    [
      "an id with a double underscore",
      () => importing({ ...metadata, statistic_id: "linky:a__b" }),
      "home_assistant_error",
    ],
    [
      "a source other than the domain",
      () => importing({ ...metadata, source: "enedis" }),
      "home_assistant_error",
    ],
    [
      "an entity id not from the recorder",
      () => importing({ ...metadata, statistic_id: "sensor.linky" }),
      "home_assistant_error",
    ],
    [
      "a naive start",
      () => importing(metadata, [{ start: "2025-01-01T00:00:00", sum: 1 }]),
      "home_assistant_error",
    ],
    [
      "a start off the hour",
      () => importing(metadata, [{ start: "2025-01-01T00:30:00+01:00", sum: 1 }]),
      "home_assistant_error",
    ],
    [
      "an hour twice in one call",
      () =>
        importing(metadata, [
          { start: "2025-01-01T01:00:00+01:00", sum: 1 },
          { start: "2025-01-01T00:00:00Z", sum: 2 },
        ]),
      "home_assistant_error",
    ],
    ["a reused id", () => send({ type: "recorder/list_statistic_ids" }, 1), "id_reuse"],
    ["an unknown command", () => send({ type: "recorder/purge_everything" }), "unknown_command"],
  ])("rejects %s", async (_what, act, code) => {
    const r = await act();
    expect(r.success).toBe(false);
    expect(r.error?.code).toBe(code);
  });
});
