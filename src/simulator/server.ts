/**
 * The simulator's HTTP server: fastify wiring, the token endpoint, the admin endpoints
 * (`/__simulator/…`, neither quota-limited nor faulted nor logged), the index page, and the request log
 * hook. The APIs themselves live in routes2026.ts, routesV5.ts and consent.ts.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { SimContext } from "./context.js";
import { registerCommunityGateways } from "./community.js";
import { registerConsentRoutes } from "./consent.js";
import { esc, page } from "./html.js";
import { ITC_APIS } from "./itc.js";
import { register2026Routes } from "./routes2026.js";
import { registerV5Routes } from "./routesV5.js";
import { registerTempoRoutes } from "./tempo.js";
import { SANDBOX_PRMS } from "./sandbox.js";
import { codeMessage } from "./wire2026.js";

function formParser(
  _req: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!(k in out)) out[k] = v;
  done(null, out);
}

function stringFields(source: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof source === "object" && source !== null) {
    for (const [k, v] of Object.entries(source)) {
      if (typeof v === "string") out[k] = v;
      else if (Array.isArray(v) && typeof v[0] === "string") out[k] = v[0];
    }
  }
  return out;
}

function json(reply: FastifyReply, status: number, body: unknown, headers?: Record<string, string>): void {
  reply.code(status);
  if (headers) reply.headers(headers);
  reply.type("application/json").send(JSON.stringify(body));
}

function indexPage(ctx: SimContext, url: string): string {
  const prms = Object.entries(SANDBOX_PRMS)
    .map(
      ([prm, s]) =>
        `<tr><td><code>${esc(prm)}</code></td><td>${esc(
          [s.consumption ? "consumption" : "", s.production ? "production" : ""].filter(Boolean).join(" + "),
        )}</td><td>${esc(
          [
            s.loadCurve === false ? "no load curve" : "",
            s.gaps ? "gaps Tue 10-14h, Wed" : "",
            s.revokes ? "consent revoked" : "",
            s.preConsented ? "" : "not consented",
            s.consumptionActivation ? `activated ${s.consumptionActivation}` : "",
          ]
            .filter(Boolean)
            .join(", "),
        )}</td></tr>`,
    )
    .join("");
  const li = (m: string, p: string, what: string) =>
    `<li><code>${esc(m)} ${esc(p)}</code> — ${esc(what)}</li>`;
  return page(
    "DataConnect simulator",
    `<h1>DataConnect simulator</h1>
<p class="warn">Simulated Enedis Data Connect: synthetic data (seed <code>${esc(ctx.opts.seed)}</code>), client id
<code>${esc(ctx.opts.clientId)}</code>, quotas ${esc(ctx.opts.quotaPerSecond)}/s and ${esc(ctx.opts.quotaPerHour)}/h per API.</p>
<h2>Data Connect 2026</h2><ul>
${li("POST", "/oauth2/v3/token", "client_credentials token (Basic or form credentials)")}
${li("GET", "/mesure_synchrone_auto/v2/{courbe_de_charge_consommation|courbe_de_charge_production|consommation_quotidienne|production_quotidienne|puissance_conso_max_quotidienne|index_consommation|index_production}?pointId&dateDebut&dateFin", "measures")}
${li("POST", "/subscribed_services/v1", "services of an autorisation or of PRMs")}
${ITC_APIS.map((a) => li("GET", `/${a}/v1/{prm}`, "contract data")).join("\n")}
${li("GET", "/dataconnect/v2/oauth2/authorize?client_id&response_type=code&state&duration", "consent v2 (redirect with autorisation_id)")}
</ul>
<h2>Legacy v5</h2><ul>
${li("GET", "/metering_data_{clc|plc|dc|dp|dcmp}/v5/...?usage_point_id&start&end", "measures")}
${li("GET", "/customers_{upc|upa|i|cd}/v5/...?usage_point_id", "customer data")}
${li("GET", "/dataconnect/v1/oauth2/authorize?client_id&response_type=code&state&duration", "consent v1 (redirect with usage_point_id)")}
</ul>
<h2>Simulator</h2><ul>
${li("GET", "/__simulator/log", "request log (JSON)")}
${li("POST", "/__simulator/log/reset", "reset the request log")}
${li("POST", "/__simulator/consent", "{usagePointId}: grant consent")}
${li("POST", "/__simulator/revoke", "{usagePointId}: revoke consent")}
${li("POST", "/__simulator/gateway-token", "{usagePointIds, gateway?}: a household token of Conso API (default) or MyElectricalData")}
${li("POST", "/__simulator/gateway-ban", "{gateway, banned}: ban this address from a gateway (Cloudflare page)")}
${li("POST", "/__simulator/gateway-throttle", "{gateway, untilMs}: Enedis throttles the gateway (429 900804)")}
</ul>
<h2>Community gateways</h2><ul>
${li("GET", "/api/{type}?pointId&dateDebut&dateFin", "Conso API (Bearer JWT)")}
${li("GET", "/{dataset}/{pdl}/start/{d}/end/{d}, /valid_access/{pdl}, /contracts/{pdl}", "MyElectricalData v1 (raw token)")}
${li("GET", "/pdl, /enedis/{consumption|production}/{daily|detail}/{pdl}, /enedis/power/{pdl}, /enedis/contract/{pdl}", "MyElectricalData v2 (Bearer client_secret)")}
</ul>
<h2>Sandbox PRMs</h2><table><tr><th>PRM</th><th>kind</th><th>behaviour</th></tr>${prms}</table>
<p>Base URL: <code>${esc(url)}</code></p>`,
  );
}

export function buildApp(ctx: SimContext, baseUrl: () => string): FastifyInstance {
  const app = Fastify({
    logger: ctx.opts.logger
      ? {
          level: "info",
          // Paths only: query strings and bodies may carry client secrets.
          serializers: {
            req: (req: { method?: string; url?: string }) => ({
              method: req.method,
              path: (req.url ?? "").split("?")[0],
            }),
          },
        }
      : false,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, formParser);

  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, request, reply) => {
    if (err.code?.startsWith("FST_ERR_CTP") || (err.statusCode !== undefined && err.statusCode < 500)) {
      const status = err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? 415 : 400;
      return json(reply, status, codeMessage(status, "La syntaxe de la requête est erronée.").body);
    }
    process.stderr.write(
      `simulator: ${request.method} ${request.url.split("?")[0]} failed: ${err.message ?? ""}\n`,
    );
    return json(reply, 500, codeMessage(500, "Problème technique dans l'interrogation du SI coeur").body);
  });

  app.setNotFoundHandler((request, reply) => {
    ctx.meta.set(request.raw, { api: "other", endpoint: "(unmatched)" });
    json(reply, 404, {
      fault: {
        code: 404,
        type: "Status report",
        message: "Runtime Error",
        description: "No matching resource found for given API Request",
      },
    });
  });

  // Request log: every answer that goes through fastify (hijacked fault answers log themselves).
  app.addHook("onSend", async (request, reply, payload) => {
    const meta = ctx.meta.get(request.raw);
    if (meta?.admin) return payload;
    ctx.log.record({
      at: ctx.now(),
      method: request.method,
      endpoint: meta?.endpoint ?? `${request.method} ${request.routeOptions.url ?? "(unmatched)"}`,
      api: meta?.api ?? "other",
      status: reply.statusCode,
      ...(meta?.fault ? { fault: meta.fault } : {}),
    });
    return payload;
  });

  app.get("/", (request, reply) => {
    ctx.meta.set(request.raw, { api: "admin", endpoint: "GET /", admin: true });
    reply.type("text/html; charset=utf-8").send(indexPage(ctx, baseUrl()));
  });

  app.post("/oauth2/v3/token", (request, reply) => {
    ctx.meta.set(request.raw, { api: "oauth2", endpoint: "POST /oauth2/v3/token" });
    const fields = { ...stringFields(request.query), ...stringFields(request.body) };
    const r = ctx.tokens.issue({ authorization: request.headers.authorization, fields }, ctx.now());
    json(reply, r.status, r.body, r.headers);
  });

  const admin = (request: FastifyRequest, endpoint: string) =>
    ctx.meta.set(request.raw, { api: "admin", endpoint, admin: true });
  app.get("/__simulator/log", (request, reply) => {
    admin(request, "GET /__simulator/log");
    json(reply, 200, { ...ctx.log.snapshot(), quota: ctx.quota.usage(ctx.now()) });
  });
  app.post("/__simulator/log/reset", (request, reply) => {
    admin(request, "POST /__simulator/log/reset");
    ctx.log.reset();
    json(reply, 200, { reset: true });
  });
  for (const action of ["consent", "revoke"] as const) {
    app.post(`/__simulator/${action}`, (request, reply) => {
      admin(request, `POST /__simulator/${action}`);
      const prm = stringFields(request.body).usagePointId ?? stringFields(request.query).usagePointId;
      if (!prm || !/^\d{14}$/.test(prm)) {
        return json(reply, 400, {
          error: "invalid_request",
          error_description: "usagePointId: 14 digits expected",
        });
      }
      if (action === "revoke") {
        ctx.autorisations.revoke(prm, ctx.today());
        return json(reply, 200, { usagePointId: prm, revoked: true });
      }
      const a = ctx.autorisations.grant(prm, ctx.today());
      json(reply, 200, { usagePointId: prm, autorisationId: a.autorisationId });
    });
  }

  register2026Routes(app, ctx);
  registerV5Routes(app, ctx);
  registerTempoRoutes(app, () => ctx.now());
  registerConsentRoutes(app, ctx);
  registerCommunityGateways(app, ctx);
  return app;
}
