/**
 * What a repository runs against: the database, or one transaction on it. Repositories are built on a
 * scope; `Store.transaction` builds a second set on a transaction scope, so that everything written
 * through it commits together or not at all.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type BetterSqlite3 from "better-sqlite3";
import type { Kysely, Transaction } from "kysely";
import type { SecretBox } from "./crypto.js";
import type { DatabaseHandle, DialectKind } from "./database.js";
import { StoreError } from "./errors.js";
import type { Database } from "./schema.js";

export interface ScopeTransactionOptions {
  /** Commit without waiting for the WAL flush (see `DatabaseHandle.relaxedCommits`). */
  relaxed?: boolean;
}

export class Scope {
  constructor(
    private readonly handle: DatabaseHandle,
    readonly box: SecretBox,
    readonly now: () => number,
    /** Set while a store transaction's callback runs: the store's own repositories refuse to run then. */
    private readonly txMarker: AsyncLocalStorage<true>,
    private readonly trx?: Transaction<Database>,
  ) {}

  get kind(): DialectKind {
    return this.handle.kind;
  }

  get inTransaction(): boolean {
    return this.trx !== undefined;
  }

  /** The Kysely instance to query: the transaction's, or the database's outside one. */
  get db(): Kysely<Database> {
    if (this.trx) return this.trx;
    this.assertOutsideTransaction();
    return this.handle.db;
  }

  /**
   * SQLite's better-sqlite3 connection, for prepared statements. Only inside a transaction of this scope:
   * Kysely then holds the one connection for us, so nothing else can interleave.
   */
  get sqlite(): BetterSqlite3.Database | undefined {
    if (!this.trx) throw new StoreError("the raw SQLite connection is only used inside a transaction");
    return this.handle.sqlite;
  }

  /** Runs `fn` in a transaction: this scope's when it has one, else a new one. */
  async transaction<T>(fn: (tx: Scope) => Promise<T>, opts: ScopeTransactionOptions = {}): Promise<T> {
    if (this.trx) return fn(this);
    this.assertOutsideTransaction();
    const run = () =>
      this.handle.db
        .transaction()
        .execute((trx) =>
          this.txMarker.run(true, () => fn(new Scope(this.handle, this.box, this.now, this.txMarker, trx))),
        );
    return opts.relaxed ? this.handle.relaxedCommits(run) : run();
  }

  private assertOutsideTransaction(): void {
    if (this.txMarker.getStore() === true) {
      // On SQLite this would wait forever for the connection the transaction holds; on PostgreSQL it
      // would silently write outside the transaction.
      throw new StoreError(
        "inside store.transaction(fn), use the repositories passed to fn, not the store's own (nested transactions are not supported)",
      );
    }
  }
}
