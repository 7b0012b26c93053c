/**
 * The export streams: three years of load curve are read from the real database a slice at a time (at
 * most 42 days per query), and a slice is read only when the consumer asks for the next chunk, so memory
 * holds one slice whatever the range. The store is real; the only addition is a recorder in front of
 * `measures.readings`, which forwards every call.
 */
import { beforeAll, expect, it } from "vitest";
import { addDays, parisDayBounds, parisDayStartMs } from "../../src/domain/time.js";
import type { Reading } from "../../src/domain/types.js";
import { exportChunks } from "../../src/export/format.js";
import type { Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const HALF_HOUR = 1_800_000;
const DAY = 86_400_000;
const FROM = "2023-11-01";
const TO = "2026-11-01";

describeEachDatabase("the export reads the store a slice at a time", (db) => {
  let store: Store;
  let deviceId: number;
  let points = 0;

  beforeAll(async () => {
    store = db.getStore();
    const user = await store.users.create({ username: "export-stream", passwordHash: "x" });
    const type = await store.devices.linkyType();
    const device = await store.devices.findOrCreate({
      userId: user.id,
      mac: "22516914714270",
      label: "Linky",
      deviceTypeId: type.id,
    });
    deviceId = device.id;
    // Three years of 30-minute points, written a week at a time as the sync does.
    for (let day = FROM; day < TO; day = addDays(day, 7)) {
      const week: Reading[] = [];
      const { startMs } = parisDayBounds(day);
      const endMs = parisDayStartMs(addDays(day, 7) < TO ? addDays(day, 7) : TO);
      for (let t = startMs; t < endMs; t += HALF_HOUR) week.push({ startMs: t, lengthMin: 30, value: 400 });
      await store.measures.upsertCurve(deviceId, "consumption", week);
      points += week.length;
    }
  }, 120_000);

  it("at most 42 days per query, each read only when the next chunk is asked for, every row once", async () => {
    const calls: Array<{ fromMs: number; toMs: number }> = [];
    const recorded: Pick<Store, "measures"> = {
      measures: new Proxy(store.measures, {
        get(target, prop, receiver) {
          if (prop === "readings") {
            return (
              id: number,
              dataset: Parameters<Store["measures"]["readings"]>[1],
              f: number,
              t: number,
            ) => {
              calls.push({ fromMs: f, toMs: t });
              return target.readings(id, dataset, f, t);
            };
          }
          return Reflect.get(target, prop, receiver) as unknown;
        },
      }),
    };
    const range = {
      deviceId,
      dataset: "consumption_load_curve" as const,
      fromMs: parisDayStartMs(FROM),
      toMs: parisDayStartMs(TO),
      format: "csv" as const,
    };
    const chunks = exportChunks(recorded, range);
    const header = await chunks.next();
    expect(header.value).toMatch(/^start,end,value,unit/);
    expect(calls).toHaveLength(0);
    const first = await chunks.next();
    expect(calls).toHaveLength(1);
    const firstRows = String(first.value).trimEnd().split("\n").length;
    expect(firstRows).toBe(42 * 48);
    let rows = firstRows;
    for (let c = await chunks.next(); !c.done; c = await chunks.next()) {
      // One query per chunk: the generator does not read ahead.
      expect(calls.length).toBeLessThanOrEqual(rows / (42 * 48) + 2);
      rows += String(c.value).trimEnd().split("\n").length;
    }
    expect(rows).toBe(points);
    expect(calls.length).toBe(Math.ceil((range.toMs - range.fromMs) / (42 * DAY)));
    for (const c of calls) expect(c.toMs - c.fromMs).toBeLessThanOrEqual(42 * DAY);
    // The slices tile the range: no instant read twice, none skipped.
    expect(calls[0]!.fromMs).toBe(range.fromMs);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.fromMs).toBe(calls[i - 1]!.toMs);
    expect(calls[calls.length - 1]!.toMs).toBe(range.toMs);
  }, 60_000);
});
