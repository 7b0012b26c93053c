import { describe, expect, it } from "vitest";
import { QuotaLimiter } from "../../src/simulator/quota.js";
import { harness, m2026 } from "./helpers.js";

const PRM = "22516914714270";
const daily = m2026("consommation_quotidienne", PRM, "2026-11-01", "2026-11-02");

describe("quota limiter", () => {
  it("allows perSecond calls in any 1-second window and says when the next one fits", () => {
    const q = new QuotaLimiter(3, 100);
    expect([0, 100, 200].map((t) => q.take("a", t).allowed)).toEqual([true, true, true]);
    expect(q.take("a", 300)).toEqual({ allowed: false, limit: "Q3", retryAtMs: 1000 });
    expect(q.take("b", 300).allowed).toBe(true);
    expect(q.take("a", 999).allowed).toBe(false);
    expect(q.take("a", 1000).allowed).toBe(true);
    expect(q.take("a", 1050)).toMatchObject({ allowed: false, retryAtMs: 1100 });
  });

  it("allows perHour calls in any hour; refused calls do not count", () => {
    const q = new QuotaLimiter(100, 4);
    for (let i = 0; i < 4; i++) expect(q.take("a", i * 10_000).allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect(q.take("a", 50_000 + i).limit).toBe("Q4");
    expect(q.take("a", 3_599_999)).toMatchObject({ allowed: false, limit: "Q4", retryAtMs: 3_600_000 });
    expect(q.take("a", 3_600_000).allowed).toBe(true);
    expect(q.take("a", 3_600_001)).toMatchObject({ allowed: false, retryAtMs: 3_610_000 });
    expect(q.take("a", 3_610_000).allowed).toBe(true);
  });
});

describe("quotas over HTTP", () => {
  it("429 SLA dépassé with Retry-After past 5 calls per second per API; resets with the clock", async () => {
    const h = await harness({ quotaPerSecond: 5, quotaPerHour: 1000 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await h.get(daily)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const r = await h.get(daily);
      expect(r.body).toEqual({ code: "429", message: "SLA dépassé" });
      expect(r.headers.get("retry-after")).toBe("1");
      // Another API has its own quota; the token endpoint and the admin endpoints have none.
      expect((await h.get("/synth_contrat_auto/v1/22516914714270")).status).toBe(200);
      h.clock.advance(1000);
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push((await h.get(daily)).status);
      expect(after).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await h.stop();
    }
  });

  it("an hourly quota, with the v5 message naming the time to come back", async () => {
    const h = await harness({ quotaPerSecond: 100, quotaPerHour: 3 });
    try {
      const v5 = `/metering_data_dc/v5/daily_consumption?usage_point_id=${PRM}&start=2026-11-01&end=2026-11-02`;
      for (let i = 0; i < 3; i++) {
        expect((await h.get(v5)).status).toBe(200);
        h.clock.advance(60_000);
      }
      const r = await h.get(v5);
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({
        error_description: "Quota Q4 reached. Call threshold allowed on 13:00:00",
      });
      expect(r.headers.get("retry-after")).toBe(String(3600 - 180));
      expect((await h.get(daily)).status).toBe(200);
      h.clock.advance(3600_000 - 180_000);
      expect((await h.get(v5)).status).toBe(200);
      expect((await h.get(v5)).status).toBe(429);
    } finally {
      await h.stop();
    }
  });

  it("the per-second v5 message", async () => {
    const h = await harness({ quotaPerSecond: 1 });
    try {
      const v5 = `/metering_data_dc/v5/daily_consumption?usage_point_id=${PRM}&start=2026-11-01&end=2026-11-02`;
      await h.get(v5);
      const r = await h.get(v5);
      expect(r.status).toBe(429);
      expect((r.body as { error_description: string }).error_description).toMatch(
        /^Quota Q3 reached\. Call threshold allowed on \d\d:\d\d:\d\d$/,
      );
      expect(h.sim.requestLog().quotaRefused).toBe(1);
    } finally {
      await h.stop();
    }
  });
});
