/**
 * Encrypted application secrets (`app_secret`): the shared application token and its expiry, so that
 * every worker uses one token; any other secret the application must keep. Values are encrypted with the
 * store's `SecretBox`, bound to their name; plaintexts never reach SQL, logs or error messages.
 */
import type { CachedToken, TokenStore } from "../../enedis/token.js";
import type { Scope } from "../scope.js";

/** Where the Data Connect application token is kept. */
export const APP_TOKEN_SECRET = "enedis.app_token";

export interface SecretEntry {
  value: string;
  /** 1 on creation, +1 per write: pass it to `compareAndSet`. */
  version: number;
  updatedAtMs: number;
}

export class SecretsRepository {
  constructor(private readonly scope: Scope) {}

  async getEntry(name: string): Promise<SecretEntry | undefined> {
    const row = await this.scope.db
      .selectFrom("app_secret")
      .select(["ciphertext", "version", "updated_at_ms"])
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      value: this.scope.box.decrypt(row.ciphertext, name),
      version: row.version,
      updatedAtMs: row.updated_at_ms,
    };
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.getEntry(name))?.value;
  }

  /** Creates or replaces; returns the new version. */
  async put(name: string, value: string): Promise<number> {
    const row = await this.scope.db
      .insertInto("app_secret")
      .values({
        name,
        ciphertext: this.scope.box.encrypt(value, name),
        version: 1,
        updated_at_ms: this.scope.now(),
      })
      .onConflict((oc) =>
        oc.column("name").doUpdateSet((eb) => ({
          ciphertext: eb.ref("excluded.ciphertext"),
          version: eb("app_secret.version", "+", 1),
          updated_at_ms: eb.ref("excluded.updated_at_ms"),
        })),
      )
      .returning("version")
      .executeTakeFirstOrThrow();
    return row.version;
  }

  /**
   * Writes only if the secret is still at `expectedVersion` (null: only if it does not exist yet). True
   * when written. Lets workers that renewed a token at the same time keep exactly one.
   */
  async compareAndSet(name: string, value: string, expectedVersion: number | null): Promise<boolean> {
    const ciphertext = this.scope.box.encrypt(value, name);
    const now = this.scope.now();
    if (expectedVersion === null) {
      const r = await this.scope.db
        .insertInto("app_secret")
        .values({ name, ciphertext, version: 1, updated_at_ms: now })
        .onConflict((oc) => oc.column("name").doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    }
    const r = await this.scope.db
      .updateTable("app_secret")
      .set((eb) => ({ ciphertext, version: eb("version", "+", 1), updated_at_ms: now }))
      .where("name", "=", name)
      .where("version", "=", expectedVersion)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** True when it existed. */
  async delete(name: string): Promise<boolean> {
    const r = await this.scope.db.deleteFrom("app_secret").where("name", "=", name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Names only, sorted. */
  async names(): Promise<string[]> {
    return (await this.scope.db.selectFrom("app_secret").select("name").orderBy("name").execute()).map(
      (r) => r.name,
    );
  }

  /** A `TokenStore` (see `enedis/token.ts`) keeping the application token here, shared by all workers. */
  tokenStore(name = APP_TOKEN_SECRET): TokenStore {
    return {
      load: async () => {
        const text = await this.get(name);
        if (text === undefined) return null;
        const parsed: unknown = JSON.parse(text);
        if (
          typeof parsed === "object" &&
          parsed !== null &&
          typeof (parsed as CachedToken).accessToken === "string" &&
          typeof (parsed as CachedToken).expiresAtMs === "number"
        ) {
          return {
            accessToken: (parsed as CachedToken).accessToken,
            expiresAtMs: (parsed as CachedToken).expiresAtMs,
          };
        }
        return null;
      },
      save: async (token: CachedToken) => {
        await this.put(
          name,
          JSON.stringify({ accessToken: token.accessToken, expiresAtMs: token.expiresAtMs }),
        );
      },
      clear: async () => {
        await this.delete(name);
      },
    };
  }
}
