/**
 * Token v3 (`POST /oauth2/v3/token`, client_credentials): one application token, valid
 * `tokenTtlSeconds` on the injected clock. Tokens are JWT-shaped opaque strings, like Enedis' gateway.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiResult } from "./result.js";

export interface TokenRequest {
  authorization: string | undefined;
  /** Form fields (and, leniently, query fields, as some clients send). */
  fields: Readonly<Record<string, string | undefined>>;
}

function b64url(s: string): string {
  return Buffer.from(s).toString("base64url");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function oauthError(status: number, error: string, description: string): ApiResult {
  return { status, body: { error, error_description: description } };
}

export class TokenStore {
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly ttlSeconds: number,
  ) {}

  issue(req: TokenRequest, nowMs: number): ApiResult {
    let id = req.fields.client_id;
    let secret = req.fields.client_secret;
    const auth = req.authorization ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(auth);
    if (basic) {
      const decoded = Buffer.from(basic[1] as string, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return oauthError(401, "invalid_client", "Malformed Basic authorization header");
      id = safeDecode(decoded.slice(0, colon));
      secret = safeDecode(decoded.slice(colon + 1));
    }
    const grant = req.fields.grant_type;
    if (grant === undefined || grant === "") {
      return oauthError(400, "invalid_request", "Missing parameter: grant_type");
    }
    if (id === undefined || secret === undefined) {
      return oauthError(401, "invalid_client", "Client authentication failed: no client credentials");
    }
    if (!sameSecret(id, this.clientId) || !sameSecret(secret, this.clientSecret)) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    if (grant !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", `Unsupported grant_type value: ${grant}`);
    }
    this.prune(nowMs);
    const iat = Math.floor(nowMs / 1000);
    const token = [
      b64url(JSON.stringify({ alg: "RS256", typ: "JWT" })),
      b64url(
        JSON.stringify({ sub: this.clientId, iss: "dataconnect-simulator", iat, exp: iat + this.ttlSeconds }),
      ),
      randomBytes(24).toString("base64url"),
    ].join(".");
    this.tokens.set(token, nowMs + this.ttlSeconds * 1000);
    return {
      status: 200,
      body: { access_token: token, token_type: "Bearer", expires_in: String(this.ttlSeconds), scope: "" },
      headers: { "cache-control": "no-store", pragma: "no-cache" },
    };
  }

  /** True when the `Authorization: Bearer …` header carries a live token. */
  check(authorization: string | undefined, nowMs: number): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!m) return false;
    const exp = this.tokens.get(m[1] as string);
    return exp !== undefined && nowMs < exp;
  }

  private prune(nowMs: number): void {
    if (this.tokens.size < 1000) return;
    for (const [t, exp] of this.tokens) if (exp <= nowMs) this.tokens.delete(t);
  }
}

/** The gateway's answer to a missing, unknown or expired token (WSO2 format). */
export function invalidCredentials(): ApiResult {
  return {
    status: 401,
    body: {
      fault: {
        code: 900901,
        message: "Invalid Credentials",
        description: "Invalid Credentials. Make sure you have provided the correct security credentials",
      },
    },
  };
}
