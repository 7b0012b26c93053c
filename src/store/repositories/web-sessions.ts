/**
 * Server-side sessions of the web app (migration 007). The repository stores and finds digests; making the
 * random id, hashing it, signing the cookie and deciding what is still valid are `src/web/session.ts`'s.
 */
import type { Selectable } from "kysely";
import type { WebSessionTable } from "../schema.js";
import type { Scope } from "../scope.js";
import type { User } from "./users.js";

export interface WebSession {
  /** Hex SHA-256 of the cookie's session id. */
  id: string;
  userId: number;
  createdMs: number;
  lastSeenMs: number;
  /** Absolute end of the session. */
  expiresMs: number;
  ip: string;
  userAgent: string;
  revokedMs: number | null;
}

export interface NewWebSession {
  id: string;
  userId: number;
  createdMs: number;
  expiresMs: number;
  ip: string;
  userAgent: string;
}

/** Longest User-Agent kept (they can be kilobytes long; a list only needs the browser's name). */
export const MAX_USER_AGENT = 200;

function toSession(r: Selectable<WebSessionTable>): WebSession {
  return {
    id: r.id,
    userId: r.user_id,
    createdMs: r.created_ms,
    lastSeenMs: r.last_seen_ms,
    expiresMs: r.expires_ms,
    ip: r.ip,
    userAgent: r.user_agent,
    revokedMs: r.revoked_ms,
  };
}

export class WebSessionsRepository {
  constructor(private readonly scope: Scope) {}

  async create(s: NewWebSession): Promise<WebSession> {
    const row = await this.scope.db
      .insertInto("web_session")
      .values({
        id: s.id,
        user_id: s.userId,
        created_ms: s.createdMs,
        last_seen_ms: s.createdMs,
        expires_ms: s.expiresMs,
        ip: s.ip.slice(0, 64),
        user_agent: s.userAgent.slice(0, MAX_USER_AGENT),
        revoked_ms: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSession(row);
  }

  async findById(id: string): Promise<WebSession | undefined> {
    const row = await this.scope.db
      .selectFrom("web_session")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toSession(row);
  }

  /** The session and its user in one query (every request asks this). */
  async findWithUser(id: string): Promise<{ session: WebSession; user: User } | undefined> {
    const row = await this.scope.db
      .selectFrom("web_session as s")
      .innerJoin("app_user as u", "u.id", "s.user_id")
      .selectAll("s")
      .select(["u.username", "u.password_hash", "u.roles", "u.created_at_ms", "u.disabled_at_ms"])
      .where("s.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      session: toSession(row),
      user: {
        id: row.user_id,
        username: row.username,
        passwordHash: row.password_hash,
        roles: row.roles === "" ? [] : row.roles.split(","),
        createdAtMs: row.created_at_ms,
        disabledAtMs: row.disabled_at_ms ?? null,
      },
    };
  }

  /** The user's sessions that may still open something (not revoked, not past `expires_ms`), newest first. */
  async listActive(userId: number, nowMs: number, idleMs: number): Promise<WebSession[]> {
    const rows = await this.scope.db
      .selectFrom("web_session")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_ms", "is", null)
      .where("expires_ms", ">", nowMs)
      .where("last_seen_ms", ">", nowMs - idleMs)
      .orderBy("last_seen_ms", "desc")
      .orderBy("id")
      .execute();
    return rows.map(toSession);
  }

  /** Records a request (the caller throttles: at most one write every few minutes per session). */
  async touch(id: string, nowMs: number): Promise<void> {
    await this.scope.db
      .updateTable("web_session")
      .set({ last_seen_ms: nowMs })
      .where("id", "=", id)
      .where("revoked_ms", "is", null)
      .execute();
  }

  /** Revokes one session of this user; false when the user has no such live session. */
  async revoke(userId: number, id: string, nowMs: number): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("web_session")
      .set({ revoked_ms: nowMs })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_ms", "is", null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Revokes every live session of the user except `keepId` (none kept when omitted); returns how many. */
  async revokeAll(userId: number, nowMs: number, keepId?: string): Promise<number> {
    let q = this.scope.db
      .updateTable("web_session")
      .set({ revoked_ms: nowMs })
      .where("user_id", "=", userId)
      .where("revoked_ms", "is", null);
    if (keepId !== undefined) q = q.where("id", "<>", keepId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Deletes the rows that can no longer open anything: revoked, idle for `idleMs`, or past their end. */
  async purge(nowMs: number, idleMs: number): Promise<number> {
    const r = await this.scope.db
      .deleteFrom("web_session")
      .where((eb) =>
        eb.or([
          eb("revoked_ms", "is not", null),
          eb("expires_ms", "<=", nowMs),
          eb("last_seen_ms", "<=", nowMs - idleMs),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteByUser(userId: number): Promise<number> {
    const r = await this.scope.db.deleteFrom("web_session").where("user_id", "=", userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
