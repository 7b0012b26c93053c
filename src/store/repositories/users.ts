/** Local users (the seed's `User` with its roles). Passwords arrive hashed: hashing is the caller's. */
import type { Selectable } from "kysely";
import { translateDbError } from "../errors.js";
import type { AppUserTable } from "../schema.js";
import type { Scope } from "../scope.js";

export const ROLE_USER = "ROLE_USER";
export const ROLE_ADMIN = "ROLE_ADMIN";

const ROLE_RE = /^ROLE_[A-Z0-9_]+$/;

export interface User {
  id: number;
  username: string;
  passwordHash: string;
  /** e.g. `["ROLE_USER", "ROLE_ADMIN"]`. */
  roles: string[];
  createdAtMs: number;
  /** When an administrator disabled the user; null while active (migration 007). */
  disabledAtMs: number | null;
}

export interface NewUser {
  username: string;
  passwordHash: string;
  /** Default `["ROLE_USER"]`. */
  roles?: string[];
}

function encodeRoles(roles: readonly string[]): string {
  for (const r of roles) {
    if (!ROLE_RE.test(r)) throw new RangeError(`a role looks like ROLE_NAME, got "${r}"`);
  }
  return [...new Set(roles)].join(",");
}

function toUser(row: Selectable<AppUserTable>): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    roles: row.roles === "" ? [] : row.roles.split(","),
    createdAtMs: row.created_at_ms,
    disabledAtMs: row.disabled_at_ms ?? null,
  };
}

export class UsersRepository {
  constructor(private readonly scope: Scope) {}

  async create(user: NewUser): Promise<User> {
    if (user.username.trim() === "") throw new RangeError("a username cannot be empty");
    try {
      const row = await this.scope.db
        .insertInto("app_user")
        .values({
          username: user.username,
          password_hash: user.passwordHash,
          roles: encodeRoles(user.roles ?? [ROLE_USER]),
          created_at_ms: this.scope.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (e) {
      throw translateDbError(e, `user "${user.username}"`);
    }
  }

  async findById(id: number): Promise<User | undefined> {
    const row = await this.scope.db
      .selectFrom("app_user")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.scope.db
      .selectFrom("app_user")
      .selectAll()
      .where("username", "=", username)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.scope.db.selectFrom("app_user").selectAll().orderBy("id").execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const { n } = await this.scope.db
      .selectFrom("app_user")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /** True when the user exists. */
  async setPasswordHash(id: number, passwordHash: string): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("app_user")
      .set({ password_hash: passwordHash })
      .where("id", "=", id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** True when the user exists. */
  async setRoles(id: number, roles: readonly string[]): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("app_user")
      .set({ roles: encodeRoles(roles) })
      .where("id", "=", id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Disables (`atMs`) or re-enables (null) a user. True when the user exists. */
  async setDisabled(id: number, atMs: number | null): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("app_user")
      .set({ disabled_at_ms: atMs })
      .where("id", "=", id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Ids of the administrators who are not disabled. */
  async activeAdminIds(): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("app_user")
      .select(["id", "roles"])
      .where("disabled_at_ms", "is", null)
      .execute();
    return rows.filter((r) => r.roles.split(",").includes(ROLE_ADMIN)).map((r) => r.id);
  }

  /**
   * Deletes the user row; the database cascades to whatever still references it. To erase a user with
   * everything they own, use `eraseUser` (`store/erasure.ts`), which deletes each table explicitly in one
   * transaction. True when the user existed.
   */
  async delete(id: number): Promise<boolean> {
    const r = await this.scope.db.deleteFrom("app_user").where("id", "=", id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
