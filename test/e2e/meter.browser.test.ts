/**
 * Acceptance of the meter's pages in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the real server and a database synced from the embedded simulator: the day
 * view of a normal day draws 48 points, the spring daylight-saving day 46 and the autumn one 50 (and says
 * it lasts 23 or 25 hours); the month view draws hourly points, the year view daily ones and the
 * comparison with the previous year; the completeness calendar of the simulator's gap PRM shows its
 * Tuesdays and Wednesdays as the ledger has them; a CSV downloaded from the page equals
 * `linky-dataconnect export` for the same range. A screenshot of each step is saved under
 * E2E_ARTIFACTS_DIR (default: a temporary directory, printed), never in the repository.
 *
 * Without Chromium the test is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { addDays, parisDayLengthMin } from "../../src/domain/time.js";
import { ROLE_USER } from "../../src/store/index.js";
import { syncAccounts, syncSettingsOf } from "../../src/sync/service.js";
import { startWebServer, type RunningWebServer } from "../../src/web/server.js";
import { available, CHROMIUM, launchChromium, REQUIRE } from "../helpers/browser.js";

const PASSWORD = "correct horse battery";
const PRM = "22516914714270";
const GAP_PRM = "42900589957123";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The server's clock: 28 November 2026, 12:00 Paris (data published up to the 27th). */
const YEAR = 2026;
const NOW = `${YEAR}-11-28T11:00:00Z`;
/** The year's two daylight-saving days (23 and 25 hours). */
const dstDay = (hours: number) => {
  for (let d = `${YEAR}-01-01`; d < `${YEAR}-12-31`; d = addDays(d, 1))
    if (parisDayLengthMin(d) === hours * 60) return d;
  throw new Error(`no ${hours}-hour day in ${YEAR}`);
};
const SPRING = dstDay(23);
const AUTUMN = dstDay(25);
/** Each test takes 7 to 10 s alone (page loads, charts, full-page shots, a CLI child): room for a loaded
 * two-core machine running the other browser test beside it. */
const TEST_TIMEOUT_MS = 90_000;

if (!available && !REQUIRE)
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** `linky-dataconnect export …` as a child process on the same database; its stdout. */
function cliExport(env: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "export", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`export exited ${code}: ${err}`)),
    );
  });
}

describe.skipIf(!available && !REQUIRE)("browser: a meter's pages", { timeout: TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let artifacts: string;
  let env: Record<string, string>;
  let ctx: AppContext;
  let server: RunningWebServer;
  let browser: Browser;
  let page: Page;
  const devices: Record<string, number> = {};
  const problems: string[] = [];
  let step = 0;

  async function shot(name: string): Promise<void> {
    step++;
    await page.screenshot({
      path: join(artifacts, `meter-${String(step).padStart(2, "0")}-${name}.png`),
      fullPage: true,
    });
  }

  beforeAll(async () => {
    if (!available)
      throw new Error(`REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = await mkdtemp(join(tmpdir(), "linky-e2e-meter-"));
    artifacts =
      process.env.E2E_ARTIFACTS_DIR ??
      join(tmpdir(), "linky-dataconnect-e2e", new Date().toISOString().replace(/[:.]/g, "-"));
    await mkdir(artifacts, { recursive: true });
    console.log(`browser screenshots: ${artifacts}`);
    env = {
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
    const deps = { store: ctx.store, client: ctx.client, now: ctx.now };
    for (const [prm, curve, daily] of [
      [PRM, 9, 24],
      [GAP_PRM, 2, 2],
    ] as const) {
      const r = await registerAccount(ctx.store, ctx.config, { username: "marie", usagePointId: prm });
      devices[prm] = r.device.id;
      const [res] = await syncAccounts(deps, [r.account], {
        ...syncSettingsOf(ctx.config),
        backfillMonths: { curve, daily },
      });
      expect(res?.outcome.outcome).toMatch(/^(ok|partial)$/);
    }
    server = await startWebServer({ ctx, port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1100, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    // Signed in through the login form, but by this process: the session cookie's expiry follows the
    // server's clock (2026), which the browser's own clock may have passed; handed to the browser as a
    // cookie of the browsing session instead (the server re-issues it only after 5 minutes).
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
    const cookies = [...jar, ...signed.headers.getSetCookie().map((c) => c.split(";")[0]!)].map((pair) => {
      const eq = pair.indexOf("=");
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
    });
    await context.addCookies(cookies);
    await page.goto(`${server.url}/`);
    expect(page.url()).toBe(`${server.url}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(prm: string, view: string, date: string): Promise<void> {
    await page.goto(`${server.url}/devices/${devices[prm]}?view=${view}&date=${date}`);
    await page.waitForSelector("#chart-energy[data-rendered='1']");
  }
  const points = (id: string) => page.getAttribute(`#${id}`, "data-points").then(Number);

  it("draws a normal day's 48 half-hours, the spring DST day's 46 and the autumn one's 50", async () => {
    await open(PRM, "day", `${YEAR}-11-10`);
    expect(await points("chart-power")).toBe(48);
    expect(await points("chart-energy")).toBe(48);
    expect(await page.locator("#chart-power canvas").count()).toBe(1);
    expect(await page.locator("#points-table tbody tr").count()).toBe(48);
    expect(await page.locator("#dst-note").count()).toBe(0);
    await shot("day-normal");

    await open(PRM, "day", SPRING);
    expect(await points("chart-power")).toBe(46);
    expect(await page.textContent("#dst-note")).toContain("23 heures");
    // The table says which hour is which: 01:30 (UTC+1) is followed by 03:00 (UTC+2).
    const spring = await page.locator("#points-table tbody td:first-child").allTextContents();
    expect(spring.slice(3, 5)).toEqual(["01:30 (UTC+1)", "03:00 (UTC+2)"]);
    await shot("day-spring-dst");

    await open(PRM, "day", AUTUMN);
    expect(await points("chart-power")).toBe(50);
    expect(await page.textContent("#dst-note")).toContain("25 heures");
    const autumn = await page.locator("#points-table tbody td:first-child").allTextContents();
    expect(autumn.filter((t) => t.startsWith("02:00"))).toEqual(["02:00 (UTC+2)", "02:00 (UTC+1)"]);
    await shot("day-autumn-dst");

    // Previous / next move by one day.
    await page.click("#next");
    await page.waitForSelector("#chart-energy[data-rendered='1']");
    expect(page.url()).toContain(`date=${addDays(AUTUMN, 1)}`);
    expect(await points("chart-power")).toBe(48);
  });

  it("draws a month hour by hour and a year day by day, against the previous year", async () => {
    await open(PRM, "month", `${YEAR}-10-15`);
    expect(await points("chart-power")).toBe(31 * 24 + 1); // October has the 25-hour day
    expect(await points("chart-energy")).toBe(31);
    expect(await points("chart-max-power")).toBe(31);
    expect(await page.locator("#daily-table tbody tr").count()).toBe(31);
    await shot("month");

    await open(PRM, "year", `${YEAR}-06-01`);
    expect(await page.locator("#chart-power").count()).toBe(0);
    expect(await points("chart-energy")).toBe(365);
    expect(await points("chart-compare")).toBe(12);
    const summary = await page.textContent("#summary");
    expect(summary).toContain("Moyenne par jour");
    expect(summary).toContain("Talon de nuit");
    await shot("year");

    // The date picker.
    await page.fill("#f-date", `${YEAR - 1}-12-31`);
    await page.click("#date-form button");
    await page.waitForSelector("#chart-energy[data-rendered='1']");
    expect(await page.textContent("#period-label")).toContain(String(YEAR - 1));
  });

  it("shows the gap PRM's Tuesdays and Wednesdays in the completeness calendar as the ledger has them", async () => {
    await open(GAP_PRM, "month", `${YEAR}-11-10`);
    const cells = await page.$$eval("#calendar td[data-day]", (tds) =>
      tds.map((td) => [td.getAttribute("data-day"), td.getAttribute("data-status")] as const),
    );
    expect(cells.length).toBe(30);
    const ledger = new Map(
      (
        await ctx.store.ledger.list(devices[GAP_PRM]!, "consumption_load_curve", {
          fromDay: "2026-11-01",
          toDay: "2026-12-01",
        })
      ).map((d) => [d.day, d.status as string]),
    );
    for (const [day, status] of cells) {
      const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
      if (day! >= `${YEAR}-11-28`) expect(status, day!).toBe("not_published");
      else {
        expect(status, day!).toBe(ledger.get(day!));
        if (weekday === 2) expect(["partial", "gap"], day!).toContain(status);
        else if (weekday === 3) expect(["missing", "gap"], day!).toContain(status);
        else expect(status, day!).toBe("complete");
      }
    }
    await shot("gap-calendar");
  });

  it("downloads the same CSV from the page as `linky-dataconnect export`", async () => {
    await open(PRM, "week", SPRING);
    const from = `${YEAR}-03-01`;
    const to = `${YEAR}-04-15`;
    await page.selectOption("#f-dataset", "consumption_load_curve");
    await page.fill("#f-from", from);
    await page.fill("#f-to", to);
    await shot("export-form");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-button")]);
    expect(download.suggestedFilename()).toBe(`${PRM}_consumption_load_curve_${from}_${to}.csv`);
    const fromPage = await readFile((await download.path())!, "utf8");
    const fromCli = await cliExport(env, [
      "--usage-point",
      PRM,
      "--dataset",
      "consumption_load_curve",
      "--from",
      from,
      "--to",
      to,
    ]);
    expect(fromPage.split("\n").length).toBeGreaterThan(45 * 48 - 10);
    expect(fromPage).toBe(fromCli);
    expect(problems).toEqual([]);
  });
});
