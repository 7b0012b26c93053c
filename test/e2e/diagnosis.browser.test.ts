/**
 * Acceptance 4 of issue 17: a meter's diagnosis page, in a real headless Chromium, for five ways a
 * collection breaks, each produced by the real sync against simulators with a controlled clock:
 * - Enedis answering 500 for days (a second simulator whose every call faults, five daily syncs);
 * - a revoked consent (the customer withdrew it at the simulator);
 * - a gateway ban (Conso API's stand-in answers its Cloudflare page);
 * - a quota pause (the simulator refuses with 429 Q4, 20 minutes);
 * - load-curve collection off (the sandbox PRM without a load-curve service).
 * Each page says the cause, what happens next and what to do; screenshots at 1280 and 390 px are saved
 * under E2E_ARTIFACTS_DIR (default: a temporary directory, printed). The stale-data and sync-failing
 * alerts raised on the same data carry the diagnosis' summary.
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { AlertEvaluator } from "../../src/alerts/evaluate.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { ROLE_USER, type Account } from "../../src/store/index.js";
import { syncAccounts, syncSettingsOf } from "../../src/sync/service.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";
/** 28/11/2026 12:00 Paris. */
const NOW = Date.parse("2026-11-28T11:00:00Z");
const DAY_MS = 86_400_000;
const PRMS = {
  down: "22516914714270",
  revoked: "30001234567890",
  banned: "30001234567891",
  quota: "30001234567892",
  // The sandbox's PRM without load-curve recording (ADAM-ERR0075, no CDC service).
  curveOff: "32320647321714",
} as const;
type Case = keyof typeof PRMS;

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: a meter's diagnosis", { timeout: 120_000 }, () => {
  let dir: string;
  let artifacts: string;
  let now = NOW;
  let healthy: RunningSimulator;
  let failing: RunningSimulator;
  let ctx: AppContext;
  let down: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const accounts = {} as Record<Case, Account>;
  const devices = {} as Record<Case, number>;
  const problems: string[] = [];

  const sync = async (c: AppContext, which: Case, extra: Record<string, unknown> = {}) => {
    const [r] = await syncAccounts(
      { store: c.store, client: c.client, sources: c.sources, now: () => now, sleep: async () => {} },
      [(await c.store.accounts.findById(accounts[which].id))!],
      { ...syncSettingsOf(c.config), backfillMonths: { curve: 1, daily: 2 }, ...extra },
    );
    return r!.outcome;
  };

  async function shots(name: string): Promise<void> {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(artifacts, `diagnosis-${name}-${width}.png`), fullPage: true });
    }
  }

  async function open(which: Case): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/devices/${devices[which]}/diagnostic`);
    await page.waitForSelector("#diag-state");
  }
  const text = (sel: string) => page.locator(sel).innerText();
  const keys = (sel: string) =>
    page.locator(`${sel} li`).evaluateAll((els) => els.map((e) => e.getAttribute("data-key")));

  beforeAll(async () => {
    if (!available)
      throw new Error(`REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = await mkdtemp(join(tmpdir(), "linky-e2e-diag-"));
    artifacts =
      process.env.E2E_ARTIFACTS_DIR ??
      join(tmpdir(), "linky-dataconnect-e2e", new Date().toISOString().replace(/[:.]/g, "-"));
    await mkdir(artifacts, { recursive: true });
    console.log(`browser screenshots: ${artifacts}`);
    const clock = () => now;
    const big = { quotaPerSecond: 1e6, quotaPerHour: 1e9, now: clock };
    healthy = await startSimulator(big);
    // Enedis down: every API call answers 500, 503, a stall (then 504) or a cut body.
    failing = await startSimulator({ ...big, faultRate: 1, stallMs: 5 });
    // The customers consented six days ago (the simulator dates the services from the clock).
    now = NOW - 6 * DAY_MS;
    for (const sim of [healthy, failing])
      for (const prm of [PRMS.down, PRMS.revoked, PRMS.quota]) sim.grantConsent(prm);
    const env = {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      ENEDIS_API_URL: healthy.url,
      ENEDIS_CLIENT_ID: "simulator-client",
      ENEDIS_CLIENT_SECRET: "simulator-secret",
      ENEDIS_QUOTA_PER_SECOND: "1000",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
    };
    ctx = await createAppContext({ env, now: clock, log: () => undefined });
    down = await createAppContext({
      env: { ...env, ENEDIS_API_URL: failing.url },
      now: clock,
      log: () => undefined,
    });
    for (const username of ["marie", "paul"])
      await ctx.store.users.create({
        username,
        passwordHash: await hashPassword(PASSWORD),
        roles: [ROLE_USER],
      });
    await ctx.store.senders.create({
      libelle: ctx.config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
      role: null,
    });
    const tokenRes = await fetch(`${healthy.url}/__simulator/gateway-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ usagePointIds: [PRMS.banned] }),
    });
    const token = ((await tokenRes.json()) as { token: string }).token;
    for (const which of Object.keys(PRMS) as Case[]) {
      const r = await registerAccount(ctx.store, ctx.config, {
        username: "marie",
        usagePointId: PRMS[which],
        nowMs: NOW - 6 * DAY_MS,
        ...(which === "banned" ? { gateway: { id: "conso-api" as const, token, prms: [PRMS.banned] } } : {}),
      });
      accounts[which] = r.account;
      devices[which] = r.device.id;
    }

    // Enedis down: a good sync five days ago, then a failing one every day since.
    now = NOW - 5 * DAY_MS;
    expect((await sync(ctx, "down")).outcome).toMatch(/^(ok|partial)$/);
    for (let d = 4; d >= 0; d--) {
      now = NOW - d * DAY_MS;
      expect((await sync(down, "down")).outcome).toBe("failed");
    }
    // Revoked consent: good yesterday, revoked at Enedis today.
    now = NOW - DAY_MS;
    expect((await sync(ctx, "revoked")).outcome).toMatch(/^(ok|partial)$/);
    expect((await sync(ctx, "quota")).outcome).toMatch(/^(ok|partial)$/);
    // The gateway: good two days ago, then its ban page.
    now = NOW - 2 * DAY_MS;
    expect((await sync(ctx, "banned")).outcome).toMatch(/^(ok|partial)$/);
    now = NOW;
    healthy.revokeConsent(PRMS.revoked);
    expect((await sync(ctx, "revoked")).outcome).toBe("expired");
    await fetch(`${healthy.url}/__simulator/gateway-ban`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ gateway: "conso-api", banned: true }),
    });
    expect((await sync(ctx, "banned")).outcome).toBe("failed");
    expect(["ok", "partial"]).toContain((await sync(ctx, "curveOff")).outcome);

    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    // Signed in by this process (the cookie's expiry follows the server's 2026 clock): see meter.browser.test.ts.
    const login = await fetch(`${server.url}/login`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? "";
    const jar = login.headers.getSetCookie().map((c) => c.split(";")[0]!);
    const signed = await fetch(`${server.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
      body: new URLSearchParams({ username: "marie", password: PASSWORD, _csrf: csrf }),
    });
    expect(signed.status).toBe(303);
    await context.addCookies(
      [...jar, ...signed.headers.getSetCookie().map((c) => c.split(";")[0]!)].map((pair) => {
        const eq = pair.indexOf("=");
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
      }),
    );
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await down?.close();
    await ctx?.close();
    await failing?.stop();
    await healthy?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("Enedis answering 500 for days: Enedis is down, 5 days behind, wait for Enedis; the alerts carry it", async () => {
    await open("down");
    expect(await page.getAttribute("#diag-state", "data-state")).toBe("failing");
    expect(await page.getAttribute("#diag-error", "data-cause")).toBe("enedis_down");
    expect(await text("#diag-summary")).toContain("5 jour(s) de retard");
    expect(await text("#diag-summary")).toContain("Enedis ne répond pas");
    expect(await text("#diag-success")).toContain("23/11/2026");
    expect(await keys("#diag-actions")).toEqual(["wait_enedis"]);
    expect(await keys("#diag-next")).toEqual(["retry"]);
    await shots("enedis-500");
    // The same data raise the stale-data and sync-failing alerts, with the summary the page shows.
    const evaluator = new AlertEvaluator({
      store: ctx.store,
      config: ctx.config,
      now: () => now,
      log: () => undefined,
    });
    const raised = await evaluator.evaluateAccount(accounts.down.id, "sync");
    expect(raised.map((a) => a.kind).sort()).toEqual(["stale_data", "sync_failing"]);
    const stale = raised.find((a) => a.kind === "stale_data")!;
    expect(stale.body).toContain(await text("#diag-summary"));
    expect(stale.link).toBe(`/devices/${devices.down}/diagnostic`);
  });

  it("a revoked consent: the consent ended, re-consent", async () => {
    await open("revoked");
    expect(await page.getAttribute("#diag-state", "data-state")).toBe("consent");
    expect(await text("#diag-summary")).toContain("consentement");
    expect(await keys("#diag-actions")).toEqual(["reconsent"]);
    expect(await page.getAttribute("#diag-actions a", "href")).toBe("/dataConnect/authorize");
    expect(await keys("#diag-next")).toEqual(["consent"]);
    await shots("consent-revoked");
  });

  it("a gateway ban: the gateway blocks, no end date, wait for it", async () => {
    await open("banned");
    expect(await page.getAttribute("#diag-state", "data-state")).toBe("blocked");
    expect(await text("#diag-source")).toBe("Conso API");
    expect(await page.getAttribute("#diag-error", "data-cause")).toBe("gateway");
    expect(await keys("#diag-next")).toContain("gateway_unblocked");
    expect(await text("#diag-next")).toContain("sans date de fin");
    expect(await keys("#diag-actions")).toContain("wait_gateway");
    await shots("gateway-ban");
    // Its alert, on the data of the real sync.
    const evaluator = new AlertEvaluator({
      store: ctx.store,
      config: ctx.config,
      now: () => now + 4 * DAY_MS,
      log: () => undefined,
    });
    const raised = await evaluator.evaluateAccount(accounts.banned.id, "sync");
    expect(raised.map((a) => a.kind)).toContain("gateway_banned");
  });

  it("load-curve collection off: the curve is not collected, switch it on in the Enedis space", async () => {
    await open("curveOff");
    expect(await page.getAttribute("#diag-state", "data-state")).toBe("incomplete");
    expect(await page.locator('#diag-datasets tr[data-error="load_curve_off"]').count()).toBe(1);
    expect(await keys("#diag-actions")).toContain("enable_load_curve");
    expect(await text("#diag-summary")).toContain("courbe de charge n'est pas enregistrée");
    expect(await text("#diag-actions")).toContain("espace client Enedis");
    await shots("load-curve-off");
  });

  it("a quota pause: the quota is spent, it resumes at the time Enedis gave", async () => {
    healthy.refuseNext("q4", 20);
    expect((await sync(ctx, "quota")).outcome).toMatch(/^(failed|partial)$/);
    await open("quota");
    expect(await page.getAttribute("#diag-error", "data-cause")).toBe("quota");
    expect(await keys("#diag-next")).toContain("quota_resumes");
    // Q4 names the Paris time the hour frees up: 20 minutes after 12:00.
    expect(await text("#diag-next")).toContain("28/11/2026 à 12:20");
    expect(await keys("#diag-actions")).toContain("wait_quota");
    await shots("quota-pause");
    expect(problems).toEqual([]);
  });

  it("another user gets a 404 for the page and the API", async () => {
    const other = await browser.newContext();
    const login = await fetch(`${server.url}/login`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? "";
    const jar = login.headers.getSetCookie().map((c) => c.split(";")[0]!);
    const signed = await fetch(`${server.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
      body: new URLSearchParams({ username: "paul", password: PASSWORD, _csrf: csrf }),
    });
    const cookie = [...jar, ...signed.headers.getSetCookie().map((c) => c.split(";")[0]!)].join("; ");
    const pageRes = await fetch(`${server.url}/devices/${devices.down}/diagnostic`, { headers: { cookie } });
    expect(pageRes.status).toBe(404);
    const apiRes = await fetch(`${server.url}/api/v1/usage-points/${PRMS.down}/diagnosis`, {
      headers: { cookie },
    });
    expect(apiRes.status).toBe(404);
    await other.close();
  });
});
