import { describe, expect, it } from "vitest";
import { harness, m2026 } from "./helpers.js";

describe("request log", () => {
  it("counts per API, per endpoint and per status; admin calls are not counted; reset clears", async () => {
    const h = await harness({ quotaPerSecond: 2 });
    try {
      const daily = m2026("consommation_quotidienne", "22516914714270", "2026-11-01", "2026-11-02");
      await h.get(daily);
      await h.get(daily);
      await h.get(daily); // 429
      await h.get(m2026("courbe_de_charge_consommation", "22516914714270", "2026-11-01", "2026-11-10")); // 429 too (same API)
      await h.get("/situation_contrat_auto/v1/22516914714270");
      await h.get("/nowhere");
      await fetch(
        `${h.sim.url}/dataconnect/v2/oauth2/authorize?client_id=simulator-client&response_type=code&duration=P1Y`,
      );
      await fetch(`${h.sim.url}/`);
      const res = await fetch(`${h.sim.url}/__simulator/log`);
      const log = (await res.json()) as Record<string, unknown>;
      expect(log).toMatchObject({
        total: 8,
        byApi: { oauth2: 1, mesure_synchrone_auto: 4, situation_contrat_auto: 1, other: 1, consent: 1 },
        byEndpoint: {
          "POST /oauth2/v3/token": 1,
          "GET /mesure_synchrone_auto/v2/consommation_quotidienne": 3,
          "GET /mesure_synchrone_auto/v2/courbe_de_charge_consommation": 1,
          "GET /situation_contrat_auto/v1/{usage_point_id}": 1,
          "GET /dataconnect/v2/oauth2/authorize": 1,
        },
        byStatus: { "200": 5, "429": 2, "404": 1 },
        byApiStatus: { mesure_synchrone_auto: { "200": 2, "429": 2 } },
        quotaRefused: 2,
      });
      expect(h.sim.requestLog()).toMatchObject({ total: 8 });
      expect((log.recent as unknown[]).length).toBe(8);
      expect(await (await fetch(`${h.sim.url}/__simulator/log/reset`, { method: "POST" })).json()).toEqual({
        reset: true,
      });
      expect(h.sim.requestLog().total).toBe(0);
      h.sim.resetLog();
      expect(h.sim.requestLog()).toMatchObject({ total: 0, byApi: {}, recent: [] });
    } finally {
      await h.stop();
    }
  });

  it("POST /__simulator/consent grants consent for scripts; the root page lists the endpoints", async () => {
    const h = await harness();
    try {
      const prm = "90000000000001";
      const path = m2026("consommation_quotidienne", prm, "2026-11-01", "2026-11-02");
      expect((await h.get(path)).status).toBe(403);
      const res = await fetch(`${h.sim.url}/__simulator/consent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ usagePointId: prm }),
      });
      const body = (await res.json()) as { autorisationId: number };
      expect(body.autorisationId).toBe(h.sim.grantConsent(prm));
      expect((await h.get(path)).status).toBe(200);
      const bad = await fetch(`${h.sim.url}/__simulator/consent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(bad.status).toBe(400);
      const root = await fetch(`${h.sim.url}/`);
      expect(root.status).toBe(200);
      const html = await root.text();
      expect(html).toContain("/mesure_synchrone_auto/v2/");
      expect(html).toContain("/metering_data_");
      expect(html).toContain("22516914714270");
    } finally {
      await h.stop();
    }
  });
});
