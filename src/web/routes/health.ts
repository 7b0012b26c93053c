/** `/healthz` (liveness + database), `/stats` (JSON counters), `/metrics` (Prometheus). Public, like the seed's. */
import type { FastifyInstance } from "fastify";
import type { WebDeps } from "../app.js";

export function registerHealthRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { store } = deps.ctx;
  app.get("/healthz", async (_request, reply) => {
    try {
      await store.users.count();
      return reply.header("cache-control", "no-store").send({ status: "ok", database: store.kind });
    } catch {
      return reply
        .code(503)
        .header("cache-control", "no-store")
        .send({ status: "error", database: "unreachable" });
    }
  });
  // The database figures are a snapshot of at most `server.statsCacheMs` (5 s) ago, shared with /metrics.
  app.get("/stats", async (_request, reply) =>
    reply.header("cache-control", "no-store").send((await deps.metrics.snapshot()).stats),
  );
  app.get("/metrics", async (_request, reply) =>
    reply
      .header("cache-control", "no-store")
      .type(deps.metrics.registry.contentType)
      .send(await deps.metrics.text()),
  );
}
