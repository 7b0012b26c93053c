/** Static assets (stylesheet, uPlot, the meter page's script), under hashed names with a long cache. */
import type { FastifyInstance } from "fastify";
import type { WebDeps } from "../app.js";
import { staticAssets } from "../static/assets.js";

export function registerStaticRoutes(app: FastifyInstance, _deps: WebDeps): void {
  for (const asset of staticAssets().all) {
    app.get(asset.path, async (_request, reply) =>
      reply.type(asset.type).header("cache-control", "public, max-age=31536000, immutable").send(asset.body),
    );
  }
}
