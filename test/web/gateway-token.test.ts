/**
 * Issue 13: "J'ai un jeton de passerelle" on the dashboard, against the embedded simulator's gateways.
 * The token is checked with the gateway, carried encrypted to the choice (never stored before it), the
 * chosen PRMs become gateway accounts as `account add --gateway` makes them (token encrypted, masked); a
 * PRM another user holds attaches nothing, opens a review, and is never shown; every form needs CSRF.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

const A = "22516914714270";
const B = "11453290002823";
const HELD = "30001610071843";

describe("gateway token on the dashboard", () => {
  let f: Fixture;

  async function simToken(usagePointIds: string[], gateway = "conso-api"): Promise<string> {
    const res = await fetch(`${f.ctx.simulator!.url}/__simulator/gateway-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ usagePointIds, gateway }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  async function check(agent: Agent, form: Record<string, string>) {
    return agent.submit("/gateway/token", form, "/gateway/token");
  }

  beforeAll(async () => {
    f = await fixture();
    await f.sender();
  });
  afterAll(async () => {
    await f?.close();
  });

  it("offers the gateway token beside the Enedis consent button", async () => {
    const { agent } = await f.signedIn("dash");
    const res = await agent.get("/");
    expect(res.body).toContain('href="/gateway/token"');
    expect(res.body).toContain("J&#39;ai un jeton de passerelle");
    const page = await agent.get("/gateway/token");
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/name="token" type="password"/);
  });

  it("happy path: checks the token, shows its PRMs, creates the chosen accounts with the token encrypted", async () => {
    const { agent, user } = await f.signedIn("alice");
    const token = await simToken([A, B]);
    const res = await check(agent, { gateway: "conso-api", token, prm: "" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/gateway/choose");
    // Nothing stored before the confirmation, and the token is not in clear in the flash store.
    expect(await f.ctx.store.accounts.findByUsagePoint(A)).toHaveLength(0);
    for (const name of await f.ctx.store.secrets.names()) expect(name).not.toContain(token);
    const choose = await agent.get("/gateway/choose");
    expect(choose.statusCode).toBe(200);
    expect(choose.body).toContain(A);
    expect(choose.body).toContain(B);
    expect(choose.body).not.toContain(token);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(choose.body)![1]!;
    const done = await agent.post("/gateway/choose", { _csrf: csrf, prm: A });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/?done=gateway");
    const accounts = await f.ctx.store.accounts.list({ userId: user.id, limit: 10 });
    expect(accounts.map((a) => a.usagePointId)).toEqual([A]);
    const cred = await f.ctx.store.gateways.credential(accounts[0]!.id);
    expect(cred?.gateway).toBe("conso-api");
    expect(cred?.token).toBe(token);
    expect(cred?.tokenHint).not.toContain(token);
    expect(accounts[0]!.config.gateway).toBe("conso-api");
    const dash = await agent.get("/?done=gateway");
    expect(dash.body).toContain("Compteur connecté par la passerelle");
    expect(dash.body).toContain(A);
    expect(dash.body).not.toContain(token);
    // The choice is single use.
    expect((await agent.get("/gateway/choose")).headers.location).toBe("/gateway/token");
    for (const line of f.logs) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(A);
    }
  });

  it("MyElectricalData v1 and v2 tokens are checked with their gateway", async () => {
    const { agent } = await f.signedIn("medusers");
    const v1 = await simToken([B], "myelectricaldata");
    const needs = await check(agent, { gateway: "myelectricaldata", token: v1, prm: "" });
    expect(needs.statusCode).toBe(400);
    expect(needs.body).toContain("indiquez son numéro (PRM)");
    const ok = await check(agent, { gateway: "myelectricaldata", token: v1, prm: B });
    expect(ok.headers.location).toBe("/gateway/choose");
    expect((await agent.get("/gateway/choose")).body).toContain(B);
    const v2 = await simToken([B], "myelectricaldata-v2");
    const ok2 = await check(agent, { gateway: "myelectricaldata-v2", token: v2, prm: "" });
    expect(ok2.headers.location).toBe("/gateway/choose");
    expect((await agent.get("/gateway/choose")).body).toContain(B);
  });

  it("a token covering nothing, or not a token, attaches nothing and says so in French", async () => {
    const { agent, user } = await f.signedIn("bob");
    const v1 = await simToken([A], "myelectricaldata");
    const none = await check(agent, { gateway: "myelectricaldata", token: v1, prm: B });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain("Ce jeton ne couvre aucun compteur");
    expect(none.body).not.toContain(v1);
    const bad = await check(agent, { gateway: "conso-api", token: "not-a-jwt", prm: "" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("n&#39;est pas reconnu");
    expect(await f.ctx.store.accounts.list({ userId: user.id, limit: 10 })).toHaveLength(0);
    expect((await agent.get("/gateway/choose")).headers.location).toBe("/gateway/token");
  });

  it("a PRM another user holds is not shown nor attached; asking opens a review, the holder suspended", async () => {
    await f.user("holder");
    const held = await registerAccount(f.ctx.store, f.ctx.config, { username: "holder", usagePointId: HELD });
    const { agent, user } = await f.signedIn("carol");
    const token = await simToken([HELD]);
    const res = await check(agent, { gateway: "conso-api", token, prm: "" });
    expect(res.headers.location).toBe("/gateway/choose");
    const choose = await agent.get("/gateway/choose");
    expect(choose.body).not.toContain(HELD);
    expect(choose.body).toContain("un administrateur doit d&#39;abord vérifier");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(choose.body)![1]!;
    const done = await agent.post("/gateway/choose", { _csrf: csrf, review: "1" });
    expect(done.headers.location).toBe("/?done=gateway-review");
    expect(await f.ctx.store.accounts.list({ userId: user.id, limit: 10 })).toHaveLength(0);
    const open = (await f.ctx.store.consents.list({ status: "open" })).filter(
      (r) => r.requesterUserId === user.id,
    );
    expect(open).toHaveLength(1);
    expect(open[0]!.reason).toBe("prm_held");
    expect((await f.ctx.store.consents.suspendedAccountIds()).has(held.account.id)).toBe(true);
    const dash = await agent.get("/?done=gateway-review");
    expect(dash.body).toContain("doit être vérifiée par l&#39;administrateur");
    expect(await f.ctx.store.gateways.credential(held.account.id)).toBeUndefined();
    // The token waits encrypted beside the review, never in its grant.
    expect(JSON.stringify(open[0]!.grant)).not.toContain(token);
    // The administrator shares the meter: the requester gets the gateway account with that token.
    const admin = await f.user("gw-admin", { admin: true });
    expect(await f.web.consent.decideReview(open[0]!, "share", admin, f.clock.now())).toBe(true);
    const mine = await f.ctx.store.accounts.list({ userId: user.id, limit: 10 });
    expect(mine.map((a) => a.usagePointId)).toEqual([HELD]);
    expect((await f.ctx.store.gateways.credential(mine[0]!.id))?.token).toBe(token);
    expect((await f.ctx.store.secrets.names()).some((n) => n.startsWith("gateway.review:"))).toBe(false);
  });

  it("a forged Conso API token naming a held PRM opens no review and suspends nobody", async () => {
    await f.user("holder2");
    const prm = "50001610071845";
    const held = await registerAccount(f.ctx.store, f.ctx.config, { username: "holder2", usagePointId: prm });
    const { agent, user } = await f.signedIn("forger");
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const forged = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: [prm], exp: 4102444800 })}.c2lnbmF0dXJl`;
    expect((await check(agent, { gateway: "conso-api", token: forged })).headers.location).toBe(
      "/gateway/choose",
    );
    const choose = await agent.get("/gateway/choose");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(choose.body)![1]!;
    const done = await agent.post("/gateway/choose", { _csrf: csrf, review: "1" });
    expect(done.headers.location).toBe("/?done=gateway-failed");
    expect(
      (await f.ctx.store.consents.list({ status: "open" })).filter((r) => r.requesterUserId === user.id),
    ).toEqual([]);
    expect((await f.ctx.store.consents.suspendedAccountIds()).has(held.account.id)).toBe(false);
  });

  it("a forged Conso API token attaches no free PRM either", async () => {
    const { agent, user } = await f.signedIn("squatter");
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const forged = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: ["60001610071846"], exp: 4102444800 })}.c2ln`;
    expect((await check(agent, { gateway: "conso-api", token: forged })).headers.location).toBe(
      "/gateway/choose",
    );
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get("/gateway/choose")).body)![1]!;
    const done = await agent.post("/gateway/choose", { _csrf: csrf, prm: "60001610071846" });
    expect(done.headers.location).toBe("/?done=gateway-failed");
    expect(await f.ctx.store.accounts.list({ userId: user.id, limit: 10 })).toHaveLength(0);
  });

  it("every form needs its CSRF token", async () => {
    const { agent, user } = await f.signedIn("dave");
    const token = await simToken([B]);
    const noCsrf = await agent.post("/gateway/token", { gateway: "conso-api", token });
    expect(noCsrf.statusCode).toBe(403);
    expect((await agent.get("/gateway/choose")).headers.location).toBe("/gateway/token");
    expect((await check(agent, { gateway: "conso-api", token })).statusCode).toBe(303);
    const forged = await agent.post("/gateway/choose", { _csrf: "forged", prm: B });
    expect(forged.statusCode).toBe(403);
    expect(await f.ctx.store.accounts.list({ userId: user.id, limit: 10 })).toHaveLength(0);
  });
  it("the service page tells the household, in French, of a ban or a refused token and what to do", async () => {
    const { agent, user } = await f.signedIn("erin");
    const prm = "40001610071844";
    const token = await simToken([prm]);
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: user.username,
      usagePointId: prm,
      gateway: { id: "conso-api", token, prms: [prm] },
    });
    const page = `/notificationAccount/${r.account.id}`;
    const fine = await agent.get(page);
    expect(fine.statusCode).toBe(200);
    expect(fine.body).toContain("Conso API");
    expect(fine.body).not.toContain(token);
    expect(fine.body).not.toContain("gateway-problem");

    await f.ctx.store.gateways.markRefused(r.account.id, "401 Unauthorized");
    await f.ctx.store.gateways.block({
      gateway: "conso-api",
      kind: "banned",
      message: "Cloudflare: you have been blocked",
      sinceMs: f.clock.now(),
      untilMs: null,
    });
    const told = await agent.get(page);
    expect(told.body).toContain("Jeton refusé.");
    expect(told.body).toContain("Demandez un nouveau jeton à la passerelle");
    expect(told.body).toContain("Passerelle bloquée.");
    expect(told.body).toContain("l&#39;administrateur est prévenu");
    expect(told.body).toContain('href="/gateway/token"');
    expect(told.body).not.toContain(token);
    expect(told.body).not.toContain("Unauthorized");
    expect(told.body).not.toContain("you have been blocked");
    await f.ctx.store.gateways.clearBlock("conso-api");
    // Expired by the refusal: the dashboard asks for a new token, not for Enedis' consent page.
    await f.ctx.store.accounts.updateConfig(r.account.id, { expired: true });
    const dash = await agent.get("/");
    expect(dash.body).toContain("n&#39;accepte plus le jeton de ce compteur");
    expect(dash.body).toMatch(/id="reconnect-linky" href="\/gateway\/token"/);

    // A new token through the form replaces the refused one: the household is no longer told.
    const fresh = await simToken([prm]);
    expect((await check(agent, { gateway: "conso-api", token: fresh })).headers.location).toBe(
      "/gateway/choose",
    );
    const choose = await agent.get("/gateway/choose");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(choose.body)![1]!;
    expect((await agent.post("/gateway/choose", { _csrf: csrf, prm })).headers.location).toBe(
      "/?done=gateway",
    );
    const cred = await f.ctx.store.gateways.credential(r.account.id);
    expect(cred?.token).toBe(fresh);
    expect(cred?.refused).toBeNull();
    expect((await agent.get(page)).body).not.toContain("Jeton refusé.");
    expect((await f.ctx.store.accounts.list({ userId: user.id, limit: 10 }))[0]!.config.expired).toBe(false);
  });
  // Last: it spends the route's rate limit for this address.
  it("is rate limited like the consent routes (it calls the gateway for the user)", async () => {
    const { agent } = await f.signedIn("mallory");
    const csrf = await agent.csrf("/gateway/token");
    const codes: number[] = [];
    for (let i = 0; i < 22; i++)
      codes.push(
        (await agent.post("/gateway/token", { _csrf: csrf, gateway: "conso-api", token: "x" })).statusCode,
      );
    // 20 a minute per address: refused in French at first, then 429.
    expect(codes[0]).toBe(400);
    expect(codes.at(-1)).toBe(429);
  });
});
