/**
 * The one place that reads MyElectricalData's error answers.
 * - v1: `{detail}` bodies with HTTP statuses: 401 the token or its consent, 403 without an Enedis code
 *   (the address refused: MI stops on it), 409 the PDL's daily quota spent (it resets at 23:59:59 Paris),
 *   and Enedis' own errors relayed with Enedis' status and code (`{detail, error}`);
 * - v2: the `{success, data, error{code, message}}` envelope, errors often with HTTP 200: `UNAUTHORIZED`
 *   (401), `ACCESS_DENIED` (the PDL is not the account's), `RATE_LIMIT_EXCEEDED` (until the next UTC
 *   midnight), `ENEDIS_UNAVAILABLE`, `NO_DATA`, Enedis' ADAM codes.
 */
import {
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TransientError,
  type LinkyError,
} from "../../domain/errors.js";
import { addDays, parisDayStartMs, parisToday } from "../../domain/time.js";
import { classifyHttpError } from "../../enedis/errors.js";
import type { GatewayAnswer, GatewayHttp } from "../gateway-http.js";

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** When a MED v1 daily quota frees up: the next Paris midnight (the reset is at 23:59:59). */
export function nextParisMidnight(nowMs: number): number {
  return parisDayStartMs(addDays(parisToday(nowMs), 1));
}

export function nextUtcMidnight(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000) * 86_400_000 + 86_400_000;
}

const V1 = "myelectricaldata";
const V2 = "myelectricaldata-v2";

export async function classifyMedV1Answer(
  a: GatewayAnswer,
  http: GatewayHttp,
  nowMs: number,
): Promise<LinkyError | null> {
  if (a.status === 200) return null;
  const body = record(a.body);
  const detail = text(body.detail);
  const code = text(body.error);
  if (a.status === 401) {
    const msg =
      "the MyElectricalData token is invalid, expired or its consent does not cover this meter: the household must renew it on myelectricaldata.fr";
    await http.refused(msg);
    return new NoConsentError(msg, { status: 401, api: V1, code: "gateway_token" });
  }
  if (a.status === 403 && !code) return http.banned(`HTTP 403${detail ? ` "${detail}"` : ""}`);
  if (a.status === 409) {
    return new QuotaExceededError(
      `MyElectricalData's daily quota for this meter is spent (409${detail ? `: ${detail}` : ""})`,
      { status: 409, api: V1, retryAtMs: nextParisMidnight(nowMs) },
    );
  }
  if (code)
    return classifyHttpError({
      status: a.status,
      body: { error: code, error_description: detail },
      api: V1,
      nowMs,
    });
  if (a.status >= 500)
    return new TransientError(`MyElectricalData is unavailable (HTTP ${a.status})`, {
      status: a.status,
      api: V1,
    });
  return classifyHttpError({ status: a.status, body: { error_description: detail }, api: V1, nowMs });
}

/** v2: the envelope's error (whatever the HTTP status), or null for a success. */
export async function classifyMedV2Answer(
  a: GatewayAnswer,
  http: GatewayHttp,
  nowMs: number,
): Promise<LinkyError | null> {
  const body = record(a.body);
  if (a.status === 200 && body.success === true) return null;
  const err = record(body.error);
  const code = text(err.code);
  const message = text(err.message);
  const say = (what: string) => `${what} (${code || `HTTP ${a.status}`}${message ? `: ${message}` : ""})`;
  if (a.status === 401 || code === "UNAUTHORIZED" || code === "ACCESS_DENIED") {
    if (a.status === 403 && code === "ACCESS_DENIED" && !/PDL/i.test(message))
      return http.banned(`HTTP 403 ${message}`);
    const msg =
      code === "ACCESS_DENIED"
        ? "MyElectricalData v2 refuses this meter for this account (ACCESS_DENIED): the household must consent again on its MyElectricalData account"
        : "the MyElectricalData v2 client_secret is invalid or revoked: the household must give a new one";
    await http.refused(msg);
    return new NoConsentError(msg, { status: a.status, api: V2, code: "gateway_token" });
  }
  if (code === "RATE_LIMIT_EXCEEDED")
    return new QuotaExceededError(say("MyElectricalData v2's daily quota is spent"), {
      status: 429,
      api: V2,
      code,
      retryAtMs: nextUtcMidnight(nowMs),
    });
  if (code === "NO_DATA") return new NoDataYetError(say("no data for this period yet"), { api: V2, code });
  if (code === "ENEDIS_UNAVAILABLE" || a.status >= 500)
    return new TransientError(say("Enedis or MyElectricalData v2 is unavailable"), {
      status: a.status,
      api: V2,
    });
  if (/^ADAM-/i.test(code) || code === "ENEDIS_ERROR")
    return classifyHttpError({
      status: a.status === 200 ? 400 : a.status,
      body: { error: code === "ENEDIS_ERROR" ? undefined : code, error_description: message },
      api: V2,
      nowMs,
    });
  return classifyHttpError({
    status: a.status === 200 ? 400 : a.status,
    body: { error: code, message },
    api: V2,
    nowMs,
  });
}
