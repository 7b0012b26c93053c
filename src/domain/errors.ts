/**
 * Typed errors. Whoever handles an error decides by its class and its `retry` advice, never by its
 * message: Enedis bodies are read in exactly one place (`src/enedis/errors.ts`), which builds these.
 *
 * - permanent: retrying the same request will not help (consent revoked, wrong direction, bad request);
 *   the work is parked and a person is told.
 * - transient: retry later; `retryAtMs` says when when it is known (quota reset, publication time).
 */

export type ErrorKind =
  | "token_refused"
  | "api_not_subscribed"
  | "no_consent"
  | "wrong_direction"
  | "before_activation"
  | "beyond_history"
  | "load_curve_off"
  | "no_data_yet"
  | "quota"
  | "transient"
  | "bad_request"
  | "gateway_banned";

export interface ErrorDetails {
  /** HTTP status, when the error came from a response. */
  status?: number;
  /** Enedis' code (`ADAM-ERR0123`, `900908`, …). */
  code?: string;
  /** Which API (quota scope) answered, e.g. `mesure_synchrone_auto`. */
  api?: string;
  /** When retrying makes sense (epoch ms), for transient errors. */
  retryAtMs?: number;
  cause?: unknown;
}

export abstract class LinkyError extends Error {
  abstract readonly kind: ErrorKind;
  /** True when the same request will never succeed: park the work, tell someone. */
  abstract readonly permanent: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly api: string | undefined;
  readonly retryAtMs: number | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.api = details.api;
    this.retryAtMs = details.retryAtMs;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** 401 / 900901: the application's credentials or token were refused. Fetch a token again, once. */
export class TokenRefusedError extends LinkyError {
  readonly kind = "token_refused";
  readonly permanent = false;
}

/** 403 / 900908: the API is not subscribed for this application on DataHub. The operator must act. */
export class ApiNotSubscribedError extends LinkyError {
  readonly kind = "api_not_subscribed";
  readonly permanent = true;
}

/** 403: no consent, consent revoked or expired, customer no longer holder of the PRM. Ask consent again. */
export class NoConsentError extends LinkyError {
  readonly kind = "no_consent";
  readonly permanent = true;
}

/** ADAM-ERR0069: consumption asked on a production-only PRM, or the reverse. The dataset does not apply. */
export class WrongDirectionError extends LinkyError {
  readonly kind = "wrong_direction";
  readonly permanent = true;
}

/** ADAM-ERR0123: the period starts before the meter's last activation. Start after it. */
export class BeforeActivationError extends LinkyError {
  readonly kind = "before_activation";
  readonly permanent = true;
}

/** ADAM-ERR0125 / ADAM-DC-0016: the period is older than the history Enedis keeps. */
export class BeyondHistoryError extends LinkyError {
  readonly kind = "beyond_history";
  readonly permanent = true;
}

/** ADAM-ERR0075: the load curve is not recorded for this meter (collection off in the customer's space). */
export class LoadCurveOffError extends LinkyError {
  readonly kind = "load_curve_off";
  readonly permanent = true;
}

/** 404: no measure for the period yet (not published, gap, meter not communicating). Try again later. */
export class NoDataYetError extends LinkyError {
  readonly kind = "no_data_yet";
  readonly permanent = false;
}

/** Which of Enedis' two quotas refused: Q3 (per second) or Q4 (per hour). */
export type QuotaWindowName = "second" | "hour";

/** 429 "SLA dépassé": the application's quota on this API is spent. Wait until `retryAtMs`. */
export class QuotaExceededError extends LinkyError {
  readonly kind = "quota";
  readonly permanent = false;
  /** The quota the answer names (Q3, Q4), when it names one. */
  readonly window: QuotaWindowName | null;

  constructor(message: string, details: ErrorDetails & { window?: QuotaWindowName | null } = {}) {
    super(message, details);
    this.window = details.window ?? null;
  }
}

/** 500, 503, timeout, connection reset, malformed or truncated body: retry with backoff. */
export class TransientError extends LinkyError {
  readonly kind = "transient";
  readonly permanent = false;
}

/**
 * An answer of the wrong shape, or one that lies (points outside the window, in the future, another
 * meter's, duplicated, negative, an HTML page, too large): retried like an outage, never stored.
 */
export class MalformedAnswerError extends TransientError {}

/** 400 syntax errors and other refusals of the request itself: a bug or a bad input, not worth retrying. */
export class BadRequestError extends LinkyError {
  readonly kind = "bad_request";
  readonly permanent = true;
}

/**
 * A community gateway banned this installation's address (Cloudflare's "you have been blocked" page):
 * every call to that gateway stops at once, for every account, until an operator clears it.
 */
export class GatewayBannedError extends LinkyError {
  readonly kind = "gateway_banned";
  readonly permanent = true;
}

/**
 * Our own call budget for a gateway is spent (its rules: Conso API bans an address at 100 calls in 12 h):
 * no call is made; come back at `retryAtMs`. Never waited for within a run.
 */
export class BudgetSpentError extends QuotaExceededError {}

export function isLinkyError(e: unknown): e is LinkyError {
  return e instanceof LinkyError;
}
