/**
 * The consent flow end to end through the app and the embedded simulator: success (v2 and v1), and every
 * way a return must be refused with a clear page and nothing created.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATE_TTL_MS } from "../../src/web/consent-state.js";
import { consentAtSimulator, fixture, pathOf, type Agent, type Fixture } from "./helpers.js";

async function accountsOf(f: Fixture, userId: number) {
  return f.ctx.store.accounts.list({ userId });
}

async function devicesOf(f: Fixture, userId: number) {
  return f.ctx.store.devices.listByUser(userId);
}

/** The PRM form, then POST /dataConnect/authorize, and the state it put in the consent URL. */
async function authorize(agent: Agent, prm = "22516914714270"): Promise<{ location: string; state: string }> {
  const res = await agent.submit("/dataConnect/authorize", { prm }, "/dataConnect/authorize");
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  const state = new URL(location).searchParams.get("state");
  expect(state).toBeTruthy();
  return { location, state: state as string };
}

function failureCode(html: string): string | null {
  return /data-code="([a-z_]+)"/.exec(html)?.[1] ?? null;
}

describe("consent v2 (default)", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
  });
  afterAll(() => f.close());

  it("sends the user to Enedis with a signed state, then creates the account and device, then syncs", async () => {
    const { agent, user } = await f.signedIn("alice");
    const { location, state } = await authorize(agent);
    const url = new URL(location);
    expect(url.origin).toBe(f.ctx.enedis.authorizeUrl);
    expect(url.pathname).toBe("/dataconnect/v2/oauth2/authorize");
    expect(url.searchParams.get("client_id")).toBe("simulator-client");
    expect(url.searchParams.get("duration")).toBe("P3Y");
    expect(state.length).toBeLessThanOrEqual(100);
    expect(state).not.toMatch(/\d$/);

    const back = await consentAtSimulator(location, { decision: "accept", prm: "22516914714270" });
    expect(new URL(back).searchParams.get("autorisation_id")).toMatch(/^\d+$/);
    const res = await agent.get(pathOf(back));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/?done=connected");

    const accounts = await accountsOf(f, user.id);
    expect(accounts.map((a) => a.usagePointId)).toEqual(["22516914714270"]);
    const c = accounts[0]!.config;
    expect(c.autorisation_id).toBeTruthy();
    expect(c.consent_start_date).toBe("2026-11-28");
    expect(c.consent_end_date).toMatch(/^2029-11-2\d$/);
    expect(c.subscribed_services?.length).toBeGreaterThan(0);
    const devices = await devicesOf(f, user.id);
    expect(devices).toHaveLength(1);
    expect(devices[0]!.label).toBe("Compteur électrique (Linky)");
    expect(devices[0]!.mac).toBe("22516914714270");

    // The first sync runs in the background; once done, the data is there.
    await f.web.background.idle();
    const synced = (await f.ctx.store.accounts.findById(accounts[0]!.id))!;
    expect(synced.config.last_sync?.outcome).toMatch(/ok|partial/);
    const daily = await f.ctx.store.measures.listDaily(
      devices[0]!.id,
      "consumption",
      0,
      Number.MAX_SAFE_INTEGER,
    );
    expect(daily.length).toBeGreaterThan(20);
    const dash = await agent.get("/");
    expect(dash.body).toContain('data-state="connected"');
    const page = await agent.get(`/devices/${devices[0]!.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="daily-table"');
    // The first sync is counted like every other one.
    const metrics = (await agent.get("/metrics")).body;
    expect(metrics).toMatch(
      new RegExp(`^linky_syncs_total\\{outcome="${synced.config.last_sync!.outcome}"\\} 1$`, "m"),
    );
    // Neither the state nor the application token reached the log.
    const token = await f.ctx.store.secrets.tokenStore().load();
    const log = f.logs.join("\n");
    expect(log).toContain(`first sync of account ${accounts[0]!.id}`);
    // Finding 10: the consent's and the first sync's lines name the account, never the PRM.
    expect(log).not.toMatch(/(?<![0-9])[0-9]{14}(?![0-9])/);
    expect(log).not.toContain(state);
    expect(log).not.toContain(token!.accessToken);
  });

  it("refuses a replayed state: the second use creates nothing", async () => {
    const { agent, user } = await f.signedIn("replay");
    const { location } = await authorize(agent, "11453290002823");
    const back = await consentAtSimulator(location, { decision: "accept", prm: "11453290002823" });
    expect((await agent.get(pathOf(back))).statusCode).toBe(303);
    await f.web.background.idle();
    await f.ctx.store.accounts.delete((await accountsOf(f, user.id))[0]!.id);
    const again = await agent.get(pathOf(back));
    expect(again.statusCode).toBe(403);
    expect(failureCode(again.body)).toBe("state_used");
    expect(again.body).toContain("déjà servi");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("refuses a forged state, and a state signed with another key", async () => {
    const { agent, user } = await f.signedIn("forger");
    const { state } = await authorize(agent);
    const tampered = `${state.slice(0, -3)}${state.endsWith("AAA") ? "BBA" : "AAA"}`;
    for (const s of ["forged", tampered, `x${state}`, state.replace(/\.[0-9a-z]+\./, ".zzzzzzz.")]) {
      const res = await agent.get(
        `/dataconnect-proxy/redirect?autorisation_id=58249&state=${encodeURIComponent(s)}`,
      );
      expect(res.statusCode).toBe(403);
      expect(failureCode(res.body)).toBe("state_forged");
    }
    const none = await agent.get("/dataConnect/redirect?autorisation_id=58249");
    expect(none.statusCode).toBe(403);
    expect(failureCode(none.body)).toBe("state_missing");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("refuses an expired state", async () => {
    const { agent, user } = await f.signedIn("slow");
    const { location } = await authorize(agent);
    const back = await consentAtSimulator(location, { decision: "accept", prm: "32320647321714" });
    f.clock.advance(STATE_TTL_MS + 1000);
    try {
      const res = await agent.get(pathOf(back));
      expect(res.statusCode).toBe(403);
      expect(failureCode(res.body)).toBe("state_expired");
      expect(res.body).toContain("expiré");
    } finally {
      f.clock.advance(-(STATE_TTL_MS + 1000));
    }
    expect(await accountsOf(f, user.id)).toHaveLength(0);
    expect(await devicesOf(f, user.id)).toHaveLength(0);
  });

  it("refuses a state from another user's session, and leaves it usable by its owner", async () => {
    const owner = await f.signedIn("owner");
    const thief = await f.signedIn("thief");
    const { location } = await authorize(owner.agent, "12345678901234");
    const back = await consentAtSimulator(location, { decision: "accept", prm: "12345678901234" });
    const stolen = await thief.agent.get(pathOf(back));
    expect(stolen.statusCode).toBe(403);
    expect(failureCode(stolen.body)).toBe("state_foreign");
    expect(await accountsOf(f, thief.user.id)).toHaveLength(0);
    const mine = await owner.agent.get(pathOf(back));
    expect(mine.statusCode).toBe(303);
    expect((await accountsOf(f, owner.user.id)).map((a) => a.usagePointId)).toEqual(["12345678901234"]);
  });

  it("refuses a state from another session of the same user", async () => {
    const { agent, user } = await f.signedIn("twice");
    const other = f.agent();
    expect((await other.login("twice", "correct horse battery")).statusCode).toBe(303);
    const { location } = await authorize(agent);
    const back = await consentAtSimulator(location, { decision: "accept", prm: "42900589957123" });
    const res = await other.get(pathOf(back));
    expect(failureCode(res.body)).toBe("state_foreign");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("asks a visitor who is not signed in to sign in, and creates nothing", async () => {
    const { agent } = await f.signedIn("gone");
    const { location } = await authorize(agent, "64975835695673");
    const back = await consentAtSimulator(location, { decision: "accept", prm: "64975835695673" });
    const anonymous = f.agent();
    const res = await anonymous.get(pathOf(back));
    expect(res.statusCode).toBe(401);
    expect(failureCode(res.body)).toBe("not_signed_in");
    expect(await f.ctx.store.accounts.findByUsagePoint("64975835695673")).toHaveLength(0);
  });

  it("shows the refusal, uses up the state, and creates nothing", async () => {
    const { agent, user } = await f.signedIn("refuser");
    const { location } = await authorize(agent);
    const back = await consentAtSimulator(location, { decision: "refuse" });
    expect(new URL(back).searchParams.get("error")).toBe("access_denied");
    const res = await agent.get(pathOf(back));
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("refused");
    expect(res.body).toContain("Aucun compteur n'a été ajouté");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
    // The state of a refusal cannot serve afterwards.
    const state = new URL(back).searchParams.get("state") as string;
    const later = await agent.get(
      `/dataConnect/redirect?autorisation_id=11&state=${encodeURIComponent(state)}`,
    );
    expect(failureCode(later.body)).toBe("state_used");
    // Another Enedis error.
    const err = await agent.get("/dataConnect/redirect?error=server_error&error_description=oops");
    expect(err.statusCode).toBe(502);
    expect(failureCode(err.body)).toBe("enedis_error");
  });

  it("refuses an autorisation id that is not a fresh share (guessed id)", async () => {
    const { agent, user } = await f.signedIn("guesser");
    // The autorisation of a PRM consented long ago (sandbox), as an attacker could guess it.
    const services = await f.ctx.client.subscribedServices({ usagePointIds: ["22315546958763"] });
    const id = services[0]!.autorisationId;
    expect(services[0]!.startDate! < "2026-11-27").toBe(true);
    const { state } = await authorize(agent, "22315546958763");
    const res = await agent.get(
      `/dataConnect/redirect?autorisation_id=${id}&state=${encodeURIComponent(state)}`,
    );
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("not_fresh");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("does not hand a PRM that another user holds to a second one: the holder is suspended, an admin decides", async () => {
    const first = await f.signedIn("holder");
    const second = await f.signedIn("second");
    const a = await authorize(first.agent, "63695879465986");
    expect(
      (
        await first.agent.get(
          pathOf(await consentAtSimulator(a.location, { decision: "accept", prm: "63695879465986" })),
        )
      ).statusCode,
    ).toBe(303);
    await f.web.background.idle();
    const b = await authorize(second.agent, "63695879465986");
    const res = await second.agent.get(
      pathOf(await consentAtSimulator(b.location, { decision: "accept", prm: "63695879465986" })),
    );
    expect(res.statusCode).toBe(202);
    expect(failureCode(res.body)).toBe("review");
    expect(res.body).not.toContain("holder");
    expect(await accountsOf(f, second.user.id)).toHaveLength(0);
    const [held] = await accountsOf(f, first.user.id);
    expect(await f.ctx.store.consents.isSuspended(held!.id)).toBe(true);
    expect((await first.agent.get("/")).body).toContain('data-state="suspended"');
    expect((await second.agent.get("/")).body).toContain('data-state="requested"');
    const [device] = await devicesOf(f, first.user.id);
    expect((await first.agent.get(`/devices/${device!.id}`)).statusCode).toBe(403);
    expect((await first.agent.get("/api/v1/usage-points/63695879465986/status")).statusCode).toBe(403);
    // The data are kept.
    expect(
      (await f.ctx.store.measures.listDaily(device!.id, "consumption", 0, Number.MAX_SAFE_INTEGER)).length,
    ).toBeGreaterThan(0);
    // The admin gives it back to the first.
    const admin = await f.signedIn("boss", { admin: true });
    const page = await admin.agent.get("/admin/consents");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("second");
    expect(page.body).toContain("holder");
    const review = (await f.ctx.store.consents.list({ status: "open" })).find(
      (r) => r.requesterUserId === second.user.id,
    )!;
    const done = await admin.agent.submit(
      `/admin/consents/${review.id}/decide`,
      { decision: "first" },
      "/admin/consents",
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/admin/consents?done=decided");
    expect(await f.ctx.store.consents.isSuspended(held!.id)).toBe(false);
    expect((await first.agent.get(`/devices/${device!.id}`)).statusCode).toBe(200);
    expect(await accountsOf(f, second.user.id)).toHaveLength(0);
    const again = await admin.agent.submit(
      `/admin/consents/${review.id}/decide`,
      { decision: "second" },
      "/admin/consents",
    );
    expect(again.statusCode).toBe(409);
  });

  it("retries while Enedis lists no service, then offers to check again later without a new consent", async () => {
    const { agent, user } = await f.signedIn("early");
    const { state } = await authorize(agent, "14000000000001");
    await f.web.background.idle();
    const endpoint = "POST /subscribed_services/v1";
    const before = f.ctx.simulator!.requestLog().byEndpoint[endpoint] ?? 0;
    // Sandbox autorisation 10 has no service at all.
    const res = await agent.get(
      `/dataConnect/redirect?autorisation_id=10&state=${encodeURIComponent(state)}`,
    );
    expect(res.statusCode).toBe(503);
    expect(failureCode(res.body)).toBe("no_service");
    expect(res.body).toContain('action="/dataConnect/retry"');
    // One call, three retries (the fixture's delays are 0), then one look for ended services.
    expect((f.ctx.simulator!.requestLog().byEndpoint[endpoint] ?? 0) - before).toBe(5);
    const beforeRetry = f.ctx.simulator!.requestLog().byEndpoint[endpoint] ?? 0;
    expect(await accountsOf(f, user.id)).toHaveLength(0);
    const dash = await agent.get("/");
    expect(dash.body).toContain("Vérifier à nouveau");
    const retry = await agent.submit("/dataConnect/retry");
    expect(retry.statusCode).toBe(503);
    expect(failureCode(retry.body)).toBe("no_service");
    // "Check again" looks once (and once for ended services), without the backoff loop.
    expect((f.ctx.simulator!.requestLog().byEndpoint[endpoint] ?? 0) - beforeRetry).toBe(2);
    // Another user has nothing pending.
    const other = await f.signedIn("nopending");
    const none = await other.agent.submit("/dataConnect/retry");
    expect(none.statusCode).toBe(404);
    expect(failureCode(none.body)).toBe("nothing_pending");
  });

  it("says when the autorisation's services have ended", async () => {
    const { agent, user } = await f.signedIn("ended");
    const { state } = await authorize(agent, "14000000000005");
    const res = await agent.get(
      `/dataConnect/redirect?autorisation_id=13&state=${encodeURIComponent(state)}`,
    );
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("service_ended");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("rejects a return without autorisation id or usage point, or a v1 return on a v2 portal", async () => {
    const { agent, user } = await f.signedIn("empty");
    const { state } = await authorize(agent);
    const res = await agent.get(`/dataConnect/redirect?state=${encodeURIComponent(state)}`);
    expect(res.statusCode).toBe(400);
    expect(failureCode(res.body)).toBe("invalid_redirect");
    const second = await authorize(agent);
    const v1 = await agent.get(
      `/dataConnect/redirect?code=x&usage_point_id=22315546958763&state=${encodeURIComponent(second.state)}`,
    );
    expect(v1.statusCode).toBe(400);
    expect(failureCode(v1.body)).toBe("invalid_redirect");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("reconnects an expired account instead of creating a second one", async () => {
    const { agent, user } = await f.signedIn("returning");
    const mine = await authorize(agent, "24880057139941");
    await agent.get(
      pathOf(await consentAtSimulator(mine.location, { decision: "accept", prm: "24880057139941" })),
    );
    await f.web.background.idle();
    const [account] = await accountsOf(f, user.id);
    await f.ctx.store.accounts.updateConfig(account!.id, { expired: true, expired_reason: "revoked" });
    const again = await authorize(agent, "24880057139941");
    await agent.get(
      pathOf(await consentAtSimulator(again.location, { decision: "accept", prm: "24880057139941" })),
    );
    await f.web.background.idle();
    const after = await accountsOf(f, user.id);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(account!.id);
    expect(after[0]!.config.expired).toBe(false);
  });
});

describe("consent v1 (legacy)", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ env: { ENEDIS_CONSENT: "v1", ENEDIS_STATE: "bmhs-local" } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("attaches the typed PRM on a single-user installation, verified with Enedis, with the routing marker", async () => {
    const { agent, user } = await f.signedIn("solo");
    const { location, state } = await authorize(agent, "12345678901234");
    expect(new URL(location).pathname).toBe("/dataconnect/v1/oauth2/authorize");
    expect(state.startsWith("bmhs-local.")).toBe(true);
    expect(state.length).toBeLessThanOrEqual(100);
    const back = await consentAtSimulator(location, { decision: "accept", prm: "12345678901234" });
    expect(new URL(back).searchParams.get("usage_point_id")).toBe("12345678901234");
    const res = await agent.get(pathOf(back));
    expect(res.statusCode).toBe(303);
    expect((await accountsOf(f, user.id)).map((a) => a.usagePointId)).toEqual(["12345678901234"]);
    expect((await devicesOf(f, user.id)).map((d) => d.mac)).toEqual(["12345678901234"]);
  });

  it("attaches nothing when the return names other PRMs than the one typed", async () => {
    const { agent, user } = await f.signedIn("listy");
    const { state } = await authorize(agent, "64975835695673");
    const res = await agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(state)}&usage_point_id=64975835695673,22315546958763`,
    );
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("mismatch");
    expect(res.body).not.toContain("22315546958763");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });

  it("creates nothing when Enedis does not confirm the usage point, and names no PRM", async () => {
    const { agent, user } = await f.signedIn("unverified");
    const { state } = await authorize(agent, "26584978546985");
    // 26584978546985 revokes its consent at once: Enedis answers 403 for it.
    const res = await agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(state)}&usage_point_id=26584978546985`,
    );
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("verify_failed");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
    expect(await devicesOf(f, user.id)).toHaveLength(0);
  });

  it("attack 2: with several users, a v1 PRM (someone else's, or any new one) waits for an admin's approval", async () => {
    // "solo" holds 12345678901234; another user comes back with it: a conflict, nothing attached.
    const thief = await f.signedIn("v1thief");
    const t = await authorize(thief.agent, "12345678901234");
    const stolen = await thief.agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(t.state)}&usage_point_id=12345678901234`,
    );
    expect(stolen.statusCode).toBe(202);
    expect(failureCode(stolen.body)).toBe("review");
    expect(await accountsOf(f, thief.user.id)).toHaveLength(0);
    // A new PRM on a multi-user installation: waits too, the admin approves, then it is attached.
    const n = await authorize(thief.agent, "10284856584123");
    const back = await consentAtSimulator(n.location, { decision: "accept", prm: "10284856584123" });
    const waiting = await thief.agent.get(pathOf(back));
    expect(waiting.statusCode).toBe(202);
    expect(failureCode(waiting.body)).toBe("review");
    expect(await accountsOf(f, thief.user.id)).toHaveLength(0);
    const admin = await f.signedIn("v1admin", { admin: true });
    const page = await admin.agent.get("/admin/consents");
    expect(page.body).toContain("v1thief");
    expect(page.body).toContain("Approbation");
    expect(page.body).toContain("Avec un seul utilisateur, aucune approbation");
    const open = await f.ctx.store.consents.list({ status: "open" });
    const approval = open.find((r) => r.kind === "approval" && r.usagePointId === "10284856584123")!;
    const conflict = open.find((r) => r.kind === "conflict" && r.usagePointId === "12345678901234")!;
    expect(
      (
        await admin.agent.submit(
          `/admin/consents/${approval.id}/decide`,
          { decision: "approve" },
          "/admin/consents",
        )
      ).statusCode,
    ).toBe(303);
    expect((await accountsOf(f, thief.user.id)).map((a) => a.usagePointId)).toEqual(["10284856584123"]);
    // The conflict: refused to both (the holder loses access too, data kept).
    expect(
      (
        await admin.agent.submit(
          `/admin/consents/${conflict.id}/decide`,
          { decision: "refuse" },
          "/admin/consents",
        )
      ).statusCode,
    ).toBe(303);
    expect((await accountsOf(f, thief.user.id)).map((a) => a.usagePointId)).toEqual(["10284856584123"]);
    expect((await f.ctx.store.consents.list({ status: "open" })).length).toBe(0);
  });

  it("shows a v1 refusal (no state) as a refusal", async () => {
    const { agent, user } = await f.signedIn("v1refuser");
    const { location } = await authorize(agent, "22516914714270");
    const back = await consentAtSimulator(location, { decision: "refuse" });
    expect(new URL(back).searchParams.get("code")).toBe("403");
    const res = await agent.get(pathOf(back));
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("refused");
    expect(await accountsOf(f, user.id)).toHaveLength(0);
  });
});

describe("consent v1 on a single-user installation", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ env: { ENEDIS_CONSENT: "v1" }, web: { syncAfterConsent: false } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("attack 2: a PRM held earlier by a user who deleted her service and her account waits for an admin", async () => {
    const first = await f.signedIn("before");
    const a = await authorize(first.agent, "42900589957123");
    const res = await first.agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(a.state)}&usage_point_id=42900589957123`,
    );
    expect(res.statusCode).toBe(303);
    const [account] = await accountsOf(f, first.user.id);
    expect(
      (
        await first.agent.submit(
          `/notificationAccount/${account!.id}/delete`,
          {},
          `/notificationAccount/${account!.id}/delete`,
        )
      ).statusCode,
    ).toBe(303);
    await f.ctx.store.users.delete(first.user.id);
    expect(await f.ctx.store.users.count()).toBe(0);
    const next = await f.signedIn("after");
    const b = await authorize(next.agent, "42900589957123");
    const again = await next.agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(b.state)}&usage_point_id=42900589957123`,
    );
    expect(again.statusCode).toBe(202);
    expect(failureCode(again.body)).toBe("review");
    expect(await accountsOf(f, next.user.id)).toHaveLength(0);
    const review = (await f.ctx.store.consents.list({ status: "open" }))[0]!;
    expect(review.reason).toBe("v1_held_before");
    // A PRM nobody held: a single-user installation needs no approval.
    const c = await authorize(next.agent, "32320647321714");
    const mine = await next.agent.get(
      `/dataConnect/redirect?code=abc&state=${encodeURIComponent(c.state)}&usage_point_id=32320647321714`,
    );
    expect(mine.statusCode).toBe(303);
    expect((await accountsOf(f, next.user.id)).map((x) => x.usagePointId)).toEqual(["32320647321714"]);
  });
});

describe("consent preconditions and routing", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({
      env: { ENEDIS_STATE: "portal-a" },
      web: { consentProxy: { "portal-b": "https://b.example.org/app/" } },
    });
  });
  afterAll(() => f.close());

  it("explains that the connector is not configured yet", async () => {
    const { agent } = await f.signedIn("early-bird");
    const res = await agent.get("/dataConnect/authorize");
    expect(res.statusCode).toBe(409);
    expect(failureCode(res.body)).toBe("no_sender");
    expect((await agent.get("/")).body).toContain('data-state="unavailable"');
  });

  it("enforces the sender's role", async () => {
    await f.sender({ role: "ROLE_LINKY" });
    const { agent } = await f.signedIn("no-role");
    const res = await agent.get("/dataConnect/authorize");
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("role_missing");
    const linky = await f.signedIn("with-role");
    await f.ctx.store.users.setRoles(linky.user.id, ["ROLE_USER", "ROLE_LINKY"]);
    expect((await linky.agent.get("/dataConnect/authorize")).statusCode).toBe(200);
  });

  it("forwards another portal's consent return, and keeps its own", async () => {
    const other = f.agent();
    const res = await other.get("/dataconnect-proxy/redirect?autorisation_id=5&state=portal-b.abc");
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(
      "https://b.example.org/app/dataConnect/redirect?autorisation_id=5&state=portal-b.abc",
    );
    const unknown = await other.get("/dataconnect-proxy/redirect?autorisation_id=5&state=portal-c.abc");
    expect(unknown.statusCode).toBe(403);
  });
});
