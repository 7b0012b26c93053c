/**
 * Cost and per-period statistics imported into the Home Assistant stand-in (ha-standin.ts, which
 * enforces the 2026.11 metadata: `mean_type`, `unit_class`), on real SQLite: a flat 1000 W curve over three
 * days on an HP/HC offer (HC 22:00-06:00), every figure worked out by hand; then a new price row
 * re-imports from the first hour whose cost changed, and no sum goes backwards.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayStartMs } from "../../src/domain/time.js";
import { HaWebSocket, websocketUrlOf } from "../../src/publish/ha-websocket.js";
import {
  costStatisticId,
  importCostStatistics,
  periodStatisticId,
} from "../../src/publish/homeassistant-costs.js";
import { openStore, type Store } from "../../src/store/index.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import { HomeAssistantStandIn } from "./ha-standin.js";
import { meter } from "./helpers.js";

const PRM = "22516914714270";
const DAYS = ["2026-11-09", "2026-11-10", "2026-11-11"];
const offer = (rows: { from: string; hp: number }[]) =>
  validateOffer({
    name: "ha-hphc",
    kind: "hphc",
    offpeak: "HC (22H00-6H00)",
    prices: rows.map((r) => ({ from: r.from, subscription_eur_per_month: 15, hp: r.hp, hc: 0.2 })),
  });

describe("Home Assistant cost and per-period statistics", () => {
  let dir: string;
  let store: Store;
  let ha: HomeAssistantStandIn;
  let client: HaWebSocket;
  let deviceId: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-ha-costs-"));
    store = await openStore({ url: `sqlite:${join(dir, "l.db")}`, dataDir: dir });
    ({ deviceId } = await meter(store, PRM));
    await store.measures.upsertCurve(
      deviceId,
      "consumption",
      DAYS.flatMap((d) =>
        Array.from({ length: 48 }, (_, i) => ({
          startMs: parisDayStartMs(d) + i * 1_800_000,
          lengthMin: 30,
          value: 1000,
        })),
      ),
    );
    await store.tariffs.saveOffers([offer([{ from: "2026-01-01", hp: 0.25 }])]);
    await store.tariffs.assign(deviceId, "1970-01-01", "ha-hphc");
    ha = await new HomeAssistantStandIn().start();
    client = new HaWebSocket({ url: websocketUrlOf(ha.url), token: "admin-token" });
    client.start();
  });
  afterAll(async () => {
    await client?.stop();
    await ha?.stop();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = () => importCostStatistics({ store, ha: client, chunkHours: 720 }, { deviceId, prm: PRM });

  it("imports EUR (unit_class null) and HP/HC energy (Wh) with the 2026.11 metadata", async () => {
    const reports = await run();
    expect(reports.map((r) => [r.statisticId, r.mode, r.rowsSent])).toEqual([
      [costStatisticId(PRM), "full", 72],
      [periodStatisticId(PRM, "HP"), "full", 48],
      [periodStatisticId(PRM, "HC"), "full", 24],
    ]);
    expect(ha.metadata.get(costStatisticId(PRM))).toMatchObject({
      unit_of_measurement: "EUR",
      unit_class: null,
      mean_type: 0,
      has_sum: true,
    });
    expect(ha.metadata.get(periodStatisticId(PRM, "HC"))).toMatchObject({
      unit_of_measurement: "Wh",
      unit_class: "energy",
      mean_type: 0,
    });
    const cost = ha.rows(costStatisticId(PRM));
    // why: each hour is 1 kWh: 0.20 EUR in HC (22:00-06:00), 0.25 in HP; a day 8 × 0.2 + 16 × 0.25 = 5.6 EUR.
    expect(cost[0]!.state).toBeCloseTo(0.2, 6);
    expect(cost[6]!.state).toBeCloseTo(0.25, 6);
    expect(cost.at(-1)!.sum).toBeCloseTo(16.8, 3);
    // why: 8 HC hours a day × 1000 Wh × 3 days; 16 HP hours.
    expect(ha.rows(periodStatisticId(PRM, "HC")).at(-1)!.sum).toBeCloseTo(24_000, 3);
    expect(ha.rows(periodStatisticId(PRM, "HP")).at(-1)!.sum).toBeCloseTo(48_000, 3);
  });

  it("sends nothing again when nothing changed", async () => {
    expect((await run()).map((r) => r.mode)).toEqual(["nothing", "nothing", "nothing"]);
  });

  it("re-prices from the first hour whose cost changed; the energy is not sent again; no sum goes backwards", async () => {
    await store.tariffs.saveOffers([
      offer([
        { from: "2026-01-01", hp: 0.25 },
        { from: "2026-11-11", hp: 0.3 },
      ]),
    ]);
    const before = ha.imports.length;
    const reports = await run();
    expect(reports.map((r) => r.mode)).toEqual(["incremental", "nothing", "nothing"]);
    // why: 00:00-06:00 on the 11th is HC at the unchanged 0.20: the first changed hour is 06:00 (+01:00).
    expect(reports[0]!.fromMs).toBe(Date.parse("2026-11-11T06:00:00+01:00"));
    const sent = ha.imports.slice(before).flatMap((i) => i.stats.map((s) => s.start));
    expect(sent[0]).toBe("2026-11-11T06:00:00+01:00");
    expect(sent).toHaveLength(18);
    const cost = ha.rows(costStatisticId(PRM));
    // why: 5.6 × 2 + (8 × 0.2 + 16 × 0.3 = 6.4) = 17.6 EUR.
    expect(cost.at(-1)!.sum).toBeCloseTo(17.6, 3);
    for (let i = 1; i < cost.length; i++) expect(cost[i]!.sum!).toBeGreaterThanOrEqual(cost[i - 1]!.sum!);
  });
});

describe("Home Assistant statistics after the contract's off-peak hours changed", () => {
  const PRM2 = "11453290002823";
  let dir: string;
  let store: Store;
  let ha: HomeAssistantStandIn;
  let client: HaWebSocket;
  let deviceId: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-ha-offpeak-"));
    store = await openStore({ url: `sqlite:${join(dir, "l.db")}`, dataDir: dir });
    ({ deviceId } = await meter(store, PRM2));
    await store.measures.upsertCurve(
      deviceId,
      "consumption",
      DAYS.flatMap((d) =>
        Array.from({ length: 48 }, (_, i) => ({
          startMs: parisDayStartMs(d) + i * 1_800_000,
          lengthMin: 30,
          value: 1000,
        })),
      ),
    );
    await store.tariffs.recordOffPeak(deviceId, "HC (22H00-6H00)", "2026-11-01");
    await store.tariffs.saveOffers([
      validateOffer({
        name: "ha-contract",
        kind: "hphc",
        offpeak: "contract",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
      }),
    ]);
    await store.tariffs.assign(deviceId, "1970-01-01", "ha-contract");
    ha = await new HomeAssistantStandIn().start();
    client = new HaWebSocket({ url: websocketUrlOf(ha.url), token: "admin-token" });
    client.start();
  });
  afterAll(async () => {
    await client?.stop();
    await ha?.stop();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = () => importCostStatistics({ store, ha: client, chunkHours: 720 }, { deviceId, prm: PRM2 });

  it("re-imports from the first hour the new windows change, for the cost and both periods; no sum goes backwards", async () => {
    expect((await run()).map((r) => r.mode)).toEqual(["full", "full", "full"]);
    // A contract read on the 11th gives new windows: 23:00-07:00 from that day on.
    expect(await store.tariffs.recordOffPeak(deviceId, "HC (23H00-7H00)", "2026-11-11")).toBe(true);
    const before = ha.imports.length;
    const reports = await run();
    expect(reports.map((r) => [r.statisticId, r.mode])).toEqual([
      [costStatisticId(PRM2), "incremental"],
      [periodStatisticId(PRM2, "HP"), "incremental"],
      [periodStatisticId(PRM2, "HC"), "incremental"],
    ]);
    // why: on the 11th 00:00-06:00 stays HC; 06:00-07:00 is the first hour that moves (HP → HC).
    for (const r of reports) expect(r.fromMs).toBe(Date.parse("2026-11-11T06:00:00+01:00"));
    const sent = ha.imports.slice(before);
    expect(sent.every((i) => i.stats[0]!.start === "2026-11-11T06:00:00+01:00")).toBe(true);
    const hc = ha.rows(periodStatisticId(PRM2, "HC"));
    const at = (rows: typeof hc, iso: string) => rows.find((r) => r.start === Date.parse(iso));
    // why: 06:00 on the 11th is now off-peak (1000 Wh), 22:00 is peak (0 Wh of HC).
    expect(at(hc, "2026-11-11T06:00:00+01:00")!.state).toBeCloseTo(1000, 6);
    expect(at(hc, "2026-11-11T22:00:00+01:00")?.state ?? 0).toBeCloseTo(0, 6);
    expect(at(ha.rows(costStatisticId(PRM2)), "2026-11-11T06:00:00+01:00")!.state).toBeCloseTo(0.2, 6);
    expect(at(ha.rows(costStatisticId(PRM2)), "2026-11-11T22:00:00+01:00")!.state).toBeCloseTo(0.25, 6);
    // why: still 8 HC hours a day: the totals are the same, reached through other hours.
    expect(hc.at(-1)!.sum).toBeCloseTo(24_000, 3);
    expect(ha.rows(costStatisticId(PRM2)).at(-1)!.sum).toBeCloseTo(16.8, 3);
    for (const id of [costStatisticId(PRM2), periodStatisticId(PRM2, "HP"), periodStatisticId(PRM2, "HC")]) {
      const rows = ha.rows(id);
      for (let i = 1; i < rows.length; i++)
        expect(rows[i]!.sum!, id).toBeGreaterThanOrEqual(rows[i - 1]!.sum!);
    }
    expect((await run()).map((r) => r.mode)).toEqual(["nothing", "nothing", "nothing"]);
  });
});
