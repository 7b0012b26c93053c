/**
 * Static assets under content-hashed names (cached for a year, never stale): the stylesheet (ours, the
 * meter page's and uPlot's, in one file), uPlot's script (read from the installed `uplot` package: no
 * build step) and the meter page's script.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { METER_CSS, METER_SCRIPT } from "./meter.js";
import { STYLESHEET } from "./style.js";

export interface StaticAsset {
  path: string;
  type: string;
  body: string;
}

function hashed(prefix: string, ext: string, type: string, body: string): StaticAsset {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { path: `/static/${prefix}-${hash}.${ext}`, type, body };
}

export interface StaticAssets {
  css: StaticAsset;
  uplotJs: StaticAsset;
  meterJs: StaticAsset;
  all: StaticAsset[];
}

let loaded: StaticAssets | null = null;

export function staticAssets(): StaticAssets {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve("uplot/package.json")), "dist");
  const uplotCss = readFileSync(join(dist, "uPlot.min.css"), "utf8");
  const uplotJs = readFileSync(join(dist, "uPlot.iife.min.js"), "utf8");
  const css = hashed("app", "css", "text/css; charset=utf-8", `${STYLESHEET}${METER_CSS}\n${uplotCss}\n`);
  const u = hashed("uplot", "js", "text/javascript; charset=utf-8", uplotJs);
  const m = hashed("meter", "js", "text/javascript; charset=utf-8", METER_SCRIPT);
  loaded = { css, uplotJs: u, meterJs: m, all: [css, u, m] };
  return loaded;
}
