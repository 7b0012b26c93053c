/** The stylesheet, under a content-hashed name: cached for a year, never stale. */
import type { FastifyInstance } from "fastify";
import type { WebDeps } from "../app.js";
import { STYLESHEET } from "../static/style.js";

export function registerStaticRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get(deps.cssPath, async (_request, reply) =>
    reply
      .type("text/css; charset=utf-8")
      .header("cache-control", "public, max-age=31536000, immutable")
      .send(STYLESHEET),
  );
}
