import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  curvePoints,
  dailyEnergyWh,
  dailyMaxPower,
  indexRegisters,
  profileOf,
} from "../../src/simulator/index.js";
import { formatParisWallTime } from "../../src/domain/time.js";
import { harness, m2026, points, type Harness } from "./helpers.js";

const PRM = "22516914714270";
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

describe("measures 2026: load curves", () => {
  it("a 7-day curve gives 336 points in the documented envelope; the values are the model's", async () => {
    const r = await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-01", "2026-11-08"));
    expect(r.status).toBe(200);
    const body = r.body as Record<string, unknown>;
    expect(body).toMatchObject({
      idPrm: PRM,
      etapeMetier: "BRUT",
      periode: { dateDebut: "2026-11-01", dateFin: "2026-11-08" },
      modeCalcul: "MESURE",
      contexte: [],
    });
    expect(body).not.toHaveProperty("pas");
    const g = (body.grandeur as Record<string, unknown>[])[0];
    expect(g).toMatchObject({ grandeurMetier: "CONS", grandeurPhysique: "PA", unite: "W", calendrier: [] });
    const pts = points(r.body);
    expect(pts).toHaveLength(336);
    expect(pts[0]).toEqual({ v: pts[0]?.v, d: "2026-11-01 00:30:00", p: "PT30M", n: "B", iv: "0", ec: "0" });
    expect(pts[47]?.d).toBe("2026-11-02 00:00:00");
    expect(pts.at(-1)?.d).toBe("2026-11-08 00:00:00");
    const model = curvePoints(PRM, 1, "2026-11-01", "2026-11-08");
    expect(pts.map((p) => p.v)).toEqual(model.map((p) => String(p.valueW)));
    expect(pts.map((p) => p.d)).toEqual(model.map((p) => formatParisWallTime(p.endMs)));
  });

  it("refuses an 8-day curve with ADAM-DC-0015", async () => {
    const r = await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-01", "2026-11-09"));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: "ADAM-DC-0015" });
  });

  it("spring DST day: 46 points, 02:00-03:00 skipped", async () => {
    const pts = points(
      (await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-03-29", "2026-03-30"))).body,
    );
    expect(pts).toHaveLength(46);
    const labels = pts.map((p) => p.d.slice(11, 16));
    expect(labels.slice(0, 5)).toEqual(["00:30", "01:00", "01:30", "03:00", "03:30"]);
    expect(pts.at(-1)?.d).toBe("2026-03-30 00:00:00");
  });

  it("autumn DST day: 50 points, the repeated hour labelled twice", async () => {
    const pts = points(
      (await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-10-25", "2026-10-26"))).body,
    );
    expect(pts).toHaveLength(50);
    const labels = pts.map((p) => p.d.slice(11, 16));
    expect(labels.slice(2, 9)).toEqual(["01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30"]);
    expect(pts.at(-1)?.d).toBe("2026-10-26 00:00:00");
  });

  it("each point carries the PRM's own step (15 and 60 minutes)", async () => {
    h.sim.grantConsent("12345678900015");
    h.sim.grantConsent("12345678900060");
    const p15 = points(
      (await h.get(m2026("courbe_de_charge_consommation", "12345678900015", "2026-11-02", "2026-11-03")))
        .body,
    );
    expect(p15).toHaveLength(96);
    expect(p15[0]).toMatchObject({ d: "2026-11-02 00:15:00", p: "PT15M" });
    const p60 = points(
      (await h.get(m2026("courbe_de_charge_consommation", "12345678900060", "2026-11-02", "2026-11-03")))
        .body,
    );
    expect(p60).toHaveLength(24);
    expect(p60[0]).toMatchObject({ d: "2026-11-02 01:00:00", p: "PT60M" });
  });
});

describe("measures 2026: daily, max power, indexes", () => {
  it("daily consumption: typeValeur, modeCalcul, pas and the model's values", async () => {
    const r = await h.get(m2026("consommation_quotidienne", PRM, "2026-11-01", "2026-11-04"));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      typeValeur: "GLOBALE",
      modeCalcul: "DIFF.INDEX",
      pas: "P1D",
      contexte: [],
    });
    expect((r.body as { grandeur: unknown[] }).grandeur[0]).toMatchObject({
      grandeurMetier: "CONS",
      grandeurPhysique: "EA",
      unite: "Wh",
    });
    expect(points(r.body)).toEqual(
      ["2026-11-01", "2026-11-02", "2026-11-03"].map((d) => ({ v: String(dailyEnergyWh(PRM, 1, d)), d })),
    );
  });

  it("a whole year of daily data in one call, not 366 days", async () => {
    expect(
      points((await h.get(m2026("consommation_quotidienne", PRM, "2025-11-27", "2026-11-27"))).body),
    ).toHaveLength(365);
    const r = await h.get(m2026("consommation_quotidienne", PRM, "2025-11-26", "2026-11-27"));
    expect(r.status).toBe(400);
    expect(r.body).toHaveProperty("code");
    expect(r.body).toHaveProperty("message");
  });

  it("max power needs mesuresPas and grandeurPhysique", async () => {
    const base = m2026("puissance_conso_max_quotidienne", PRM, "2026-11-01", "2026-11-03");
    let r = await h.get(`${base}&grandeurPhysique=PMA`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: "400", message: "Le paramètre mesuresPas est obligatoire" });
    r = await h.get(`${base}&mesuresPas=P1D`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: "400", message: "Le paramètre grandeurPhysique est obligatoire" });
    r = await h.get(`${base}&mesuresPas=PT30M&grandeurPhysique=PMA`);
    expect(r.status).toBe(400);
    r = await h.get(`${base}&mesuresPas=P1D&grandeurPhysique=PMA`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      modeCalcul: "MESURE",
      pas: "P1D",
      grandeur: [{ grandeurPhysique: "PMA", unite: "VA" }],
    });
    const m = dailyMaxPower(PRM, 1, "2026-11-01");
    expect(points(r.body)[0]).toEqual({ v: String(m?.valueVa), d: formatParisWallTime(m?.atMs ?? 0) });
    expect(points(r.body)[0]?.d).toMatch(/^2026-11-01 \d\d:\d\d:\d\d$/);
  });

  it("max power P1M gives one point per month; TOUT adds phases on three-phase PRMs only", async () => {
    let r = await h.get(
      m2026(
        "puissance_conso_max_quotidienne",
        PRM,
        "2026-09-15",
        "2026-11-10",
        "&mesuresPas=P1M&grandeurPhysique=PMA",
      ),
    );
    expect(r.body).toMatchObject({ pas: "P1M" });
    expect(points(r.body).map((p) => p.d.slice(0, 7))).toEqual(["2026-09", "2026-10", "2026-11"]);
    let three = "";
    for (let i = 100; !three; i++) {
      const prm = `555555555${String(i).padStart(5, "0")}`;
      if (profileOf(prm).phases === 3) three = prm;
    }
    const open = await harness({ openConsent: true });
    try {
      r = await open.get(
        m2026(
          "puissance_conso_max_quotidienne",
          three,
          "2026-11-01",
          "2026-11-03",
          "&mesuresPas=P1D&grandeurPhysique=TOUT",
        ),
      );
      expect(
        (r.body as { grandeur: { grandeurPhysique: string }[] }).grandeur.map((g) => g.grandeurPhysique),
      ).toEqual(["PMA", "PMA1", "PMA2", "PMA3"]);
    } finally {
      await open.stop();
    }
    r = await h.get(
      m2026(
        "puissance_conso_max_quotidienne",
        PRM,
        "2026-11-01",
        "2026-11-03",
        "&mesuresPas=P1D&grandeurPhysique=TOUT",
      ),
    );
    expect((r.body as { grandeur: unknown[] }).grandeur).toHaveLength(profileOf(PRM).phases === 3 ? 4 : 1);
  });

  it("indexes: contexte / calendrier / classeTemporelle with integer cumulative counters", async () => {
    const r = await h.get(m2026("index_consommation", PRM, "2026-11-01", "2026-11-04"));
    expect(r.status).toBe(200);
    const body = r.body as {
      grandeur: unknown[];
      contexte: {
        grandeur: {
          grandeurMetier: string;
          calendrier: {
            classeTemporelle: {
              idClasseTemporelle: string;
              valeur: { d: string; v: number; iv: number }[];
            }[];
          }[];
        }[];
      }[];
    };
    expect(body.grandeur).toEqual([]);
    expect(body).not.toHaveProperty("modeCalcul");
    const g = body.contexte[0]?.grandeur[0];
    expect(g?.grandeurMetier).toBe("CONS");
    const classes = g?.calendrier[0]?.classeTemporelle ?? [];
    expect(classes.map((c) => c.idClasseTemporelle)).toEqual(["HC", "HP"]);
    for (const c of classes) {
      expect(c.valeur.map((v) => v.d)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
      expect(c.valeur.every((v) => Number.isInteger(v.v) && v.iv === 0)).toBe(true);
    }
    const total = (i: number) => classes.reduce((s, c) => s + (c.valeur[i]?.v ?? 0), 0);
    expect(total(1) - total(0)).toBe(dailyEnergyWh(PRM, 1, "2026-11-01"));
    expect(total(0)).toBe(indexRegisters(PRM, 1, "2026-11-01")?.totalWh);
  });

  it("production ressources on a production PRM", async () => {
    const prm = "24880057139941";
    expect(
      (await h.get(m2026("production_quotidienne", prm, "2026-11-01", "2026-11-03"))).body,
    ).toMatchObject({
      grandeur: [{ grandeurMetier: "PROD", grandeurPhysique: "EA", unite: "Wh" }],
    });
    expect(
      (await h.get(m2026("courbe_de_charge_production", prm, "2026-11-01", "2026-11-02"))).body,
    ).toMatchObject({
      grandeur: [{ grandeurMetier: "PROD", grandeurPhysique: "PA", unite: "W" }],
    });
    expect((await h.get(m2026("index_production", prm, "2026-11-01", "2026-11-02"))).status).toBe(200);
  });
});

describe("measures 2026: requests Enedis refuses", () => {
  it("parameters outside the Swagger (v5 names) and unknown ressources give 500 SI coeur", async () => {
    const siCoeur = { code: "500", message: "Problème technique dans l'interrogation du SI coeur" };
    let r = await h.get(
      `/mesure_synchrone_auto/v2/consommation_quotidienne?usage_point_id=${PRM}&start=2026-11-01&end=2026-11-02`,
    );
    expect(r.status).toBe(500);
    expect(r.body).toEqual(siCoeur);
    r = await h.get(
      `${m2026("consommation_quotidienne", PRM, "2026-11-01", "2026-11-02")}&mesuresCorrigees=false`,
    );
    expect(r.status).toBe(500);
    r = await h.get(m2026("index_consumption", PRM, "2026-11-01", "2026-11-02"));
    expect(r.status).toBe(500);
    expect(r.body).toEqual(siCoeur);
  });

  it("missing or malformed parameters give 400 {code, message}", async () => {
    let r = await h.get(
      `/mesure_synchrone_auto/v2/consommation_quotidienne?pointId=${PRM}&dateDebut=2026-11-01`,
    );
    expect(r).toMatchObject({
      status: 400,
      body: { code: "400", message: "Le paramètre dateFin est obligatoire" },
    });
    r = await h.get(m2026("consommation_quotidienne", PRM, "2026-11-1", "2026-11-02"));
    expect(r.status).toBe(400);
    r = await h.get(m2026("consommation_quotidienne", PRM, "2026-11-05", "2026-11-02"));
    expect(r.status).toBe(400);
    r = await h.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-05", "2026-11-05"));
    expect(r.status).toBe(400);
    r = await h.get(m2026("consommation_quotidienne", "1234", "2026-11-01", "2026-11-02"));
    expect(r.status).toBe(400);
  });

  it("dateFin after today (Paris) is refused; today itself is fine", async () => {
    expect((await h.get(m2026("consommation_quotidienne", PRM, "2026-11-20", "2026-11-29"))).status).toBe(
      400,
    );
    const r = await h.get(m2026("consommation_quotidienne", PRM, "2026-11-20", "2026-11-28"));
    expect(r.status).toBe(200);
    expect(points(r.body).at(-1)?.d).toBe("2026-11-27");
  });

  it("history: curves go back 24 months + 15 days, daily data 36 months + 15 days (ADAM-ERR0125)", async () => {
    expect(
      (await h.get(m2026("courbe_de_charge_consommation", PRM, "2024-11-13", "2024-11-14"))).status,
    ).toBe(200);
    let r = await h.get(m2026("courbe_de_charge_consommation", PRM, "2024-11-12", "2024-11-13"));
    expect(r).toMatchObject({ status: 400, body: { error: "ADAM-ERR0125" } });
    expect(r.body).toHaveProperty("error_description");
    expect((await h.get(m2026("consommation_quotidienne", PRM, "2023-11-13", "2023-11-14"))).status).toBe(
      200,
    );
    r = await h.get(m2026("consommation_quotidienne", PRM, "2023-11-12", "2023-11-14"));
    expect(r).toMatchObject({ status: 400, body: { error: "ADAM-ERR0125" } });
  });

  it("data of day D appear at 08:00 Paris on D+1", async () => {
    const early = await harness({}, Date.parse("2026-11-28T06:59:00Z")); // 07:59 Paris
    try {
      let r = await early.get(m2026("consommation_quotidienne", PRM, "2026-11-25", "2026-11-28"));
      expect(points(r.body).map((p) => p.d)).toEqual(["2026-11-25", "2026-11-26"]);
      r = await early.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-27", "2026-11-28"));
      expect(r).toMatchObject({
        status: 404,
        body: { code: "404", message: "Pas de mesure trouvée pour ce point" },
      });
      early.clock.advance(60_000); // 08:00 Paris
      r = await early.get(m2026("courbe_de_charge_consommation", PRM, "2026-11-27", "2026-11-28"));
      expect(points(r.body)).toHaveLength(48);
    } finally {
      await early.stop();
    }
  });

  it("lateDays delays one PRM's publication", async () => {
    const late = await harness({ lateDays: { [PRM]: 2 } });
    try {
      const r = await late.get(m2026("consommation_quotidienne", PRM, "2026-11-20", "2026-11-28"));
      expect(points(r.body).at(-1)?.d).toBe("2026-11-25");
      const other = await late.get(
        m2026("consommation_quotidienne", "64975835695673", "2026-11-20", "2026-11-28"),
      );
      expect(points(other.body).at(-1)?.d).toBe("2026-11-27");
    } finally {
      await late.stop();
    }
  });

  it("answers some successful GETs as application/octet-stream (every 3rd by default), with a JSON body", async () => {
    const o = await harness();
    try {
      const types: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await o.get(m2026("consommation_quotidienne", PRM, "2026-11-01", "2026-11-02"));
        types.push(r.headers.get("content-type") ?? "");
        expect(points(r.body)).toHaveLength(1);
      }
      expect(types.map((t) => t.startsWith("application/octet-stream"))).toEqual([
        false,
        false,
        true,
        false,
        false,
        true,
      ]);
      expect(types[0]).toMatch(/^application\/json/);
    } finally {
      await o.stop();
    }
  });
});
