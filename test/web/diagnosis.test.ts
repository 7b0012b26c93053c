/**
 * The diagnosis page and API (issue 17) against the real app and the embedded simulator: the owner
 * sees their meter's diagnosis in French (the cause, what comes next, what to do), another user gets a
 * 404 for the page and the API alike (never a hint that the meter exists); the evaluator wired to the
 * event bus raises an alert after `sync.finished`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../src/alerts/evaluate.js";
import { meterFixture, OTHER_PRM, PRM, type MeterFixture } from "./meter-fixture.js";

/** The text a person reads (no tags, no code samples). */
function readableText(html: string): string {
  return html
    .replace(/<code[\s\S]*?<\/code>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ");
}

describe("diagnosis", () => {
  let m: MeterFixture;
  beforeAll(async () => {
    m = await meterFixture();
  }, 120_000);
  afterAll(() => m?.f.close());

  it("shows the owner a French diagnosis of their meter, linked from the meter's page", async () => {
    const id = m.devices[PRM]!;
    const meter = await m.owner.get(`/devices/${id}`);
    expect(meter.body).toContain(`href="/devices/${id}/diagnostic"`);
    const res = await m.owner.get(`/devices/${id}/diagnostic`);
    expect(res.statusCode).toBe(200);
    const text = readableText(res.body);
    expect(text).toContain("Diagnostic du compteur");
    expect(text).toContain("Ce qui va se passer");
    expect(text).toContain("Prochaine collecte prévue le");
    expect(text).toContain("Courbe de charge (consommation)");
    expect(res.body).toContain('data-state="ok"');
  });

  it("answers the API with the same diagnosis", async () => {
    const res = await m.owner.get(`/api/v1/usage-points/${PRM}/diagnosis`);
    expect(res.statusCode).toBe(200);
    const d = res.json() as { state: string; source: string; datasets: unknown[]; next: { key: string }[] };
    expect(d.state).toBe("ok");
    expect(d.source).toBe("enedis");
    expect(d.datasets.length).toBeGreaterThan(0);
    expect(d.next[0]?.key).toBe("sync");
  });

  it("gives another user a 404 for the page and the API, like a meter that does not exist", async () => {
    const id = m.devices[PRM]!;
    const page = await m.other.get(`/devices/${id}/diagnostic`);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain(PRM);
    const missing = await m.other.get(`/devices/999999/diagnostic`);
    expect(missing.statusCode).toBe(404);
    expect(readableText(page.body)).toBe(readableText(missing.body));
    const api = await m.other.get(`/api/v1/usage-points/${PRM}/diagnosis`);
    expect(api.statusCode).toBe(404);
    // Their own meter works.
    expect((await m.other.get(`/api/v1/usage-points/${OTHER_PRM}/diagnosis`)).statusCode).toBe(200);
  });

  it("a revoked consent: the page says so and offers to consent again", async () => {
    const store = m.f.ctx.store;
    const [account] = await store.accounts.findByUsagePoint(PRM);
    await store.accounts.updateConfig(account!.id, {
      expired: true,
      expired_at_ms: m.f.ctx.now(),
      expired_reason: "consent missing or revoked",
      expired_code: "consent_expired",
    });
    const res = await m.owner.get(`/devices/${m.devices[PRM]}/diagnostic`);
    expect(res.body).toContain('data-state="consent"');
    expect(res.body).toContain('href="/dataConnect/authorize"');
    expect(readableText(res.body)).toContain("Redonner votre consentement");
    await store.accounts.updateConfig(account!.id, { expired: false, expired_at_ms: null });
  });

  it("evaluates a meter's alerts after its sync.finished on the event bus", async () => {
    const { ctx } = m.f;
    const [account] = await ctx.store.accounts.findByUsagePoint(PRM);
    await ctx.store.accounts.updateConfig(account!.id, {
      api_not_subscribed: {
        api: "mesure_synchrone_auto",
        message: "API not subscribed",
        since_ms: ctx.now(),
        next_check_ms: ctx.now() + 3_600_000,
      },
    });
    const evaluator = new AlertEvaluator({
      store: ctx.store,
      config: ctx.config,
      now: ctx.now,
      log: () => undefined,
      events: ctx.events,
    });
    evaluator.start();
    try {
      await evaluator.idle(); // the start-up catch-up: time-based kinds only
      expect((await ctx.store.alerts.listForAccount(account!.id)).map((a) => a.kind)).not.toContain(
        "api_not_subscribed",
      );
      ctx.events.emit("sync.finished", {
        accountId: account!.id,
        deviceId: m.devices[PRM]!,
        usagePointId: PRM,
        outcome: account!.config.last_sync!,
      });
      await new Promise((r) => queueMicrotask(() => r(undefined)));
      await evaluator.idle();
      const alerts = await ctx.store.alerts.listForAccount(account!.id);
      expect(alerts.map((a) => a.kind)).toContain("api_not_subscribed");
    } finally {
      await evaluator.stop();
      await ctx.store.accounts.updateConfig(account!.id, { api_not_subscribed: null });
    }
  });
});
