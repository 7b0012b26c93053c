/**
 * Acceptance 3 of issue 10, in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the real server: a user changes their password and their other browser is signed out; an
 * administrator disables a user, who can no longer sign in, then deletes them, and their meter's data are
 * gone from the database. Each step is saved at 1280 and 390 px wide under E2E_ARTIFACTS_DIR (default: a
 * temporary directory, printed), never in the repository.
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
import { seedMeterData, SEEDED_ROWS } from "../helpers/meter-data.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "a brand new passphrase";
const PRM = "11453290002823";

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: passwords, sessions and user administration", () => {
  let dir: string;
  let artifacts: string;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  const problems: string[] = [];
  let step = 0;

  /** The visible part of the page at 1280 px, then at 390 px (a phone), then back. */
  async function shot(page: Page, name: string): Promise<void> {
    step++;
    const size = page.viewportSize();
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({
        path: join(artifacts, `${String(step).padStart(2, "0")}-${name}-${width}.png`),
        fullPage: false,
      });
    }
    if (size) await page.setViewportSize(size);
  }

  function watch(page: Page): void {
    // A CSP violation or a script error shows up here; 4xx answers are expected (a refused sign-in).
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
      ["paul", [ROLE_USER]],
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
    const paul = await registerAccount(ctx.store, ctx.config, { username: "paul", usagePointId: PRM });
    await seedMeterData(ctx.store, paul.device.id, "paul");
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  }, 120_000); // starting Chromium alone can take many seconds on a loaded machine

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.fill("#f-username", username);
    await page.fill("#f-password", password);
    await page.click("main button[type=submit]");
  }

  async function newPage(width: number, height: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    watch(page);
    return page;
  }

  it("a password change signs out the user's other browser", { timeout: 120_000 }, async () => {
    const laptop = await newPage(1280, 800);
    const phone = await newPage(390, 844);
    await signIn(laptop, "marie");
    await laptop.waitForURL(`${server.url}/`);
    await signIn(phone, "marie");
    await phone.waitForURL(`${server.url}/`);

    await laptop.goto(`${server.url}/user`);
    expect(await laptop.locator("#session-list tbody tr").count()).toBe(2);
    expect(await laptop.textContent("#session-list tr.current")).toContain("cette session");
    await shot(laptop, "sessions");
    await laptop.click("#change-password");
    await laptop.waitForURL(`${server.url}/user/password`);
    await laptop.fill("#f-current", "not my password");
    await laptop.fill("#f-password", NEW_PASSWORD);
    await laptop.fill("#f-confirm", NEW_PASSWORD);
    await laptop.click("#password-form button[type=submit]");
    await laptop.waitForSelector("#e-current");
    expect(await laptop.textContent("#e-current")).toContain("Ce n'est pas votre mot de passe actuel");
    await shot(laptop, "password-error");
    await laptop.fill("#f-current", PASSWORD);
    await laptop.fill("#f-password", NEW_PASSWORD);
    await laptop.fill("#f-confirm", NEW_PASSWORD);
    await laptop.click("#password-form button[type=submit]");
    await laptop.waitForURL((u) => u.pathname === "/user" && u.search === "?done=password");
    expect(await laptop.textContent(".notice")).toContain("Mot de passe changé");
    expect(await laptop.locator("#session-list tbody tr").count()).toBe(1);
    await shot(laptop, "password-changed");

    // The other browser: its next page is the sign-in page; the old password no longer works.
    await phone.goto(`${server.url}/user`);
    await phone.waitForURL((u) => u.pathname === "/login");
    await signIn(phone, "marie");
    await phone.waitForSelector(".notice.error");
    expect(await phone.textContent(".notice.error")).toContain("Identifiant ou mot de passe incorrect");
    await shot(phone, "old-password-refused");
    await signIn(phone, "marie", NEW_PASSWORD);
    await phone.waitForURL(`${server.url}/`);
    await laptop.context().close();
    await phone.context().close();
  });

  it(
    "an admin disables a user, who cannot sign in, then deletes them with their meter's data",
    { timeout: 120_000 },
    async () => {
      const admin = await newPage(1280, 800);
      const paul = await newPage(390, 844);
      await signIn(paul, "paul");
      await paul.waitForURL(`${server.url}/`);
      // His service's deletion page offers to erase the meter's data (not submitted here).
      const [account] = await ctx.store.accounts.findByUsagePoint(PRM);
      await paul.goto(`${server.url}/notificationAccount/${account!.id}/delete`);
      expect(await paul.isChecked("input[name=data][value=erase]")).toBe(true);
      await shot(paul, "service-delete-choice");
      await signIn(admin, "admin");
      await admin.waitForURL(`${server.url}/`);
      await admin.click("text=Utilisateurs");
      await admin.waitForURL(`${server.url}/admin/users`);
      await admin.click("tr[data-username=paul] button:has-text('Désactiver')");
      await admin.waitForURL((u) => u.search === "?done=disabled");
      expect(await admin.textContent("tr[data-username=paul]")).toContain("Désactivé le");
      await shot(admin, "user-disabled");

      // Paul's open page is signed out at his next click, and he cannot sign in again.
      await paul.goto(`${server.url}/user`);
      await paul.waitForURL((u) => u.pathname === "/login");
      await signIn(paul, "paul");
      await paul.waitForSelector(".notice.error");
      expect(await paul.textContent(".notice.error")).toContain("Ce compte est désactivé");
      await shot(paul, "disabled-sign-in");

      await admin.click("tr[data-username=paul] a:has-text('Supprimer')");
      await admin.waitForSelector("#erasure-summary");
      const summary = (await admin.textContent("#erasure-summary")) ?? "";
      expect(summary).toContain(PRM);
      expect(summary).toContain("13 mesure(s)");
      await shot(admin, "delete-confirmation");
      await admin.fill("#f-confirm", "paul");
      await admin.click("main button.danger");
      await admin.waitForURL((u) => u.search === "?done=deleted");
      expect(await admin.locator("tr[data-username=paul]").count()).toBe(0);
      await shot(admin, "user-deleted");

      // The database: no Paul, no meter of that PRM, no measure left of it.
      expect(await ctx.store.users.findByUsername("paul")).toBeUndefined();
      expect(await ctx.store.devices.findByMac(PRM)).toEqual([]);
      expect(await ctx.store.accounts.findByUsagePoint(PRM)).toEqual([]);
      const db = ctx.store.database.db;
      for (const table of Object.keys(SEEDED_ROWS) as (keyof typeof SEEDED_ROWS)[]) {
        const { n } = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow();
        expect(Number(n), table).toBe(0);
      }
      await admin.context().close();
      await paul.context().close();
      expect(problems).toEqual([]);
    },
  );
});
