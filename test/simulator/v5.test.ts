import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, m2026, points, type Harness } from "./helpers.js";

const PRM = "22516914714270";
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

interface MeterReading {
  meter_reading: {
    usage_point_id: string;
    start: string;
    end: string;
    quality: string;
    reading_type: Record<string, string>;
    interval_reading: { value: string; date: string; interval_length?: string; measure_type?: string }[];
  };
}

function v5(path: string, prm: string, start: string, end: string): string {
  return `${path}?usage_point_id=${prm}&start=${start}&end=${end}`;
}

describe("legacy v5 from the same data", () => {
  it("load curve: same values and dates as 2026, v5 envelope", async () => {
    const a = await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-01", "2026-11-08"));
    const b = await h.get(
      v5("/metering_data_clc/v5/consumption_load_curve", PRM, "2026-11-01", "2026-11-08"),
    );
    expect(b.status).toBe(200);
    const mr = (b.body as MeterReading).meter_reading;
    expect(mr).toMatchObject({
      usage_point_id: PRM,
      start: "2026-11-01",
      end: "2026-11-08",
      quality: "BRUT",
      reading_type: { measurement_kind: "power", unit: "W", aggregate: "average" },
    });
    expect(mr.reading_type).not.toHaveProperty("measuring_period");
    expect(mr.interval_reading[0]).toMatchObject({ interval_length: "PT30M", measure_type: "B" });
    expect(mr.interval_reading.map((p) => [p.value, p.date])).toEqual(points(a.body).map((p) => [p.v, p.d]));
  });

  it("daily energy, max power and production: same values as 2026", async () => {
    const pairs: [string, string, string][] = [
      [
        "/metering_data_dc/v5/daily_consumption",
        m2026("consommation_quotidienne", PRM, "2026-10-01", "2026-11-01"),
        PRM,
      ],
      [
        "/metering_data_dcmp/v5/daily_consumption_max_power",
        m2026(
          "puissance_conso_max_quotidienne",
          PRM,
          "2026-10-01",
          "2026-11-01",
          "&mesuresPas=P1D&grandeurPhysique=PMA",
        ),
        PRM,
      ],
      [
        "/metering_data_dp/v5/daily_production",
        m2026("production_quotidienne", "24880057139941", "2026-10-01", "2026-11-01"),
        "24880057139941",
      ],
      [
        "/metering_data_plc/v5/production_load_curve",
        m2026("courbe_de_charge_production", "24880057139941", "2026-10-01", "2026-10-03"),
        "24880057139941",
      ],
    ];
    for (const [path, p2026, prm] of pairs) {
      const end = path.endsWith("load_curve") ? "2026-10-03" : "2026-11-01";
      const b = (await h.get(v5(path, prm, "2026-10-01", end))).body as MeterReading;
      const a = points((await h.get(p2026)).body);
      expect(b.meter_reading.interval_reading.map((p) => [p.value, p.date])).toEqual(
        a.map((p) => [p.v, p.d]),
      );
    }
    const dc = (await h.get(v5("/metering_data_dc/v5/daily_consumption", PRM, "2026-10-01", "2026-10-03")))
      .body as MeterReading;
    expect(dc.meter_reading.reading_type).toEqual({
      measurement_kind: "energy",
      measuring_period: "P1D",
      unit: "Wh",
      aggregate: "sum",
    });
    const mp = (
      await h.get(v5("/metering_data_dcmp/v5/daily_consumption_max_power", PRM, "2026-10-01", "2026-10-03"))
    ).body as MeterReading;
    expect(mp.meter_reading.reading_type).toEqual({
      measurement_kind: "power",
      measuring_period: "P1D",
      unit: "VA",
      aggregate: "maximum",
    });
  });

  it("errors in {error, error_description} form", async () => {
    const cases: [string, number, string][] = [
      [
        v5("/metering_data_clc/v5/consumption_load_curve", PRM, "2026-11-01", "2026-11-09"),
        400,
        "ADAM-DC-0015",
      ],
      [
        v5("/metering_data_dc/v5/daily_consumption", "99999999999999", "2026-11-01", "2026-11-02"),
        403,
        "ADAM-DC-0008",
      ],
      [
        v5("/metering_data_dc/v5/daily_consumption", "24880057139941", "2026-11-01", "2026-11-02"),
        400,
        "ADAM-ERR0069",
      ],
      [v5("/metering_data_dp/v5/daily_production", PRM, "2026-11-01", "2026-11-02"), 400, "ADAM-ERR0069"],
      [
        v5("/metering_data_clc/v5/consumption_load_curve", "32320647321714", "2026-11-01", "2026-11-02"),
        400,
        "ADAM-ERR0075",
      ],
      [v5("/metering_data_dc/v5/daily_consumption", PRM, "2026-11-05", "2026-11-02"), 400, "invalid_request"],
      [v5("/metering_data_dc/v5/daily_consumption", PRM, "2026-11-05", "2026-12-02"), 400, "invalid_request"],
      [
        `/metering_data_dc/v5/daily_consumption?usage_point_id=${PRM}&start=2026-11-01`,
        400,
        "invalid_request",
      ],
      [v5("/metering_data_clc/v5/consumption_load_curve", PRM, "2026-11-27", "2026-11-28"), 200, ""],
    ];
    for (const [path, status, error] of cases) {
      const r = await h.get(path);
      expect(r.status, path).toBe(status);
      if (error) {
        expect(r.body).toMatchObject({ error });
        expect(r.body).toHaveProperty("error_description");
      }
    }
  });

  it("no data: 404 no_data_found", async () => {
    const early = await harness({}, Date.parse("2026-11-28T05:00:00Z"));
    try {
      const r = await early.get(
        v5("/metering_data_clc/v5/consumption_load_curve", PRM, "2026-11-27", "2026-11-28"),
      );
      expect(r).toMatchObject({ status: 404, body: { error: "no_data_found" } });
    } finally {
      await early.stop();
    }
  });

  it("customers v5: contracts, addresses, identity, contact data", async () => {
    const contracts = (await h.get(`/customers_upc/v5/usage_points/contracts?usage_point_id=${PRM}`))
      .body as {
      customer: {
        customer_id: string;
        usage_points: { usage_point: Record<string, string>; contracts: Record<string, string> }[];
      };
    };
    const up = contracts.customer.usage_points[0];
    expect(up?.usage_point).toEqual({ usage_point_id: PRM, usage_point_status: "com", meter_type: "AMM" });
    expect(up?.contracts.subscribed_power).toMatch(/^(3|6|9|12) kVA$/);
    expect(up?.contracts.offpeak_hours).toMatch(/^HC \(/);
    expect(up?.contracts.last_activation_date).toMatch(/^\d{4}-\d\d-\d\d\+0[12]:00$/);
    expect(up?.contracts).toMatchObject({ segment: "C5", contract_status: "SERVC" });
    const addr = (await h.get(`/customers_upa/v5/usage_points/addresses?usage_point_id=${PRM}`)).body as {
      customer: { usage_points: { usage_point: { usage_point_addresses: Record<string, unknown> } }[] };
    };
    expect(addr.customer.usage_points[0]?.usage_point.usage_point_addresses).toHaveProperty("postal_code");
    const id = (await h.get(`/customers_i/v5/identity?usage_point_id=${PRM}`)).body;
    expect(id).toMatchObject({
      customer: { customer_id: contracts.customer.customer_id, identity: { natural_person: {} } },
    });
    const cd = (await h.get(`/customers_cd/v5/contact_data?usage_point_id=${PRM}`)).body;
    expect(cd).toMatchObject({ customer: { contact_data: {} } });
    expect((cd as { customer: { contact_data: { email: string } } }).customer.contact_data.email).toContain(
      "@",
    );
    const refused = await h.get(`/customers_cd/v5/contact_data?usage_point_id=26584978546985`);
    expect(refused).toMatchObject({ status: 403, body: { error: "ADAM-DC-0008" } });
  });
});
