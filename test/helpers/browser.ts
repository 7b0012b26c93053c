/**
 * Headless Chromium for the browser tests (test/e2e): Debian's `chromium` driven by playwright-core
 * (nothing is downloaded at install time). Without it the suites skip with the reason printed, unless
 * REQUIRE_SERVICES=1: then they fail.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const REQUIRE = process.env.REQUIRE_SERVICES === "1";
export const available = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}
