/**
 * Sessions: a server-side record per sign-in (`web_session`, migration 007) and a signed cookie that names
 * it. `ld_session` holds the user id and a random session id (24 bytes), signed (HMAC) with a key derived
 * from the secret key; the record's key is the SHA-256 of that id, so a database read gives no usable
 * cookie. The cookie is httpOnly, SameSite=Lax (Lax, not Strict: the consent return from Enedis is a
 * top-level navigation from another site and must arrive with the session) and Secure over HTTPS.
 *
 * Every request reads the record (with its user, one query). A session opens nothing once it is revoked
 * (logout, "sign out everywhere", ending it from `/user`, a password change for the other sessions, the
 * user disabled or deleted), after `idleMs` without a request, or `absoluteMs` after sign-in. `last_seen_ms`
 * is written at most every `TOUCH_EVERY_MS`, so the idle timeout is exact to within that. Every process of
 * a distributed deployment reads the same table. Dead rows are purged at most once an hour, at a sign-in.
 */
import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Store, User } from "../store/index.js";
import { ROLE_ADMIN } from "../store/index.js";

export const SESSION_COOKIE = "ld_session";
export const DEFAULT_IDLE_MS = 12 * 3600_000;
export const DEFAULT_ABSOLUTE_MS = 7 * 24 * 3600_000;
/** `last_seen_ms` (and the cookie's sliding expiry) is written at most this often. */
export const TOUCH_EVERY_MS = 5 * 60_000;
const PURGE_EVERY_MS = 3600_000;

export interface Session {
  /** Random id of this login (the cookie's): binds CSRF tokens and consent states to it. */
  sid: string;
  /** The record's key: SHA-256 of `sid`, hex. Safe to show (it opens nothing). */
  id: string;
  userId: number;
  loginAtMs: number;
  /** When the session ends if nothing happens (idle or absolute end, whichever is first). */
  expiresAtMs: number;
}

interface Payload {
  u: number;
  s: string;
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
  idleMs?: number;
  absoluteMs?: number;
  /** `Secure` attribute: always, or only for HTTPS requests (`auto`). */
  secure?: boolean | "auto";
}

export function sessionDigest(sid: string): string {
  return createHash("sha256").update(sid, "utf8").digest("hex");
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
      /^[A-Za-z0-9_-]{16,64}$/.test(o.s)
    ) {
      return { u: o.u, s: o.s };
    }
    return null;
  } catch {
    return null;
  }
}

export function isAdmin(user: User | null): boolean {
  return user !== null && user.roles.includes(ROLE_ADMIN);
}

export class Sessions {
  readonly idleMs: number;
  readonly absoluteMs: number;
  private lastPurgeMs = Number.NEGATIVE_INFINITY;

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

  /** Reads the session cookie and its record into `request.user` / `request.session`. */
  register(app: FastifyInstance): void {
    app.decorateRequest("user", null);
    app.decorateRequest("session", null);
    app.addHook("onRequest", async (request, reply) => {
      const raw = request.cookies[SESSION_COOKIE];
      if (!raw) return;
      const unsigned = request.unsignCookie(raw);
      const payload = unsigned.valid && unsigned.value !== null ? decode(unsigned.value) : null;
      const found = payload
        ? await this.opts.store.webSessions.findWithUser(sessionDigest(payload.s))
        : undefined;
      const now = this.opts.now();
      if (
        !payload ||
        !found ||
        found.user.id !== payload.u ||
        found.session.revokedMs !== null ||
        found.user.disabledAtMs !== null ||
        found.session.expiresMs <= now ||
        found.session.lastSeenMs + this.idleMs <= now ||
        found.session.createdMs > now + 60_000
      ) {
        this.clear(reply);
        return;
      }
      const { session, user } = found;
      let lastSeen = session.lastSeenMs;
      if (now - lastSeen >= TOUCH_EVERY_MS) {
        await this.opts.store.webSessions.touch(session.id, now);
        lastSeen = now;
        this.write(reply, payload, Math.min(now + this.idleMs, session.expiresMs));
      }
      request.user = user;
      request.session = {
        sid: payload.s,
        id: session.id,
        userId: user.id,
        loginAtMs: session.createdMs,
        expiresAtMs: Math.min(lastSeen + this.idleMs, session.expiresMs),
      };
    });
  }

  private write(reply: FastifyReply, p: Payload, expiresAtMs: number): void {
    reply.setCookie(SESSION_COOKIE, encode(p), this.cookieOptions(expiresAtMs));
  }

  /** Starts a new session (a fresh random id: no fixation), records it and returns it. */
  async login(request: FastifyRequest, reply: FastifyReply, user: User): Promise<Session> {
    if (user.disabledAtMs !== null) throw new Error(`user ${user.id} is disabled: no session`);
    const now = this.opts.now();
    await this.purgeNow(now);
    const sid = randomBytes(24).toString("base64url");
    const record = await this.opts.store.webSessions.create({
      id: sessionDigest(sid),
      userId: user.id,
      createdMs: now,
      expiresMs: now + this.absoluteMs,
      ip: request.ip,
      userAgent: request.headers["user-agent"] ?? "",
    });
    const session: Session = {
      sid,
      id: record.id,
      userId: user.id,
      loginAtMs: now,
      expiresAtMs: Math.min(now + this.idleMs, record.expiresMs),
    };
    this.write(reply, { u: user.id, s: sid }, session.expiresAtMs);
    request.user = user;
    request.session = session;
    return session;
  }

  /** Deletes dead session rows, at most once an hour per process. */
  private async purgeNow(now: number): Promise<void> {
    if (now - this.lastPurgeMs < PURGE_EVERY_MS) return;
    this.lastPurgeMs = now;
    await this.opts.store.webSessions.purge(now, this.idleMs);
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
  }

  /** Ends this browser's session: the record is revoked, so a copy of the cookie opens nothing either. */
  async logout(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.session) {
      await this.opts.store.webSessions.revoke(request.session.userId, request.session.id, this.opts.now());
    }
    this.clear(reply);
    request.user = null;
    request.session = null;
  }
}
