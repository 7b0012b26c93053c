/**
 * The one place that reads Conso API's error bodies `{status, message, error?}`: its own refusals (400
 * bad parameters or no Authorization header, 401 token invalid/expired/not covering the PRM, 405, 500)
 * and Enedis' errors it relays in `error` (read by Enedis' own classifier), with the 429 `900804`
 * "Message throttled out" and its `nextAccessTime`.
 */
import { BadRequestError, NoConsentError, TransientError, type LinkyError } from "../../domain/errors.js";
import { classifyHttpError } from "../../enedis/errors.js";
import type { GatewayAnswer, GatewayHttp } from "../gateway-http.js";

const API = "conso-api";

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export async function classifyConsoAnswer(
  a: GatewayAnswer,
  http: GatewayHttp,
  nowMs: number,
): Promise<LinkyError | null> {
  if (a.status === 200) return null;
  const body = record(a.body);
  const message = typeof body.message === "string" ? body.message : "";
  if (body.error !== undefined) {
    const inner = record(body.error);
    if (String(inner.code ?? "") === "900804") {
      const next = typeof inner.nextAccessTime === "string" ? Date.parse(inner.nextAccessTime) : NaN;
      return http.throttled(
        "Enedis throttles Conso API (429 900804, a quota shared by all its users)",
        Number.isFinite(next) ? next : nowMs + 3_600_000,
      );
    }
    return classifyHttpError({ status: a.status, body: body.error, api: API, nowMs });
  }
  switch (a.status) {
    case 400:
      return new BadRequestError(`Conso API refused the request (HTTP 400${message ? `: ${message}` : ""})`, {
        status: 400,
        api: API,
      });
    case 401: {
      const text =
        "the Conso API token is invalid, expired or does not cover this meter: the household must get a new token on conso.boris.sh";
      await http.refused(text);
      return new NoConsentError(text, { status: 401, api: API, code: "gateway_token" });
    }
    case 429:
      return http.throttled("Conso API asks to slow down (429)", nowMs + 3_600_000);
    default:
      if (a.status >= 500)
        return new TransientError(
          `Conso API is unavailable (HTTP ${a.status}${message ? `: ${message}` : ""})`,
          { status: a.status, api: API },
        );
      return new BadRequestError(
        `Conso API refused the request (HTTP ${a.status}${message ? `: ${message}` : ""})`,
        { status: a.status, api: API },
      );
  }
}
