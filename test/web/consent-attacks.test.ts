/**
 * The attacks of issue 10 through the real consent flow against the embedded simulator, with two or three
 * users: another user's autorisation (1), the retry flood and the quota share (3), and PRMs on failure
 * pages (4). Attack 2 (consent v1) is in `consent.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { consentAtSimulator, csrfOf, fixture, pathOf, type Agent, type Fixture } from "./helpers.js";

function failureCode(html: string): string | null {
  return /data-code="([a-z_]+)"/.exec(html)?.[1] ?? null;
}

/** Every 14-digit number on a page, except the one the user typed. */
function foreignPrms(html: string, typed: string): string[] {
  return [...html.matchAll(/(?<!\d)\d{14}(?!\d)/g)].map((m) => m[0]).filter((p) => p !== typed);
}

async function authorize(agent: Agent, prm: string): Promise<{ location: string; state: string }> {
  const res = await agent.submit("/dataConnect/authorize", { prm }, "/dataConnect/authorize");
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  return { location, state: new URL(location).searchParams.get("state") as string };
}

/** A consent at the simulator for `prm`, the autorisation id it returned, and the return URL. */
async function consentFor(agent: Agent, prm: string) {
  const { location, state } = await authorize(agent, prm);
  const back = await consentAtSimulator(location, { decision: "accept", prm });
  return { back, state, autorisationId: new URL(back).searchParams.get("autorisation_id") as string };
}

describe("attack 1: a user's state with another user's autorisation", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { syncAfterConsent: false } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("attaches nothing when the autorisation resolves to another PRM than the one typed, and names none", async () => {
    const bob = await f.signedIn("bob");
    const alice = await f.signedIn("alice");
    const b = await consentFor(bob.agent, "11453290002823");
    expect((await bob.agent.get(pathOf(b.back))).statusCode).toBe(303);
    // Alice types her own meter, then comes back with Bob's (guessed) autorisation id.
    const a = await authorize(alice.agent, "22516914714270");
    const res = await alice.agent.get(
      `/dataConnect/redirect?autorisation_id=${b.autorisationId}&state=${encodeURIComponent(a.state)}`,
    );
    expect(res.statusCode).toBe(403);
    expect(failureCode(res.body)).toBe("mismatch");
    expect(foreignPrms(res.body, "22516914714270")).toEqual([]);
    expect(await f.ctx.store.accounts.list({ userId: alice.user.id })).toHaveLength(0);
    // Bob keeps his meter, not suspended.
    const [mine] = await f.ctx.store.accounts.list({ userId: bob.user.id });
    expect(mine!.usagePointId).toBe("11453290002823");
    expect(await f.ctx.store.consents.isSuspended(mine!.id)).toBe(false);
  });

  it("attaches nothing when she also typed his PRM: his access is suspended and the admin decides", async () => {
    const carol = await f.signedIn("carol");
    const dave = await f.signedIn("dave");
    const c = await consentFor(carol.agent, "12345678901234");
    expect((await carol.agent.get(pathOf(c.back))).statusCode).toBe(303);
    const d = await authorize(dave.agent, "12345678901234");
    const res = await dave.agent.get(
      `/dataConnect/redirect?autorisation_id=${c.autorisationId}&state=${encodeURIComponent(d.state)}`,
    );
    expect(res.statusCode).toBe(202);
    expect(failureCode(res.body)).toBe("review");
    expect(await f.ctx.store.accounts.list({ userId: dave.user.id })).toHaveLength(0);
    const [held] = await f.ctx.store.accounts.list({ userId: carol.user.id });
    expect(await f.ctx.store.consents.isSuspended(held!.id)).toBe(true);
    const review = (await f.ctx.store.consents.list({ status: "open" })).find(
      (r) => r.requesterUserId === dave.user.id,
    )!;
    expect(review.reason).toBe("autorisation_claimed");
    // A household of two: the admin shares the meter.
    const admin = await f.signedIn("admin", { admin: true });
    const page = await admin.agent.get("/admin/consents");
    expect(page.body).toContain(`review-${review.id}`);
    const done = await admin.agent.submit(
      `/admin/consents/${review.id}/decide`,
      { decision: "share" },
      "/admin/consents",
    );
    expect(done.statusCode).toBe(303);
    expect(await f.ctx.store.consents.isSuspended(held!.id)).toBe(false);
    expect((await f.ctx.store.accounts.list({ userId: dave.user.id })).map((a) => a.usagePointId)).toEqual([
      "12345678901234",
    ]);
  });

  it("when the thief came back first, the real holder's return suspends him; the admin gives it to her", async () => {
    const erin = await f.signedIn("erin");
    const mallory = await f.signedIn("mallory");
    // Erin consents at Enedis; Mallory, who knows her PRM, uses the fresh autorisation id first.
    const e = await consentFor(erin.agent, "32320647321714");
    const m = await authorize(mallory.agent, "32320647321714");
    const stolen = await mallory.agent.get(
      `/dataConnect/redirect?autorisation_id=${e.autorisationId}&state=${encodeURIComponent(m.state)}`,
    );
    expect(stolen.statusCode).toBe(303);
    // Erin comes back: nothing attached to her yet, Mallory's access suspended.
    const res = await erin.agent.get(pathOf(e.back));
    expect(res.statusCode).toBe(202);
    expect(failureCode(res.body)).toBe("review");
    const [taken] = await f.ctx.store.accounts.list({ userId: mallory.user.id });
    expect(await f.ctx.store.consents.isSuspended(taken!.id)).toBe(true);
    const [device] = await f.ctx.store.devices.listByUser(mallory.user.id);
    expect((await mallory.agent.get(`/devices/${device!.id}`)).statusCode).toBe(403);
    const review = (await f.ctx.store.consents.list({ status: "open" })).find(
      (r) => r.requesterUserId === erin.user.id,
    )!;
    const admin = f.agent();
    expect((await admin.login("admin", "correct horse battery")).statusCode).toBe(303);
    const done = await admin.submit(
      `/admin/consents/${review.id}/decide`,
      { decision: "second" },
      "/admin/consents",
    );
    expect(done.statusCode).toBe(303);
    expect((await f.ctx.store.accounts.list({ userId: erin.user.id })).map((a) => a.usagePointId)).toEqual([
      "32320647321714",
    ]);
    // Mallory's stays out of reach (expired, suspended), its data kept.
    expect(await f.ctx.store.consents.isSuspended(taken!.id)).toBe(true);
    expect((await f.ctx.store.accounts.findById(taken!.id))!.config.expired).toBe(true);
    expect((await mallory.agent.get(`/devices/${device!.id}`)).statusCode).toBe(403);
    expect((await mallory.agent.get("/")).body).toContain('data-state="suspended"');
  });
});

describe("attack 4: no failure page shows a PRM the user did not type", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { syncAfterConsent: false } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("checks every failure a return can end in", async () => {
    const { agent } = await f.signedIn("victim");
    const owner = await f.signedIn("owner");
    const o = await consentFor(owner.agent, "63695879465986");
    expect((await owner.agent.get(pathOf(o.back))).statusCode).toBe(303);
    const typed = "22516914714270";
    const seen = new Set<string>();
    const check = async (query: string) => {
      const { state } = await authorize(agent, typed);
      const res = await agent.get(`/dataConnect/redirect?${query}&state=${encodeURIComponent(state)}`);
      const code = failureCode(res.body);
      expect(code, query).not.toBeNull();
      seen.add(code!);
      expect(foreignPrms(res.body, typed), `${code}`).toEqual([]);
    };
    // Another user's fresh autorisation (mismatch), ended services of another PRM (13), an old consent of
    // another PRM (not fresh, resolved elsewhere), no service (10), a malformed return.
    await check(`autorisation_id=${o.autorisationId}`);
    await check("autorisation_id=13");
    await check("autorisation_id=11");
    await check("autorisation_id=10");
    await check("foo=bar");
    const services = await f.ctx.client.subscribedServices({ usagePointIds: ["22315546958763"] });
    await check(`autorisation_id=${services[0]!.autorisationId}`);
    // The typed PRM itself, resolved to its ended services: may be shown (the user typed it).
    expect([...seen].sort()).toEqual(["invalid_redirect", "mismatch", "no_service"]);
    // State failures and the v1-only ones render fixed texts: replayed, forged, foreign, missing.
    for (const url of [
      "/dataConnect/redirect?autorisation_id=11&state=forged",
      "/dataConnect/redirect?autorisation_id=11",
    ]) {
      const res = await agent.get(url);
      expect(foreignPrms(res.body, typed)).toEqual([]);
    }
  });
});

describe("attack 3: calls on a user's behalf are limited", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ env: { ENEDIS_QUOTA_PER_HOUR: "100" }, web: { syncAfterConsent: false } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("12 quick retries no longer make 60 subscribed_services calls; two at once: one is refused", async () => {
    const { agent } = await f.signedIn("flooder");
    const { state } = await authorize(agent, "14000000000001");
    const endpoint = "POST /subscribed_services/v1";
    const count = () => f.ctx.simulator!.requestLog().byEndpoint[endpoint] ?? 0;
    const start = count();
    // Autorisation 10 lists no service: the return leaves a pending consent to check again.
    const first = await agent.get(
      `/dataConnect/redirect?autorisation_id=10&state=${encodeURIComponent(state)}`,
    );
    expect(failureCode(first.body)).toBe("no_service");
    const csrf = csrfOf((await agent.get("/")).body)!;
    const statuses: number[] = [];
    const twice = await Promise.all([
      agent.post("/dataConnect/retry", { _csrf: csrf }),
      agent.post("/dataConnect/retry", { _csrf: csrf }),
    ]);
    statuses.push(...twice.map((r) => r.statusCode));
    expect(statuses).toContain(429);
    for (let i = 0; i < 10; i++)
      statuses.push((await agent.post("/dataConnect/retry", { _csrf: csrf })).statusCode);
    const refused = twice.find((r) => r.statusCode === 429)!;
    expect(refused.body).toMatch(/déjà en cours|réservée aux demandes des utilisateurs/);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    // The whole flood, return included, stays within the interactive share (5% of 100/h = 5 calls).
    expect(count() - start).toBeLessThanOrEqual(5);
    const share = await f.ctx.store.scheduler.interactiveCallsLastHour(f.clock.now());
    expect(share.subscribed_services).toBe(5);
  });

  it("refuses an API test beyond 5% of the hour's quota, with a French 429 page, and leaves the rest to syncs", async () => {
    const { agent } = await f.signedIn("tester");
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "tester",
      usagePointId: "22516914714270",
    });
    const path = `/notificationAccount/${r.account.id}/test/daily_consumption`;
    const from = `/notificationAccount/${r.account.id}`;
    const results: number[] = [];
    for (let i = 0; i < 6; i++) results.push((await agent.submit(path, {}, from)).statusCode);
    // Answered calls redirect to the page that shows them (POST-redirect-GET); the sixth is refused.
    expect(results.slice(0, 5)).toEqual([303, 303, 303, 303, 303]);
    const last = await agent.submit(path, {}, from);
    expect(last.statusCode).toBe(429);
    expect(last.body).toContain("réservée aux demandes des utilisateurs");
    expect(results[5]).toBe(429);
    // A sync (not on anyone's behalf) still gets its calls.
    await expect(
      f.ctx.client.measureRaw("daily_consumption", "22516914714270", {
        from: "2026-11-20",
        to: "2026-11-21",
      }),
    ).resolves.toBeDefined();
  });
});

describe("failed returns are throttled", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture({ web: { syncAfterConsent: false } });
    await f.sender();
  });
  afterAll(() => f.close());

  it("per user: past 5 failed returns, a French 429 page", async () => {
    const { agent } = await f.signedIn("guesser");
    for (let i = 0; i < 5; i++) {
      const { state } = await authorize(agent, "22516914714270");
      const res = await agent.get(
        `/dataConnect/redirect?autorisation_id=13&state=${encodeURIComponent(state)}`,
      );
      expect(res.statusCode).not.toBe(429);
    }
    const { state } = await authorize(agent, "22516914714270");
    const res = await agent.get(
      `/dataConnect/redirect?autorisation_id=11&state=${encodeURIComponent(state)}`,
    );
    expect(res.statusCode).toBe(429);
    expect(failureCode(res.body)).toBe("throttled");
    expect(res.body).toContain("Trop de tentatives");
  });

  it("per address: forged returns from one address are throttled too", async () => {
    const anonymous = f.agent();
    const codes: number[] = [];
    for (let i = 0; i < 22; i++)
      codes.push(
        (await anonymous.get(`/dataConnect/redirect?autorisation_id=11&state=forged${i}`)).statusCode,
      );
    expect(codes.slice(0, 10).every((c) => c === 403)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });
});
