/**
 * The API gateway pipeline every Data Connect API call goes through, in Enedis' order: bearer token
 * (401 WSO2), API subscription (403 900908), quota per API (429 + Retry-After; refused calls do not
 * count), then fault injection, then the API itself. Admin endpoints, the token endpoint and the consent
 * pages do not come here.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { QuotaRefusalForm, RequestMeta, SimContext } from "./context.js";
import { sendTruncated } from "./faults.js";
import { parisClock } from "./paris.js";
import type { ApiResult } from "./result.js";
import { invalidCredentials } from "./tokens.js";
import { codeMessage, siCoeur, slaExceeded } from "./wire2026.js";
import { v5Error } from "./wireV5.js";

/** `2026`: `{code, message}` bodies; `v5`: `{error, error_description}` bodies. */
export type ErrorStyle = "2026" | "v5";

export interface ApiCall {
  /** Quota scope: the API name (`mesure_synchrone_auto`, `comptage_auto`, `metering_data_clc`…). */
  api: string;
  /** Endpoint key of the request log. */
  endpoint: string;
  style: ErrorStyle;
  /** Successful answers may come as `application/octet-stream` (2026 GETs). */
  octetEligible: boolean;
  handle(): ApiResult;
}

function technicalError(style: ErrorStyle): ApiResult {
  return style === "2026" ? siCoeur() : v5Error(500, "ADAM-DC-0500", "Technical Exception");
}

function unavailable(style: ErrorStyle): ApiResult {
  return style === "2026"
    ? codeMessage(503, "Service unavailable")
    : v5Error(503, "service_unavailable", "Service unavailable");
}

function notSubscribed(): ApiResult {
  return {
    status: 403,
    body: {
      code: "900908",
      message: "Resource forbidden ",
      description: "User is NOT authorized to access the Resource. API Subscription validation failed.",
    },
  };
}

function send(reply: FastifyReply, r: ApiResult, octet = false): void {
  reply.code(r.status);
  if (r.headers) reply.headers(r.headers);
  if (octet) reply.type("application/octet-stream").send(JSON.stringify(r.body));
  else reply.type("application/json").send(JSON.stringify(r.body));
}

function runHandler(call: ApiCall): ApiResult {
  try {
    return call.handle();
  } catch (err) {
    process.stderr.write(
      `simulator: ${call.endpoint} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    return technicalError(call.style);
  }
}

/** One of the 429 forms of `QuotaRefusalForm`, without Retry-After (as Enedis sends them). */
function forcedRefusal(form: QuotaRefusalForm, now: number): ApiResult {
  switch (form) {
    case "sla":
      return slaExceeded();
    case "q3-duration":
      return v5Error(429, "Quota Q3 reached", "Quota Q3 reached. Call threshold allowed on 0:00:01");
    case "q3-bare":
      return v5Error(429, "Quota Q3 reached", "Quota Q3 reached");
    case "q4":
      return v5Error(
        429,
        "Quota Q4 reached",
        `Quota Q4 reached. Call threshold allowed on ${parisClock(now + 20 * 60_000)}`,
      );
  }
}

export function runApi(ctx: SimContext, request: FastifyRequest, reply: FastifyReply, call: ApiCall): void {
  const meta: RequestMeta = { api: call.api, endpoint: call.endpoint };
  ctx.meta.set(request.raw, meta);
  const now = ctx.now();
  if (!ctx.tokens.check(request.headers.authorization, now)) return send(reply, invalidCredentials());
  if (ctx.opts.unsubscribedApis.includes(call.api)) return send(reply, notSubscribed());

  const forced = ctx.forcedRefusals.shift();
  if (forced) return send(reply, forcedRefusal(forced, now));
  const q = ctx.quota.take(call.api, now);
  if (!q.allowed) {
    const retryAt = q.retryAtMs ?? now + 1000;
    const retryAfter = String(Math.max(1, Math.ceil((retryAt - now) / 1000)));
    const body =
      call.style === "2026"
        ? slaExceeded()
        : v5Error(
            429,
            `Quota ${q.limit ?? "Q3"} reached`,
            `Quota ${q.limit ?? "Q3"} reached. Call threshold allowed on ${parisClock(retryAt)}`,
          );
    return send(reply, { ...body, headers: { "retry-after": retryAfter } });
  }

  const fault = ctx.faults.next();
  const logHijacked = (status: number) =>
    ctx.log.record({
      at: ctx.now(),
      method: request.method,
      endpoint: call.endpoint,
      api: call.api,
      status,
      ...(fault ? { fault } : {}),
    });
  if (fault) meta.fault = fault;
  switch (fault) {
    case "500":
      return send(reply, technicalError(call.style));
    case "503":
      return send(reply, unavailable(call.style));
    case "stall":
      ctx.stalls.stall(reply, ctx.opts.stallMs, logHijacked);
      return;
    case "truncate": {
      const r = runHandler(call);
      sendTruncated(reply, JSON.stringify(r.body), "application/json");
      logHijacked(200);
      return;
    }
    case null:
      break;
  }

  const r = runHandler(call);
  let octet = false;
  if (r.status === 200 && call.octetEligible && request.method === "GET") {
    ctx.octet.served++;
    const every = ctx.opts.octetStreamEvery;
    octet = every > 0 && ctx.octet.served % every === 0;
  }
  send(reply, r, octet);
}
