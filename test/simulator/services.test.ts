import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, type Harness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

interface Service {
  id: string;
  pointId: string;
  soutirage: boolean;
  injection: boolean;
  serviceCode: string;
  mesuresTypeCode: string;
  mesuresPas: string;
  mesuresCorrigees: boolean;
  etatCode: string;
  etatLibelle: string;
  dateDebut: string;
  dateFin: string;
  autorisation: { autorisationId: number; autorisationLibelle: string; autorisationType: string };
}
interface Answer {
  nbTotalServices: number;
  serviceSouscrit: Service[] | null;
}

async function services(body: unknown): Promise<Answer> {
  const r = await h.post("/subscribed_services/v1", body);
  expect(r.status).toBe(200);
  return r.body as Answer;
}

const summary = (a: Answer) =>
  (a.serviceSouscrit ?? []).map(
    (s) =>
      `${s.pointId} ${s.soutirage ? "S" : "I"} ${s.mesuresTypeCode} ${s.mesuresPas}${s.mesuresCorrigees ? " corr" : ""}`,
  );

describe("subscribed_services: 2026 sandbox mock autorisations", () => {
  it("10: no services (null list)", async () => {
    expect(await services({ autorisationId: 10, comptage: false })).toEqual({
      nbTotalServices: 0,
      serviceSouscrit: null,
    });
  });

  it("11: five ACTIF services on 14000000000001", async () => {
    const a = await services({ autorisationId: 11, comptage: false });
    expect(a.nbTotalServices).toBe(5);
    expect(summary(a).sort()).toEqual(
      [
        "14000000000001 S CDC PT30M",
        "14000000000001 S PMAX P1D",
        "14000000000001 S IDX P1D",
        "14000000000001 S ENERGIE P1D",
        "14000000000001 S ITC NA",
      ].sort(),
    );
    const s = a.serviceSouscrit?.[0];
    expect(s).toMatchObject({
      serviceCode: "ACCES",
      etatCode: "ACTIF",
      etatLibelle: "Actif",
      autorisation: { autorisationId: 11, autorisationType: "EXPLICITE" },
    });
    expect(s?.dateDebut).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(new Set(a.serviceSouscrit?.map((x) => x.id)).size).toBe(5);
  });

  it("12: fifteen services on a C5 PRM and a self-consumption C5/P4 PRM", async () => {
    const a = await services({ autorisationId: 12, comptage: false });
    expect(a.nbTotalServices).toBe(15);
    const list = a.serviceSouscrit ?? [];
    expect(new Set(list.map((s) => s.pointId))).toEqual(new Set(["14000000000002", "14000000000003"]));
    expect(list.filter((s) => s.injection)).toHaveLength(5);
    expect(list.every((s) => s.etatCode === "ACTIF")).toBe(true);
    expect((await services({ autorisationId: 12, comptage: true })).nbTotalServices).toBe(15);
    expect((await services({ autorisationId: 12, comptage: true, injection: true })).nbTotalServices).toBe(5);
    expect(
      (await services({ autorisationId: 12, comptage: false, mesureTypeCode: ["PMAX"] })).nbTotalServices,
    ).toBe(2);
  });

  it("13: TERMINE services (filtered out by default, shown when asked)", async () => {
    expect((await services({ autorisationId: 13, comptage: false })).nbTotalServices).toBe(0);
    const a = await services({ autorisationId: 13, comptage: false, etatCode: ["TERMINE"] });
    expect(a.nbTotalServices).toBe(5);
    expect(a.serviceSouscrit?.every((s) => s.etatCode === "TERMINE" && s.pointId === "14000000000005")).toBe(
      true,
    );
    const data = await h.get(
      `/mesure_synchrone_auto/v2/consommation_quotidienne?pointId=14000000000005&dateDebut=2026-11-01&dateFin=2026-11-02`,
    );
    expect(data.status).toBe(403);
    const ok = await h.get(
      `/mesure_synchrone_auto/v2/consommation_quotidienne?pointId=14000000000001&dateDebut=2026-11-01&dateFin=2026-11-02`,
    );
    expect(ok.status).toBe(200);
  });
});

describe("subscribed_services by PRM", () => {
  it("a consumer, a producer, a self-consumption PRM, a PRM without load curve", async () => {
    expect(summary(await services({ pointId: ["22516914714270"], comptage: false }))).toEqual([
      "22516914714270 S CDC PT30M",
      "22516914714270 S ENERGIE P1D",
      "22516914714270 S PMAX P1D",
      "22516914714270 S IDX P1D",
      "22516914714270 S ITC NA",
    ]);
    expect(summary(await services({ pointId: ["24880057139941"], comptage: false }))).toEqual([
      "24880057139941 I CDC PT30M",
      "24880057139941 I ENERGIE P1D",
      "24880057139941 I IDX P1D",
      "24880057139941 I ITC NA",
    ]);
    const self = await services({ pointId: ["12655648759651"], comptage: false });
    expect(self.nbTotalServices).toBe(9);
    expect(
      summary(await services({ pointId: ["32320647321714"], comptage: false })).some((s) =>
        s.includes("CDC"),
      ),
    ).toBe(false);
    const both = await services({
      pointId: ["22516914714270", "24880057139941", "77777777777777"],
      comptage: true,
    });
    expect(both).toEqual({ nbTotalServices: 9, serviceSouscrit: null });
  });

  it("a revoked consent reads TERMINE", async () => {
    const prm = "26584978546985";
    expect((await services({ pointId: [prm], comptage: false })).nbTotalServices).toBe(0);
    const a = await services({ pointId: [prm], comptage: false, etatCode: ["TERMINE", "ACTIF"] });
    expect(a.serviceSouscrit?.every((s) => s.etatCode === "TERMINE")).toBe(true);
    const prm2 = "31415926535897";
    const id = h.sim.grantConsent(prm2);
    expect((await services({ autorisationId: id, comptage: true })).nbTotalServices).toBe(5);
    h.sim.revokeConsent(prm2);
    expect((await services({ autorisationId: id, comptage: true })).nbTotalServices).toBe(0);
    expect(
      (await services({ autorisationId: id, comptage: true, etatCode: ["TERMINE"] })).nbTotalServices,
    ).toBe(5);
  });

  it("request errors: comptage required (400), unknown fields (500), bad types (400)", async () => {
    let r = await h.post("/subscribed_services/v1", { autorisationId: 11 });
    expect(r).toMatchObject({ status: 400, body: { code: "400" } });
    r = await h.post("/subscribed_services/v1", { autorisationId: 11, comptage: false, usage_point_id: "x" });
    expect(r).toMatchObject({ status: 500, body: { code: "500" } });
    r = await h.post("/subscribed_services/v1", { pointId: "22516914714270", comptage: false });
    expect(r.status).toBe(400);
    r = await h.post("/subscribed_services/v1", { autorisationId: 11, comptage: "no" });
    expect(r.status).toBe(400);
    r = await h.post("/subscribed_services/v1", { autorisationId: 11, comptage: false, etatCode: ["FINI"] });
    expect(r.status).toBe(400);
    const raw = await fetch(`${h.sim.url}/subscribed_services/v1`, {
      method: "POST",
      headers: { authorization: `Bearer ${await h.token()}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ code: "400" });
  });
});
