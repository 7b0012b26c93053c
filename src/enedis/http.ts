/**
 * HTTP to Enedis: quota first, then the application token, a timeout on every call, one new token on a
 * 401, bodies parsed as JSON whatever their Content-Type (the gateway labels JSON
 * `application/octet-stream`), and every error classified by src/enedis/errors.ts. Nothing here logs a
 * token or a secret: the `onCall` hook gets the API, path, status and duration only.
 */
import {
  MalformedAnswerError,
  QuotaExceededError,
  TokenRefusedError,
  TransientError,
  type ErrorDetails,
  type LinkyError,
} from "../domain/errors.js";
import { classifyHttpError, transportError } from "./errors.js";
import { decideQuotaPause, type QuotaPause, type QuotaUse } from "./quota-refusal.js";
import { parseJsonBody } from "./parse.js";
import type { QuotaLimiter } from "./quota.js";
import type { TokenProvider } from "./token.js";

export interface CallEvent {
  api: string;
  method: "GET" | "POST";
  path: string;
  status: number | null;
  durationMs: number;
  error?: LinkyError;
}

export interface EnedisHttpOptions {
  baseUrl: string;
  tokens: TokenProvider;
  limiter: QuotaLimiter;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * The shared ledger's view of an API's quota (calls in the last second and hour, the hour's oldest),
   * read when a 429 names no quota: a full hour means the hourly one. Without it, the per-second one.
   */
  quotaUse?: (api: string) => Promise<(QuotaUse & { perHour: number }) | null>;
  /**
   * A 429 that names no quota while the ledger's hour is not full, several times in a row on one API:
   * the pause doubles from about a second up to this (default 60 s), so that a refusal we cannot explain
   * is not asked again every second. A success resets it.
   */
  maxUnexplainedQuotaPauseMs?: number;
  random?: () => number;
  onCall?: (e: CallEvent) => void;
  userAgent?: string;
  /** Bodies longer than this are refused unread (default 8 MiB; the largest real answer is ~100 kB). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The body as text, read up to `max` bytes: a larger one (announced or streamed) is refused with a
 * transient error, so that a broken proxy or a lying server can cost neither memory nor a parse.
 */
async function readCapped(res: Response, max: number, api: string): Promise<string> {
  const tooLarge = () =>
    new MalformedAnswerError(
      `answer larger than ${Math.round(max / 1024)} KiB refused (a proxy or an outage?): nothing stored`,
      { api, status: res.status },
    );
  const announced = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(announced) && announced > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

export interface RequestSpec {
  api: string;
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  json?: unknown;
}

export class EnedisHttp {
  private readonly now: () => number;
  /** 429s without a retry time in a row, per API. */
  private readonly quotaStrikes = new Map<string, number>();

  constructor(private readonly opts: EnedisHttpOptions) {
    this.now = opts.now ?? Date.now;
  }

  url(path: string, query?: Record<string, string>): string {
    const base = this.opts.baseUrl.endsWith("/") ? this.opts.baseUrl : `${this.opts.baseUrl}/`;
    const u = new URL(path.replace(/^\//, ""), base);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    return u.toString();
  }

  /** Sends one request; returns the parsed JSON body of a 2xx answer or throws a typed error. */
  async request(spec: RequestSpec): Promise<unknown> {
    try {
      return await this.attempt(spec);
    } catch (e) {
      if (e instanceof TokenRefusedError) return this.attempt(spec); // one new token, once
      throw e;
    }
  }

  /** How long nobody calls `api` after this refusal (quota-refusal.ts), and why. */
  private async quotaPause(api: string, err: QuotaExceededError): Promise<QuotaPause> {
    const now = this.now();
    const use = await (this.opts.quotaUse?.(api) ?? Promise.resolve(null)).catch(() => null);
    const pause = decideQuotaPause({
      refusal: { window: err.window, retryAtMs: err.retryAtMs ?? null },
      use,
      perHour: use?.perHour ?? Number.POSITIVE_INFINITY,
      nowMs: now,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
    const strikes = this.quotaStrikes.get(api) ?? 0;
    this.quotaStrikes.set(api, strikes + 1);
    if (err.window === null && pause.window === "second" && strikes > 0) {
      // Unexplained (no quota named, the hour not full) and again: back off, up to a minute.
      const max = this.opts.maxUnexplainedQuotaPauseMs ?? 60_000;
      const grown = now + Math.min(max, (pause.untilMs - now) * 2 ** Math.min(strikes, 16));
      return { ...pause, untilMs: grown, reason: `${pause.reason}, refused ${strikes + 1} times in a row` };
    }
    return pause;
  }

  private async attempt(spec: RequestSpec): Promise<unknown> {
    // The token before the quota slot: fetching a new one (every few hours) after the slot would send
    // this call late, and a late call followed by punctual ones puts more calls in a second than the quota.
    let token = await this.opts.tokens.get();
    const asked = this.now();
    await this.opts.limiter.acquire(spec.api);
    // A long wait for the quota (the hourly one) may have outlived the token.
    if (this.now() - asked > 60_000) token = await this.opts.tokens.get();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      "User-Agent": this.opts.userAgent ?? "linky-dataconnect",
    };
    if (spec.json !== undefined) headers["Content-Type"] = "application/json";
    const started = this.now();
    const doFetch = this.opts.fetch ?? fetch;
    const event = (status: number | null, error?: LinkyError) => {
      const e: CallEvent = {
        api: spec.api,
        method: spec.method,
        path: spec.path,
        status,
        durationMs: this.now() - started,
      };
      if (error) e.error = error;
      this.opts.onCall?.(e);
    };
    let res: Response;
    let text: string;
    try {
      const init: RequestInit = {
        method: spec.method,
        headers,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      };
      if (spec.json !== undefined) init.body = JSON.stringify(spec.json);
      res = await doFetch(this.url(spec.path, spec.query), init);
      text = await readCapped(res, this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, spec.api);
    } catch (e) {
      if (e instanceof TransientError) {
        event(null, e);
        throw e;
      }
      const err = transportError(`${spec.method} ${spec.path} failed`, e, spec.api);
      event(null, err);
      throw err;
    }
    if (res.ok) {
      this.quotaStrikes.delete(spec.api);
      try {
        const body = parseJsonBody(text, { api: spec.api, contentType: res.headers.get("content-type") });
        event(res.status);
        return body;
      } catch (e) {
        event(res.status, e as LinkyError);
        throw e;
      }
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // not JSON: classify by status and text
    }
    let err = classifyHttpError({
      status: res.status,
      body,
      headers: res.headers,
      api: spec.api,
      nowMs: this.now(),
    });
    if (err instanceof QuotaExceededError) {
      // Our pause, from what the refusal names and the shared ledger (never a whole night for one
      // per-second refusal): on the error, so that the caller waits as the limiter does.
      const pause = await this.quotaPause(spec.api, err);
      const details: ErrorDetails & { window: QuotaExceededError["window"] } = {
        retryAtMs: pause.untilMs,
        api: spec.api,
        window: pause.window,
      };
      if (err.status !== undefined) details.status = err.status;
      if (err.code !== undefined) details.code = err.code;
      err = new QuotaExceededError(`${err.message}; paused for ${pause.reason}`, details);
      event(res.status, err);
      this.opts.limiter.pause(spec.api, pause.untilMs, pause.reason);
      throw err;
    }
    event(res.status, err);
    if (err instanceof TokenRefusedError) await this.opts.tokens.invalidate(token);
    throw err;
  }
}
