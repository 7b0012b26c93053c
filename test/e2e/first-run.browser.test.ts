/**
 * Acceptance 1 of issue 12, in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the real server started as `serve` starts it, from an empty data directory (no
 * `DATABASE_URL`): the printed setup link → the administrator → the dashboard → "Connecter mon compteur
 * Linky" (the simulated demo meter is filled in) → the simulator's consent page → charts with data, and
 * never an admin page on the way. Then every page is shot at 1280 and at 390 px (nothing may scroll
 * sideways on the phone) into E2E_ARTIFACTS_DIR (default: a temporary directory, printed), never into
 * the repository. The server runs on the real clock (no cookie-expiry trick needed).
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { DEMO_PRM } from "../../src/simulator/households.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery 9";

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: the first run", () => {
  let dir: string;
  let artifacts: string;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  const problems: string[] = [];
  /** The 400 pages asked for on purpose. */
  const expected400 = new Set<string>();

  function watch(page: Page): void {
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400 && !expected400.has(r.url())) problems.push(`${r.status()} ${r.url()}`);
    });
  }

  async function shot(page: Page, name: string): Promise<void> {
    const width = page.viewportSize()?.width ?? 0;
    await page.screenshot({ path: join(artifacts, `first-run-${name}-${width}.png`), fullPage: true });
  }

  beforeAll(async () => {
    if (!available)
      throw new Error(`REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = await mkdtemp(join(tmpdir(), "linky-e2e-first-"));
    artifacts =
      process.env.E2E_ARTIFACTS_DIR ??
      join(tmpdir(), "linky-dataconnect-e2e", new Date().toISOString().replace(/[:.]/g, "-"));
    await mkdir(artifacts, { recursive: true });
    console.log(`browser screenshots: ${artifacts}`);
    // What `npm start` does with DATA_DIR set and nothing else (smaller backfills, a faster quota).
    ctx = await createAppContext({
      env: {
        DATA_DIR: join(dir, "data"),
        ENEDIS_ENV: "simulator",
        ENEDIS_QUOTA_PER_SECOND: "1000",
        ENEDIS_QUOTA_PER_HOUR: "1000000",
        SYNC_BACKFILL_MONTHS_CURVE: "2",
        SYNC_BACKFILL_MONTHS_DAILY: "13",
      },
      log: () => undefined,
    });
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1", defaultSender: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "goes from the setup link to charts with data, without an admin page; every page at 1280 and 390 px",
    { timeout: 240_000 },
    async () => {
      expect(readdirSync(join(dir, "data"))).toEqual(expect.arrayContaining(["linky.db", "secret.key"]));
      const token = await server.web.setupToken();
      expect(token).not.toBeNull();
      const setupUrl = `${server.url}/setup?token=${token}`;

      const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "fr-FR" });
      const page = await desktop.newPage();
      watch(page);
      const visited: string[] = [];
      page.on("framenavigated", (f) => {
        if (f === page.mainFrame()) visited.push(new URL(f.url()).pathname);
      });

      // The setup page says the connector is ready and that the data are simulated.
      const phoneFirst = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        locale: "fr-FR",
      });
      const setupPhone = await phoneFirst.newPage();
      await setupPhone.goto(setupUrl);
      await shot(setupPhone, "01-setup");
      await phoneFirst.close();
      await page.goto(setupUrl);
      expect(await page.textContent("#setup-sender")).toContain("Enedis DataConnect");
      expect(await page.textContent("#setup-simulated")).toContain("simulées");
      await shot(page, "01-setup");
      await page.fill("#f-username", "admin");
      await page.fill("#f-password", PASSWORD);
      await page.fill("#f-confirm", PASSWORD);
      await page.click("button[type=submit]");
      await page.waitForURL(`${server.url}/`);

      // The dashboard offers the next step at once: the demo meter is filled in.
      expect(await page.getAttribute(".linky-card", "data-state")).toBe("not_connected");
      expect(await page.inputValue("#f-prm")).toBe(DEMO_PRM);
      expect(await page.textContent("#connect-linky")).toContain("Connecter mon compteur");
      await shot(page, "02-dashboard");
      await page.click("#connect-linky");
      await page.waitForURL((u) => u.pathname === "/dataconnect/v2/oauth2/authorize");
      expect(await page.inputValue("#prm")).toBe(DEMO_PRM);
      await shot(page, "03-simulator-consent");
      await page.click("button[value=accept]");
      await page.waitForURL((u) => u.origin === server.url && u.pathname === "/");
      expect(await page.getAttribute(".linky-card", "data-state")).toBe("connected");
      await shot(page, "04-dashboard-connected");

      // The first sync runs in the background; then the meter's page has charts with data.
      await server.web.background.idle();
      await page.reload();
      await page.click("#open-linky");
      await page.waitForSelector("#chart-energy[data-rendered='1']");
      expect(await page.getAttribute("#meter-view", "data-period")).toBe("last7");
      expect(Number(await page.getAttribute("#chart-energy", "data-points"))).toBe(7);
      expect(Number(await page.getAttribute("#chart-power", "data-points"))).toBeGreaterThan(300);
      expect(await page.locator("#no-data").count()).toBe(0);
      expect(await page.locator("#daily-table tbody tr").count()).toBe(7);
      await shot(page, "05-meter");
      // Not one admin page on the way.
      expect(visited.filter((p) => /^\/(admin|notificationAccountSender)/.test(p))).toEqual([]);
      const meterPath = new URL(page.url()).pathname;

      // Every page, at both widths.
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        locale: "fr-FR",
        storageState: await desktop.storageState(),
      });
      const small = await phone.newPage();
      watch(small);
      const [account] = await ctx.store.accounts.findByUsagePoint(DEMO_PRM);
      const badDate = `${server.url}${meterPath}?date=2026-13-45`;
      expected400.add(badDate);
      const pages: Array<[string, string]> = [
        ["10-dashboard", "/"],
        ["11-meter-last7", meterPath],
        ["12-meter-day", `${meterPath}?view=day`],
        ["13-meter-week", `${meterPath}?view=week`],
        ["14-meter-month", `${meterPath}?view=month`],
        ["15-meter-year", `${meterPath}?view=year`],
        ["16-heatmap", `${meterPath}/analysis?kind=heatmap`],
        ["17-heatmap-year", `${meterPath}/analysis?kind=heatmap&view=year`],
        ["18-weekday", `${meterPath}/analysis?kind=weekday`],
        ["19-compare", `${meterPath}/analysis?kind=compare&view=last7`],
        ["20-baseload", `${meterPath}/analysis?kind=baseload`],
        ["21-services", "/notificationAccount/notificationAccounts"],
        ["22-service", `/notificationAccount/${account!.id}`],
        ["23-user", "/user"],
        ["24-connect-another", "/dataConnect/authorize"],
        ["25-senders", "/notificationAccountSender/notificationAccountSenders"],
        ["26-users", "/admin/users"],
        ["27-consents", "/admin/consents"],
        ["28-bad-date", badDate.slice(server.url.length)],
      ];
      for (const [name, path] of pages) {
        for (const p of [page, small]) {
          await p.goto(`${server.url}${path}`);
          if (path.startsWith(meterPath) && !path.includes("analysis") && !path.includes("2026-13"))
            await p.waitForSelector("#chart-energy[data-rendered='1']");
          if (path.includes("kind=weekday")) await p.waitForSelector("#chart-weekday[data-rendered='1']");
          await shot(p, name);
        }
        // At 390 px nothing scrolls sideways.
        // A string: the browser's globals are not in this project's (Node) types.
        const overflow = Number(
          await small.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        );
        expect(overflow, `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
      }
      expect(await small.textContent("main")).toContain("Le paramètre «\u00a0date\u00a0»");
      await phone.close();
      await desktop.close();
      expect(problems).toEqual([]);
    },
  );
});
