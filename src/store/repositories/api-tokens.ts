/**
 * Personal API tokens (migration 004). The repository stores and finds digests; making a token, hashing
 * it and showing it once is the web layer's (`src/web/api/tokens.ts`).
 */
import type { Selectable } from "kysely";
import { translateDbError } from "../errors.js";
import type { ApiTokenTable } from "../schema.js";
import type { Scope } from "../scope.js";

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  /** The token's first characters (never enough to use it). */
  prefix: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

export interface NewApiToken {
  userId: number;
  name: string;
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  prefix: string;
}

function toToken(r: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    prefix: r.prefix,
    createdAtMs: r.created_at_ms,
    lastUsedAtMs: r.last_used_at_ms,
  };
}

export class ApiTokensRepository {
  constructor(private readonly scope: Scope) {}

  async create(t: NewApiToken): Promise<ApiToken> {
    try {
      const row = await this.scope.db
        .insertInto("api_token")
        .values({
          user_id: t.userId,
          name: t.name,
          token_hash: t.tokenHash,
          prefix: t.prefix,
          created_at_ms: this.scope.now(),
          last_used_at_ms: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    } catch (e) {
      throw translateDbError(e, `API token "${t.name}"`);
    }
  }

  /** A user's tokens, newest first. */
  async listByUser(userId: number): Promise<ApiToken[]> {
    const rows = await this.scope.db
      .selectFrom("api_token")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id", "desc")
      .execute();
    return rows.map(toToken);
  }

  async countByUser(userId: number): Promise<number> {
    const r = await this.scope.db
      .selectFrom("api_token")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async findByHash(tokenHash: string): Promise<ApiToken | undefined> {
    const row = await this.scope.db
      .selectFrom("api_token")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return row && toToken(row);
  }

  /** Records a use (the caller throttles: one write per token per minute is plenty). */
  async touch(id: number, atMs = this.scope.now()): Promise<void> {
    await this.scope.db
      .updateTable("api_token")
      .set({ last_used_at_ms: atMs })
      .where("id", "=", id)
      .execute();
  }

  /** Revokes (deletes) a token of this user; false when the user has no such token. */
  async delete(userId: number, id: number): Promise<boolean> {
    const r = await this.scope.db
      .deleteFrom("api_token")
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
