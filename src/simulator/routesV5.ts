/**
 * Legacy v5 routes (`/metering_data_xx/v5/...`, `/customers_xx/v5/...`), from the same data as 2026, behind
 * the gateway pipeline with v5-style errors. Each v5 API is its own quota scope.
 */
import type { FastifyInstance } from "fastify";
import { allDatasets } from "../enedis/datasets/index.js";
import type { DatasetSpec } from "../enedis/datasets/index.js";
import type { SimContext } from "./context.js";
import { CUSTOMERS_V5, customersV5Payload, type CustomersV5Path } from "./customersV5.js";
import { runApi } from "./gateway.js";
import { serveMeasure } from "./measures.js";
import { profileOf } from "./profile.js";
import { ok, type ApiResult } from "./result.js";
import { measureContext } from "./routes2026.js";
import { measureFailureV5, v5Curve, v5Daily, v5Error, v5MaxPower } from "./wireV5.js";

function param(query: Record<string, unknown>, name: string): string | ApiResult {
  const v = query[name];
  if (typeof v !== "string" || v === "") {
    return v5Error(400, "invalid_request", `The ${name} parameter is missing or invalid.`);
  }
  return v;
}

function usagePoint(query: Record<string, unknown>): string | ApiResult {
  const prm = param(query, "usage_point_id");
  if (typeof prm === "string" && !/^\d{14}$/.test(prm)) {
    return v5Error(400, "invalid_request", "The usage_point_id parameter must be 14 digits.");
  }
  return prm;
}

function meteringV5(ctx: SimContext, spec: DatasetSpec, query: Record<string, unknown>): ApiResult {
  const prm = usagePoint(query);
  if (typeof prm !== "string") return prm;
  const start = param(query, "start");
  if (typeof start !== "string") return start;
  const end = param(query, "end");
  if (typeof end !== "string") return end;
  const outcome = serveMeasure(
    { kind: spec.kind, direction: spec.direction, prm, from: start, to: end },
    measureContext(ctx),
  );
  if (!outcome.ok) return measureFailureV5(outcome.failure);
  const s = outcome.served;
  switch (s.kind) {
    case "curve":
      return ok(v5Curve(s));
    case "daily":
      return ok(v5Daily(s));
    case "maxPower":
      return ok(v5MaxPower(s));
    case "index":
      return v5Error(404, "no_data_found", "No index data in v5.");
  }
}

function customers(ctx: SimContext, path: CustomersV5Path, query: Record<string, unknown>): ApiResult {
  const prm = usagePoint(query);
  if (typeof prm !== "string") return prm;
  if (!ctx.autorisations.isActive(prm, ctx.today())) {
    return v5Error(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.");
  }
  const p = profileOf(prm);
  if (!p.consumption) {
    return v5Error(400, "ADAM-ERR0069", "The customers APIs serve consumption usage points only.");
  }
  return ok(customersV5Payload(path, p));
}

export function registerV5Routes(app: FastifyInstance, ctx: SimContext): void {
  for (const spec of allDatasets()) {
    const path = spec.v5Path;
    const api = spec.v5Api;
    if (path === null || api === null) continue;
    app.get(path, (request, reply) => {
      runApi(ctx, request, reply, {
        api,
        endpoint: `GET ${path}`,
        style: "v5",
        octetEligible: false,
        handle: () => meteringV5(ctx, spec, request.query as Record<string, unknown>),
      });
    });
  }
  for (const [path, api] of Object.entries(CUSTOMERS_V5) as [CustomersV5Path, string][]) {
    app.get(path, (request, reply) => {
      runApi(ctx, request, reply, {
        api,
        endpoint: `GET ${path}`,
        style: "v5",
        octetEligible: false,
        handle: () => customers(ctx, path, request.query as Record<string, unknown>),
      });
    });
  }
}
