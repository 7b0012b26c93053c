import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { profileOf } from "../../src/simulator/index.js";
import { harness, type Harness } from "./helpers.js";

const PRM = "22516914714270";
let h: Harness;
beforeAll(async () => {
  h = await harness({ octetStreamEvery: 0 });
});
afterAll(async () => {
  await h.stop();
});

describe("ITC contract APIs (PRM in the path)", () => {
  it("situation_contrat_auto: a bare array of contracts", async () => {
    const r = await h.get(`/situation_contrat_auto/v1/${PRM}`);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    const [c] = r.body as Record<string, unknown>[];
    expect(c).toMatchObject({
      usage_point_id: PRM,
      contract_type: "Contrat GRD-F",
      segment: "C5",
      subscribed_power: { unit: "kVA", value: String(profileOf(PRM).subscribedKva) },
      person: { title: expect.any(String), lastname: expect.any(String), firstname: expect.any(String) },
      contact_data: { email: expect.stringContaining("@") },
      customer: {
        customer: {
          adress: { line1: expect.any(String), line4: expect.any(String), line6: expect.any(String) },
        },
      },
    });
    expect(["3", "6", "9", "12"]).toContain((c?.subscribed_power as { value: string }).value);
    expect(c?.contract_start).toMatch(/^\d{4}-\d\d-\d\dT00:00:00\+0[12]00$/);
    expect(typeof c?.contractor).toBe("string");
    expect(typeof c?.distribution_tariff).toBe("string");
    const self = (await h.get(`/situation_contrat_auto/v1/12655648759651`)).body as {
      contract_type: string;
      segment: string;
    }[];
    expect(self.map((x) => [x.contract_type, x.segment])).toEqual([
      ["Contrat GRD-F", "C5"],
      ["Contrat GRD-A", "P4"],
    ]);
  });

  it("synth_contrat_auto: segments as objects, activation dates with a colon-less offset", async () => {
    const body = (await h.get(`/synth_contrat_auto/v1/12655648759651`)).body;
    expect(body).toEqual({
      segments: [{ segment: "C5" }, { segment: "P4" }],
      consumption_last_activation_date: "2016-10-12T00:00:00+0200",
      last_subscribed_power_change_date: "2016-10-12T00:00:00+0200",
      generation_last_activation_date: "2021-03-15T00:00:00+0100",
      services_level: "Communicant (ouvert aux services)",
    });
  });

  it("comptage_auto: meter, ownership, off-peak string", async () => {
    const body = (await h.get(`/comptage_auto/v1/${PRM}`)).body as {
      relais: { plageHeuresCreuses: string };
      compteurs: { numeroSerie: string; regimePropriete: { code: string } }[];
      dispositifComptage: { typeComptage: { code: string; libelle: string } };
    };
    expect(body.dispositifComptage.typeComptage.code).toBe("AMM");
    expect(body.compteurs[0]?.numeroSerie).toMatch(/^\d{14}$/);
    expect(body.relais.plageHeuresCreuses).toBe(profileOf(PRM).offPeak.label);
    expect(body.relais.plageHeuresCreuses).toMatch(
      /^HC \(\d{1,2}[hH]\d\d-\d{1,2}[hH]\d\d(;\d{1,2}[hH]\d\d-\d{1,2}[hH]\d\d)?\)$/,
    );
  });

  it("donnees_generales_auto and alimentation_auto", async () => {
    const g = (await h.get(`/donnees_generales_auto/v1/${PRM}`)).body;
    expect(g).toMatchObject({
      address: {
        number_street_name: expect.any(String),
        postal_code_city: expect.any(String),
        insee_code: expect.stringMatching(/^\d{5}$/),
      },
    });
    const a = (await h.get(`/alimentation_auto/v1/${PRM}`)).body;
    expect(a).toMatchObject({
      connection_state: "Alimenté",
      phase_count: expect.stringMatching(/^[13]$/),
      consumption_connection_power: { unit: "kVA" },
    });
  });

  it("is deterministic per PRM, and varies between PRMs", async () => {
    const a = await h.get(`/situation_contrat_auto/v1/${PRM}`);
    const b = await h.get(`/situation_contrat_auto/v1/${PRM}`);
    expect(a.body).toEqual(b.body);
    const powers = new Set<number>();
    const offPeaks = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const p = profileOf(`7000000000${String(i).padStart(4, "0")}`);
      powers.add(p.subscribedKva);
      offPeaks.add(p.offPeak.label);
    }
    expect([...powers].sort((x, y) => x - y)).toEqual([3, 6, 9, 12]);
    expect(offPeaks.size).toBeGreaterThan(3);
  });

  it("PRM in the query → 500; unknown PRM → 404; no consent → 403", async () => {
    let r = await h.get(`/synth_contrat_auto/v1?usage_point_id=${PRM}`);
    expect(r).toMatchObject({ status: 500, body: { code: "500" } });
    r = await h.get(`/synth_contrat_auto/v1/${PRM}?usage_point_id=${PRM}`);
    expect(r.status).toBe(500);
    r = await h.get(`/comptage_auto/v1/1234`);
    expect(r).toMatchObject({
      status: 404,
      body: { message: "Pas de mesure trouvée pour ce point ou PRM non existant" },
    });
    r = await h.get(`/comptage_auto/v1/26584978546985`);
    expect(r).toMatchObject({ status: 403, body: { code: "403" } });
    r = await h.get(`/comptage_auto/v1/11112222333344`);
    expect(r.status).toBe(403);
  });

  it("an API not subscribed on DataHub answers 403 900908", async () => {
    const u = await harness({ unsubscribedApis: ["comptage_auto"] });
    try {
      expect(await u.get(`/comptage_auto/v1/${PRM}`)).toMatchObject({
        status: 403,
        body: { code: "900908" },
      });
      expect((await u.get(`/synth_contrat_auto/v1/${PRM}`)).status).toBe(200);
    } finally {
      await u.stop();
    }
  });
});
