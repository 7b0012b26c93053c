/**
 * Stand-ins for the community gateways (../shared/docs/gateways.md), served from the same synthetic data
 * as the Enedis APIs, always on:
 * - Conso API: `GET /api/{type}?pointId&dateDebut&dateFin` (2026 types, `prm`/`start`/`end` aliases),
 *   `Authorization: Bearer <HS256 JWT>` with `sub` = the PRMs; 405 for other methods, 400 without the
 *   header or with bad parameters, 401 for a bad, expired or foreign token, Enedis' errors relayed as
 *   `{status, message, error}` (a 429 900804 with `nextAccessTime` when throttled), and the Cloudflare
 *   403 HTML page once an address made 100 calls in 12 h (or when banned through the admin endpoint);
 * - MyElectricalData v1: `/valid_access/{pdl}`, `/{dataset}/{pdl}/start/{d}/end/{d}`, `/contracts/{pdl}`
 *   with the raw token in `Authorization`, v5 bodies with `meter_reading`, `{detail}` errors, 409 past
 *   the daily quota per PDL (500);
 * - MyElectricalData v2: `/pdl`, `/enedis/{consumption|production}/{daily|detail}/{pdl}`,
 *   `/enedis/power/{pdl}`, `/enedis/contract/{pdl}` with `Bearer <client_secret>`, the
 *   `{success, data, error}` envelope, `X-MED-Format: 2026` (load-curve points at the interval START),
 *   50 uncached / 1,000 cached calls per user and UTC day.
 * Tokens come from `POST /__simulator/gateway-token` `{usagePointIds, gateway?}` -> `{token}`.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DateTime } from "luxon";
import { PARIS } from "../domain/time.js";
import { datasetByRessource } from "../enedis/datasets/index.js";
import { signJwt, verifyJwt } from "../sources/conso-api/jwt.js";
import type { SimContext } from "./context.js";
import { customersV5Payload } from "./customersV5.js";
import { serveMeasure, type MeasureContext } from "./measures.js";
import { profileOf } from "./profile.js";
import type { ApiResult } from "./result.js";
import { measure2026 } from "./routes2026.js";
import { curveEnvelope, dailyEnvelope, maxPowerEnvelope, measureFailure2026 } from "./wire2026.js";
import { itcPayload } from "./itc.js";
import { measureFailureV5, v5Curve, v5Daily, v5MaxPower } from "./wireV5.js";

type SimGateway = "conso-api" | "myelectricaldata" | "myelectricaldata-v2";
const GATEWAYS: readonly SimGateway[] = ["conso-api", "myelectricaldata", "myelectricaldata-v2"];

interface GatewayState {
  secret: string;
  opaque: Map<string, { gateway: SimGateway; prms: string[] }>;
  banned: Set<SimGateway>;
  throttledUntil: Map<SimGateway, number>;
  /** Conso API: calls per address (the ban script counts every request). */
  consoCalls: Map<string, number[]>;
  /** MED v1: calls per PDL and Paris day; MED v2: per token, UTC day and cache use. */
  counters: Map<string, number>;
  medV1Quota: number;
  medV2Quota: { uncached: number; cached: number };
}

const states = new WeakMap<SimContext, GatewayState>();

function stateOf(ctx: SimContext): GatewayState {
  let s = states.get(ctx);
  if (!s) {
    s = {
      secret: `simulated-conso-api-${String(ctx.opts.seed)}`,
      opaque: new Map(),
      banned: new Set(),
      throttledUntil: new Map(),
      consoCalls: new Map(),
      counters: new Map(),
      medV1Quota: 500,
      medV2Quota: { uncached: 50, cached: 1000 },
    };
    states.set(ctx, s);
  }
  return s;
}

const CONSO_BAN_LIMIT = 100;
const TWELVE_HOURS = 12 * 3_600_000;

function send(reply: FastifyReply, r: ApiResult): void {
  reply.code(r.status);
  if (r.headers) reply.headers(r.headers);
  reply.type("application/json").send(JSON.stringify(r.body));
}

const BAN_PAGE = `<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>
<h1>Sorry, you have been blocked</h1><h2>You are unable to access conso.boris.sh</h2>
<p>This website is using a security service to protect itself from online attacks.</p></body></html>`;

function banPage(reply: FastifyReply): void {
  reply.code(403).type("text/html; charset=UTF-8").send(BAN_PAGE);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined;
}

function fields(source: unknown): Record<string, unknown> {
  return typeof source === "object" && source !== null ? (source as Record<string, unknown>) : {};
}

/** The gateway holds the consent of the PRMs its tokens cover: the data are served for them. */
function gatewayMeasureContext(ctx: SimContext): MeasureContext {
  return { nowMs: ctx.now(), seed: ctx.opts.seed, lateDays: ctx.opts.lateDays, consentActive: () => true };
}

function meta(ctx: SimContext, request: FastifyRequest, api: SimGateway, endpoint: string): void {
  ctx.meta.set(request.raw, { api, endpoint });
}

// ---------------------------------------------------------------------------------------------------
// Conso API

const CONSO_TYPES = new Set([
  "consommation_quotidienne",
  "production_quotidienne",
  "courbe_de_charge_consommation",
  "courbe_de_charge_production",
  "index_consommation",
  "index_production",
  "puissance_conso_max_quotidienne",
]);

function consoError(status: number, message: string, error?: unknown): ApiResult {
  return { status, body: error === undefined ? { status, message } : { status, message, error } };
}

function consoApi(ctx: SimContext, request: FastifyRequest, reply: FastifyReply, type: string): void {
  const st = stateOf(ctx);
  const now = ctx.now();
  meta(ctx, request, "conso-api", `${request.method} /api/${CONSO_TYPES.has(type) ? type : "{unknown}"}`);
  // The ban script counts every request an address makes, whatever its answer.
  const ip = request.ip;
  const calls = (st.consoCalls.get(ip) ?? []).filter((t) => t > now - TWELVE_HOURS);
  calls.push(now);
  st.consoCalls.set(ip, calls);
  if (calls.length > CONSO_BAN_LIMIT) st.banned.add("conso-api");
  if (st.banned.has("conso-api")) return banPage(reply);
  if (request.method !== "GET") return send(reply, consoError(405, "Méthode non autorisée"));
  const auth = request.headers.authorization;
  if (!auth) return send(reply, consoError(400, "Paramètres invalides"));
  const q = fields(request.query);
  const prm = str(q.pointId) ?? str(q.prm);
  const from = str(q.dateDebut) ?? str(q.start);
  const to = str(q.dateFin) ?? str(q.end);
  const dateRe = /^20\d\d-\d\d-\d\d$/;
  if (
    !CONSO_TYPES.has(type) ||
    !prm ||
    !/^\d{14}$/.test(prm) ||
    !from ||
    !to ||
    !dateRe.test(from) ||
    !dateRe.test(to)
  )
    return send(reply, consoError(400, "Paramètres invalides"));
  const claims = verifyJwt(auth.replace(/^Bearer\s+/i, ""), st.secret);
  const sub = Array.isArray(claims?.sub) ? claims.sub : [];
  const exp = typeof claims?.exp === "number" ? claims.exp * 1000 : 0;
  if (!claims || exp <= now || !sub.includes(prm))
    return send(reply, consoError(401, "Votre token est invalide ou ne permet pas d'accéder à ce PRM"));
  const until = st.throttledUntil.get("conso-api");
  if (until !== undefined && until > now) {
    return send(
      reply,
      consoError(429, "The Enedis API returned an error", {
        code: "900804",
        message: "Message throttled out",
        description: "You have exceeded your quota",
        nextAccessTime: new Date(until).toISOString(),
      }),
    );
  }
  const query: Record<string, unknown> = { pointId: prm, dateDebut: from, dateFin: to };
  if (datasetByRessource(type)?.kind === "maxPower") {
    query.mesuresPas = str(q.mesuresPas) ?? "P1D";
    query.grandeurPhysique = str(q.grandeurPhysique) ?? "PMA";
  }
  const r = measure2026(ctx, type, query, gatewayMeasureContext(ctx));
  if (r.status === 200) return send(reply, r);
  send(reply, consoError(r.status, "The Enedis API returned an error", r.body));
}

// ---------------------------------------------------------------------------------------------------
// MyElectricalData v1

const MED_V1_DATASETS = {
  daily_consumption: { kind: "daily", direction: "consumption" },
  daily_production: { kind: "daily", direction: "production" },
  consumption_load_curve: { kind: "curve", direction: "consumption" },
  production_load_curve: { kind: "curve", direction: "production" },
  daily_consumption_max_power: { kind: "maxPower", direction: "consumption" },
} as const;

function detail(status: number, text: string): ApiResult {
  return { status, body: { detail: text } };
}

function opaqueFor(ctx: SimContext, request: FastifyRequest, gateway: SimGateway, pdl: string | null) {
  const raw = request.headers.authorization?.replace(/^Bearer\s+/i, "");
  const t = raw ? stateOf(ctx).opaque.get(raw) : undefined;
  if (!t || t.gateway !== gateway) return null;
  if (pdl !== null && !t.prms.includes(pdl)) return null;
  return { token: raw as string, prms: t.prms };
}

function medV1Count(ctx: SimContext, pdl: string): { n: number; reached: boolean } {
  const st = stateOf(ctx);
  const key = `v1:${pdl}:${DateTime.fromMillis(ctx.now(), { zone: PARIS }).toISODate() ?? ""}`;
  const n = st.counters.get(key) ?? 0;
  return { n, reached: n >= st.medV1Quota };
}

function medV1Take(ctx: SimContext, pdl: string): ApiResult | null {
  const st = stateOf(ctx);
  const { n, reached } = medV1Count(ctx, pdl);
  if (reached) return detail(409, `Vous avez dépassé votre quota journalier (${st.medV1Quota})`);
  st.counters.set(`v1:${pdl}:${DateTime.fromMillis(ctx.now(), { zone: PARIS }).toISODate() ?? ""}`, n + 1);
  return null;
}

function registerMedV1(app: FastifyInstance, ctx: SimContext): void {
  const guard = (request: FastifyRequest, reply: FastifyReply, pdl: string, endpoint: string): boolean => {
    meta(ctx, request, "myelectricaldata", endpoint);
    if (stateOf(ctx).banned.has("myelectricaldata")) {
      send(reply, detail(403, "Votre adresse IP est bannie"));
      return false;
    }
    if (!opaqueFor(ctx, request, "myelectricaldata", pdl)) {
      send(reply, detail(401, "Le token est invalide ou le consentement n'existe pas pour ce point"));
      return false;
    }
    return true;
  };
  for (const suffix of ["", "/cache"]) {
    app.get<{ Params: { pdl: string } }>(`/valid_access/:pdl${suffix}`, (request, reply) => {
      const { pdl } = request.params;
      if (!guard(request, reply, pdl, "GET /valid_access/{pdl}")) return;
      const st = stateOf(ctx);
      const { n, reached } = medV1Count(ctx, pdl);
      send(reply, {
        status: 200,
        body: {
          valid: true,
          consent_expiration_date: "2029-09-28T00:00:00",
          call_number: n,
          quota_limit: st.medV1Quota,
          quota_reached: reached,
          quota_reset_at: `${DateTime.fromMillis(ctx.now(), { zone: PARIS }).toISODate() ?? ""}T23:59:59`,
          ban: false,
        },
      });
    });
    app.get<{ Params: { pdl: string } }>(`/contracts/:pdl${suffix}`, (request, reply) => {
      const { pdl } = request.params;
      if (!guard(request, reply, pdl, "GET /contracts/{pdl}")) return;
      const spent = medV1Take(ctx, pdl);
      if (spent) return send(reply, spent);
      send(reply, {
        status: 200,
        body: customersV5Payload("/customers_upc/v5/usage_points/contracts", profileOf(pdl)),
      });
    });
    for (const [name, d] of Object.entries(MED_V1_DATASETS)) {
      app.get<{ Params: { pdl: string; from: string; to: string } }>(
        `/${name}/:pdl/start/:from/end/:to${suffix}`,
        (request, reply) => {
          const { pdl, from, to } = request.params;
          if (!guard(request, reply, pdl, `GET /${name}/{pdl}/start/{d}/end/{d}`)) return;
          const spent = medV1Take(ctx, pdl);
          if (spent) return send(reply, spent);
          const out = serveMeasure(
            { kind: d.kind, direction: d.direction, prm: pdl, from, to },
            gatewayMeasureContext(ctx),
          );
          if (!out.ok) {
            const f = measureFailureV5(out.failure);
            const b = fields(f.body);
            return send(reply, {
              status: f.status,
              body: { detail: b.error_description ?? "Erreur", error: b.error },
            });
          }
          const s = out.served;
          const body =
            s.kind === "curve"
              ? v5Curve(s)
              : s.kind === "daily"
                ? v5Daily(s)
                : s.kind === "maxPower"
                  ? v5MaxPower(s)
                  : null;
          send(reply, body === null ? detail(404, "no data") : { status: 200, body });
        },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// MyElectricalData v2

function envelopeOk(data: unknown): ApiResult {
  return { status: 200, body: { success: true, data, error: null } };
}

function envelopeError(status: number, code: string, message: string): ApiResult {
  return { status, body: { success: false, data: null, error: { code, message } } };
}

function registerMedV2(app: FastifyInstance, ctx: SimContext): void {
  const auth = (request: FastifyRequest, reply: FastifyReply, pdl: string | null, endpoint: string) => {
    meta(ctx, request, "myelectricaldata-v2", endpoint);
    if (stateOf(ctx).banned.has("myelectricaldata-v2")) {
      send(reply, envelopeError(403, "ACCESS_DENIED", "Adresse bannie"));
      return null;
    }
    if (!request.headers.authorization) {
      send(reply, envelopeError(401, "UNAUTHORIZED", "Not authenticated"));
      return null;
    }
    const t = opaqueFor(ctx, request, "myelectricaldata-v2", null);
    if (!t) {
      send(reply, envelopeError(401, "UNAUTHORIZED", "Invalid client secret"));
      return null;
    }
    if (pdl !== null && !t.prms.includes(pdl)) {
      send(reply, envelopeError(200, "ACCESS_DENIED", "Ce PDL n'appartient pas à votre compte"));
      return null;
    }
    return t;
  };
  const take = (token: string, cached: boolean): ApiResult | null => {
    const st = stateOf(ctx);
    const key = `v2:${token}:${new Date(ctx.now()).toISOString().slice(0, 10)}:${cached ? "c" : "u"}`;
    const n = st.counters.get(key) ?? 0;
    const limit = cached ? st.medV2Quota.cached : st.medV2Quota.uncached;
    if (n >= limit) return envelopeError(200, "RATE_LIMIT_EXCEEDED", `Quota journalier atteint (${limit})`);
    st.counters.set(key, n + 1);
    return null;
  };
  app.get("/pdl", (request, reply) => {
    const t = auth(request, reply, null, "GET /pdl");
    if (!t) return;
    send(reply, envelopeOk(t.prms.map((p) => ({ usage_point_id: p }))));
  });
  app.get<{ Params: { pdl: string } }>("/enedis/contract/:pdl", (request, reply) => {
    const t = auth(request, reply, request.params.pdl, "GET /enedis/contract/{pdl}");
    if (!t) return;
    const p = profileOf(request.params.pdl);
    send(
      reply,
      envelopeOk({
        // situation_contrat_auto is already the list of contracts.
        situation_contrat: itcPayload("situation_contrat_auto", p),
        synthese_contrat: itcPayload("synth_contrat_auto", p),
        comptage: itcPayload("comptage_auto", p),
      }),
    );
  });
  const data = (
    request: FastifyRequest<{ Params: { pdl: string } }>,
    reply: FastifyReply,
    kind: "daily" | "curve" | "maxPower",
    direction: "consumption" | "production",
    endpoint: string,
  ) => {
    const { pdl } = request.params;
    const t = auth(request, reply, pdl, endpoint);
    if (!t) return;
    const q = fields(request.query);
    const cached = str(q.use_cache) === "true";
    const spent = take(t.token, cached);
    if (spent) return send(reply, spent);
    const from = str(q.start);
    const to = str(q.end);
    if (!from || !to)
      return send(reply, envelopeError(400, "INVALID_PARAMS", "start et end sont obligatoires"));
    const out = serveMeasure({ kind, direction, prm: pdl, from, to }, gatewayMeasureContext(ctx));
    if (!out.ok) {
      const f = measureFailure2026(out.failure, direction);
      const b = fields(f.body);
      const code = str(b.error) ?? str(b.code) ?? "ENEDIS_ERROR";
      const message = str(b.error_description) ?? str(b.message) ?? "Erreur Enedis";
      return send(
        reply,
        envelopeError(
          200,
          /^ADAM-/.test(code)
            ? code
            : f.status >= 500
              ? "ENEDIS_UNAVAILABLE"
              : f.status === 404
                ? "NO_DATA"
                : "ENEDIS_ERROR",
          message,
        ),
      );
    }
    const s = out.served;
    const format2026 = str(request.headers["x-med-format"]) === "2026";
    if (!format2026) {
      reply.header("deprecation", "true");
      const v5 =
        s.kind === "curve"
          ? v5Curve(s)
          : s.kind === "daily"
            ? v5Daily(s)
            : s.kind === "maxPower"
              ? v5MaxPower(s)
              : null;
      return send(reply, envelopeOk(v5));
    }
    if (s.kind === "curve") {
      const env = fields(curveEnvelope(s));
      // Points carry their start label (the interval START), as MED v2 rebuilds them.
      const g = fields((env.grandeur as unknown[])[0]);
      g.points = (g.points as unknown[]).map((p, i) => ({
        ...fields(p),
        d: DateTime.fromMillis(s.points[i]?.startMs ?? 0, { zone: PARIS }).toFormat("yyyy-MM-dd HH:mm:ss"),
      }));
      return send(reply, envelopeOk({ ...env, grandeur: [g] }));
    }
    send(
      reply,
      envelopeOk(s.kind === "daily" ? dailyEnvelope(s) : s.kind === "maxPower" ? maxPowerEnvelope(s) : null),
    );
  };
  for (const direction of ["consumption", "production"] as const) {
    app.get<{ Params: { pdl: string } }>(`/enedis/${direction}/daily/:pdl`, (request, reply) =>
      data(request, reply, "daily", direction, `GET /enedis/${direction}/daily/{pdl}`),
    );
    app.get<{ Params: { pdl: string } }>(`/enedis/${direction}/detail/:pdl`, (request, reply) =>
      data(request, reply, "curve", direction, `GET /enedis/${direction}/detail/{pdl}`),
    );
  }
  app.get<{ Params: { pdl: string } }>("/enedis/power/:pdl", (request, reply) =>
    data(request, reply, "maxPower", "consumption", "GET /enedis/power/{pdl}"),
  );
}

// ---------------------------------------------------------------------------------------------------

export function registerCommunityGateways(app: FastifyInstance, ctx: SimContext): void {
  const admin = (request: FastifyRequest, endpoint: string) =>
    ctx.meta.set(request.raw, { api: "admin", endpoint, admin: true });
  const gatewayOf = (v: unknown): SimGateway | null => {
    const g = str(v) ?? "conso-api";
    return (GATEWAYS as readonly string[]).includes(g) ? (g as SimGateway) : null;
  };

  app.post("/__simulator/gateway-token", (request, reply) => {
    admin(request, "POST /__simulator/gateway-token");
    const b = fields(request.body);
    const gateway = gatewayOf(b.gateway);
    const ids = Array.isArray(b.usagePointIds) ? b.usagePointIds : [];
    if (!gateway || ids.length === 0 || !ids.every((p) => typeof p === "string" && /^\d{14}$/.test(p)))
      return send(reply, {
        status: 400,
        body: {
          error:
            "usagePointIds: a list of 14-digit PRMs; gateway: conso-api | myelectricaldata | myelectricaldata-v2",
        },
      });
    const prms = ids as string[];
    const st = stateOf(ctx);
    if (gateway === "conso-api") {
      const days = typeof b.expiresInDays === "number" ? b.expiresInDays : 1094;
      const iat = Math.floor(ctx.now() / 1000);
      return send(reply, {
        status: 200,
        body: { token: signJwt({ sub: prms, iat, exp: iat + Math.round(days * 86_400) }, st.secret) },
      });
    }
    const token = randomBytes(24).toString("base64url");
    st.opaque.set(token, { gateway, prms });
    send(reply, { status: 200, body: { token } });
  });
  app.post("/__simulator/gateway-ban", (request, reply) => {
    admin(request, "POST /__simulator/gateway-ban");
    const b = fields(request.body);
    const gateway = gatewayOf(b.gateway);
    if (!gateway) return send(reply, { status: 400, body: { error: "unknown gateway" } });
    const st = stateOf(ctx);
    if (b.banned === false) {
      st.banned.delete(gateway);
      st.consoCalls.clear();
    } else st.banned.add(gateway);
    send(reply, { status: 200, body: { gateway, banned: st.banned.has(gateway) } });
  });
  app.post("/__simulator/gateway-throttle", (request, reply) => {
    admin(request, "POST /__simulator/gateway-throttle");
    const b = fields(request.body);
    const gateway = gatewayOf(b.gateway);
    const until = typeof b.untilMs === "number" ? b.untilMs : ctx.now() + 3_600_000;
    if (!gateway) return send(reply, { status: 400, body: { error: "unknown gateway" } });
    stateOf(ctx).throttledUntil.set(gateway, until);
    send(reply, { status: 200, body: { gateway, untilMs: until } });
  });
  app.post("/__simulator/gateway-quota", (request, reply) => {
    admin(request, "POST /__simulator/gateway-quota");
    const b = fields(request.body);
    const st = stateOf(ctx);
    if (typeof b.medV1 === "number") st.medV1Quota = b.medV1;
    if (typeof b.medV2Uncached === "number") st.medV2Quota.uncached = b.medV2Uncached;
    if (typeof b.medV2Cached === "number") st.medV2Quota.cached = b.medV2Cached;
    send(reply, { status: 200, body: { medV1: st.medV1Quota, medV2: st.medV2Quota } });
  });

  app.route<{ Params: { type: string } }>({
    method: ["GET", "POST", "PUT", "DELETE", "PATCH"],
    url: "/api/:type",
    handler: (request, reply) => consoApi(ctx, request, reply, request.params.type),
  });
  registerMedV1(app, ctx);
  registerMedV2(app, ctx);
}
