/** Static assets (stylesheet, uPlot, the meter page's script), under hashed names with a long cache. */
import type { FastifyInstance } from "fastify";
import type { WebDeps } from "../app.js";
import { staticAssets } from "../static/assets.js";

/** A small Linky-green lightning bolt: browsers ask for an icon on every page. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#10243e"/><path d="M18 3 7 18h7l-2 11 11-15h-7z" fill="#9ccc3c"/></svg>`;

export function registerStaticRoutes(app: FastifyInstance, _deps: WebDeps): void {
  for (const path of ["/favicon.svg", "/favicon.ico"]) {
    app.get(path, async (_request, reply) =>
      reply.type("image/svg+xml").header("cache-control", "public, max-age=86400").send(FAVICON_SVG),
    );
  }
  for (const asset of staticAssets().all) {
    app.get(asset.path, async (_request, reply) =>
      reply.type(asset.type).header("cache-control", "public, max-age=31536000, immutable").send(asset.body),
    );
  }
}
