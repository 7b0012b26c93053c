/**
 * Acceptance 2 of issue 12: every page and every error path a person can reach is French. The test walks
 * the pages of each kind of user (the meter's views and analyses, the services, the admin pages) and the
 * error paths (bad date, bad view, bad analysis, bad export range, unknown meter, unknown page, refused
 * and forged consents, a form without its CSRF token, forms with bad values, a bad cron), and fails on
 * any English sentence, English status word or raw JSON in a page. The API (`/api/…`) keeps its JSON.
 */
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterFixture, PRM, PROD_PRM, type MeterFixture } from "./meter-fixture.js";
import type { Agent } from "./helpers.js";

/** English words and phrases no French page may show (outside code samples and Enedis' raw JSON). */
const ENGLISH =
  /\b(the|not|error|errors|failed|expected|with|must|should|please|invalid|unknown|missing|waiting|cannot|sign in|found|running|published|nothing|yet|day\(s\)|no such|consent|operator|for|this|that|is|are|was|has|have|been|will|from|more|only|fetch|history|curve|usage point|request|try again|later)\b/i;
/** Status words of the records (`ok`, `not_applicable`…) that used to reach pages as they are stored. */
const STATUS = /(\(ok\)|\bnot_applicable\b|\bno_data_yet\b|\bpartial\b|\bfailed\b|\bexpired\b)/;

/** The text a person reads: no tags, scripts, styles, code samples, attributes or quoted names. */
export function readableText(html: string): string {
  return (
    html
      .replace(/<script[\s\S]*?<\/script>/g, " ")
      .replace(/<style[\s\S]*?<\/style>/g, " ")
      .replace(/<pre[\s\S]*?<\/pre>/g, " ")
      .replace(/<code[\s\S]*?<\/code>/g, " ")
      .replace(/<[^>]+>/g, " ")
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&")
      // A parameter's own name, quoted (« from »): a name, not a sentence.
      .replace(/«\s?[A-Za-z_]{1,20}\s?»/g, " ")
      .replace(/\s+/g, " ")
  );
}

function checkFrench(what: string, res: LightMyRequestResponse): void {
  const type = String(res.headers["content-type"] ?? "");
  if (res.statusCode >= 300 && res.statusCode < 400) return;
  expect(type, `${what}: a page, not JSON (${res.body.slice(0, 120)})`).toContain("text/html");
  expect(res.body.trimStart().startsWith("{"), `${what}: raw JSON`).toBe(false);
  const text = readableText(res.body);
  const english = ENGLISH.exec(text);
  expect(
    english,
    `${what}: English "${english?.[0]}" in «…${text.slice(Math.max(0, (english?.index ?? 0) - 80), (english?.index ?? 0) + 80)}…»`,
  ).toBeNull();
  const status = STATUS.exec(text);
  expect(status, `${what}: status word "${status?.[0]}"`).toBeNull();
  if (res.statusCode >= 400) {
    // An error page always offers a way back.
    expect(res.body, `${what}: a way back`).toMatch(
      /href="\/"|href="\/login"|href="\/dataConnect\/authorize"/,
    );
  }
}

describe("a French interface throughout", () => {
  let m: MeterFixture;
  let admin: Agent;
  let ids: { device: number; prodDevice: number; account: number; sender: number; user: number };

  beforeAll(async () => {
    m = await meterFixture();
    admin = (await m.f.signedIn("admin", { admin: true })).agent;
    const [account] = await m.f.ctx.store.accounts.findByUsagePoint(PRM);
    const sender = await m.f.sender();
    const user = await m.f.user("victime");
    ids = {
      device: m.devices[PRM]!,
      prodDevice: m.devices[PROD_PRM]!,
      account: account!.id,
      sender,
      user: user.id,
    };
  }, 120_000);
  afterAll(() => m?.f.close());

  it("catches what it is meant to catch", () => {
    for (const english of [
      "Expression cron invalide : expected 6 or 7 fields",
      "no production load-curve service for this usage point",
    ])
      expect(ENGLISH.test(readableText(`<p>${english}</p>`)), english).toBe(true);
    expect(STATUS.test("Dernière collecte : 28/11/2026 10:00 (ok)")).toBe(true);
    expect(STATUS.test("production_load_curve not_applicable")).toBe(true);
    expect(ENGLISH.test(readableText("<p>« from » doit précéder « to »</p>"))).toBe(false);
  });

  it("shows every page in French", async () => {
    const d = ids.device;
    const pages: Array<[Agent, string]> = [
      [m.f.agent(), "/login"],
      [m.owner, "/"],
      [m.owner, "/user"],
      [m.owner, "/user/password"],
      [m.owner, "/notificationAccount/notificationAccounts"],
      [m.owner, `/notificationAccount/${ids.account}`],
      [m.owner, `/notificationAccount/${ids.account}/delete`],
      [m.owner, "/dataConnect/authorize"],
      [m.owner, `/devices/${d}/diagnostic`],
      [m.owner, `/devices/${ids.prodDevice}/diagnostic`],
      [m.owner, "/gateway/token"],
      [m.owner, `/devices/${d}`],
      ...["day", "last7", "week", "month", "year"].map((v): [Agent, string] => [
        m.owner,
        `/devices/${d}?view=${v}&date=2026-11-10`,
      ]),
      [m.owner, `/devices/${ids.prodDevice}?view=month&date=2026-11-10`],
      [m.owner, `/devices/${d}?view=month&date=2026-11-10&cal=daily_consumption`],
      ...["heatmap", "weekday", "compare", "baseload"].map((k): [Agent, string] => [
        m.owner,
        `/devices/${d}/analysis?kind=${k}`,
      ]),
      [m.owner, `/devices/${d}/analysis?kind=heatmap&view=year&date=2026-11-10`],
      [m.owner, `/devices/${d}?view=day&date=2030-01-01`],
      [m.owner, `/devices/${d}?view=day&date=1999-01-01`],
      [admin, "/"],
      [admin, "/notificationAccountSender/notificationAccountSenders"],
      [admin, "/notificationAccountSender/create"],
      ...["email", "freemobile", "webhook", "mqtt"].map((impl): [Agent, string] => [
        admin,
        `/notificationAccountSender/create?impl=${impl}`,
      ]),
      [m.owner, "/alerts"],
      [m.owner, "/alerts/settings"],
      [admin, `/notificationAccountSender/edit/${ids.sender}`],
      [admin, `/notificationAccountSender/delete/${ids.sender}`],
      [admin, "/admin/users"],
      [admin, `/admin/users/${ids.user}/delete`],
      [admin, "/admin/consents"],
    ];
    for (const [agent, path] of pages) {
      const res = await agent.get(path);
      expect(res.statusCode, `${path}: ${res.body.slice(0, 200)}`).toBe(200);
      checkFrench(path, res);
    }
    // A page after a sync reports its outcome in French (it ran in the fixture).
    const service = await m.owner.get(`/notificationAccount/${ids.account}`);
    expect(readableText(service.body)).toMatch(/Réussie|Partielle/);
  });

  it("answers every error path with a French page and a way back", async () => {
    const d = ids.device;
    const errors: Array<[Agent, string, number]> = [
      [m.owner, `/devices/${d}?date=2026-13-45`, 400],
      [m.owner, `/devices/${d}?view=decade`, 400],
      [m.owner, `/devices/${d}?cal=nothing`, 400],
      [m.owner, `/devices/${d}/analysis?kind=pie`, 400],
      [m.owner, `/devices/${d}/analysis?kind=heatmap&view=day`, 400],
      [m.owner, `/devices/${d}/export?dataset=daily_consumption&from=2026-11-08&to=2026-11-01`, 400],
      [m.owner, `/devices/${d}/export?dataset=nope&from=2026-11-01&to=2026-11-08`, 400],
      [m.owner, `/devices/${d}/export?dataset=daily_consumption&from=hier&to=2026-11-08`, 400],
      [
        m.owner,
        `/devices/${d}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08&format=xml`,
        400,
      ],
      [m.owner, "/devices/999999", 404],
      [m.owner, "/devices/abc", 404],
      [m.other, `/devices/${d}`, 404],
      [m.owner, "/notificationAccount/999999", 404],
      [m.owner, "/no/such/page", 404],
      [m.f.agent(), "/no/such/page", 404],
      [m.owner, "/admin/users", 403],
      [m.f.agent(), "/setup?token=wrong", 303],
      [m.owner, "/dataConnect/redirect?error=access_denied&state=whatever", 403],
      [m.owner, "/dataConnect/redirect?error=server_error&state=whatever", 502],
      [m.owner, "/dataConnect/redirect?autorisation_id=58249&state=forged", 403],
      [m.owner, "/dataConnect/redirect", 403],
      [m.f.agent(), "/dataConnect/redirect?autorisation_id=58249&state=forged", 403],
      [admin, "/notificationAccountSender/edit/999999", 404],
      [admin, "/notificationAccountSender/notificationAccountSenders?page=zero", 400],
    ];
    for (const [agent, path, status] of errors) {
      const res = await agent.get(path);
      expect(res.statusCode, `${path}: ${res.body.slice(0, 300)}`).toBe(status);
      checkFrench(path, res);
    }
  });

  it("answers bad forms in French", async () => {
    const posts: Array<[Agent, string, Record<string, string>, number, string]> = [
      [m.f.agent(), "/login", { username: "nobody", password: "wrong password" }, 401, "/login"],
      [m.f.agent(), "/login", {}, 400, "/login"],
      [m.owner, "/dataConnect/authorize", { prm: "123" }, 400, "/"],
      [m.owner, "/gateway/token", { gateway: "conso-api", token: "not-a-jwt" }, 400, "/gateway/token"],
      [m.owner, "/gateway/token", { gateway: "nope", token: "x" }, 400, "/gateway/token"],
      [m.owner, "/gateway/token", { gateway: "myelectricaldata", token: "x" }, 400, "/gateway/token"],
      [m.owner, "/gateway/token", { gateway: "conso-api", token: "" }, 400, "/gateway/token"],
      [m.owner, "/user/tokens", { name: "" }, 400, "/user"],
      [m.owner, "/user/password", { current: "x", password: "y", confirm: "z" }, 400, "/user/password"],
      [
        admin,
        "/notificationAccountSender/save",
        { libelle: "X", implClass: "dataconnect", role: "", cron: "0 0/10 * * *" },
        400,
        "/notificationAccountSender/create",
      ],
      [
        admin,
        "/notificationAccountSender/save",
        { libelle: "X", implClass: "dataconnect", role: "", cron: "0 0 25 * * ?" },
        400,
        "/notificationAccountSender/create",
      ],
      [admin, "/admin/users", { username: "a b", password: "short" }, 400, "/admin/users"],
      [
        admin,
        "/notificationAccountSender/save",
        { libelle: "Courriel", implClass: "email", cfg_host: "", cfg_port: "x", cfg_from: "y" },
        400,
        "/notificationAccountSender/create?impl=email",
      ],
      [
        admin,
        "/notificationAccountSender/save",
        { libelle: "Crochet", implClass: "webhook", cfg_url: "ftp://x", secret_signingKey: "short" },
        400,
        "/notificationAccountSender/create?impl=webhook",
      ],
      [
        m.owner,
        "/alerts/settings",
        { quietStart: "25:00", quietEnd: "07:00", summary: "x" },
        400,
        "/alerts/settings",
      ],
      [
        m.owner,
        `/notificationAccount/${ids.account}/watermark`,
        { dataset: "daily_consumption", date: "2001-01-01" },
        400,
        `/notificationAccount/${ids.account}`,
      ],
    ];
    for (const [agent, path, form, status, from] of posts) {
      const res = await agent.submit(path, form, from);
      expect(res.statusCode, `${path} ${JSON.stringify(form)}: ${res.body.slice(0, 300)}`).toBe(status);
      checkFrench(`POST ${path}`, res);
    }
    // No CSRF token: a French page, not JSON.
    const forged = await m.owner.post("/user/tokens", { name: "x", _csrf: "forged" });
    expect(forged.statusCode).toBe(403);
    checkFrench("POST /user/tokens without CSRF", forged);
    // The API keeps its JSON (for scripts), in English.
    const api = await m.owner.get(`/api/v1/usage-points/${PRM}/views/day?date=yesterday`);
    expect(api.statusCode).toBe(400);
    expect(api.json()).toMatchObject({ error: "bad_request" });
  });

  it("says no sync outcome or reason in English, even for one stored by an older version", async () => {
    const store = m.f.ctx.store;
    const [account] = await store.accounts.findByUsagePoint(PRM);
    const before = account!.config;
    await store.accounts.updateConfig(account!.id, {
      last_sync: {
        started_at_ms: 1,
        finished_at_ms: 2,
        outcome: "partial",
        message: "production_load_curve: no production load-curve service for this usage point",
        calls: 3,
        retries: 0,
        datasets: {
          production_load_curve: {
            outcome: "not_applicable",
            message: "no production load-curve service for this usage point",
            reason: { key: "no_service_curve", params: { direction: "production" } },
          },
          daily_consumption: { outcome: "failed", message: "socket hang up" },
          consumption_load_curve: {
            outcome: "no_data_yet",
            message: "nothing published yet from 2026-11-27",
            reason: { key: "unpublished", params: { from: "2026-11-27" } },
          },
        },
      },
    });
    try {
      for (const path of [
        "/",
        "/notificationAccount/notificationAccounts",
        `/notificationAccount/${account!.id}`,
      ]) {
        const res = await m.owner.get(path);
        checkFrench(path, res);
      }
      const text = readableText((await m.owner.get(`/notificationAccount/${account!.id}`)).body);
      expect(text).toContain("Pas de service de courbe de charge (production)");
      expect(text).toContain("Rien de publié à partir du 27/11/2026");
      expect(text).toContain("Sans objet");
    } finally {
      await store.accounts.updateConfig(account!.id, { last_sync: before.last_sync ?? null });
    }
  });
});
