/** /healthz, /stats, /metrics, security headers, error pages, and what the server writes to its log. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { fixture, type Fixture } from "./helpers.js";

describe("health, counters and headers", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { accessLog: true } });
    await f.sender();
    await f.user("u1");
    await f.user("u2");
    const a = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "u1",
      usagePointId: "22516914714270",
    });
    const b = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "u2",
      usagePointId: "11453290002823",
    });
    await registerAccount(f.ctx.store, f.ctx.config, { username: "u2", usagePointId: "32320647321714" });
    await f.ctx.store.accounts.updateConfig(a.account.id, { last_success_ms: f.clock.now() - 3600_000 });
    await f.ctx.store.accounts.updateConfig(b.account.id, {
      expired: true,
      last_success_ms: f.clock.now() - 3 * 86_400_000,
    });
  });
  afterAll(() => f.close());

  it("answers /healthz with the database's state", async () => {
    const res = await f.agent().get("/healthz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok", database: "sqlite" });
  });

  it("counts accounts, expired ones and those synced within 24 h in /stats", async () => {
    const res = await f.agent().get("/stats");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      accounts: 3,
      expiredAccounts: 1,
      syncedLast24h: 1,
      users: 2,
      senders: 1,
    });
  });

  it("serves Prometheus text on /metrics", async () => {
    await f.agent().get("/healthz");
    const res = await f.agent().get("/metrics");
    expect(res.statusCode).toBe(200);
    expect(String(res.headers["content-type"])).toContain("text/plain");
    expect(res.body).toMatch(/^# TYPE linky_accounts gauge$/m);
    expect(res.body).toMatch(/^linky_accounts\{state="active"\} 2$/m);
    expect(res.body).toMatch(/^linky_accounts\{state="expired"\} 1$/m);
    expect(res.body).toMatch(/^linky_accounts_synced_24h 1$/m);
    expect(res.body).toMatch(
      /^linky_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m,
    );
  });

  it("sets security headers on pages and answers", async () => {
    for (const path of ["/login", "/healthz", "/nope"]) {
      const res = await f.agent().get(path);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
    }
    const page = await f.agent().get("/login");
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.body).not.toMatch(/<script|style=/);
  });

  it("serves the stylesheet under a hashed name with a long cache", async () => {
    const page = await f.agent().get("/login");
    const href = /href="(\/static\/app-[0-9a-f]+\.css)"/.exec(page.body)?.[1];
    expect(href).toBeTruthy();
    const css = await f.agent().get(href!);
    expect(css.statusCode).toBe(200);
    expect(String(css.headers["content-type"])).toContain("text/css");
    expect(css.headers["cache-control"]).toContain("immutable");
    expect(css.body).toContain("@media");
  });

  it("answers unknown routes and malformed bodies with a clear page, or JSON when asked", async () => {
    const a = f.agent();
    const html = await a.get("/no/such/page");
    expect(html.statusCode).toBe(404);
    expect(html.body).toContain("Cette page n&#39;existe pas.");
    const json = await a.get("/no/such/page", { accept: "application/json" });
    expect(json.statusCode).toBe(404);
    expect(json.json()).toMatchObject({ error: "not_found" });
    const bad = await a.request({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/json" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Demande invalide");
    const huge = await f.web.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `username=${"x".repeat(100_000)}`,
    });
    expect(huge.statusCode).toBe(413);
  });

  it("logs requests by route, never their query strings", async () => {
    const a = f.agent();
    await a.get("/dataConnect/redirect?autorisation_id=58249&state=secret-looking-state&code=abc");
    const log = f.logs.join("\n");
    expect(log).toContain("GET /dataConnect/redirect 403");
    expect(log).not.toContain("secret-looking-state");
    expect(log).not.toContain("58249");
  });
});
