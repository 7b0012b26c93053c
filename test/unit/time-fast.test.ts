/**
 * time.ts answers from the EU summer-time rule (paris-fast.ts) between 1996 and 2099 and from luxon's
 * zone data elsewhere: held here to luxon for every day and every change of offset of those years, the
 * instants around each change, a spread of other instants, and the calendar-date checks.
 */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { publishedUntil } from "../../src/sync/planner.js";
import {
  addMonths,
  isLocalDate,
  parisDateOf,
  parisDayLengthMin,
  parisDayStartMs,
  parisOffsetMs,
  parseWallTime,
  resolveIntervalEnds,
  wallTimeCandidates,
} from "../../src/domain/time.js";

const PARIS = "Europe/Paris";
const luxonOffset = (ms: number) => DateTime.fromMillis(ms, { zone: PARIS }).offset * 60_000;
const luxonDate = (ms: number) => DateTime.fromMillis(ms, { zone: PARIS }).toISODate();
const luxonStart = (d: string) => DateTime.fromISO(d, { zone: PARIS }).startOf("day").toMillis();

const addDaysUtc = (d: string, n: number) =>
  new Date(Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10) + n)).toISOString().slice(0, 10);

function* days(from: string, to: string): Generator<string> {
  for (let t = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10)); ; t += 86_400_000) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (d >= to) return;
    yield d;
  }
}

describe("Paris time without a zone lookup", () => {
  it("gives luxon's midnight, day length and date for the months of the changes and every 7th day, 1990 to 2105", () => {
    let changes = 0;
    let i = 0;
    for (const d of days("1990-01-01", "2106-01-01")) {
      const month = d.slice(5, 7);
      if (!["03", "09", "10"].includes(month) && d.slice(5) !== "01-01" && i++ % 7 !== 0) continue;
      const start = luxonStart(d);
      const next = luxonStart(addDaysUtc(d, 1));
      expect(parisDayStartMs(d), d).toBe(start);
      expect(parisDayLengthMin(d), d).toBe((next - start) / 60_000);
      expect(parisDateOf(start), d).toBe(d);
      expect(parisDateOf(next - 1), d).toBe(d);
      if (next - start !== 86_400_000) changes++;
    }
    // Two changes a year (1990 to 2105: 116 years), in March and October (September before 1996).
    expect(changes).toBe(2 * 116);
  });

  it("gives luxon's offset around every change of offset and at 10,000 other instants, 1990 to 2105", () => {
    for (let y = 1990; y <= 2105; y++) {
      for (const month of [2, 9]) {
        // Every hour of the last 8 days of March and October, ±1 ms, and each day's 01:00 UTC (when
        // the EU changes) ±1 ms.
        const from = Date.UTC(y, month + 1, 1) - 8 * 86_400_000;
        const at = (ms: number) =>
          expect(parisOffsetMs(ms), new Date(ms).toISOString()).toBe(luxonOffset(ms));
        for (let t = from; t < from + 8 * 86_400_000; t += 3_600_000)
          for (const ms of [t - 1, t, t + 1]) at(ms);
        for (let t = from + 3_600_000; t < from + 8 * 86_400_000; t += 86_400_000)
          for (const ms of [t - 1, t + 1, t + 59_999]) at(ms);
      }
    }
    let x = 12345;
    for (let i = 0; i < 10_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const ms =
        Date.UTC(1990, 0, 1) + Math.floor((x / 2 ** 31) * (Date.UTC(2106, 0, 1) - Date.UTC(1990, 0, 1)));
      expect(parisOffsetMs(ms)).toBe(luxonOffset(ms));
      expect(parisDateOf(ms)).toBe(luxonDate(ms));
    }
  });

  it("reads every half-hour label of the change days as luxon's zone data says, strict and loose", () => {
    const candidates = (label: string, loose: boolean) => {
      const w = parseWallTime(label)!;
      const out = new Set<number>();
      for (const off of [60, 120]) {
        const t = w.naiveMs - off * 60_000;
        if (DateTime.fromMillis(t, { zone: PARIS }).offset === off) out.add(t);
      }
      if (out.size === 0) out.add(w.naiveMs - luxonOffset(w.naiveMs - 3 * 3_600_000));
      const near = w.hour >= 1 && (w.hour < 4 || (w.hour === 4 && w.minute === 0));
      if (loose && near) {
        out.add(w.naiveMs - 3_600_000);
        out.add(w.naiveMs - 7_200_000);
      }
      return [...out].sort((a, b) => a - b);
    };
    for (let y = 1994; y <= 2101; y++) {
      for (const d of [...days(`${y}-03-24`, `${y}-04-01`), ...days(`${y}-09-23`, `${y}-11-01`)]) {
        const change = parisDayLengthMin(d) !== 1440;
        for (let h = 0; h < 24; h += change ? 1 : 6)
          for (const m of ["00", "30"]) {
            const label = `${d} ${String(h).padStart(2, "0")}:${m}:00`;
            for (const loose of [false, true])
              expect(wallTimeCandidates(parseWallTime(label)!, loose), `${label} ${loose}`).toEqual(
                candidates(label, loose && change),
              );
          }
      }
    }
  });

  it("walks the autumn day's labels to 50 half-hours and the spring day's to 46", () => {
    for (const [day, n] of [
      ["2026-10-25", 50],
      ["2026-03-29", 46],
      ["2099-10-25", 50],
    ] as const) {
      const start = parisDayStartMs(day);
      const ends = Array.from({ length: n }, (_, i) => start + (i + 1) * 1_800_000);
      const labels = ends.map((e) => ({
        label: DateTime.fromMillis(e, { zone: PARIS }).toFormat("yyyy-MM-dd HH:mm:ss"),
        stepMin: 30,
      }));
      expect(resolveIntervalEnds(labels, start)).toEqual(ends);
    }
  });

  it("adds months as luxon does (the same day, or the month's last), 1994 to 2101", () => {
    for (const d of days("1994-01-01", "2102-01-01")) {
      if (!["01", "15", "28", "29", "30", "31"].includes(d.slice(8))) continue;
      for (const n of [-37, -25, -24, -12, -1, 0, 1, 11, 12, 13, 36])
        expect(addMonths(d, n), `${d} ${n}`).toBe(
          DateTime.fromISO(d, { zone: "UTC" }).plus({ months: n }).toISODate(),
        );
    }
  });

  it("says what is published (today from 08:00 Paris, else yesterday) as luxon's wall clock does", () => {
    for (const day of ["2026-03-29", "2026-03-30", "2026-10-25", "2026-10-26", "2026-12-31", "2099-10-25"]) {
      const start = parisDayStartMs(day);
      for (let t = start - 3_600_000; t < start + 26 * 3_600_000; t += 15 * 60_000) {
        const local = DateTime.fromMillis(t, { zone: PARIS });
        const today = local.toISODate()!;
        const want =
          local.hour >= 8 ? today : DateTime.fromISO(today, { zone: "UTC" }).minus({ days: 1 }).toISODate();
        expect(publishedUntil(t), new Date(t).toISOString()).toBe(want);
      }
    }
  });

  it("tells calendar dates as luxon does", () => {
    const samples = [
      "2026-02-30",
      "2026-13-01",
      "2026-00-10",
      "2026-01-00",
      "2026-1-01",
      "2026-11",
      "20261128",
      " 2026-01-01",
      "2026-01-01 ",
      "2024-02-29",
      "2023-02-29",
      "2000-02-29",
      "1900-02-29",
      "0000-02-29",
      "0000-01-01",
      "9999-12-31",
      "",
    ];
    for (const y of [0, 4, 100, 400, 1900, 1996, 2000, 2023, 2024, 2100, 9999])
      for (let m = 0; m <= 13; m++)
        for (const d of [0, 1, 28, 29, 30, 31, 32])
          samples.push(
            `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
          );
    for (const s of samples) {
      const dt = DateTime.fromISO(s, { zone: "UTC" });
      const want = /^\d{4}-\d{2}-\d{2}$/.test(s) && dt.isValid && dt.toISODate() === s;
      expect(isLocalDate(s), JSON.stringify(s)).toBe(want);
    }
  });

  it("keeps luxon's answers outside the fast years (invalid dates, far instants)", () => {
    expect(parisDayStartMs("2026-02-30")).toBeNaN();
    expect(parisDayStartMs("1950-06-01")).toBe(luxonStart("1950-06-01"));
    expect(parisDayStartMs("2150-06-01")).toBe(luxonStart("2150-06-01"));
    expect(parisDateOf(Date.UTC(1950, 5, 1, 22, 30))).toBe(luxonDate(Date.UTC(1950, 5, 1, 22, 30)));
    expect(parisDateOf(Number.NaN)).toBe(luxonDate(Number.NaN));
  });
});
