import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/time.js";
import { curvePoints, dailyEnergyWh } from "../../src/simulator/index.js";
import { harness, m2026, points, type Harness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

const curve = (prm: string, from: string, to: string) =>
  m2026("courbe_de_charge_consommation", prm, from, to);
const daily = (prm: string, from: string, to: string) => m2026("consommation_quotidienne", prm, from, to);

describe("sandbox PRMs", () => {
  it("22516914714270 and the three PRMs of client 7: plain pre-consented consumers", async () => {
    for (const prm of [
      "22516914714270",
      "64975835695673",
      "63695879465986",
      "22315546958763",
      "12345678901234",
    ]) {
      expect((await h.get(curve(prm, "2026-11-02", "2026-11-03"))).status).toBe(200);
      expect((await h.get(daily(prm, "2026-11-02", "2026-11-03"))).status).toBe(200);
    }
  });

  it("11453290002823: activated on 2019-08-27, earlier starts give ADAM-ERR0123", async () => {
    const past = await harness({}, Date.parse("2021-06-01T10:00:00Z"));
    try {
      const r = await past.get(daily("11453290002823", "2019-08-20", "2019-09-01"));
      expect(r).toMatchObject({
        status: 400,
        body: {
          error: "ADAM-ERR0123",
          error_description:
            "La date de début de la période demandée est antérieure à la date de dernière mise en service du point.",
        },
      });
      expect((await past.get(daily("11453290002823", "2019-08-27", "2019-09-01"))).status).toBe(200);
    } finally {
      await past.stop();
    }
  });

  it("32320647321714: no load curve (ADAM-ERR0075), daily data still there", async () => {
    const r = await h.get(curve("32320647321714", "2026-11-02", "2026-11-03"));
    expect(r).toMatchObject({ status: 400, body: { error: "ADAM-ERR0075" } });
    expect((await h.get(daily("32320647321714", "2026-11-02", "2026-11-03"))).status).toBe(200);
  });

  it("12345678901234 + 10284856584123 and 24880057139941: consumption vs production (ADAM-ERR0069)", async () => {
    expect(
      (await h.get(m2026("production_quotidienne", "10284856584123", "2026-11-02", "2026-11-03"))).status,
    ).toBe(200);
    for (const prm of ["10284856584123", "24880057139941"]) {
      expect((await h.get(daily(prm, "2026-11-02", "2026-11-03"))).body).toMatchObject({
        error: "ADAM-ERR0069",
      });
      expect((await h.get(curve(prm, "2026-11-02", "2026-11-03"))).body).toMatchObject({
        error: "ADAM-ERR0069",
      });
    }
    expect(
      (await h.get(m2026("production_quotidienne", "12345678901234", "2026-11-02", "2026-11-03"))).body,
    ).toMatchObject({
      error: "ADAM-ERR0069",
    });
  });

  it("42900589957123: Tuesdays lose 10:00-14:00, Wednesdays the whole curve; daily values stay", async () => {
    const prm = "42900589957123";
    // 2026-11-02 is a Monday.
    const pts = points((await h.get(curve(prm, "2026-11-02", "2026-11-06"))).body);
    const byDay = (day: string) =>
      pts.filter((p) => addDays(p.d.slice(0, 10), p.d.endsWith("00:00:00") ? -1 : 0) === day);
    expect(byDay("2026-11-02")).toHaveLength(48);
    const tuesday = byDay("2026-11-03");
    expect(tuesday).toHaveLength(40);
    expect(tuesday.map((p) => p.d)).not.toContain("2026-11-03 10:30:00");
    expect(tuesday.map((p) => p.d)).not.toContain("2026-11-03 14:00:00");
    expect(tuesday.map((p) => p.d)).toContain("2026-11-03 10:00:00");
    expect(tuesday.map((p) => p.d)).toContain("2026-11-03 14:30:00");
    expect(byDay("2026-11-04")).toHaveLength(0);
    expect(byDay("2026-11-05")).toHaveLength(48);
    const d = points((await h.get(daily(prm, "2026-11-02", "2026-11-06"))).body);
    expect(d.map((p) => p.d)).toEqual(["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]);
    expect(d[2]?.v).toBe(String(dailyEnergyWh(prm, 1, "2026-11-04")));
    const wednesday = await h.get(curve(prm, "2026-11-04", "2026-11-05"));
    expect(wednesday.status).toBe(404);
  });

  it("12655648759651: self-consumption, net values on both sides", async () => {
    const prm = "12655648759651";
    const cons = points(
      (await h.get(m2026("courbe_de_charge_consommation", prm, "2026-06-10", "2026-06-11"))).body,
    );
    const prod = points(
      (await h.get(m2026("courbe_de_charge_production", prm, "2026-06-10", "2026-06-11"))).body,
    );
    expect(cons).toHaveLength(48);
    expect(prod.map((p) => p.d)).toEqual(cons.map((p) => p.d));
    cons.forEach((c, i) => expect(Math.min(Number(c.v), Number(prod[i]?.v))).toBe(0));
    expect(prod.some((p) => Number(p.v) > 0)).toBe(true);
    expect(cons.map((p) => Number(p.v))).toEqual(
      curvePoints(prm, 1, "2026-06-10", "2026-06-11").map((p) => p.valueW),
    );
  });

  it("26584978546985: consent revoked, 403 everywhere even after a new consent", async () => {
    const prm = "26584978546985";
    const body = { code: "403", message: "Le client n'est pas titulaire/autorisé pour le point demandé" };
    expect(await h.get(daily(prm, "2026-11-02", "2026-11-03"))).toMatchObject({ status: 403, body });
    h.sim.grantConsent(prm);
    expect(await h.get(curve(prm, "2026-11-02", "2026-11-03"))).toMatchObject({ status: 403, body });
  });

  it("other PRMs need a consent first, unless openConsent", async () => {
    const prm = "01234567890123";
    expect((await h.get(daily(prm, "2026-11-02", "2026-11-03"))).status).toBe(403);
    const id = h.sim.grantConsent(prm);
    expect(Number.isInteger(id)).toBe(true);
    expect((await h.get(daily(prm, "2026-11-02", "2026-11-03"))).status).toBe(200);
    h.sim.revokeConsent(prm);
    expect((await h.get(daily(prm, "2026-11-02", "2026-11-03"))).status).toBe(403);
    expect(h.sim.grantConsent(prm)).toBe(id);
    const open = await harness({ openConsent: true });
    try {
      expect((await open.get(daily("98765432109876", "2026-11-02", "2026-11-03"))).status).toBe(200);
      expect((await open.get(daily("26584978546985", "2026-11-02", "2026-11-03"))).status).toBe(403);
    } finally {
      await open.stop();
    }
  });
});
