/**
 * Consent URLs and consent redirects.
 * - v2 (default since the 2026 switchover): the redirect carries `autorisation_id` + `state`; the PRM
 *   comes from `subscribed_services`.
 * - v1 (legacy): the redirect carries `code`, `state` and `usage_point_id` (several joined by `;` or `,`).
 * Error redirects carry `error` (+ `error_description`, and in v1 the HTTP status in `code`, no state).
 */
import { DateTime, Duration } from "luxon";
import { isUsagePointId } from "../domain/types.js";

export type ConsentVersion = "v1" | "v2";

export const MAX_STATE_LENGTH = 100;

/** Validates an ISO 8601 consent duration: days/weeks/months/years only, positive, at most 3 years. */
export function validateConsentDuration(duration: string, nowMs = Date.now()): string | null {
  if (!/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/.test(duration)) {
    return `consent duration "${duration}" must be an ISO 8601 duration in years, months, weeks or days (e.g. P3Y, P6M, P1095D)`;
  }
  const d = Duration.fromISO(duration);
  if (!d.isValid) return `consent duration "${duration}" is not a valid ISO 8601 duration`;
  const start = DateTime.fromMillis(nowMs, { zone: "UTC" }).startOf("day");
  const end = start.plus(d);
  if (end <= start) return `consent duration "${duration}" must be positive`;
  if (end > start.plus({ years: 3 }))
    return `consent duration "${duration}" is longer than the 3 years Enedis allows`;
  return null;
}

export interface AuthorizeUrlOptions {
  /** Consent page host, e.g. https://mon-compte-particulier.enedis.fr (or the simulator's URL). */
  authorizeUrl: string;
  clientId: string;
  state: string;
  duration?: string;
  version?: ConsentVersion;
  nowMs?: number;
}

export function buildAuthorizeUrl(o: AuthorizeUrlOptions): string {
  const duration = o.duration ?? "P3Y";
  const problem = validateConsentDuration(duration, o.nowMs);
  if (problem) throw new RangeError(problem);
  if (o.state.length === 0 || o.state.length > MAX_STATE_LENGTH) {
    throw new RangeError(`consent state must be 1 to ${MAX_STATE_LENGTH} characters, got ${o.state.length}`);
  }
  if (!o.clientId) throw new RangeError("no client_id configured for the consent page");
  const base = o.authorizeUrl.endsWith("/") ? o.authorizeUrl : `${o.authorizeUrl}/`;
  const u = new URL(`dataconnect/${o.version ?? "v2"}/oauth2/authorize`, base);
  u.searchParams.set("client_id", o.clientId);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("state", o.state);
  u.searchParams.set("duration", duration);
  return u.toString();
}

export type ConsentRedirect =
  | { kind: "v2"; autorisationId: number; state: string | null }
  | { kind: "v1"; usagePointIds: string[]; state: string | null }
  | { kind: "error"; error: string; description: string | null; state: string | null }
  | { kind: "invalid"; reason: string; state: string | null };

/** Reads the query of a consent redirect. Nothing here is trusted yet: the caller checks `state`. */
export function parseConsentRedirect(query: Record<string, unknown>): ConsentRedirect {
  const get = (k: string): string | null => {
    const v = query[k];
    return typeof v === "string" && v.length > 0 ? v : null;
  };
  const state = get("state");
  const error = get("error");
  if (error) return { kind: "error", error, description: get("error_description"), state };
  const autorisation = get("autorisation_id");
  if (autorisation !== null) {
    if (!/^\d{1,18}$/.test(autorisation))
      return { kind: "invalid", reason: "autorisation_id is not a number", state };
    return { kind: "v2", autorisationId: Number(autorisation), state };
  }
  const ups = get("usage_point_id");
  if (ups !== null) {
    const ids = ups
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const bad = ids.filter((s) => !isUsagePointId(s));
    if (ids.length === 0 || bad.length > 0) {
      return {
        kind: "invalid",
        reason: `usage_point_id is not a list of 14-digit ids: ${bad.join(", ")}`,
        state,
      };
    }
    return { kind: "v1", usagePointIds: [...new Set(ids)], state };
  }
  return {
    kind: "invalid",
    reason: "the redirect carries neither autorisation_id nor usage_point_id",
    state,
  };
}
