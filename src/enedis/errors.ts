/**
 * The one place that reads Enedis error bodies. Every shape seen in the wild is accepted:
 * - `{code, message}` (Data Connect 2026 Swagger), or an array of them;
 * - `{error, error_description}` (v5, and some 2026 answers such as ADAM-ERR0123);
 * - WSO2 gateway bodies `{fault: {code, message, description}}` or a flat `{code: "900908", …}`;
 * - anything else (HTML, empty, truncated) falls back on the HTTP status.
 * The result is a typed error from src/domain/errors.ts that says whether and when to retry.
 */
import { quotaWindowOf, thresholdTimeOf } from "./quota-refusal.js";
import {
  ApiNotSubscribedError,
  BadRequestError,
  BeforeActivationError,
  BeyondHistoryError,
  LoadCurveOffError,
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TokenRefusedError,
  TransientError,
  WrongDirectionError,
  type ErrorDetails,
  type LinkyError,
} from "../domain/errors.js";

export interface EnedisErrorBody {
  code?: string;
  message?: string;
}

/** Extracts `{code, message}` from any Enedis error body; never throws. */
export function readErrorBody(body: unknown): EnedisErrorBody {
  if (typeof body === "string") {
    const trimmed = body.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return readErrorBody(JSON.parse(trimmed) as unknown);
      } catch {
        return { message: trimmed.slice(0, 200) };
      }
    }
    if (trimmed.startsWith("<")) {
      // A proxy's or a maintenance page: say so, with its words (title or text), not its markup.
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1];
      const text = (title ?? trimmed.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " "))
        .replace(/\s+/g, " ")
        .trim()
        .slice(0, 80);
      return { message: `an HTML page (a proxy or an outage?)${text ? `: ${text}` : ""}` };
    }
    return trimmed ? { message: trimmed.slice(0, 200) } : {};
  }
  if (Array.isArray(body)) return body.length > 0 ? readErrorBody(body[0]) : {};
  if (body === null || typeof body !== "object") return {};
  const o = body as Record<string, unknown>;
  if (o.fault && typeof o.fault === "object") return readErrorBody(o.fault);
  const str = (v: unknown): string | undefined =>
    typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  const code = str(o.error) ?? str(o.code) ?? str(o.errorCode);
  const message = str(o.error_description) ?? str(o.message) ?? str(o.description) ?? str(o.libelle);
  const out: EnedisErrorBody = {};
  if (code !== undefined) out.code = code;
  if (message !== undefined) out.message = message;
  return out;
}

/** ADAM-DC-0008 and ADAM_DC_0008 are the same code (Enedis writes both). */
function normalise(code: string | undefined): string {
  return (code ?? "").toUpperCase().replace(/_/g, "-").trim();
}

const NO_CONSENT_CODES = new Set(["ADAM-DC-0007", "ADAM-DC-0008", "ADAM-DC-0009", "UNAUTHORIZED-USER"]);
const BEYOND_HISTORY_CODES = new Set(["ADAM-ERR0125", "ADAM-DC-0016"]);
const NO_DATA_CODES = new Set(["NO-DATA-FOUND", "STM-ERR-0000020", "STM-ERR-0000014"]);

/** `Retry-After` (seconds or an HTTP date) as an instant, if the answer has one. */
export function retryAfterHeader(
  headers: { get(name: string): string | null },
  nowMs: number,
): number | undefined {
  const ra = headers.get("retry-after");
  if (!ra) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return nowMs + secs * 1000;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? date : undefined;
}

export interface ClassifyInput {
  status: number;
  body: unknown;
  headers?: { get(name: string): string | null };
  api?: string;
  nowMs: number;
}

/** Turns an HTTP error answer into a typed error. Messages carry Enedis' code and text, never a secret. */
export function classifyHttpError({ status, body, headers, api, nowMs }: ClassifyInput): LinkyError {
  const { code, message } = readErrorBody(body);
  const c = normalise(code);
  const text = message ?? "";
  const details: ErrorDetails = { status };
  if (code !== undefined) details.code = code;
  if (api !== undefined) details.api = api;
  const say = (what: string) =>
    `${what} (HTTP ${status}${code ? ` ${code}` : ""}${text ? `: ${text}` : ""})${api ? ` [${api}]` : ""}`;

  // Codes first: they are more specific than statuses, and some mocks put them on unexpected statuses.
  if (c === "900908" || /subscription validation failed/i.test(text))
    return new ApiNotSubscribedError(say("API not subscribed for this application on DataHub"), details);
  if (c === "900901" || c === "900902" || c === "INVALID-TOKEN")
    return new TokenRefusedError(say("access token refused"), details);
  if (NO_CONSENT_CODES.has(c))
    return new NoConsentError(say("no valid consent for this usage point"), details);
  if (c === "ADAM-ERR0069")
    return new WrongDirectionError(say("wrong direction for this usage point"), details);
  if (c === "ADAM-ERR0123")
    return new BeforeActivationError(say("period before the meter's last activation"), details);
  if (BEYOND_HISTORY_CODES.has(c))
    return new BeyondHistoryError(say("period beyond the history Enedis keeps"), details);
  if (c === "ADAM-ERR0075")
    return new LoadCurveOffError(say("load curve not recorded for this meter"), details);
  if (NO_DATA_CODES.has(c)) return new NoDataYetError(say("no data for this period yet"), details);

  switch (status) {
    case 401:
      return new TokenRefusedError(say("access token refused"), details);
    case 403:
      return new NoConsentError(say("no valid consent for this usage point"), details);
    case 404:
      return new NoDataYetError(say("no data for this period yet"), details);
    case 429: {
      // The quota it names and the time it gives (the nearest future reading of "H:MM:SS"); how long to
      // pause is decided with the shared ledger's count (quota-refusal.ts), where the call was made.
      const window = quotaWindowOf(code, text);
      const header = headers ? retryAfterHeader(headers, nowMs) : undefined;
      const retryAtMs = header ?? thresholdTimeOf(text, nowMs) ?? undefined;
      if (retryAtMs !== undefined) details.retryAtMs = retryAtMs;
      return new QuotaExceededError(say("Enedis quota exceeded"), { ...details, window });
    }
    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      return new TransientError(say("Enedis is unavailable"), details);
    default:
      if (status >= 500) return new TransientError(say("Enedis is unavailable"), details);
      return new BadRequestError(say("request refused"), details);
  }
}

/** A network failure (timeout, reset, DNS) or an unreadable body: always worth a retry. */
export function transportError(what: string, cause: unknown, api?: string): TransientError {
  const reason =
    cause instanceof Error
      ? cause.name === "TimeoutError" || cause.name === "AbortError"
        ? "timeout"
        : ((cause as NodeJS.ErrnoException).code ?? cause.message)
      : String(cause);
  const details: ErrorDetails = { cause };
  if (api !== undefined) details.api = api;
  return new TransientError(`${what}: ${reason}${api ? ` [${api}]` : ""}`, details);
}
