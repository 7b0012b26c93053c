/** HS256 JWTs with Node's crypto: Conso API's household tokens (`sub` = the PRMs it covers, `exp`). */
import { createHmac, timingSafeEqual } from "node:crypto";

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export interface JwtClaims {
  sub?: unknown;
  exp?: unknown;
  iat?: unknown;
  [k: string]: unknown;
}

export function signJwt(claims: JwtClaims, secret: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** The claims, without checking the signature (a client cannot: the gateway holds the key); null if malformed. */
export function decodeJwt(token: string): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as JwtClaims)
      : null;
  } catch {
    return null;
  }
}

/** The claims when the signature is right (the gateway's side); null otherwise. */
export function verifyJwt(token: string, secret: string): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const want = createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2] as string, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  return decodeJwt(token);
}

/** The PRMs a Conso API token covers (its `sub`), and its expiry (epoch ms) when it says. */
export function consoTokenScope(token: string): { prms: string[]; expiresAtMs: number | null } | null {
  const c = decodeJwt(token);
  if (!c) return null;
  const sub = Array.isArray(c.sub) ? c.sub : typeof c.sub === "string" ? [c.sub] : [];
  const prms = sub.filter((p): p is string => typeof p === "string" && /^\d{14}$/.test(p));
  return { prms, expiresAtMs: typeof c.exp === "number" ? c.exp * 1000 : null };
}
