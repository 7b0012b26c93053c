/**
 * Acceptance 1, in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * real server and the embedded simulator: the admin creates the sender; a user signs in, clicks the Linky
 * card, consents on the simulator's page, comes back, sees the card connected, and after the first sync
 * sees data. A screenshot of each step is saved under E2E_ARTIFACTS_DIR (default: a temporary directory,
 * printed), never in the repository.
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { addDays, parisToday } from "../../src/domain/time.js";
import { ROLE_ADMIN, ROLE_USER } from "../../src/store/index.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: connecting a meter", () => {
  let dir: string;
  let artifacts: string;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  const problems: string[] = [];
  let step = 0;

  /** The visible part of the page: a full-page shot of the meter's long data page took 3 s alone, 7 s in
   * all, a third of the test, and more on a loaded machine. */
  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({
      path: join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`),
      fullPage: false,
    });
  }

  function watch(page: Page): void {
    // A CSP violation or a script error shows up here.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
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
        ENEDIS_QUOTA_PER_SECOND: "1000",
        ENEDIS_QUOTA_PER_HOUR: "1000000",
        SYNC_BACKFILL_MONTHS_CURVE: "1",
        SYNC_BACKFILL_MONTHS_DAILY: "1",
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
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  }, 120_000); // starting Chromium alone can take many seconds on a loaded machine

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.fill("#f-username", username);
    await page.fill("#f-password", PASSWORD);
    await shot(page, `${username}-login`);
    await page.click("button[type=submit]");
    await page.waitForURL(`${server.url}/`);
  }

  // 20 s alone, over 30 s beside the other browser test on two cores: a generous budget.
  it("admin creates the sender; a user connects a meter and sees data", { timeout: 120_000 }, async () => {
    const admin = await browser.newPage();
    watch(admin);
    await signIn(admin, "admin");
    await admin.click("text=Connecteurs");
    await admin.click("text=Nouveau connecteur");
    await admin.fill("#f-libelle", "Enedis DataConnect");
    await admin.selectOption("#f-implClass", "dataconnect");
    await admin.fill("#f-cron", "0 0/10 * * * ?");
    await shot(admin, "admin-sender-form");
    await admin.click("button:has-text('Enregistrer')");
    // The list is redrawn after the save's request: poll for as long as a loaded machine may need.
    await expect
      .poll(() => admin.textContent("#senders"), { timeout: 30_000 })
      .toContain("Enedis DataConnect");
    await shot(admin, "admin-sender-list");
    await admin.close();

    // The user, on a phone-sized screen.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    watch(page);
    await signIn(page, "marie");
    expect(await page.getAttribute(".linky-card", "data-state")).toBe("not_connected");
    await shot(page, "card-not-connected");
    // The PRM first: a wrong one is refused in French, then the right one goes on to Enedis.
    await page.fill("#f-prm", "2251691471427");
    const refused = page.waitForResponse((r) => r.url().endsWith("/dataConnect/authorize"));
    await page.click("#connect-linky");
    await page.waitForURL((u) => u.pathname === "/dataConnect/authorize");
    expect((await refused).status()).toBe(400);
    // That 400 is the one asked for: only the others are problems.
    const at = problems.findIndex((p) => p.startsWith("400 ") && p.endsWith("/dataConnect/authorize"));
    if (at >= 0) problems.splice(at, 1);
    expect(await page.textContent(".field .error")).toContain("14 chiffres");
    await shot(page, "prm-form-error");
    await page.fill("#f-prm", "22516914714270");
    await page.click("#connect-linky");
    await page.waitForURL((u) => u.pathname === "/dataconnect/v2/oauth2/authorize");
    expect(await page.inputValue("#prm")).toBe("22516914714270");
    await shot(page, "enedis-consent-page");
    await page.click("button[value=accept]");
    await page.waitForURL((u) => u.origin === server.url && u.pathname === "/");
    expect(await page.getAttribute(".linky-card", "data-state")).toBe("connected");
    expect(await page.textContent(".notice")).toContain("Compteur connecté");
    await shot(page, "card-connected");

    // The first sync runs in the background; then the meter's page has data.
    await server.web.background.idle();
    await page.reload();
    await page.click("#open-linky");
    await page.waitForSelector("#daily-table");
    // The month of a week ago: whatever today's date (this test runs on the real clock), it holds at
    // least that day and the six after it, all within the first sync's month of history.
    const weekAgo = addDays(parisToday(Date.now()), -7);
    await page.goto(`${page.url().split("?")[0]}?view=month&date=${weekAgo}`);
    await page.waitForSelector("#daily-table");
    const rows = await page.locator("#daily-table tbody tr").count();
    expect(rows).toBeGreaterThan(5);
    await shot(page, "meter-data");

    await page.goto(`${server.url}/notificationAccount/notificationAccounts`);
    await page.click("text=22516914714270");
    await page.waitForSelector("#watermarks");
    await shot(page, "service-details");
    await page.click("#api-tests button >> nth=1");
    await page.waitForSelector("#api-json");
    expect(await page.textContent("main")).toContain("consommation_quotidienne");
    expect(await page.textContent("#api-json")).toContain('"22516914714270"');
    await shot(page, "api-test");
    await context.close();
    expect(problems).toEqual([]);
  });
});
