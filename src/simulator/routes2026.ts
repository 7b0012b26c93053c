/**
 * Data Connect 2026 API routes: measures (`/mesure_synchrone_auto/v2/<ressource>`), authorizations
 * (`/subscribed_services/v1`) and the ITC contract APIs (`/<api>/v1/{prm}`), all behind the gateway
 * pipeline (token, quota, faults).
 */
import type { FastifyInstance } from "fastify";
import { datasetByRessource, MEASURES_API_2026 } from "../enedis/datasets/index.js";
import type { SimContext } from "./context.js";
import { runApi } from "./gateway.js";
import { ITC_APIS, itcPayload } from "./itc.js";
import { serveMeasure, type MeasureContext, type MeasureRequest } from "./measures.js";
import { profileOf } from "./profile.js";
import { ok, type ApiResult } from "./result.js";
import { subscribedServices } from "./services.js";
import {
  codeMessage,
  curveEnvelope,
  dailyEnvelope,
  indexEnvelope,
  maxPowerEnvelope,
  measureFailure2026,
  siCoeur,
} from "./wire2026.js";

const COMMON_PARAMS = ["pointId", "dateDebut", "dateFin"] as const;

export function measureContext(ctx: SimContext): MeasureContext {
  return {
    nowMs: ctx.now(),
    seed: ctx.opts.seed,
    lateDays: ctx.opts.lateDays,
    consentActive: (prm) => ctx.autorisations.isActive(prm, ctx.today()),
  };
}

/** One 2026 measure answer (also what Conso API relays from Enedis, with its own consent view). */
export function measure2026(
  ctx: SimContext,
  ressource: string,
  query: Record<string, unknown>,
  mctx: MeasureContext = measureContext(ctx),
): ApiResult {
  const spec = datasetByRessource(ressource);
  if (!spec) return siCoeur();
  const extra = Object.keys(spec.extraParams);
  const allowed = new Set<string>([...COMMON_PARAMS, ...extra]);
  // Anything outside the Swagger (v5 names such as usage_point_id, start, end) fails in the back end.
  if (Object.keys(query).some((k) => !allowed.has(k))) return siCoeur();
  const values: Record<string, string> = {};
  for (const name of allowed) {
    const v = query[name];
    if (Array.isArray(v)) return codeMessage(400, `Le paramètre ${name} est invalide`);
    if (typeof v !== "string" || v === "") return codeMessage(400, `Le paramètre ${name} est obligatoire`);
    values[name] = v;
  }
  if (!/^\d{14}$/.test(values.pointId ?? "")) return codeMessage(400, "Le paramètre pointId est invalide");
  const req: MeasureRequest = {
    kind: spec.kind,
    direction: spec.direction,
    prm: values.pointId as string,
    from: values.dateDebut as string,
    to: values.dateFin as string,
  };
  if (spec.kind === "maxPower") {
    const pas = values.mesuresPas;
    const gp = values.grandeurPhysique;
    if (pas !== "P1D" && pas !== "P1M")
      return codeMessage(400, "La valeur du paramètre mesuresPas est invalide");
    if (gp !== "PMA" && gp !== "TOUT")
      return codeMessage(400, "La valeur du paramètre grandeurPhysique est invalide");
    req.maxPowerStep = pas;
    req.allPhases = gp === "TOUT";
  }
  const outcome = serveMeasure(req, mctx);
  if (!outcome.ok) return measureFailure2026(outcome.failure, spec.direction);
  const s = outcome.served;
  switch (s.kind) {
    case "curve":
      return ok(curveEnvelope(s));
    case "daily":
      return ok(dailyEnvelope(s));
    case "maxPower":
      return ok(maxPowerEnvelope(s));
    case "index":
      return ok(indexEnvelope(s));
  }
}

function itc(ctx: SimContext, api: (typeof ITC_APIS)[number], prm: string, query: object): ApiResult {
  if (Object.keys(query).length > 0) return siCoeur();
  if (!/^\d{14}$/.test(prm))
    return codeMessage(404, "Pas de mesure trouvée pour ce point ou PRM non existant");
  if (!ctx.autorisations.isActive(prm, ctx.today())) {
    return codeMessage(403, "Le client n'est pas autorisé pour le point demandé");
  }
  return ok(itcPayload(api, profileOf(prm)));
}

export function register2026Routes(app: FastifyInstance, ctx: SimContext): void {
  app.get<{ Params: { ressource: string } }>("/mesure_synchrone_auto/v2/:ressource", (request, reply) => {
    const { ressource } = request.params;
    const known = datasetByRessource(ressource) !== undefined;
    runApi(ctx, request, reply, {
      api: MEASURES_API_2026,
      endpoint: `GET /mesure_synchrone_auto/v2/${known ? ressource : "{unknown}"}`,
      style: "2026",
      octetEligible: true,
      handle: () => measure2026(ctx, ressource, request.query as Record<string, unknown>),
    });
  });

  app.post("/subscribed_services/v1", (request, reply) => {
    runApi(ctx, request, reply, {
      api: "subscribed_services",
      endpoint: "POST /subscribed_services/v1",
      style: "2026",
      octetEligible: false,
      handle: () => subscribedServices(ctx, request.body),
    });
  });

  for (const api of ITC_APIS) {
    app.get<{ Params: { prm: string } }>(`/${api}/v1/:prm`, (request, reply) => {
      runApi(ctx, request, reply, {
        api,
        endpoint: `GET /${api}/v1/{usage_point_id}`,
        style: "2026",
        octetEligible: true,
        handle: () => itc(ctx, api, request.params.prm, request.query as object),
      });
    });
    // The PRM as a query parameter (as one peer does) is outside the Swagger: 500.
    app.get(`/${api}/v1`, (request, reply) => {
      runApi(ctx, request, reply, {
        api,
        endpoint: `GET /${api}/v1`,
        style: "2026",
        octetEligible: true,
        handle: () => siCoeur(),
      });
    });
  }
}
