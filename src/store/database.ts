/**
 * Opens the database behind a `DATABASE_URL`: SQLite through better-sqlite3 (embedded mode) or
 * PostgreSQL through a pg pool (distributed mode), both behind one Kysely instance.
 *
 * - `sqlite:<path>` (relative to the working directory; the parent directory is created),
 *   `sqlite://<path>` and `sqlite::memory:`.
 * - `postgres://…` or `postgresql://…` (anything pg's connection string accepts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  sql,
  PostgresDialect,
  PostgresDriver,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type PostgresDialectConfig,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type TransactionSettings,
} from "kysely";
import pg from "pg";
import { createPrivateFile, ensurePrivateDir } from "./files.js";
import type { Database } from "./schema.js";

export type DialectKind = "sqlite" | "postgres";

export type DatabaseLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export const SQLITE_MEMORY = ":memory:";

/** Reads a database URL; throws a RangeError naming what is accepted. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith("sqlite:")) {
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "")
      throw new RangeError(`database url "${url}" names no file (sqlite:<path> or sqlite::memory:)`);
    return { kind: "sqlite", path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  throw new RangeError(`database url must start with sqlite: or postgres://, got "${redactUrl(url)}"`);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, "$1***@");
}

export interface OpenDatabaseOptions {
  /** SQLite: how long a writer waits for another process' lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * SQLite: `normal` (default) syncs the WAL at checkpoints only: a killed process loses nothing, a power
   * cut may lose the last transactions (never consistency). `full` syncs at every commit.
   */
  sqliteSynchronous?: "normal" | "full";
  /** PostgreSQL: most connections the pool opens (default 10). */
  poolSize?: number;
  /** PostgreSQL: an idle pooled connection failed (server restart…). Default: a process warning. */
  onPoolError?: (err: Error) => void;
}

export interface DatabaseHandle {
  readonly kind: DialectKind;
  readonly db: Kysely<Database>;
  /**
   * SQLite only: the one better-sqlite3 connection Kysely drives, for prepared statements on hot paths.
   * Use it only while holding Kysely's connection (inside a Kysely transaction), never beside it.
   */
  readonly sqlite: BetterSqlite3.Database | undefined;
  /**
   * Runs `fn` so that transactions it begins commit without waiting for the WAL flush (PostgreSQL
   * `synchronous_commit = off`, set in the same round trip as BEGIN). A server crash may then lose the
   * last few hundred ms of commits, whole: for refetchable measures and their watermark this is safe.
   * A no-op on SQLite, whose commits are already relaxed by `synchronous = NORMAL`.
   */
  relaxedCommits<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * better-sqlite3 begins transactions with a plain (deferred) BEGIN; a deferred transaction that reads
 * then writes can fail with SQLITE_BUSY at once, without waiting for busy_timeout, when another process
 * writes meanwhile. Our transactions are write transactions, so they take the write lock up front.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error); our ROLLBACK
   * then fails with "cannot rollback - no transaction is active", and that error would hide the real
   * one. Nothing is left to undo in that case: say nothing, let the original error through.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (e) {
      if (!/no transaction is active/i.test(String((e as Error).message))) throw e;
    }
  }
}

/** Statements kept per SQLite connection (the most recently used). */
const SQLITE_STATEMENT_CACHE = 256;

/**
 * The connection as Kysely's SQLite driver sees it, with its statements kept by text: the driver
 * prepares every query again (a few tens of µs for a small one, more for a multi-row insert), while the
 * sync runs the same dozen texts for every window. A statement still being iterated (a streamed query)
 * is never handed out twice: the query that finds it busy gets a fresh one.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit?.busy) return sqlite.prepare(sql);
      if (hit) {
        // Most recently used last: the first key is the one to drop.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > SQLITE_STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

class LinkySqliteDialect extends SqliteDialect {
  constructor(private readonly linkyConfig: SqliteDialectConfig) {
    super(linkyConfig);
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.linkyConfig);
  }
}

class RelaxablePostgresDriver extends PostgresDriver {
  constructor(
    config: PostgresDialectConfig,
    private readonly relaxed: AsyncLocalStorage<boolean>,
  ) {
    super(config);
  }
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    if (this.relaxed.getStore() === true && !settings.isolationLevel && !settings.accessMode) {
      // No parameters, so pg sends this as one simple-protocol message: two statements, one round trip.
      await connection.executeQuery(CompiledQuery.raw("begin; set local synchronous_commit to off"));
      return;
    }
    await super.beginTransaction(connection, settings);
  }
}

class LinkyPostgresDialect extends PostgresDialect {
  constructor(
    private readonly linkyConfig: PostgresDialectConfig,
    private readonly relaxed: AsyncLocalStorage<boolean>,
  ) {
    super(linkyConfig);
  }
  override createDriver(): PostgresDriver {
    return new RelaxablePostgresDriver(this.linkyConfig, this.relaxed);
  }
}

/**
 * A query whose text starts with `/* prepared:<name> *\/` runs as the named prepared statement <name> on
 * PostgreSQL: parsed and planned once per connection instead of at every call (about 10% on the
 * load-curve hot path). The text of a name must never vary.
 */
export function preparedName(text: string): string | undefined {
  return /^\/\* prepared:([a-z0-9_]+) \*\//.exec(text)?.[1];
}

/**
 * Work that needs the pg client of a Kysely connection itself (a COPY stream), run on that connection in
 * its turn, inside whatever transaction holds it: see `withPgClient`.
 */
class ClientTask {
  constructor(readonly run: (client: pg.ClientBase) => Promise<void>) {}
}

const CLIENT_TASK_SQL = "/* linky client task */ select $1";

/**
 * Runs `fn` with the pg client behind `db` (a transaction's connection, or one the pool lends for the
 * call): for what Kysely cannot express, such as `COPY … FROM STDIN` (pg-copy-streams). `fn` must leave
 * the client as it found it (no BEGIN/COMMIT of its own, nothing left running).
 */
export async function withPgClient<T>(
  db: Kysely<Database>,
  fn: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  let out: { value: T } | undefined;
  const task = new ClientTask(async (client) => {
    out = { value: await fn(client) };
  });
  await sql`${sql.raw(CLIENT_TASK_SQL.slice(0, -2))}${task}`.execute(db);
  if (!out) throw new Error("withPgClient: the connection is not a PostgreSQL connection of this store");
  return out.value;
}

class PreparingClient extends pg.Client {
  // pg's query() has a dozen overloads; this only adds a name to the (text, values) calls Kysely makes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values] = args as [unknown, unknown];
    if (args.length === 2 && typeof text === "string" && Array.isArray(values)) {
      if (text === CLIENT_TASK_SQL && values.length === 1 && values[0] instanceof ClientTask) {
        return values[0].run(this).then(() => ({ command: "SELECT", rowCount: 0, rows: [] }));
      }
      const name = preparedName(text);
      if (name !== undefined) return super.query({ name, text, values });
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (super.query as (...a: any[]) => any)(...args);
  }
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * int8 (our `*_ms` columns, count(*)) as a JS number. Epoch ms and counts stay far below 2^53; a value
 * beyond it comes back as a BigInt, so that arithmetic on it fails loudly instead of silently rounding.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  // A BigInt typed as number: see above, it must not pass unnoticed.
  return Number.isSafeInteger(n) ? n : (BigInt(text) as unknown as number);
}

const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (format !== "binary") {
      if (oid === PG_INT8) return parseInt8;
      // numeric comes from sum() over integers; our values are doubles anyway.
      if (oid === PG_NUMERIC) return (text: string) => Number(text);
    }
    return format === "binary" ? pg.types.getTypeParser(oid, "binary") : pg.types.getTypeParser(oid, "text");
  },
} as pg.CustomTypesConfig;

export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  const location = parseDatabaseUrl(url);
  const relaxed = new AsyncLocalStorage<boolean>();
  const relaxedCommits = <T>(fn: () => Promise<T>): Promise<T> => relaxed.run(true, fn);

  if (location.kind === "sqlite") {
    const memory = location.path === SQLITE_MEMORY;
    const file = memory ? SQLITE_MEMORY : resolve(location.path);
    if (!memory) {
      ensurePrivateDir(dirname(file));
      createPrivateFile(file);
    }
    const sqlite = new BetterSqlite3(file);
    try {
      if (!memory) sqlite.pragma("journal_mode = WAL");
      sqlite.pragma(`synchronous = ${opts.sqliteSynchronous === "full" ? "FULL" : "NORMAL"}`);
      sqlite.pragma("foreign_keys = ON");
      // Bulk syncs commit a week of points at a time: checkpoint the WAL every ~40 MB rather than every
      // 4 MB (each checkpoint syncs to disk), and keep 32 MiB of pages in memory instead of 2.
      sqlite.pragma("wal_autocheckpoint = 10000");
      sqlite.pragma("cache_size = -32768");
      sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    } catch (e) {
      sqlite.close();
      throw e;
    }
    const db = new Kysely<Database>({
      dialect: new LinkySqliteDialect({ database: withStatementCache(sqlite) }),
    });
    let closed = false;
    return {
      kind: "sqlite",
      db,
      sqlite,
      relaxedCommits,
      async close() {
        if (closed) return;
        closed = true;
        await db.destroy();
      },
    };
  }

  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: location.url,
    max: opts.poolSize ?? 10,
    types: pgTypes,
  });
  // Without a listener, an idle client's error (server restart) would crash the process; the next
  // query gets a fresh connection and reports its own error.
  pool.on(
    "error",
    opts.onPoolError ??
      ((err: Error) => process.emitWarning(`PostgreSQL pool: ${err.message}`, { code: "LINKY_PG_POOL" })),
  );
  // pg-pool listens for errors only while a client is idle: a checked-out client whose connection ends
  // (a server restart mid-query) would emit an unhandled 'error' and crash the process. Its query fails
  // anyway (the caller sees the error: a sync records it, a job is retried), and the pool drops the
  // broken client when it is released.
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = new Kysely<Database>({ dialect: new LinkyPostgresDialect({ pool }, relaxed) });
  let closed = false;
  return {
    kind: "postgres",
    db,
    sqlite: undefined,
    relaxedCommits,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
