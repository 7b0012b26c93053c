/**
 * Sessions in a signed cookie: `ld_session` holds the user id, a random session id, the login time, an
 * expiry and a fingerprint of the user's password hash, signed (HMAC) with a key derived from the secret
 * key. The cookie is httpOnly, SameSite=Lax (Lax, not Strict: the consent return from Enedis is a top-level
 * navigation from another site and must arrive with the session) and Secure over HTTPS.
 *
 * Stateless on purpose: every process of a distributed deployment reads the same cookie. A session ends at
 * logout (cookie cleared), after `idleMs` without a request, after `absoluteMs` in any case, when the user is
 * deleted, or when their password changes (the fingerprint no longer matches).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Store, User } from "../store/index.js";
import { ROLE_ADMIN } from "../store/index.js";

export const SESSION_COOKIE = "ld_session";
export const DEFAULT_IDLE_MS = 12 * 3600_000;
export const DEFAULT_ABSOLUTE_MS = 7 * 24 * 3600_000;
/** A session cookie is re-issued (sliding expiry) at most this often. */
const RENEW_AFTER_MS = 5 * 60_000;

export interface Session {
  /** Random id of this login: binds CSRF tokens and consent states to it. */
  sid: string;
  userId: number;
  loginAtMs: number;
  expiresAtMs: number;
}

interface Payload {
  u: number;
  s: string;
  l: number;
  e: number;
  p: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in user, or null. */
    user: User | null;
    session: Session | null;
  }
}

export interface SessionOptions {
  store: Store;
  now: () => number;
  /** Key that fingerprints password hashes. */
  fingerprintKey: Buffer;
  idleMs?: number;
  absoluteMs?: number;
  /** `Secure` attribute: always, or only for HTTPS requests (`auto`). */
  secure?: boolean | "auto";
}

function fingerprint(key: Buffer, user: User): string {
  return createHmac("sha256", key).update(`${user.id}:${user.passwordHash}`).digest("base64url").slice(0, 16);
}

function encode(p: Payload): string {
  return Buffer.from(JSON.stringify(p), "utf8").toString("base64url");
}

function decode(text: string): Payload | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (typeof v !== "object" || v === null) return null;
    const o = v as Record<string, unknown>;
    if (
      typeof o.u === "number" &&
      Number.isSafeInteger(o.u) &&
      typeof o.s === "string" &&
      /^[A-Za-z0-9_-]{16,64}$/.test(o.s) &&
      typeof o.l === "number" &&
      typeof o.e === "number" &&
      typeof o.p === "string"
    ) {
      return { u: o.u, s: o.s, l: o.l, e: o.e, p: o.p };
    }
    return null;
  } catch {
    return null;
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isAdmin(user: User | null): boolean {
  return user !== null && user.roles.includes(ROLE_ADMIN);
}

export class Sessions {
  private readonly idleMs: number;
  private readonly absoluteMs: number;

  constructor(private readonly opts: SessionOptions) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.absoluteMs = opts.absoluteMs ?? DEFAULT_ABSOLUTE_MS;
  }

  private cookieOptions(expiresAtMs: number) {
    return {
      path: "/",
      httpOnly: true,
      sameSite: "lax" as const,
      secure: this.opts.secure ?? ("auto" as const),
      signed: true,
      expires: new Date(expiresAtMs),
    };
  }

  /** Reads the session cookie into `request.user` / `request.session`; renews it when due. */
  register(app: FastifyInstance): void {
    app.decorateRequest("user", null);
    app.decorateRequest("session", null);
    app.addHook("onRequest", async (request, reply) => {
      const raw = request.cookies[SESSION_COOKIE];
      if (!raw) return;
      const unsigned = request.unsignCookie(raw);
      const payload = unsigned.valid && unsigned.value !== null ? decode(unsigned.value) : null;
      const now = this.opts.now();
      if (!payload || payload.e <= now || payload.l + this.absoluteMs <= now || payload.l > now + 60_000) {
        this.clear(reply);
        return;
      }
      const user = await this.opts.store.users.findById(payload.u);
      if (!user || !sameString(fingerprint(this.opts.fingerprintKey, user), payload.p)) {
        this.clear(reply);
        return;
      }
      request.user = user;
      request.session = { sid: payload.s, userId: user.id, loginAtMs: payload.l, expiresAtMs: payload.e };
      // Sliding expiry, capped by the absolute lifetime.
      const renewed = Math.min(now + this.idleMs, payload.l + this.absoluteMs);
      if (renewed - payload.e >= RENEW_AFTER_MS) {
        this.write(reply, { ...payload, e: renewed });
        request.session.expiresAtMs = renewed;
      }
    });
  }

  private write(reply: FastifyReply, p: Payload): void {
    reply.setCookie(SESSION_COOKIE, encode(p), this.cookieOptions(p.e));
  }

  /** Starts a new session (a fresh session id: no fixation) and returns it. */
  login(request: FastifyRequest, reply: FastifyReply, user: User): Session {
    const now = this.opts.now();
    const session: Session = {
      sid: randomBytes(18).toString("base64url"),
      userId: user.id,
      loginAtMs: now,
      expiresAtMs: Math.min(now + this.idleMs, now + this.absoluteMs),
    };
    this.write(reply, {
      u: user.id,
      s: session.sid,
      l: session.loginAtMs,
      e: session.expiresAtMs,
      p: fingerprint(this.opts.fingerprintKey, user),
    });
    request.user = user;
    request.session = session;
    return session;
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
  }

  logout(request: FastifyRequest, reply: FastifyReply): void {
    this.clear(reply);
    request.user = null;
    request.session = null;
  }
}
