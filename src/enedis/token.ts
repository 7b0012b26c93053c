/**
 * The application token (OAuth2 `client_credentials`, token v3). One token serves every account; it is
 * cached until shortly before `expires_in` and fetched again once when Enedis answers 401.
 * Concurrent callers share one in-flight request. A `TokenStore` lets several processes share the
 * token (the database keeps it encrypted); by default it lives in memory. The provider keeps the token
 * it last loaded or fetched and reads the store again only when that one expires or is refused (a 401:
 * another process may hold a newer one), not at every call.
 */
import { TransientError } from "../domain/errors.js";
import { classifyHttpError, transportError } from "./errors.js";
import { isRecord, str } from "./values.js";

export interface CachedToken {
  accessToken: string;
  expiresAtMs: number;
}

export interface TokenStore {
  load(): Promise<CachedToken | null>;
  save(token: CachedToken): Promise<void>;
  clear(): Promise<void>;
}

export class MemoryTokenStore implements TokenStore {
  private token: CachedToken | null = null;
  async load(): Promise<CachedToken | null> {
    return this.token;
  }
  async save(token: CachedToken): Promise<void> {
    this.token = token;
  }
  async clear(): Promise<void> {
    this.token = null;
  }
}

export interface TokenProviderOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** `basic` (Authorization header, what Enedis' guide shows) or `form` (client_id/client_secret fields). */
  credentials?: "basic" | "form";
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
  store?: TokenStore;
  /** Renew this long before expiry (default: 5 minutes, or 10% of a short lifetime). */
  marginMs?: number;
  /** Called once per token fetched (counts, tests); never given the token itself. */
  onFetch?: () => void;
}

export class TokenProvider {
  private inflight: Promise<string> | null = null;
  /** The token last loaded from the store or fetched, while it is fresh. */
  private held: CachedToken | null = null;
  private readonly store: TokenStore;
  private readonly now: () => number;

  constructor(private readonly opts: TokenProviderOptions) {
    this.store = opts.store ?? new MemoryTokenStore();
    this.now = opts.now ?? Date.now;
  }

  /** A valid token, from the cache when it is fresh enough. */
  async get(): Promise<string> {
    if (this.held && this.held.expiresAtMs > this.now()) return this.held.accessToken;
    this.held = null;
    const cached = await this.store.load();
    if (cached && cached.expiresAtMs > this.now()) {
      this.held = cached;
      return cached.accessToken;
    }
    return this.refresh();
  }

  /** Drops `token` (after a 401) unless another caller already replaced it. */
  async invalidate(token: string): Promise<void> {
    if (this.held?.accessToken === token) this.held = null;
    const cached = await this.store.load();
    if (cached?.accessToken === token) await this.store.clear();
  }

  private refresh(): Promise<string> {
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const { clientId, clientSecret } = this.opts;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/json",
    };
    if ((this.opts.credentials ?? "basic") === "basic") {
      headers.Authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    } else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
    const doFetch = this.opts.fetch ?? fetch;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(this.opts.tokenUrl, {
        method: "POST",
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
      text = await res.text();
    } catch (e) {
      throw transportError("token request failed", e, "oauth2");
    }
    if (!res.ok) {
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // keep the text
      }
      throw classifyHttpError({
        status: res.status,
        body,
        headers: res.headers,
        api: "oauth2",
        nowMs: this.now(),
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new TransientError("token answer is not JSON", { api: "oauth2", status: res.status });
    }
    const accessToken = isRecord(json) ? str(json.access_token) : null;
    if (!accessToken) throw new TransientError("token answer has no access_token", { api: "oauth2" });
    const expiresIn = Number(isRecord(json) ? (json.expires_in ?? 3600) : 3600);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000;
    const margin = this.opts.marginMs ?? Math.min(5 * 60_000, lifetimeMs / 10);
    const token = { accessToken, expiresAtMs: this.now() + lifetimeMs - margin };
    await this.store.save(token);
    this.held = token;
    this.opts.onFetch?.();
    return accessToken;
  }
}
