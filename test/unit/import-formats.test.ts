/**
 * The Enedis file formats, read from files written in the test (test/helpers/enedis-files.ts): the
 * format is detected from the content, times become exact UTC intervals (both daylight-saving days),
 * empty cells are missing measures (null, never 0), and every kind of bad file is refused with its line.
 * Expected figures are worked out by hand in the comments.
 */
import { describe, expect, it } from "vitest";
import { parseFile } from "../../src/import/formats.js";
import { ImportRefusal } from "../../src/import/text.js";
import type { Reading } from "../../src/domain/types.js";
import {
  consoDownloaderFile,
  heureFile,
  jourFile,
  pmaxFile,
  PRM,
  r63File,
  xlsxFile,
} from "../helpers/enedis-files.js";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

/** Readings per Paris day (the day of their start; Paris = UTC+1 in winter, +2 in summer). */
function consecutive(r: readonly Reading[], stepMin: number): boolean {
  return r.every((x, i) => i === 0 || x.startMs === r[i - 1]!.startMs + stepMin * 60_000);
}

async function refusal(buf: Buffer, name = "f.csv"): Promise<ImportRefusal> {
  try {
    await parseFile(buf, name);
  } catch (e) {
    if (e instanceof ImportRefusal) return e;
    throw e;
  }
  throw new Error("the file was accepted");
}

describe("Enedis bulk export Heure", () => {
  it("30-minute steps with BOM, CRLF and trailing ';': the 25-hour day has 50 half-hours", async () => {
    const f = await parseFile(
      heureFile("2024-10-26", "2024-10-29", 30, (i) => 100 + i, { bom: true, crlf: true, trailing: true }),
    );
    expect(f).toMatchObject({ format: "heure", usagePointId: PRM, dataset: "consumption_load_curve" });
    // 48 + 50 + 48 intervals; the first starts at 2024-10-26 00:00 CEST = 2024-10-25T22:00Z, the last
    // ends at 2024-10-29 00:00 CET = 2024-10-28T23:00Z.
    expect(f.readings).toHaveLength(146);
    expect(iso(f.readings[0]!.startMs)).toBe("2024-10-25T22:00:00.000Z");
    expect(iso(f.readings[145]!.startMs)).toBe("2024-10-28T22:30:00.000Z");
    expect(consecutive(f.readings, 30)).toBe(true);
    const day27 = f.readings.filter(
      (r) => r.startMs >= at("2024-10-26T22:00Z") && r.startMs < at("2024-10-27T23:00Z"),
    );
    expect(day27).toHaveLength(50);
    expect(f.readings.map((r) => r.value)).toEqual(Array.from({ length: 146 }, (_, i) => 100 + i));
    expect(f.readings.every((r) => r.lengthMin === 30)).toBe(true);
  });

  it("60-minute steps, no BOM, LF, no Pas: the step comes from the gaps; the 23-hour day has 23 hours; empty = missing", async () => {
    const f = await parseFile(
      heureFile("2024-03-30", "2024-04-01", 60, (i) => (i % 5 === 0 ? null : 100 + i), { pas: false }),
    );
    // 24 + 23 hours.
    expect(f.readings).toHaveLength(47);
    expect(f.readings.every((r) => r.lengthMin === 60)).toBe(true);
    expect(iso(f.readings[0]!.startMs)).toBe("2024-03-29T23:00:00.000Z");
    const day31 = f.readings.filter(
      (r) => r.startMs >= at("2024-03-30T23:00Z") && r.startMs < at("2024-03-31T22:00Z"),
    );
    expect(day31).toHaveLength(23);
    // i = 0, 5, …, 45: ten empty cells, null and never 0.
    expect(f.readings.filter((r) => r.value === null)).toHaveLength(10);
    expect(f.readings.some((r) => r.value === 0)).toBe(false);
    expect(f.readings[1]!.value).toBe(101);
  });
});

describe("Enedis bulk export Jour (index readings)", () => {
  it("daily energy is the difference of consecutive EAS T readings; a missing reading makes both days missing; the Periode block is skipped", async () => {
    const f = await parseFile(
      jourFile(
        [
          ["2024-03-29", 1_000_000],
          ["2024-03-30", 1_010_000],
          ["2024-03-31", 1_022_000],
          ["2024-04-01", null],
          ["2024-04-02", 1_040_000],
          ["2024-04-03", 1_049_000],
        ],
        { bom: true, crlf: true },
      ),
    );
    expect(f).toMatchObject({ format: "jour", dataset: "daily_consumption", usagePointId: PRM });
    expect(f.readings.map((r) => [iso(r.startMs), r.lengthMin, r.value])).toEqual([
      ["2024-03-28T23:00:00.000Z", 1440, 10_000],
      ["2024-03-29T23:00:00.000Z", 1440, 12_000],
      // 31 March lasts 23 hours; its end reading (1 April) is missing.
      ["2024-03-30T23:00:00.000Z", 1380, null],
      ["2024-03-31T22:00:00.000Z", 1440, null],
      ["2024-04-01T22:00:00.000Z", 1440, 9_000],
    ]);
  });
});

describe("Enedis bulk export Pmax", () => {
  it("VA per day, the peak's instant kept; an empty value is missing", async () => {
    const f = await parseFile(
      pmaxFile([
        [at("2024-10-27T18:32:00Z"), 6120],
        [at("2024-10-27T23:00:00Z"), null],
      ]),
    );
    expect(f.dataset).toBe("daily_consumption_max_power");
    expect(f.readings).toEqual([
      {
        startMs: at("2024-10-26T22:00:00Z"),
        lengthMin: 1500,
        value: 6120,
        peakAtMs: at("2024-10-27T18:32:00Z"),
      },
      { startMs: at("2024-10-27T23:00:00Z"), lengthMin: 1440, value: null, peakAtMs: null },
    ]);
  });
});

describe("Conso Downloader", () => {
  it("quoted decimal-comma kW at the interval START; the PRM comes from the file name", async () => {
    const f = await parseFile(
      consoDownloaderFile("2024-10-27", "2024-10-28", 30, (i) =>
        i === 3 ? null : i === 0 ? "0,218" : "1,5",
      ),
      `historique_conso_${PRM}_2024-10-28.csv`,
    );
    expect(f).toMatchObject({ format: "conso-downloader", usagePointId: PRM });
    expect(f.readings).toHaveLength(50);
    expect(f.readings[0]).toEqual({ startMs: at("2024-10-26T22:00:00Z"), lengthMin: 30, value: 218 });
    expect(f.readings[1]!.value).toBe(1500);
    expect(f.readings[3]!.value).toBeNull();
    expect(consecutive(f.readings, 30)).toBe(true);
  });

  it("without a PRM in the name, none", async () => {
    const f = await parseFile(
      consoDownloaderFile("2024-01-10", "2024-01-11", 60, () => "1"),
      "conso.csv",
    );
    expect(f.usagePointId).toBeNull();
    expect(f.readings).toHaveLength(24);
  });
});

describe("R63", () => {
  it("naive Paris end labels: the autumn hour's two 02:00 and 02:30 labels become four half-hours (50 in the day)", async () => {
    const f = await parseFile(r63File("2024-10-27", "2024-10-28", 30, (i) => 600 + i));
    expect(f).toMatchObject({ format: "r63", usagePointId: PRM });
    expect(f.readings).toHaveLength(50);
    expect(iso(f.readings[0]!.startMs)).toBe("2024-10-26T22:00:00.000Z");
    expect(iso(f.readings[49]!.startMs)).toBe("2024-10-27T22:30:00.000Z");
    expect(consecutive(f.readings, 30)).toBe(true);
    expect(f.readings.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => 600 + i));
  });

  it("the spring day: 46 half-hours", async () => {
    const f = await parseFile(r63File("2024-03-31", "2024-04-01", 30, () => 1, { bom: true, crlf: true }));
    expect(f.readings).toHaveLength(46);
    expect(consecutive(f.readings, 30)).toBe(true);
  });
});

describe("weekly XLSX (exceljs)", () => {
  it("sheet Consommation Horaire from row 15, decimal-comma kW, hourly across the spring change: 23 hours", async () => {
    const f = await parseFile(
      await xlsxFile("2024-03-31", "2024-04-01", 60, (i) => (i === 2 ? null : i % 2 ? "1,25" : "0,5")),
    );
    expect(f).toMatchObject({ format: "xlsx-hourly", usagePointId: PRM });
    expect(f.readings).toHaveLength(23);
    expect(iso(f.readings[0]!.startMs)).toBe("2024-03-30T23:00:00.000Z");
    expect(consecutive(f.readings, 60)).toBe(true);
    expect(f.readings.slice(0, 4).map((r) => r.value)).toEqual([500, 1250, null, 1250]);
  });

  it("a workbook without the sheet is refused", async () => {
    const e = await refusal(await xlsxFile("2024-01-01", "2024-01-02", 60, () => "1", "Feuil1"));
    expect(e.reason).toMatch(/no sheet "Consommation Horaire"/);
  });
});

describe("refusals: the line and the reason", () => {
  it("a file that is not an Enedis export", async () => {
    const e = await refusal(Buffer.from("Horodate;Valeur\nhello;world\n"));
    expect(e.line).toBe(1);
    expect(e.reason).toMatch(/not an Enedis export/);
  });

  it("an empty file", async () => {
    expect((await refusal(Buffer.from("\r\n"))).reason).toMatch(/empty/);
  });

  it("a value that is not a number (line 5 = the second data line)", async () => {
    const buf = Buffer.from(
      heureFile("2024-01-10", "2024-01-11", 30, (i) => i)
        .toString()
        .replace(/;1\n/, ";abc\n"),
    );
    const e = await refusal(buf);
    expect([e.line, e.reason]).toEqual([5, 'Valeur "abc" is not a number']);
  });

  it("a time that repeats (line 6)", async () => {
    const lines = heureFile("2024-01-10", "2024-01-11", 30, (i) => i)
      .toString()
      .split("\n");
    lines[5] = lines[4]!;
    const e = await refusal(Buffer.from(lines.join("\n")));
    expect(e.line).toBe(6);
    expect(e.reason).toMatch(/repeats or goes back/);
  });

  it("a time off the step's grid", async () => {
    const lines = heureFile("2024-01-10", "2024-01-11", 30, (i) => i)
      .toString()
      .split("\n");
    lines[3] = "2024-01-10T00:10:00+01:00;5";
    const e = await refusal(Buffer.from(lines.join("\n")));
    expect(e.line).toBe(4);
    expect(e.reason).toMatch(/grid/);
  });

  it("an unreadable time", async () => {
    const lines = heureFile("2024-01-10", "2024-01-11", 30, (i) => i)
      .toString()
      .split("\n");
    lines[7] = "demain;5";
    const e = await refusal(Buffer.from(lines.join("\n")));
    expect(e.line).toBe(8);
  });

  it("a bulk export whose PRM is not 14 digits", async () => {
    const buf = Buffer.from(
      heureFile("2024-01-10", "2024-01-11", 30, (i) => i)
        .toString()
        .replace(PRM, "12345"),
    );
    const e = await refusal(buf);
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/14-digit/);
  });

  it("a Jour row that is not a Paris midnight", async () => {
    const buf = Buffer.from(
      jourFile([
        ["2024-01-10", 1],
        ["2024-01-11", 2],
      ])
        .toString()
        .replace("2024-01-11T00:00:00+01:00", "2024-01-11T06:00:00+01:00"),
    );
    const e = await refusal(buf);
    expect(e.line).toBe(5);
    expect(e.reason).toMatch(/not a Paris midnight/);
  });

  it("a negative value", async () => {
    const buf = Buffer.from(heureFile("2024-01-10", "2024-01-11", 30, (i) => (i === 0 ? -5 : i)).toString());
    expect((await refusal(buf)).line).toBe(4);
  });

  it("an R63 step that is not a duration", async () => {
    const buf = Buffer.from(
      r63File("2024-01-10", "2024-01-11", 30, () => 1)
        .toString()
        .replace("PT30M", "30"),
    );
    expect((await refusal(buf)).reason).toMatch(/Pas "30"/);
  });

  it("a header with no data", async () => {
    expect((await refusal(Buffer.from("debut;fin;kW\n"))).reason).toMatch(/no data/);
  });
});
