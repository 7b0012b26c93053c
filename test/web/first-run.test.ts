/**
 * The first run (issue 12) without a browser: the seed's connector created at the first start when none
 * exists (label `enedis.appName`, dataconnect, every 10 minutes) and said so on the setup page and in
 * "Connecteurs"; in simulator mode the setup page says the data are simulated and offers the demo meter
 * in one click; the dashboard always offers the next step; the printed address is one to open; a
 * favicon.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SENDER_CRON, defaultSenderId, ensureDefaultSender } from "../../src/accounts/service.js";
import { DEMO_PRM } from "../../src/simulator/households.js";
import { reachableUrl } from "../../src/web/server.js";
import { csrfOf, fixture, PASSWORD, type Fixture } from "./helpers.js";

describe("first run", () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("creates the seed's connector once, only when there is none", async () => {
    f = await fixture();
    const created = await ensureDefaultSender(f.ctx.store, f.ctx.config);
    expect(created).toMatchObject({
      libelle: "Enedis DataConnect",
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
    });
    expect(DEFAULT_SENDER_CRON).toBe("0 0/10 * * * ?");
    expect(await defaultSenderId(f.ctx.store)).toBe(created!.id);
    expect(await ensureDefaultSender(f.ctx.store, f.ctx.config)).toBeNull();
    expect(await f.ctx.store.senders.count()).toBe(1);
  });

  it("leaves an existing connector alone", async () => {
    f = await fixture();
    await f.ctx.store.senders.create({ libelle: "Mon connecteur", implClass: "dataconnect", cron: null });
    expect(await ensureDefaultSender(f.ctx.store, f.ctx.config)).toBeNull();
    expect((await f.ctx.store.senders.list()).map((s) => s.libelle)).toEqual(["Mon connecteur"]);
    expect(await defaultSenderId(f.ctx.store)).toBeNull();
  });

  it("says so on the setup page and in Connecteurs; the dashboard offers the demo meter", async () => {
    f = await fixture();
    await ensureDefaultSender(f.ctx.store, f.ctx.config);
    const token = (await f.web.setupToken()) as string;
    const a = f.agent();
    const page = await a.get(`/setup?token=${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="setup-sender"');
    expect(page.body).toContain("a été créé au premier démarrage");
    expect(page.body).toContain('id="setup-simulated"');
    expect(page.body).toContain("Les données sont simulées");
    expect(page.body).toContain('name="demo"');
    const done = await a.post("/setup", {
      _csrf: csrfOf(page.body)!,
      token,
      username: "root",
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/");
    const home = await a.get("/");
    expect(home.body).toContain('data-state="not_connected"');
    expect(home.body).toMatch(new RegExp(`id="f-prm" name="prm" type="text" value="${DEMO_PRM}"`));
    expect(home.body).toContain("Connecter mon compteur Linky");
    expect(home.body).toContain('class="banner-sim"');
    const list = await a.get("/notificationAccountSender/notificationAccountSenders");
    expect(list.body).toContain("Créé automatiquement au premier démarrage");
  });

  it("goes from the setup form straight to the demo meter's consent page when asked", async () => {
    f = await fixture();
    await ensureDefaultSender(f.ctx.store, f.ctx.config);
    const token = (await f.web.setupToken()) as string;
    const a = f.agent();
    const page = await a.get(`/setup?token=${token}`);
    const done = await a.post("/setup", {
      _csrf: csrfOf(page.body)!,
      token,
      username: "root",
      password: PASSWORD,
      confirm: PASSWORD,
      demo: "1",
    });
    expect(done.statusCode).toBe(303);
    const to = new URL(String(done.headers.location));
    expect(to.origin).toBe(new URL(f.ctx.enedis.authorizeUrl).origin);
    expect(to.pathname).toBe("/dataconnect/v2/oauth2/authorize");
    // The consent's state keeps the demo PRM: the simulator's page shows it.
    const consentPage = await fetch(to);
    expect(await consentPage.text()).toContain(`value="${DEMO_PRM}"`);
  });

  it("without a connector, offers the administrator to create it", async () => {
    f = await fixture();
    const admin = await f.signedIn("root", { admin: true });
    const home = await admin.agent.get("/");
    expect(home.body).toContain('data-state="unavailable"');
    expect(home.body).toContain('href="/notificationAccountSender/create"');
    const user = await f.signedIn("marie");
    expect((await user.agent.get("/")).body).toContain("l&#39;administrateur doit créer le connecteur");
  });

  it("prints an address one can open, and serves a favicon", async () => {
    expect(reachableUrl("0.0.0.0", 3000)).toBe("http://127.0.0.1:3000");
    expect(reachableUrl("::", 3000)).toBe("http://[::1]:3000");
    expect(reachableUrl("192.168.1.5", 80)).toBe("http://192.168.1.5:80");
    expect(reachableUrl("fe80::1", 8080)).toBe("http://[fe80::1]:8080");
    f = await fixture();
    const icon = await f.agent().get("/favicon.svg");
    expect(icon.statusCode).toBe(200);
    expect(String(icon.headers["content-type"])).toContain("image/svg+xml");
    expect((await f.agent().get("/no/such/page")).body).toContain('<link rel="icon" href="/favicon.svg"');
  });
});
