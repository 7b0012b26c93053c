/**
 * Issue 17 in a real headless Chromium against the real server: the administrator adds an e-mail channel
 * in "Connecteurs"; a user picks it for an alert kind with their address, quiet hours and the weekly
 * summary; the in-app list shows their alerts (one failed delivery with its reason) with the unread count
 * in the navigation, and marking one read lowers it. Screenshots at 1280 and 390 px under
 * E2E_ARTIFACTS_DIR (default: a temporary directory, printed); no horizontal scroll at 390 px.
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { ROLE_ADMIN, ROLE_USER } from "../../src/store/index.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: alert channels, settings and the in-app list", () => {
  let dir: string;
  let artifacts: string;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  const problems: string[] = [];
  let step = 0;

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    const size = page.viewportSize();
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({
        path: join(artifacts, `alerts-${String(step).padStart(2, "0")}-${name}-${width}.png`),
        fullPage: true,
      });
      if (width === 390) {
        // A string: the test's TypeScript has no DOM types; it runs in the page.
        const wide = (await page.evaluate("document.documentElement.scrollWidth")) as number;
        expect(wide, `${name}: no horizontal scroll at 390 px`).toBeLessThanOrEqual(390);
      }
    }
    if (size) await page.setViewportSize(size);
  }

  function watch(page: Page): void {
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
    });
  }

  beforeAll(async () => {
    if (!available)
      throw new Error(`REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = await mkdtemp(join(tmpdir(), "linky-e2e-"));
    artifacts =
      process.env.E2E_ARTIFACTS_DIR ??
      join(tmpdir(), "linky-dataconnect-e2e", new Date().toISOString().replace(/[:.]/g, "-"));
    await mkdir(artifacts, { recursive: true });
    console.log(`browser screenshots: ${artifacts}`);
    ctx = await createAppContext({
      env: {
        DATA_DIR: join(dir, "data"),
        DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
        ENEDIS_ENV: "simulator",
      },
      log: () => undefined,
    });
    for (const [username, roles] of [
      ["admin", [ROLE_USER, ROLE_ADMIN]],
      ["marie", [ROLE_USER]],
    ] as const) {
      await ctx.store.users.create({
        username,
        passwordHash: await hashPassword(PASSWORD),
        roles: [...roles],
      });
    }
    await ctx.store.senders.create({
      libelle: ctx.config.enedis.appName,
      implClass: "dataconnect",
      cron: null,
    });
    await ctx.store.senders.create({
      libelle: "Home Assistant",
      implClass: "mqtt",
      config: {},
    });
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.fill("#f-username", username);
    await page.fill("#f-password", PASSWORD);
    await page.click("main button[type=submit]");
    await page.waitForURL(`${server.url}/`);
  }

  it("adds a channel, picks it, and reads the alerts", { timeout: 120_000 }, async () => {
    const adminPage = await browser.newPage();
    watch(adminPage);
    await signIn(adminPage, "admin");
    await adminPage.goto(`${server.url}/notificationAccountSender/create?impl=email`);
    await adminPage.fill("#f-libelle", "Courriel");
    await adminPage.fill("#f-cfg_host", "smtp.example.org");
    await adminPage.fill("#f-cfg_from", "linky@example.org");
    await adminPage.fill("#f-cfg_username", "linky");
    await adminPage.fill("#f-secret_password", "a-secret-password");
    await shot(adminPage, "admin-channel-form");
    await adminPage.click("main button[type=submit]");
    await adminPage.waitForURL(/done=created/);
    await expect.poll(() => adminPage.textContent("#senders")).toContain("Courriel");
    await shot(adminPage, "admin-connecteurs");
    expect(await adminPage.content()).not.toContain("a-secret-password");

    const marie = await ctx.store.users.findByUsername("marie");
    const r = await registerAccount(ctx.store, ctx.config, {
      username: "marie",
      usagePointId: "09900000000001",
    });
    const mail = (await ctx.store.senders.findByLibelle("Courriel"))!;
    await ctx.store.alerts.setPreference(marie!.id, "stale_data", [mail.id]);
    const failing = await ctx.store.transaction((tx) =>
      tx.alerts.raise({
        userId: marie!.id,
        accountId: r.account.id,
        kind: "stale_data",
        day: "2026-11-29",
        title: "Plus de nouvelles données depuis 3 jours",
        body: "Enedis a publié les données d'hier pour les autres compteurs, pas pour le vôtre.\nLa dernière collecte a échoué : Enedis répond 500 depuis 3 jours.",
        link: `/devices/${r.device.id}`,
      }),
    );
    const [d] = await ctx.store.alerts.deliveriesOf(failing!.id);
    await ctx.store.alertDeliveries.claim(d!.id, "e2e", Date.now() + 60_000);
    await ctx.store.alertDeliveries.markFailed(d!.id, "e2e", {
      error: "Le serveur SMTP est injoignable ou n'a pas répondu à temps ; nouvel essai plus tard.",
      nextAttemptMs: Date.now() + 120_000,
    });
    await ctx.store.alerts.raise({
      userId: marie!.id,
      accountId: r.account.id,
      kind: "tempo_tomorrow",
      day: "2026-11-30",
      title: "Demain, jour Tempo rouge",
      body: "Mardi 1er décembre est un jour rouge : les heures pleines coûtent 0,65 €/kWh de 6 h à 22 h.",
      link: null,
    });

    const page = await browser.newPage();
    watch(page);
    await signIn(page, "marie");
    expect(await page.textContent("#alerts-unread")).toBe("2");
    await page.click("header nav a[href='/alerts']");
    await page.waitForURL(`${server.url}/alerts`);
    expect(await page.textContent("main")).toContain("Le serveur SMTP est injoignable");
    await shot(page, "alert-list");
    await page.click(`#alert-${failing!.id} button[type=submit]`);
    await page.waitForURL(`${server.url}/alerts`);
    expect(await page.textContent("#alerts-unread")).toBe("1");

    await page.goto(`${server.url}/alerts/settings`);
    await page.check(`input[name=k_summary][value="${mail.id}"]`);
    await page.fill(`#f-r_${mail.id}_address`, "marie@example.org");
    await page.fill("#f-quietStart", "22:00");
    await page.fill("#f-quietEnd", "07:00");
    await page.selectOption("#f-summary", "weekly");
    await shot(page, "alert-settings");
    await page.click("main .actions button[type=submit]");
    await page.waitForURL(/done=saved/);
    expect(await page.textContent("main")).toContain("Réglages des alertes enregistrés.");
    await shot(page, "alert-settings-saved");
    expect(await ctx.store.alerts.settings(marie!.id)).toEqual({
      thresholds: {},
      quietHours: { start: "22:00", end: "07:00" },
      summary: "weekly",
    });
    expect((await ctx.store.alerts.preferences(marie!.id)).get("summary")).toEqual([mail.id]);
    expect(problems).toEqual([]);
  });
});
