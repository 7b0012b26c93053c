/**
 * What every community gateway source shares: the persisted call budget (counted per scope in the
 * database, shared by every account and process of the installation), the blocks (a ban stops every
 * call to the gateway at once; a throttle until its time), an identifying User-Agent, timeouts and a
 * bounded body. Each gateway's own error bodies are read by its `errors.ts`.
 */
import {
  BudgetSpentError,
  GatewayBannedError,
  QuotaExceededError,
  TransientError,
} from "../domain/errors.js";
import type { LinkyError } from "../domain/errors.js";
import type { BudgetRule, GatewayId, QuotaPolicy } from "./port.js";

export const USER_AGENT = "linky-dataconnect/0.1.0 (+https://github.com/linky-dataconnect/linky-dataconnect)";

/** What a gateway source needs from storage (the store's `GatewaysRepository` has it). */
export interface GatewayLedger {
  recordCall(gateway: string, scopes: string[], atMs: number, cached?: boolean): Promise<void>;
  countCalls(gateway: string, scope: string, sinceMs: number, cached?: boolean): Promise<number>;
  callTimes(gateway: string, scope: string, sinceMs: number, cached?: boolean): Promise<number[]>;
  blockOf(
    gateway: string,
  ): Promise<
    { kind: "banned" | "throttled"; message: string; sinceMs: number; untilMs: number | null } | undefined
  >;
  block(b: {
    gateway: string;
    kind: "banned" | "throttled";
    message: string;
    sinceMs: number;
    untilMs: number | null;
  }): Promise<void>;
  markRefused(accountId: number, message: string): Promise<void>;
}

export interface GatewayHttpOptions {
  gateway: GatewayId;
  baseUrl: string;
  accountId: number;
  policy: QuotaPolicy;
  ledger: GatewayLedger;
  /** How many accounts share this gateway: the backfill share of each. */
  accountsOnGateway: number;
  now: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Told of every call (gateway, path pattern, status; never a token). */
  onCall?: (e: { gateway: string; endpoint: string; status: number }) => void;
}

export interface GatewayAnswer {
  status: number;
  contentType: string;
  /** Parsed JSON, or the text when it is not JSON. */
  body: unknown;
  headers: Headers;
}

const MAX_BODY = 8 * 1024 * 1024;

/** Cloudflare's ban page: a 403 in HTML, "Sorry, you have been blocked". */
export function isBanPage(a: GatewayAnswer): boolean {
  return (
    a.status === 403 &&
    (a.contentType.includes("html") || (typeof a.body === "string" && /<html/i.test(a.body))) &&
    typeof a.body === "string" &&
    /been blocked|attention required|cloudflare/i.test(a.body)
  );
}

export class GatewayHttp {
  constructor(readonly opts: GatewayHttpOptions) {}

  scopeKey(rule: BudgetRule): string {
    return rule.per === "address" ? "address" : `account:${this.opts.accountId}`;
  }

  private windowStart(rule: BudgetRule, now: number): number {
    if (rule.windowMs > 0) return now - rule.windowMs;
    // A calendar day (UTC): MyElectricalData v2 resets at midnight UTC.
    return Math.floor(now / 86_400_000) * 86_400_000;
  }

  /** Calls the rule still allows now, and when the next one frees up. */
  async remaining(rule: BudgetRule): Promise<{ left: number; freeAtMs: number }> {
    const now = this.opts.now();
    const since = this.windowStart(rule, now);
    // A rule of cached calls (MED v2) counts only those; the others count the uncached ones.
    const times = await this.opts.ledger.callTimes(
      this.opts.gateway,
      this.scopeKey(rule),
      since,
      this.opts.policy.rules.some((r) => r.cached) ? rule.cached === true : undefined,
    );
    const left = Math.max(0, rule.limit - times.length);
    const freeAtMs =
      rule.windowMs > 0
        ? (times[times.length - rule.limit] ?? now) + rule.windowMs
        : Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000;
    return { left, freeAtMs };
  }

  /**
   * Calls this account may make now: the whole remainder for a fresh run; for a backfill, its share of
   * what the budget leaves beside the reserve kept for every account's daily fresh sync.
   */
  async allowance(purpose: "fresh" | "backfill"): Promise<number> {
    let out = Number.POSITIVE_INFINITY;
    for (const rule of this.opts.policy.rules) {
      if (rule.cached) continue;
      const { left } = await this.remaining(rule);
      const reserve = rule.per === "address" ? this.opts.policy.reserve : 1;
      const share =
        rule.per === "address"
          ? Math.floor((rule.limit - reserve) / Math.max(1, this.opts.accountsOnGateway))
          : rule.limit - reserve;
      out = Math.min(out, purpose === "fresh" ? left : Math.min(share, Math.max(0, left - reserve)));
    }
    return out;
  }

  /**
   * Refuses the call when the gateway is blocked or the budget spent; else counts it. `cached`: the call
   * is answered from the gateway's cache and counts under the rules of cached calls only (MED v2).
   */
  private async admit(cached: boolean): Promise<void> {
    const { gateway, ledger, now } = this.opts;
    const block = await ledger.blockOf(gateway);
    if (block?.kind === "banned") {
      throw new GatewayBannedError(
        `${gateway} banned this installation's address on ${new Date(block.sinceMs).toISOString()}: no call is made until an operator clears it (status --clear-gateway-ban ${gateway})`,
        { api: gateway },
      );
    }
    if (block?.kind === "throttled" && block.untilMs !== null && block.untilMs > now()) {
      throw new QuotaExceededError(`${gateway}: ${block.message}`, {
        api: gateway,
        retryAtMs: block.untilMs,
      });
    }
    for (const rule of this.opts.policy.rules) {
      if ((rule.cached === true) !== cached) continue;
      const { left, freeAtMs } = await this.remaining(rule);
      if (left <= 0) {
        throw new BudgetSpentError(
          `${gateway} budget spent (${rule.label}): no call until ${new Date(freeAtMs).toISOString()}`,
          { api: gateway, retryAtMs: freeAtMs },
        );
      }
    }
    // Counted before it is sent: the gateway counts every request, answered or not.
    const scopes = [...new Set(this.opts.policy.rules.map((r) => this.scopeKey(r)))];
    await ledger.recordCall(gateway, scopes, now(), cached);
  }

  /** The gateway banned us: recorded for every account and process, at once. */
  async banned(message: string): Promise<GatewayBannedError> {
    const { gateway, ledger, now } = this.opts;
    await ledger.block({ gateway, kind: "banned", message, sinceMs: now(), untilMs: null });
    return new GatewayBannedError(
      `${gateway} banned this installation's address (${message}): every call to it stops; an operator must clear it`,
      { api: gateway, status: 403 },
    );
  }

  async throttled(message: string, untilMs: number): Promise<QuotaExceededError> {
    const { gateway, ledger, now } = this.opts;
    await ledger.block({ gateway, kind: "throttled", message, sinceMs: now(), untilMs });
    return new QuotaExceededError(`${gateway}: ${message} until ${new Date(untilMs).toISOString()}`, {
      api: gateway,
      status: 429,
      retryAtMs: untilMs,
    });
  }

  /** The token was refused (401): the account is marked, the household told. */
  async refused(message: string): Promise<void> {
    await this.opts.ledger.markRefused(this.opts.accountId, message);
  }

  /**
   * One GET. `endpoint` is the path pattern (for logs and metrics: never a PRM or a token). A ban page
   * is turned into GatewayBannedError here; other answers go back to the source.
   */
  async get(
    path: string,
    endpoint: string,
    headers: Record<string, string>,
    classify: (a: GatewayAnswer) => Promise<LinkyError | null>,
    opts: { cached?: boolean } = {},
  ): Promise<unknown> {
    await this.admit(opts.cached === true);
    const url = new URL(
      path.replace(/^\//, ""),
      this.opts.baseUrl.endsWith("/") ? this.opts.baseUrl : `${this.opts.baseUrl}/`,
    );
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: "GET",
        headers: { "user-agent": USER_AGENT, accept: "application/json", ...headers },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
        redirect: "error",
      });
    } catch (e) {
      throw new TransientError(
        `${this.opts.gateway} did not answer (${endpoint}): ${e instanceof Error ? e.name : String(e)}`,
        {
          api: this.opts.gateway,
          cause: e,
        },
      );
    }
    const text = await readBounded(res, this.opts.gateway);
    const contentType = res.headers.get("content-type") ?? "";
    let body: unknown = text;
    if (contentType.includes("json") || /^\s*[[{]/.test(text)) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    const answer: GatewayAnswer = { status: res.status, contentType, body, headers: res.headers };
    this.opts.onCall?.({ gateway: this.opts.gateway, endpoint, status: res.status });
    if (isBanPage(answer)) throw await this.banned(`HTTP 403 "Sorry, you have been blocked"`);
    const err = await classify(answer);
    if (err) throw err;
    return body;
  }
}

async function readBounded(res: Response, gateway: string): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > MAX_BODY) {
      await reader.cancel();
      throw new TransientError(`${gateway} answered more than ${MAX_BODY} bytes`, { api: gateway });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
