/**
 * Who may do what, route by route: an anonymous visitor, the owner of the data, another user and an
 * administrator each call every route the server has. The list below is compared with the server's route
 * table: a new route without a line here fails the suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import type { LightMyRequestResponse } from "fastify";
import { fixture, type Agent, type Fixture } from "./helpers.js";

/** 302 to the sign-in page. */
const LOGIN = "login";
type Expected = number | typeof LOGIN;

interface Case {
  method: "GET" | "POST";
  /** The route's pattern, as the server registers it. */
  route: string;
  /** The concrete path to call (ids filled in). */
  path?: (ids: Ids) => string;
  form?: Record<string, string>;
  anonymous: Expected;
  owner: Expected;
  other: Expected;
  admin: Expected;
  /** Each persona gets a freshly signed-in agent (the route signs out). */
  fresh?: boolean;
}

interface Ids {
  account: number;
  device: number;
  sender: number;
  /** The owner's API token id. */
  token: number;
  /** A user that the admin disables, re-enables and deletes. */
  victim: number;
  /** A second session of the owner (its record id), that the owner ends. */
  ownerSession: string;
  /** Static asset paths by pattern (`/static/app-*.css`…). */
  assets: Record<string, string>;
  /** An alert of the owner's (issue 17). */
  alert: number;
  /** A channel sender (webhook). */
  channel: number;
}

const PRM = "22516914714270";
/** A static asset's pattern: its name without the content hash. */
const assetPattern = (url: string) =>
  url.replace(/^\/static\/([a-z]+)-[0-9a-f]+\.([a-z]+)$/, "/static/$1-*.$2");

const FORGED = "?autorisation_id=58249&state=forged";
const sig = (n: number) => ({ anonymous: LOGIN, owner: n, other: n, admin: n }) as const;
const adminOnly = (n: number) => ({ anonymous: LOGIN, owner: 403, other: 403, admin: n }) as const;
const adminOnlyPost = (n: number) => ({ anonymous: 401, owner: 403, other: 403, admin: n }) as const;
const mine = (n: number) => ({ anonymous: LOGIN, owner: n, other: 404, admin: 404 }) as const;
const minePost = (n: number) => ({ anonymous: 401, owner: n, other: 404, admin: 404 }) as const;
const everyone = (n: number) => ({ anonymous: n, owner: n, other: n, admin: n }) as const;
/** The REST API: 401 JSON for a visitor, 404 on someone else's meter. */
const apiSig = (n: number) => ({ anonymous: 401, owner: n, other: n, admin: n }) as const;
const apiMine = (n: number) => ({ anonymous: 401, owner: n, other: 404, admin: 404 }) as const;
const asset = (pattern: string): Case => ({
  method: "GET",
  route: pattern,
  path: (i) => i.assets[pattern]!,
  ...everyone(200),
});

// Destructive routes come last, so that the others see the data in place.
const CASES: Case[] = [
  asset("/static/app-*.css"),
  asset("/static/uplot-*.js"),
  asset("/static/meter-*.js"),
  { method: "GET", route: "/favicon.svg", ...everyone(200) },
  { method: "GET", route: "/favicon.ico", ...everyone(200) },
  asset("/static/upload-*.js"),
  { method: "GET", route: "/healthz", ...everyone(200) },
  { method: "GET", route: "/stats", ...everyone(200) },
  { method: "GET", route: "/metrics", ...everyone(200) },
  { method: "GET", route: "/login", anonymous: 200, owner: 303, other: 303, admin: 303 },
  {
    method: "POST",
    route: "/login",
    form: { username: "nobody", password: "wrong password" },
    ...everyone(401),
  },
  { method: "GET", route: "/setup", ...everyone(303) },
  { method: "POST", route: "/setup", form: { token: "x" }, ...everyone(303) },
  { method: "GET", route: "/admin/users", ...adminOnly(200) },
  { method: "POST", route: "/admin/users", form: {}, ...adminOnlyPost(400) },
  {
    method: "GET",
    route: "/admin/users/:id/delete",
    path: (i) => `/admin/users/${i.victim}/delete`,
    ...adminOnly(200),
  },
  { method: "GET", route: "/", ...sig(200) },
  { method: "GET", route: "/user/password", ...sig(200) },
  // Nothing filled in: the form comes back with its errors.
  { method: "POST", route: "/user/password", form: {}, anonymous: 401, owner: 400, other: 400, admin: 400 },
  { method: "GET", route: "/devices/:id", path: (i) => `/devices/${i.device}`, ...mine(200) },
  {
    method: "GET",
    route: "/devices/:id/analysis",
    path: (i) => `/devices/${i.device}/analysis?kind=heatmap`,
    ...mine(200),
  },
  {
    method: "GET",
    route: "/devices/:id/export",
    path: (i) => `/devices/${i.device}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08`,
    ...mine(303),
  },
  // A form instead of the file's bytes: the owner reaches the route and is told to send the file (415).
  {
    method: "POST",
    route: "/devices/:id/import",
    path: (i) => `/devices/${i.device}/import`,
    ...minePost(415),
  },
  { method: "GET", route: "/user", ...sig(200) },
  {
    method: "POST",
    route: "/user/tokens",
    form: { name: "matrix" },
    anonymous: 401,
    owner: 303,
    other: 303,
    admin: 303,
  },
  { method: "GET", route: "/api/openapi.json", ...everyone(200) },
  { method: "GET", route: "/api/v1/me", ...apiSig(200) },
  { method: "GET", route: "/api/v1/usage-points", ...apiSig(200) },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm",
    path: () => `/api/v1/usage-points/${PRM}`,
    ...apiMine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/status",
    path: () => `/api/v1/usage-points/${PRM}/status`,
    ...apiMine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/datasets/:dataset",
    path: () => `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-01&to=2026-11-08`,
    ...apiMine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/completeness",
    path: () => `/api/v1/usage-points/${PRM}/completeness?from=2026-11-01&to=2026-11-08`,
    ...apiMine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/views/:period",
    path: () => `/api/v1/usage-points/${PRM}/views/month?date=2026-11-10`,
    ...apiMine(200),
  },
  ...(
    [
      ["heatmap", "2026-11-01", "2026-11-08"],
      ["weekday-profile", "2026-11-01", "2026-11-08"],
      ["comparison", "2026-11-01", "2026-11-08"],
      ["base-load", "2026-06-01", "2026-12-01"],
    ] as const
  ).map(([name, from, to]): Case => ({
    method: "GET",
    route: `/api/v1/usage-points/:prm/${name}`,
    path: () => `/api/v1/usage-points/${PRM}/${name}?from=${from}&to=${to}`,
    ...apiMine(200),
  })),
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/export",
    path: () => `/api/v1/usage-points/${PRM}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08`,
    ...apiMine(200),
  },
  { method: "GET", route: "/api/v1/offers", ...apiSig(200) },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/costs",
    path: () => `/api/v1/usage-points/${PRM}/costs?from=2026-11-01&to=2026-11-08&offer=access-base`,
    ...apiMine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/compare",
    path: () => `/api/v1/usage-points/${PRM}/compare?from=2026-11-01&to=2026-11-08`,
    ...apiMine(200),
  },
  { method: "GET", route: "/devices/:id/costs", path: (i) => `/devices/${i.device}/costs`, ...mine(200) },
  {
    method: "GET",
    route: "/devices/:id/diagnostic",
    path: (i) => `/devices/${i.device}/diagnostic`,
    ...mine(200),
  },
  {
    method: "GET",
    route: "/api/v1/usage-points/:prm/diagnosis",
    path: () => `/api/v1/usage-points/${PRM}/diagnosis`,
    ...apiMine(200),
  },
  {
    method: "POST",
    route: "/devices/:id/tariff",
    path: (i) => `/devices/${i.device}/tariff`,
    form: { offer: "access-base", from: "2026-01-01" },
    ...minePost(303),
  },
  { method: "GET", route: "/admin/offers", ...adminOnly(200) },
  {
    method: "POST",
    route: "/admin/offers",
    form: {
      offer:
        '{"name": "access-other", "kind": "base", "prices": [{"from": "2026-01-01", "subscription_eur_per_month": 10, "base": 0.2}]}',
    },
    ...adminOnlyPost(303),
  },
  { method: "POST", route: "/admin/offers/delete", form: { name: "access-other" }, ...adminOnlyPost(303) },
  { method: "GET", route: "/notificationAccountSender/notificationAccountSenders", ...adminOnly(200) },
  { method: "GET", route: "/notificationAccountSender/create", ...adminOnly(200) },
  {
    method: "POST",
    route: "/notificationAccountSender/toggle/:id",
    path: (i) => `/notificationAccountSender/toggle/${i.channel}`,
    form: { enabled: "1" },
    ...adminOnlyPost(303),
  },
  { method: "GET", route: "/alerts", ...sig(200) },
  { method: "GET", route: "/alerts/settings", ...sig(200) },
  {
    method: "POST",
    route: "/alerts/settings",
    form: { summary: "off" },
    anonymous: 401,
    owner: 303,
    other: 303,
    admin: 303,
  },
  {
    method: "POST",
    route: "/alerts/:id/read",
    path: (i) => `/alerts/${i.alert}/read`,
    form: {},
    ...minePost(303),
  },
  { method: "POST", route: "/alerts/read-all", form: {}, anonymous: 401, owner: 303, other: 303, admin: 303 },
  {
    method: "GET",
    route: "/notificationAccountSender/edit/:id",
    path: (i) => `/notificationAccountSender/edit/${i.sender}`,
    ...adminOnly(200),
  },
  { method: "POST", route: "/notificationAccountSender/save", form: {}, ...adminOnlyPost(400) },
  {
    method: "GET",
    route: "/notificationAccountSender/delete/:id",
    path: (i) => `/notificationAccountSender/delete/${i.sender}`,
    ...adminOnly(200),
  },
  {
    method: "POST",
    route: "/notificationAccountSender/delete/:id",
    path: (i) => `/notificationAccountSender/delete/${i.sender}`,
    // A count that does not match: the confirmation is asked again, nothing is deleted.
    form: { accounts: "-1" },
    ...adminOnlyPost(409),
  },
  { method: "GET", route: "/notificationAccount/notificationAccounts", ...sig(200) },
  {
    method: "GET",
    route: "/notificationAccount/:id",
    path: (i) => `/notificationAccount/${i.account}`,
    ...mine(200),
  },
  {
    method: "POST",
    route: "/notificationAccount/:id/watermark",
    path: (i) => `/notificationAccount/${i.account}/watermark`,
    form: { dataset: "daily_consumption", date: "1999-01-01" },
    ...minePost(400),
  },
  {
    method: "POST",
    route: "/notificationAccount/:id/test/:dataset",
    path: (i) => `/notificationAccount/${i.account}/test/daily_consumption`,
    form: {},
    ...minePost(303),
  },
  {
    method: "GET",
    route: "/notificationAccount/:id/test/:dataset",
    path: (i) => `/notificationAccount/${i.account}/test/daily_consumption`,
    // The owner's last answer (just posted above), or back to the service.
    ...mine(200),
  },
  {
    method: "GET",
    route: "/notificationAccount/:id/delete",
    path: (i) => `/notificationAccount/${i.account}/delete`,
    ...mine(200),
  },
  { method: "GET", route: "/dataConnect/authorize", ...sig(200) },
  {
    method: "POST",
    route: "/dataConnect/authorize",
    form: { prm: "12345678901234" },
    anonymous: 401,
    owner: 303,
    other: 303,
    admin: 303,
  },
  { method: "GET", route: "/gateway/token", ...sig(200) },
  {
    method: "POST",
    route: "/gateway/token",
    // Not a Conso API token: refused before any call to the gateway.
    form: { gateway: "conso-api", token: "not-a-token" },
    anonymous: 401,
    owner: 400,
    other: 400,
    admin: 400,
  },
  // Nothing checked in this session: back to the token form.
  { method: "GET", route: "/gateway/choose", ...sig(303) },
  {
    method: "POST",
    route: "/gateway/choose",
    form: { prm: "12345678901234" },
    anonymous: 401,
    owner: 303,
    other: 303,
    admin: 303,
  },
  { method: "GET", route: "/admin/consents", ...adminOnly(200) },
  {
    method: "POST",
    route: "/admin/consents/:id/decide",
    path: () => "/admin/consents/999999/decide",
    form: { decision: "first" },
    ...adminOnlyPost(404),
  },
  {
    method: "GET",
    route: "/dataconnect-proxy/redirect",
    path: () => `/dataconnect-proxy/redirect${FORGED}`,
    ...everyone(403),
  },
  {
    method: "GET",
    route: "/dataConnect/redirect",
    path: () => `/dataConnect/redirect${FORGED}`,
    ...everyone(403),
  },
  {
    method: "GET",
    route: "/dataconnect/redirect",
    path: () => `/dataconnect/redirect${FORGED}`,
    ...everyone(403),
  },
  {
    method: "POST",
    route: "/dataConnect/retry",
    form: {},
    anonymous: 401,
    owner: 404,
    other: 404,
    admin: 404,
  },
  { method: "POST", route: "/logout", form: {}, ...everyone(303), fresh: true },
  {
    method: "POST",
    route: "/user/sessions/:id/revoke",
    path: (i) => `/user/sessions/${i.ownerSession}/revoke`,
    form: {},
    ...minePost(303),
  },
  {
    method: "POST",
    route: "/user/sessions/revoke-all",
    form: { scope: "others" },
    anonymous: 401,
    owner: 303,
    other: 303,
    admin: 303,
  },
  {
    method: "POST",
    route: "/admin/users/:id/disable",
    path: (i) => `/admin/users/${i.victim}/disable`,
    form: {},
    ...adminOnlyPost(303),
  },
  {
    method: "POST",
    route: "/admin/users/:id/enable",
    path: (i) => `/admin/users/${i.victim}/enable`,
    form: {},
    ...adminOnlyPost(303),
  },
  {
    method: "POST",
    route: "/admin/users/:id/delete",
    path: (i) => `/admin/users/${i.victim}/delete`,
    form: { confirm: "victim" },
    ...adminOnlyPost(303),
  },
  {
    method: "POST",
    route: "/user/tokens/:id/revoke",
    path: (i) => `/user/tokens/${i.token}/revoke`,
    form: {},
    ...minePost(303),
  },
  {
    method: "POST",
    route: "/notificationAccount/:id/delete",
    path: (i) => `/notificationAccount/${i.account}/delete`,
    form: {},
    ...minePost(303),
  },
];

describe("access to every route", () => {
  let f: Fixture;
  let ids: Ids;
  const agents = new Map<string, Agent>();
  beforeAll(async () => {
    // Every persona posts a wrong password to /login from the same address: no wait between them here.
    f = await fixture({ web: { loginRateLimit: { perAddressPerMinute: 1000, freeFailures: 100 } } });
    const sender = await f.sender();
    agents.set("owner", (await f.signedIn("owner")).agent);
    agents.set("other", (await f.signedIn("other")).agent);
    agents.set("admin", (await f.signedIn("admin", { admin: true })).agent);
    agents.set("anonymous", f.agent());
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "owner",
      usagePointId: PRM,
    });
    const token = await f.ctx.store.apiTokens.create({
      userId: r.account.userId,
      name: "owner's",
      tokenHash: "0".repeat(64),
      prefix: "ldc_000000",
    });
    const assets = Object.fromEntries(
      f.web.routes.filter((x) => x.url.startsWith("/static/")).map((x) => [assetPattern(x.url), x.url]),
    );
    const victim = await f.user("victim");
    await f.ctx.store.tariffs.saveOffers([
      validateOffer({
        name: "access-base",
        kind: "base",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 12, base: 0.2 }],
      }),
    ]);
    await f.agent().login("owner", "correct horse battery");
    const mine = await f.ctx.store.webSessions.listActive(r.account.userId, f.clock.now(), 3600_000);
    const ownerSession = mine[0]!.id; // the newest: the second agent's
    const alert = await f.ctx.store.alerts.raise({
      userId: r.account.userId,
      accountId: r.account.id,
      kind: "stale_data",
      day: "2026-11-28",
      title: "Plus de nouvelles données",
      body: "…",
      link: null,
    });
    const channel = await f.ctx.store.senders.create({
      libelle: "access hook",
      implClass: "webhook",
      config: { url: "http://127.0.0.1:9/hook" },
    });
    ids = {
      alert: alert!.id,
      channel: channel.id,
      account: r.account.id,
      device: r.device.id,
      sender,
      token: token.id,
      victim: victim.id,
      ownerSession,
      assets,
    };
  });
  afterAll(() => f.close());

  it("has a line for every route of the server, and no line for a route it lacks", () => {
    const table = f.web.routes.map((r) => `${r.method} ${assetPattern(r.url)}`);
    const tested = CASES.map((c) => `${c.method} ${c.route}`);
    expect([...new Set(tested)].sort()).toEqual([...new Set(table)].sort());
    expect(tested.length).toBe(new Set(tested).size);
  });

  // Before the matrix: its last routes delete the data.
  it("refuses every state-changing route without a valid CSRF token to whoever may use it", async () => {
    let checked = 0;
    for (const c of CASES.filter((x) => x.method === "POST")) {
      for (const who of ["anonymous", "owner", "admin"] as const) {
        if ([401, 403, 404].includes(c[who] as number)) continue;
        const agent = agents.get(who)!;
        const path = c.path ? c.path(ids) : c.route;
        for (const form of [{ ...c.form }, { ...c.form, _csrf: "forged-token" }]) {
          const res = await agent.post(path, form);
          expect(res.statusCode, `${who} ${c.route}`).toBe(403);
          expect(res.body).toContain("Formulaire refusé");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  async function call(
    c: Case,
    who: "anonymous" | "owner" | "other" | "admin",
  ): Promise<LightMyRequestResponse> {
    let agent = agents.get(who)!;
    if (c.fresh) {
      agent = f.agent();
      if (who !== "anonymous") await agent.login(who, "correct horse battery");
    }
    const path = c.path ? c.path(ids) : c.route;
    if (c.method === "GET") return agent.get(path);
    // A valid CSRF token for this visitor: the routes are tested for access, not for CSRF (see below).
    const csrf = await agent.csrf(who === "anonymous" ? "/login" : "/");
    return agent.post(path, { ...c.form, _csrf: csrf });
  }

  for (const c of CASES) {
    it(`${c.method} ${c.route}`, async () => {
      for (const who of ["anonymous", "other", "admin", "owner"] as const) {
        const res = await call(c, who);
        const expected = c[who];
        if (expected === LOGIN) {
          expect(res.statusCode, `${who}`).toBe(302);
          expect(String(res.headers.location), who).toMatch(/^\/login/);
        } else {
          expect(res.statusCode, `${who}: ${res.body.slice(0, 300)}`).toBe(expected);
        }
        // Finding 11: no personal page or API answer may be kept by a browser or a proxy.
        if (
          !c.route.startsWith("/static/") &&
          !c.route.startsWith("/favicon.") &&
          c.route !== "/api/openapi.json"
        )
          expect(res.headers["cache-control"], `${who} ${c.route}`).toBe("no-store");
        await f.web.background.idle();
      }
    });
  }
});

describe("one user never sees another's data", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
  });
  afterAll(() => f.close());

  it("keeps accounts and devices out of other users' pages", async () => {
    const alice = await f.signedIn("alice");
    const bob = await f.signedIn("bob");
    const a = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "alice",
      usagePointId: "11453290002823",
    });
    for (const path of ["/", "/notificationAccount/notificationAccounts"]) {
      expect((await alice.agent.get(path)).body).toContain("11453290002823");
      expect((await bob.agent.get(path)).body).not.toContain("11453290002823");
    }
    expect((await bob.agent.get(`/devices/${a.device.id}`)).statusCode).toBe(404);
    expect((await bob.agent.get(`/notificationAccount/${a.account.id}`)).statusCode).toBe(404);
    const from = "/notificationAccount/notificationAccounts";
    expect((await bob.agent.submit(`/notificationAccount/${a.account.id}/delete`, {}, from)).statusCode).toBe(
      404,
    );
    expect(await f.ctx.store.accounts.findById(a.account.id)).toBeDefined();
  });
});
