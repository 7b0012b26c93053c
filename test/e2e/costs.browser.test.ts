/**
 * "Comparer les offres" in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the real server and a database synced from the embedded simulator: the meter page links to
 * the costs page; the comparison lists the offers cheapest first (totals read from the page in order);
 * unticking an offer and comparing again leaves it out; choosing an offer posts the form (CSRF token
 * included), comes back by a redirect with the confirmation, and the daily cost bars appear (one row per
 * day, Tempo days with their colour). The meter's year view then shows the year's costs on that offer
 * (a bar per month stacked by period, the totals, the average price, the off-peak share and the Tempo
 * days coloured), with nothing scrolling sideways at 390 px. Nothing on the page fails to load (CSP
 * included). `SCREENSHOT_DIR=…` keeps screenshots of the year view at 1280 and 390 px.
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { ROLE_USER } from "../../src/store/index.js";
import { syncAccounts, syncSettingsOf } from "../../src/sync/service.js";
import { parseOfferFile } from "../../src/tariffs/offers.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";
const PRM = "22516914714270";
const NOW = "2026-11-28T11:00:00Z";

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available && !REQUIRE)("browser: comparing offers", { timeout: 90_000 }, () => {
  let dir: string;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  let page: Page;
  let deviceId: number;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM}`);
    dir = await mkdtemp(join(tmpdir(), "linky-e2e-costs-"));
    const env = {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      ENEDIS_QUOTA_PER_SECOND: "1000",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
      LINKY_NOW: NOW,
    };
    ctx = await createAppContext({ env, log: () => undefined });
    await ctx.store.users.create({
      username: "marie",
      passwordHash: await hashPassword(PASSWORD),
      roles: [ROLE_USER],
    });
    await ctx.store.senders.create({
      libelle: ctx.config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
      role: null,
    });
    const r = await registerAccount(ctx.store, ctx.config, { username: "marie", usagePointId: PRM });
    deviceId = r.device.id;
    await syncAccounts(
      { store: ctx.store, client: ctx.client, now: ctx.now },
      [r.account],
      syncSettingsOf(ctx.config),
    );
    await ctx.store.tariffs.saveOffers(
      parseOfferFile(
        JSON.stringify([
          {
            name: "Base chère",
            kind: "base",
            prices: [{ from: "2026-01-01", subscription_eur_per_month: 30, base: 0.4 }],
          },
          {
            name: "Base douce",
            kind: "base",
            prices: [{ from: "2026-01-01", subscription_eur_per_month: 10, base: 0.15 }],
          },
          {
            name: "Tempo",
            kind: "tempo",
            prices: [
              {
                from: "2026-01-01",
                subscription_eur_per_month: 16,
                ...{
                  hp_bleu: 0.16,
                  hc_bleu: 0.13,
                  hp_blanc: 0.19,
                  hc_blanc: 0.15,
                  hp_rouge: 0.7,
                  hc_rouge: 0.16,
                },
              },
            ],
          },
        ]),
      ),
    );
    await ctx.store.tariffs.saveTempoDays(
      ["2026-11-20", "2026-11-21", "2026-11-22"].map((day, i) => ({
        day,
        colour: (["BLEU", "ROUGE", "BLANC"] as const)[i]!,
        source: "import",
      })),
    );
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    // Signed in by this process (the server's clock is 2026): the session cookie handed to the browser.
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
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const totals = async () =>
    (await page.locator("#comparison tbody tr td.total").allTextContents()).map((t) =>
      Number(t.replace(/[^\d,]/g, "").replace(",", ".")),
    );

  it("lists the offers cheapest first, compares a chosen few, and puts the meter on one", async () => {
    await page.goto(`${server.url}/devices/${deviceId}`);
    await page.click("#costs-link");
    await page.waitForSelector("#comparison");
    expect(await page.locator("h2", { hasText: "Comparer les offres" }).count()).toBe(1);
    const names = await page
      .locator("#comparison tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-offer")));
    expect(names).toHaveLength(3);
    // why: same energy for all; 0.15 EUR/kWh + 10 EUR/month is below 0.40 + 30 whatever the energy.
    expect(names.indexOf("Base douce")).toBeLessThan(names.indexOf("Base chère"));
    const t = await totals();
    expect(t).toEqual([...t].sort((a, b) => a - b));

    await page.fill("#f-from", "2026-11-20");
    await page.fill("#f-to", "2026-11-23");
    await page.uncheck('input[name="offers"][value="Base chère"]');
    await Promise.all([page.waitForURL(/offers=/), page.click('#compare-form button[type="submit"]')]);
    const after = await page
      .locator("#comparison tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-offer")));
    expect(after.sort()).toEqual(["Base douce", "Tempo"]);

    await page.selectOption("#f-offer", "Tempo");
    await Promise.all([page.waitForURL(/done=tariff/), page.click('#tariff-form button[type="submit"]')]);
    expect(await page.locator(".notice.ok").textContent()).toContain("Offre du compteur enregistrée.");
    expect(await page.locator("#assignments").textContent()).toContain("Tempo");
    await page.goto(`${server.url}/devices/${deviceId}/costs?from=2026-11-20&to=2026-11-23`);
    const days = await page
      .locator("#cost-days tbody tr")
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-day"), r.getAttribute("data-tempo")]));
    expect(days).toEqual([
      ["2026-11-20", "BLEU"],
      ["2026-11-21", "ROUGE"],
      ["2026-11-22", "BLANC"],
    ]);
    expect(await page.locator("#cost-totals").textContent()).toContain("Prix moyen");
    expect(problems).toEqual([]);
  });

  it("shows the year's costs on the meter's year view, at 1280 and 390 px", async () => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/devices/${deviceId}?view=year&date=2026-11-20`);
      await page.waitForSelector("#year-costs");
      const months = await page
        .locator("#year-cost-months tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-month")));
      expect(months.at(-1)).toBe("2026-11");
      expect(await page.locator("#year-cost-totals").textContent()).toContain("Prix moyen du kWh");
      expect(await page.locator("#year-cost-totals").textContent()).toContain("Part en heures creuses");
      const colours = await page
        .locator('#tempo-days [data-month="2026-11"] rect')
        .evaluateAll((rects) =>
          rects.map((r) => `${r.getAttribute("data-day")}:${r.getAttribute("data-colour")}`),
        );
      expect(colours).toEqual(expect.arrayContaining(["20:BLEU", "21:ROUGE", "22:BLANC"]));
      // Each month's bar has its periods' segments (and the subscription).
      expect(await page.locator('#year-cost-months tr[data-month="2026-11"] rect').count()).toBeGreaterThan(
        2,
      );
      const sideways = Number(
        await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
      );
      expect(sideways, `${width} px: nothing scrolls sideways`).toBeLessThanOrEqual(0);
      if (process.env.SCREENSHOT_DIR) {
        await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `meter-top-${width}.png`) });
        await page
          .locator("#year-costs")
          .screenshot({ path: join(process.env.SCREENSHOT_DIR, `year-costs-${width}.png`) });
      }
    }
    expect(problems).toEqual([]);
  });
});
