/**
 * Personal API tokens: `ldc_` + 43 base64url characters (256 random bits), made here, shown once to their
 * owner, kept as a SHA-256 digest (`api_token.token_hash`). A script sends one as
 * `Authorization: Bearer ldc_…`; the API then acts as the token's user, exactly as with their session.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Store, User } from "../../store/index.js";

export const TOKEN_PREFIX = "ldc_";
const TOKEN_RE = /^ldc_[A-Za-z0-9_-]{43}$/;
/** A token's last use is written at most this often (reads must not turn into writes). */
const TOUCH_EVERY_MS = 60_000;
export const MAX_TOKENS_PER_USER = 20;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function newToken(): { token: string; hash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token), prefix: token.slice(0, 10) };
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set when the request was authenticated by an API token (its id). */
    apiTokenId: number | null;
  }
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API's guard: a valid Bearer token, else the browser's session; JSON 401 otherwise. */
export function makeApiGuard(store: Store, now: () => number) {
  return async function apiGuard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const token = m?.[1];
      const found =
        token && TOKEN_RE.test(token) ? await store.apiTokens.findByHash(hashToken(token)) : undefined;
      const user = found ? await store.users.findById(found.userId) : undefined;
      // A disabled user's tokens stop working at once (and work again if they are re-enabled).
      if (!found || !user || user.disabledAtMs !== null) {
        void reply.header("www-authenticate", 'Bearer realm="linky-dataconnect", error="invalid_token"');
        throw new ApiError(401, "unauthorized", "invalid or revoked API token");
      }
      request.user = user satisfies User;
      request.apiTokenId = found.id;
      const t = now();
      if (found.lastUsedAtMs === null || t - found.lastUsedAtMs >= TOUCH_EVERY_MS) {
        await store.apiTokens.touch(found.id, t);
      }
      return;
    }
    if (!request.user) {
      void reply.header("www-authenticate", 'Bearer realm="linky-dataconnect"');
      throw new ApiError(
        401,
        "unauthorized",
        "sign in, or send a personal API token: Authorization: Bearer ldc_… (create one on your account page, /user)",
      );
    }
  };
}
