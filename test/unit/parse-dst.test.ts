import { describe, expect, it } from "vitest";
import { datasetSpec } from "../../src/enedis/datasets/index.js";
import { parseMeasures2026, parseMeterReadingV5 } from "../../src/enedis/parse.js";
import {
  addDays,
  formatParisWallTime,
  isoUtc,
  parisDayBounds,
  parisDateOf,
  type LocalDate,
} from "../../src/domain/time.js";

const curve = datasetSpec("consumption_load_curve");
const PRM = "22516914714270";
const MIN = 60_000;

/** Builds the 2026 body of a one-day curve from real instants, with a labelling of our choice. */
function body(
  day: LocalDate,
  stepMin: number,
  label: (endMs: number, i: number) => string,
  sep: " " | "T" = " ",
) {
  const { startMs, endMs } = parisDayBounds(day);
  const points = [];
  let i = 0;
  for (let t = startMs + stepMin * MIN; t <= endMs; t += stepMin * MIN, i++) {
    points.push({
      v: String(1000 + i),
      d: label(t, i).replace(" ", sep),
      p: `PT${stepMin}M`,
      n: "B",
      iv: "0",
      ec: "0",
    });
  }
  return {
    idPrm: PRM,
    etapeMetier: "BRUT",
    periode: { dateDebut: day, dateFin: addDays(day, 1) },
    modeCalcul: "MESURE",
    grandeur: [{ grandeurMetier: "CONS", grandeurPhysique: "PA", unite: "W", points, calendrier: [] }],
    contexte: [],
  };
}

const wall = (ms: number) => formatParisWallTime(ms);

const DST_DAYS: Array<[LocalDate, number]> = [
  ["2024-03-31", 46],
  ["2024-10-27", 50],
  ["2025-03-30", 46],
  ["2025-10-26", 50],
  ["2026-03-29", 46],
  ["2026-10-25", 50],
];

describe("load-curve parsing across daylight-saving days", () => {
  for (const [day, n] of DST_DAYS) {
    it(`${day}: ${n} half-hours on the right UTC instants (repeated wall-clock labels)`, () => {
      const b = body(day, 30, wall);
      const batch = parseMeasures2026(curve, b, { usagePointId: PRM, from: day, to: addDays(day, 1) });
      expect(batch.readings).toHaveLength(n);
      const { startMs, endMs } = parisDayBounds(day);
      batch.readings.forEach((r, i) => {
        expect(r.startMs).toBe(startMs + i * 30 * MIN);
        expect(r.lengthMin).toBe(30);
        expect(r.value).toBe(1000 + i);
        expect(parisDateOf(r.startMs)).toBe(day);
      });
      expect(batch.readings.at(-1)!.startMs + 30 * MIN).toBe(endMs);
      if (n === 50) {
        // the repeated hour really is labelled twice in the input
        const labels = b.grandeur[0]!.points.map((p) => p.d);
        expect(new Set(labels).size).toBe(48);
      }
    });
  }

  it("autumn day labelled in summer time through the repeated hour (03:00 for 01:00Z)", () => {
    const day = "2026-10-25";
    const { startMs } = parisDayBounds(day);
    // Summer-time labels until the change instant (01:00Z), winter time after: 03:00 appears twice.
    const b = body(day, 30, (t) => (t <= Date.UTC(2026, 9, 25, 1) ? formatSummer(t) : wall(t)));
    const batch = parseMeasures2026(curve, b, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(batch.readings.map((r) => r.startMs)).toEqual(
      Array.from({ length: 50 }, (_, i) => startMs + i * 30 * MIN),
    );
  });

  it("labels with explicit offsets never repeat and resolve exactly", () => {
    const day = "2025-10-26";
    const { startMs } = parisDayBounds(day);
    const b = body(day, 30, (t) => new Date(t).toISOString().replace(".000Z", "Z"));
    const batch = parseMeasures2026(curve, b, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(batch.readings).toHaveLength(50);
    expect(batch.readings[4]!.startMs).toBe(startMs + 4 * 30 * MIN);
  });

  it("accepts the T separator", () => {
    const day = "2024-03-31";
    const batch = parseMeasures2026(curve, body(day, 30, wall, "T"), {
      usagePointId: PRM,
      from: day,
      to: addDays(day, 1),
    });
    expect(batch.readings).toHaveLength(46);
    expect(isoUtc(batch.readings[0]!.startMs)).toBe("2024-03-30T23:00:00Z");
  });

  it("15- and 60-minute steps give 92/100 and 23/25 intervals on DST days", () => {
    for (const [day, n] of DST_DAYS) {
      for (const step of [15, 60, 10]) {
        const batch = parseMeasures2026(curve, body(day, step, wall), {
          usagePointId: PRM,
          from: day,
          to: addDays(day, 1),
        });
        expect(batch.readings).toHaveLength((n * 30) / step);
        expect(batch.readings.every((r) => r.lengthMin === step)).toBe(true);
      }
    }
  });

  it("a gap inside the autumn repeated hour keeps later points on their own instants", () => {
    const day = "2026-10-25";
    const full = body(day, 30, wall);
    const pts = full.grandeur[0]!.points;
    // drop the points ending 06:00 and 06:30 local (a gap on an ordinary part of the day)
    full.grandeur[0]!.points = pts.filter((p) => !p.d.endsWith("06:00:00") && !p.d.endsWith("06:30:00"));
    const batch = parseMeasures2026(curve, full, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(batch.readings).toHaveLength(48);
    const { startMs } = parisDayBounds(day);
    const starts = new Set(batch.readings.map((r) => r.startMs));
    // the 05:30–06:00 and 06:00–06:30 winter-time intervals are missing, nothing else
    const missing = Array.from({ length: 50 }, (_, i) => startMs + i * 30 * MIN).filter(
      (t) => !starts.has(t),
    );
    expect(missing.map((t) => formatParisWallTime(t))).toEqual([
      "2026-10-25 05:30:00",
      "2026-10-25 06:00:00",
    ]);
  });
});

function formatSummer(ms: number): string {
  // Paris summer time = UTC+2, whatever the date
  return new Date(ms + 2 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
}

describe("step varying per point", () => {
  it("switches from 60 to 30 minutes within a day", () => {
    const day = "2026-11-03";
    const { startMs } = parisDayBounds(day);
    const points = [];
    // 00:00-06:00 at 60 min (6 points), then 30 min to midnight (36 points)
    for (let h = 1; h <= 6; h++) points.push({ v: "500", d: wall(startMs + h * 60 * MIN), p: "PT60M" });
    for (let t = startMs + 6 * 60 * MIN + 30 * MIN; t <= startMs + 24 * 60 * MIN; t += 30 * MIN)
      points.push({ v: "700", d: wall(t), p: "PT30M" });
    const b = { grandeur: [{ grandeurMetier: "CONS", grandeurPhysique: "PA", unite: "W", points }] };
    const batch = parseMeasures2026(curve, b, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(batch.readings).toHaveLength(42);
    const covered = batch.readings.reduce((s, r) => s + r.lengthMin, 0);
    expect(covered).toBe(1440);
    expect(batch.readings[5]).toMatchObject({ startMs: startMs + 5 * 60 * MIN, lengthMin: 60 });
    expect(batch.readings[6]).toMatchObject({ startMs: startMs + 6 * 60 * MIN, lengthMin: 30 });
  });
});

describe("missing values", () => {
  it("absent, null, empty, 'null' and non-numeric v are missing measures, never zero", () => {
    const day = "2026-11-03";
    const { startMs } = parisDayBounds(day);
    const vs: unknown[] = ["12", null, "", "null", "abc", undefined, "0"];
    const points = vs.map((v, i) => {
      const p: Record<string, unknown> = { d: wall(startMs + (i + 1) * 30 * MIN), p: "PT30M" };
      if (v !== undefined) p.v = v;
      return p;
    });
    const b = { grandeur: [{ grandeurMetier: "CONS", grandeurPhysique: "PA", unite: "W", points }] };
    const batch = parseMeasures2026(curve, b, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(batch.readings.map((r) => r.value)).toEqual([12, null, null, null, null, null, 0]);
  });

  it("a 200 body without grandeur gives no readings", () => {
    const batch = parseMeasures2026(
      curve,
      { idPrm: PRM },
      { usagePointId: PRM, from: "2026-11-03", to: "2026-11-04" },
    );
    expect(batch.readings).toEqual([]);
  });
});

describe("legacy v5 meter_reading", () => {
  it("parses a DST day like the 2026 envelope", () => {
    const day = "2026-10-25";
    const b2026 = body(day, 30, wall);
    const v5 = {
      meter_reading: {
        usage_point_id: PRM,
        start: day,
        end: addDays(day, 1),
        quality: "BRUT",
        reading_type: { measurement_kind: "power", unit: "W", aggregate: "average" },
        interval_reading: b2026.grandeur[0]!.points.map((p) => ({
          value: p.v,
          date: p.d,
          interval_length: p.p,
          measure_type: "B",
        })),
      },
    };
    const a = parseMeasures2026(curve, b2026, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    const b = parseMeterReadingV5(curve, v5, { usagePointId: PRM, from: day, to: addDays(day, 1) });
    expect(b.readings).toEqual(a.readings);
    expect(b.quality).toBe("BRUT");
  });

  it("daily and max power bodies", () => {
    const daily = parseMeterReadingV5(
      datasetSpec("daily_consumption"),
      {
        meter_reading: {
          reading_type: { unit: "Wh" },
          interval_reading: [{ value: "21874", date: "2024-10-27" }],
        },
      },
      { usagePointId: PRM, from: "2024-10-27", to: "2024-10-28" },
    );
    expect(daily.readings).toEqual([{ startMs: Date.UTC(2024, 9, 26, 22), lengthMin: 1500, value: 21874 }]);
    const max = parseMeterReadingV5(
      datasetSpec("daily_consumption_max_power"),
      {
        meter_reading: {
          reading_type: { unit: "VA" },
          interval_reading: [{ value: "5120", date: "2024-03-28 11:37:15" }],
        },
      },
      { usagePointId: PRM, from: "2024-03-28", to: "2024-03-29" },
    );
    expect(max.readings[0]).toMatchObject({
      value: 5120,
      peakAtMs: Date.UTC(2024, 2, 28, 10, 37, 15),
      lengthMin: 1440,
    });
  });
});

describe("2026 daily, max power and index envelopes", () => {
  it("daily consumption (doc example) and kWh guard", () => {
    const b = {
      idPrm: PRM,
      pas: "P1D",
      grandeur: [
        {
          grandeurMetier: "CONS",
          grandeurPhysique: "EA",
          unite: "Wh",
          points: [
            { v: "21874", d: "2026-10-04" },
            { v: "19342", d: "2026-10-05" },
          ],
        },
      ],
    };
    const batch = parseMeasures2026(datasetSpec("daily_consumption"), b, {
      usagePointId: PRM,
      from: "2026-10-04",
      to: "2026-10-06",
    });
    expect(batch.readings.map((r) => [isoUtc(r.startMs), r.lengthMin, r.value])).toEqual([
      ["2026-10-03T22:00:00Z", 1440, 21874],
      ["2026-10-04T22:00:00Z", 1440, 19342],
    ]);
    b.grandeur[0]!.unite = "kWh";
    b.grandeur[0]!.points = [{ v: "21.874", d: "2026-10-04" }];
    const k = parseMeasures2026(datasetSpec("daily_consumption"), b, {
      usagePointId: PRM,
      from: "2026-10-04",
      to: "2026-10-05",
    });
    expect(k.readings[0]!.value).toBeCloseTo(21874, 6);
  });

  it("max power with TOUT picks PMA, not the phases; production picks PROD", () => {
    const b = {
      grandeur: [
        {
          grandeurMetier: "CONS",
          grandeurPhysique: "PMA1",
          unite: "VA",
          points: [{ v: "1", d: "2026-10-04 19:42:10" }],
        },
        {
          grandeurMetier: "CONS",
          grandeurPhysique: "PMA",
          unite: "VA",
          points: [{ v: "5120", d: "2026-10-04 19:42:10" }],
        },
      ],
    };
    const batch = parseMeasures2026(datasetSpec("daily_consumption_max_power"), b, {
      usagePointId: PRM,
      from: "2026-10-04",
      to: "2026-10-05",
    });
    expect(batch.readings).toEqual([
      {
        startMs: Date.UTC(2026, 9, 3, 22),
        lengthMin: 1440,
        value: 5120,
        peakAtMs: Date.UTC(2026, 9, 4, 17, 42, 10),
      },
    ]);
    const mixed = {
      grandeur: [
        {
          grandeurMetier: "CONS",
          grandeurPhysique: "EA",
          unite: "Wh",
          points: [{ v: "10", d: "2026-10-04" }],
        },
        {
          grandeurMetier: "PROD",
          grandeurPhysique: "EA",
          unite: "Wh",
          points: [{ v: "20", d: "2026-10-04" }],
        },
      ],
    };
    const prod = parseMeasures2026(datasetSpec("daily_production"), mixed, {
      usagePointId: PRM,
      from: "2026-10-04",
      to: "2026-10-05",
    });
    expect(prod.readings.map((r) => r.value)).toEqual([20]);
  });

  it("index registers from contexte/calendrier/classeTemporelle (experimental)", () => {
    const b = {
      idPrm: PRM,
      grandeur: [],
      contexte: [
        {
          etapeMetier: "BRUT",
          contexteReleve: "COL",
          typeReleve: "AQ",
          grandeur: [
            {
              grandeurMetier: "CONS",
              grandeurPhysique: "EA",
              unite: "Wh",
              points: [],
              calendrier: [
                {
                  idCalendrier: "DI000002",
                  libelleCalendrier: "Distributeur",
                  classeTemporelle: [
                    {
                      idClasseTemporelle: "HC",
                      libelleClasseTemporelle: "Heures Creuses",
                      codeCadran: "1",
                      valeur: [{ d: "2026-10-05", v: 10254311, iv: 0 }],
                    },
                    {
                      idClasseTemporelle: "HP",
                      libelleClasseTemporelle: "Heures Pleines",
                      codeCadran: "2",
                      valeur: [{ d: "2026-10-05", v: 20000000, iv: 0 }],
                    },
                  ],
                },
              ],
              cadranTotalisateur: { codeCadran: "T", valeur: [{ d: "2026-10-05", v: 30254311 }] },
            },
          ],
        },
      ],
    };
    const batch = parseMeasures2026(datasetSpec("consumption_index"), b, {
      usagePointId: PRM,
      from: "2026-10-05",
      to: "2026-10-06",
    });
    expect(batch.readings.map((r) => [r.register, r.value])).toEqual([
      ["DI000002:HC", 10254311],
      ["DI000002:HP", 20000000],
      ["total:T", 30254311],
    ]);
  });
});
