/** Tempo CSV and the CRE open-data CSV (format of /work/shared/docs/tariffs.md §2e), hand-made samples. */
import { describe, expect, it } from "vitest";
import { FileFormatError, lastRegulatedChange, parseCreCsv, parseTempoCsv } from "../../src/tariffs/files.js";

describe("parseTempoCsv", () => {
  it("reads ; or , with or without a header, French or English colours, any case", () => {
    expect(parseTempoCsv("date;couleur\r\n2026-10-19;BLEU\r\n2026-10-20;blanc\r\n\r\n")).toEqual([
      { day: "2026-10-19", colour: "BLEU" },
      { day: "2026-10-20", colour: "BLANC" },
    ]);
    expect(parseTempoCsv("2026-01-05,RED\n2026-01-06,WHITE\n2026-01-07,Blue\n").map((d) => d.colour)).toEqual(
      ["ROUGE", "BLANC", "BLEU"],
    );
  });
  it("refuses a bad line, naming it", () => {
    expect(() => parseTempoCsv("2026-01-05;VERT\n")).toThrow(/line 1: "VERT" is not a Tempo colour/);
    expect(() => parseTempoCsv("date;colour\n05/01/2026;BLEU\n")).toThrow(
      /line 2: "05\/01\/2026" is not a date/,
    );
    expect(() => parseTempoCsv("date;colour\n")).toThrow(FileFormatError);
  });
});

const BASE = [
  "DATE_DEBUT;DATE_FIN;P_SOUSCRITE;PART_FIXE_HT;PART_FIXE_TTC;PART_VARIABLE_HT;PART_VARIABLE_TTC",
  "01/08/2025;;6;9,48;151,2;0,1264;0,1952",
  ";;;;;;",
  "01/02/2025;31/07/2025;6;9,48;144;0,1327;0,2016",
  "01/02/2025;31/07/2025;9;11,9;180;0,1327;0,2016",
  "",
].join("\r\n");

describe("parseCreCsv", () => {
  it("gives one dated offer per subscribed power, fixed part per year turned into per month", () => {
    const r = parseCreCsv(BASE, "base.csv");
    expect(r.kind).toBe("base");
    expect(r.newest).toBe("2025-08-01");
    expect(r.offers.map((o) => o.name)).toEqual([
      "Tarif Bleu Base 6 kVA (CRE)",
      "Tarif Bleu Base 9 kVA (CRE)",
    ]);
    const six = r.offers[0]!;
    // why: 144 EUR/year = 12 EUR/month; 151.2 / 12 = 12.6; rows sorted by date whatever the file order.
    expect(six.prices).toEqual([
      {
        from: "2025-02-01",
        to: "2025-07-31",
        subscriptionEurPerMonth: 12,
        pricesEurPerKwh: { base: 0.2016 },
      },
      { from: "2025-08-01", subscriptionEurPerMonth: 12.6, pricesEurPerKwh: { base: 0.1952 } },
    ]);
  });
  it("reads HP/HC (offpeak from the contract) and Tempo's six prices", () => {
    const hphc = parseCreCsv(
      "DATE_DEBUT;DATE_FIN;P_SOUSCRITE;PART_FIXE_HT;PART_FIXE_TTC;PART_VARIABLE_HC_HT;PART_VARIABLE_HC_TTC;PART_VARIABLE_HP_HT;PART_VARIABLE_HP_TTC\n01/02/2026;;6;10;186,96;0,1;0,1696;0,15;0,2146\n",
    );
    expect(hphc.offers[0]!.offpeak).toBe("contract");
    expect(hphc.offers[0]!.prices[0]!.pricesEurPerKwh).toEqual({ hp: 0.2146, hc: 0.1696 });
    const cols = ["HCBleu", "HPBleu", "HCBlanc", "HPBlanc", "HCRouge", "HPRouge"].flatMap((c) => [
      `PART_VARIABLE_${c}_HT`,
      `PART_VARIABLE_${c}_TTC`,
    ]);
    const tempo = parseCreCsv(
      `DATE_DEBUT;DATE_FIN;P_SOUSCRITE;PART_FIXE_HT;PART_FIXE_TTC;${cols.join(";")}\n01/02/2026;;9;1;240;0;0,1325;0;0,1612;0;0,1499;0;0,1871;0;0,1575;0;0,706\n`,
    );
    expect(tempo.kind).toBe("tempo");
    expect(tempo.offers[0]!.prices[0]).toEqual({
      from: "2026-02-01",
      subscriptionEurPerMonth: 20,
      pricesEurPerKwh: {
        hp_bleu: 0.1612,
        hc_bleu: 0.1325,
        hp_blanc: 0.1871,
        hc_blanc: 0.1499,
        hp_rouge: 0.706,
        hc_rouge: 0.1575,
      },
    });
  });
  it("refuses a file that is not a CRE tariff file, or a bad number, naming the line", () => {
    expect(() => parseCreCsv("a;b\n1;2\n", "x.csv")).toThrow(/x.csv: not a CRE tariff file/);
    expect(() => parseCreCsv(BASE.replace("0,1952", "abc"), "b.csv")).toThrow(
      /b.csv line 2 PART_VARIABLE_TTC: "abc" is not a number/,
    );
  });
  it("knows the last regulated change (1 Feb, 1 Aug)", () => {
    expect(lastRegulatedChange("2026-12-02")).toBe("2026-08-01");
    expect(lastRegulatedChange("2026-02-01")).toBe("2026-02-01");
    expect(lastRegulatedChange("2026-01-31")).toBe("2025-08-01");
  });
});
