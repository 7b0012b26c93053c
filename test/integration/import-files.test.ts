/**
 * Enedis files into a real store (SQLite and PostgreSQL) through the sync's writer: each format stored
 * and exported back row for row, the 25-hour day whole, the Jour file's daily energy equal to the index
 * differences, re-import changing nothing, API data winning over a file (conflicts reported), the ledger
 * marked `file`, and refused files storing nothing. Expectations come from the fixtures' own instants
 * (written with luxon from the format descriptions) and from hand-computed figures.
 */
import { beforeAll, expect, it } from "vitest";
import { isoUtc, parisDayBounds, parisDayStartMs } from "../../src/domain/time.js";
import type { DatasetKey, Reading } from "../../src/domain/types.js";
import { exportRows } from "../../src/export/format.js";
import { importFile } from "../../src/import/service.js";
import { jourLines } from "../../src/import/jour.js";
import { ImportRefusal } from "../../src/import/text.js";
import type { Store } from "../../src/store/index.js";
import { syncStoreOf } from "../../src/sync/store-adapter.js";
import { describeEachDatabase } from "../helpers/db.js";
import {
  consoDownloaderFile,
  ends,
  heureFile,
  jourFile,
  OTHER_PRM,
  pmaxFile,
  PRM,
  r63File,
  xlsxFile,
} from "../helpers/enedis-files.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");

async function meter(store: Store, name: string, prm = PRM): Promise<number> {
  const user = await store.users.create({ username: name, passwordHash: "x" });
  const sender =
    (await store.senders.findByLibelle("Enedis DataConnect")) ??
    (await store.senders.create({ libelle: "Enedis DataConnect", implClass: "dataconnect" }));
  await store.accounts.create({ senderId: sender.id, userId: user.id, usagePointId: prm });
  const type = await store.devices.linkyType();
  return (
    await store.devices.findOrCreate({ userId: user.id, mac: prm, label: "Linky", deviceTypeId: type.id })
  ).id;
}

async function exported(store: Store, deviceId: number, dataset: DatasetKey, from: string, to: string) {
  return exportRows(
    dataset,
    await store.measures.readings(deviceId, dataset, parisDayStartMs(from), parisDayStartMs(to)),
  );
}

/** Export rows a curve file must give back: one per interval end with a value. */
function curveRows(from: string, to: string, stepMin: number, value: (i: number) => number | null) {
  return ends(from, to, stepMin)
    .map((end, i) => ({
      start: isoUtc(end - stepMin * 60_000),
      end: isoUtc(end),
      value: value(i),
      unit: "W",
    }))
    .filter((r) => r.value !== null);
}

async function snapshot(store: Store, deviceId: number) {
  const all = [0, Date.parse("2100-01-01")] as const;
  return {
    curve: await store.measures.readings(deviceId, "consumption_load_curve", ...all, {
      includeMissing: true,
    }),
    daily: await store.measures.readings(deviceId, "daily_consumption", ...all, { includeMissing: true }),
    max: await store.measures.readings(deviceId, "daily_consumption_max_power", ...all, {
      includeMissing: true,
    }),
    months: await store.measures.listMonthly(deviceId, "consumption", "2000-01", "2099-12"),
    ledger: [
      ...(await store.ledger.list(deviceId, "consumption_load_curve")),
      ...(await store.ledger.list(deviceId, "daily_consumption")),
      ...(await store.ledger.list(deviceId, "daily_consumption_max_power")),
    ],
  };
}

describeEachDatabase("import of Enedis files", (db) => {
  let store: Store;
  beforeAll(() => {
    store = db.getStore();
  });

  it("Heure: stored and exported back row for row, the 25-hour day has 50 half-hours, the ledger says file; again: nothing changes", async () => {
    const id = await meter(store, "heure");
    const value = (i: number) => (i === 7 ? null : 300 + ((i * 37) % 900));
    const buf = heureFile("2024-10-20", "2024-11-03", 30, value, { bom: true, crlf: true, trailing: true });
    const [r] = await importFile(store, buf, "Enedis_Conso_Heure.csv", { deviceId: id, nowMs: NOW });
    // 14 days × 48 + 2 (the 25-hour day) = 674 intervals, one of them empty.
    expect(r).toMatchObject({ readings: 674, stored: 674, missing: 1, conflicts: { count: 0 } });
    expect(await exported(store, id, "consumption_load_curve", "2024-10-20", "2024-11-03")).toEqual(
      curveRows("2024-10-20", "2024-11-03", 30, value),
    );
    expect(await exported(store, id, "consumption_load_curve", "2024-10-27", "2024-10-28")).toHaveLength(50);
    expect(await store.measures.countCurve(id, "consumption")).toEqual({ rows: 674, missing: 1 });
    const ledger = await store.ledger.list(id, "consumption_load_curve");
    expect(ledger).toHaveLength(14);
    expect(ledger.every((d) => d.source === "file")).toBe(true);
    // 20 October lacks its 8th half-hour: 47 of 48; 27 October is complete with 50.
    expect(ledger[0]).toMatchObject({ day: "2024-10-20", expected: 48, received: 47, status: "partial" });
    expect(ledger[7]).toMatchObject({ day: "2024-10-27", expected: 50, received: 50, status: "complete" });

    const before = await snapshot(store, id);
    const [again] = await importFile(store, buf, "Enedis_Conso_Heure.csv", {
      deviceId: id,
      nowMs: NOW + 60_000,
    });
    expect(again).toMatchObject({ stored: 0, unchanged: 674, days: { complete: 0, partial: 0, missing: 0 } });
    expect(await snapshot(store, id)).toEqual(before);
  });

  it("R63, Conso Downloader and the weekly XLSX: each exported back row for row", async () => {
    const id = await meter(store, "flat");
    const r63 = (i: number) => 500 + i;
    await importFile(store, r63File("2024-10-27", "2024-10-28", 30, r63), "r63.csv", {
      deviceId: id,
      nowMs: NOW,
    });
    expect(await exported(store, id, "consumption_load_curve", "2024-10-27", "2024-10-28")).toEqual(
      curveRows("2024-10-27", "2024-10-28", 30, r63),
    );
    await importFile(
      store,
      consoDownloaderFile("2024-03-31", "2024-04-01", 30, (i) => `0,${100 + i}`),
      "c.csv",
      {
        usagePointId: PRM,
        deviceId: id,
        nowMs: NOW,
      },
    );
    // "0,100" kW = 100 W … 46 half-hours on the spring day.
    expect(await exported(store, id, "consumption_load_curve", "2024-03-31", "2024-04-01")).toEqual(
      curveRows("2024-03-31", "2024-04-01", 30, (i) => 100 + i),
    );
    await importFile(store, await xlsxFile("2024-01-08", "2024-01-15", 60, (i) => `${i % 3},5`), "w.xlsx", {
      deviceId: id,
      nowMs: NOW,
    });
    expect(await exported(store, id, "consumption_load_curve", "2024-01-08", "2024-01-15")).toEqual(
      curveRows("2024-01-08", "2024-01-15", 60, (i) => (i % 3) * 1000 + 500),
    );
  });

  it("Jour: the daily energy equals the index differences (months too); Pmax: VA with its peak", async () => {
    const id = await meter(store, "jour");
    await importFile(
      store,
      jourFile([
        ["2024-10-26", 5_000_000],
        ["2024-10-27", 5_009_000],
        ["2024-10-28", 5_021_500],
        ["2024-10-29", 5_030_000],
      ]),
      "Enedis_Conso_Jour.csv",
      { deviceId: id, nowMs: NOW },
    );
    const b = (d: string) => parisDayBounds(d);
    expect(await exported(store, id, "daily_consumption", "2024-10-01", "2024-11-01")).toEqual([
      {
        start: isoUtc(b("2024-10-26").startMs),
        end: isoUtc(b("2024-10-26").endMs),
        value: 9_000,
        unit: "Wh",
      },
      {
        start: isoUtc(b("2024-10-27").startMs),
        end: isoUtc(b("2024-10-27").endMs),
        value: 12_500,
        unit: "Wh",
      },
      {
        start: isoUtc(b("2024-10-28").startMs),
        end: isoUtc(b("2024-10-28").endMs),
        value: 8_500,
        unit: "Wh",
      },
    ]);
    expect((await store.measures.listMonthly(id, "consumption", "2024-10", "2024-10"))[0]).toMatchObject({
      value: 30_000,
      days: 3,
    });
    const peak = Date.parse("2024-10-27T18:32:00Z");
    await importFile(store, pmaxFile([[peak, 6120]]), "Enedis_Conso_Pmax.csv", { deviceId: id, nowMs: NOW });
    expect(await exported(store, id, "daily_consumption_max_power", "2024-10-27", "2024-10-28")).toEqual([
      {
        start: isoUtc(b("2024-10-27").startMs),
        end: isoUtc(b("2024-10-27").endMs),
        value: 6120,
        unit: "VA",
        peak_at: "2024-10-27T18:32:00Z",
      },
    ]);
  });

  it("Jour: every register of every reading is stored and given back row for row (index export and the file's own lines); again: nothing changes; a stored index wins", async () => {
    const id = await meter(store, "jour-index");
    const days: Array<[string, number | null]> = [
      ["2024-10-26", 5_000_000],
      ["2024-10-27", 5_009_000],
      ["2024-10-28", null],
      ["2024-10-29", 5_030_000],
    ];
    const buf = jourFile(days, { bom: true, crlf: true });
    const [r] = await importFile(store, buf, "Enedis_Conso_Jour.csv", { deviceId: id, nowMs: NOW });
    // The registers the file uses (F1, D1, T: the others are empty on every line), on 4 days.
    expect(r?.index).toEqual({ readings: 12, stored: 12, unchanged: 0 });
    const points = await store.measures.listIndex(id, "consumption", 0, Date.parse("2100-01-01"));
    expect(points).toHaveLength(12);
    expect(points.every((p) => p.readingType === "Arrêté quotidien")).toBe(true);
    // The file's data lines (after its 3 header lines, before the Periode block), exactly.
    const lines = buf
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .split("\r\n");
    expect(jourLines(points)).toEqual(lines.slice(3, 3 + days.length));
    // The contract's export: one row per register and day with a value, by start then register.
    const b = (d: string) => parisDayBounds(d);
    const row = (d: string, register: string, value: number) => ({
      start: isoUtc(b(d).startMs),
      end: isoUtc(b(d).endMs),
      value,
      unit: "Wh",
      register,
    });
    expect(await exported(store, id, "consumption_index", "2024-10-26", "2024-10-30")).toEqual(
      (["2024-10-26", "2024-10-27", "2024-10-29"] as const).flatMap((d) => {
        const v = days.find(([x]) => x === d)![1] as number;
        return [row(d, "EAS D1", v), row(d, "EAS F1", v), row(d, "EAS T", v)];
      }),
    );
    const ledger = await store.ledger.list(id, "consumption_index");
    expect(ledger.map((d) => [d.day, d.status, d.source])).toEqual([
      ["2024-10-26", "complete", "file"],
      ["2024-10-27", "complete", "file"],
      ["2024-10-28", "missing", "file"],
      ["2024-10-29", "complete", "file"],
    ]);

    const before = await store.measures.listIndex(id, "consumption", 0, Date.parse("2100-01-01"));
    const [again] = await importFile(store, buf, "Enedis_Conso_Jour.csv", { deviceId: id, nowMs: NOW + 1 });
    expect(again?.index).toEqual({ readings: 12, stored: 0, unchanged: 12 });
    expect(again?.conflicts.count).toBe(0);
    expect(await store.measures.listIndex(id, "consumption", 0, Date.parse("2100-01-01"))).toEqual(before);
    expect(await store.ledger.list(id, "consumption_index")).toEqual(ledger);

    // What is stored wins: a later file that says otherwise about 29 October's total is a conflict.
    const other = jourFile([
      ["2024-10-29", 5_031_000],
      ["2024-10-30", 5_040_000],
    ]);
    const [third] = await importFile(store, other, "Enedis_Conso_Jour.csv", { deviceId: id, nowMs: NOW + 2 });
    expect(third?.conflicts).toMatchObject({ count: 3, firstDays: ["2024-10-29"] });
    const total = (await store.measures.listIndex(id, "consumption", 0, Date.parse("2100-01-01"))).filter(
      (p) => p.register === "EAS T",
    );
    expect(total.map((p) => p.valueWh)).toEqual([5_000_000, 5_009_000, null, 5_030_000, 5_040_000]);
  });

  it("overlap with API data: the API's values stay, the conflicts are counted with their first day, the API's ledger day stays", async () => {
    const id = await meter(store, "overlap");
    // What a sync stored for 28 October: 48 half-hours of 1000 W, the day complete (source api).
    const start = parisDayStartMs("2024-10-28");
    const api: Reading[] = Array.from({ length: 48 }, (_, i) => ({
      startMs: start + i * 1_800_000,
      lengthMin: 30,
      value: 1000,
    }));
    await syncStoreOf(store).transaction(async (w) => {
      await w.saveReadings(id, "consumption_load_curve", api);
      await w.recordLedger(
        id,
        "consumption_load_curve",
        [{ day: "2024-10-28", expected: 48, received: 48, status: "complete" }],
        NOW,
      );
    });
    // The file: 26..29 October; on the 28th its first 10 half-hours say 1000 W too, the other 38 say 777.
    const value = (i: number) => (i >= 98 && i < 108 ? 1000 : 777);
    const [r] = await importFile(store, heureFile("2024-10-26", "2024-10-29", 30, value), "h.csv", {
      deviceId: id,
      nowMs: NOW,
    });
    // 48 + 50 + 48 = 146 in the file; the 28th's 48 are stored already: 10 agree, 38 conflict.
    expect(r).toMatchObject({
      readings: 146,
      stored: 98,
      unchanged: 10,
      conflicts: { count: 38, firstDays: ["2024-10-28"] },
    });
    const day28 = await store.measures.readings(
      id,
      "consumption_load_curve",
      start,
      parisDayStartMs("2024-10-29"),
    );
    expect(day28.every((p) => p.value === 1000)).toBe(true);
    const ledger = await store.ledger.list(id, "consumption_load_curve");
    expect(ledger.map((d) => [d.day, d.source, d.status])).toEqual([
      ["2024-10-26", "file", "complete"],
      ["2024-10-27", "file", "complete"],
      ["2024-10-28", "api", "complete"],
    ]);
  });

  it("refusals store nothing: another usage point, no account, not an Enedis export", async () => {
    const id = await meter(store, "refusals");
    const before = await snapshot(store, id);
    const refused = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ImportRefusal);
      return (e as ImportRefusal).message;
    };
    const other = heureFile("2024-01-10", "2024-01-11", 30, () => 1, { prm: OTHER_PRM });
    expect(
      await refused(importFile(store, other, "o.csv", { usagePointId: PRM, deviceId: id, nowMs: NOW })),
    ).toMatch(/another usage point/);
    expect(await refused(importFile(store, other, "o.csv", { deviceId: id, nowMs: NOW }))).toMatch(
      /no account/,
    );
    expect(
      await refused(
        importFile(store, Buffer.from("Horodate;Valeur\nhello;world\n"), "x.csv", {
          usagePointId: PRM,
          deviceId: id,
          nowMs: NOW,
        }),
      ),
    ).toMatch(/line 1: not an Enedis export/);
    const broken = Buffer.from(
      heureFile("2024-01-10", "2024-01-12", 30, (i) => i)
        .toString()
        .replace(/;90\n/, ";x\n"),
    );
    expect(await refused(importFile(store, broken, "b.csv", { deviceId: id, nowMs: NOW }))).toMatch(
      /line 94: Valeur "x"/,
    );
    expect(await snapshot(store, id)).toEqual(before);
    expect(await store.measures.countCurve(id, "consumption")).toEqual({ rows: 0, missing: 0 });
  });
});
