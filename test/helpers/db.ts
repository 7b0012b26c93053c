/**
 * Real databases for integration tests: every suite written with `describeEachDatabase` runs once on
 * SQLite (a temporary file in WAL mode) and once on PostgreSQL (a database created for the test file and
 * dropped after it).
 *
 * PostgreSQL is found at TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres, the
 * maintenance database used to create and drop the per-file ones). When it cannot be reached the
 * PostgreSQL variant is skipped with the reason printed, unless REQUIRE_SERVICES=1: then it fails.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import { openStore, type DialectKind, type Store, type StoreOptions } from "../../src/store/index.js";

export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === "1";
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type PgProbe = { ok: true } | { ok: false; reason: string };

let probe: Promise<PgProbe> | undefined;

/** Whether PostgreSQL answers (asked once per process). */
export function probePostgres(): Promise<PgProbe> {
  probe ??= (async (): Promise<PgProbe> => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("select 1");
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `PostgreSQL at ${PG_ADMIN_URL} is not reachable: ${(e as Error).message}` };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A place to put one test database, and how to remove it. */
export interface DbTarget {
  kind: DialectKind;
  url: string;
  /** A fresh temporary directory (secret key file, SQLite file). */
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A new empty database of the given kind. */
export async function createTarget(kind: DialectKind): Promise<DbTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), "linky-store-"));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (kind === "sqlite") {
    return { kind, url: `sqlite:${join(dataDir, "linky.db")}`, dataDir, cleanup: removeDir };
  }
  const name = `linky_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  return {
    kind,
    url: withDatabase(PG_ADMIN_URL, name),
    dataDir,
    async cleanup() {
      // A closed pool's sockets finish closing just after pool.end() resolves: give them a moment rather
      // than terminating them (which would surface as pool errors), then force.
      for (let i = 0; i < 40; i++) {
        try {
          await adminQuery(`drop database if exists ${name}`);
          return await removeDir();
        } catch (e) {
          if ((e as { code?: string }).code !== "55006") throw e; // object_in_use
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await adminQuery(`drop database if exists ${name} with (force)`);
      await removeDir();
    },
  };
}

/**
 * A copy of a test database whose processes have all closed it: a file copy on SQLite (with its WAL),
 * `create database … template …` on PostgreSQL. Removed by its own `cleanup`.
 */
export async function cloneTarget(src: DbTarget, suffix: string): Promise<DbTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), "linky-clone-"));
  if (src.kind === "sqlite") {
    const file = join(dataDir, "linky.db");
    const from = src.url.slice("sqlite:".length);
    await copyFile(from, file);
    for (const ext of ["-wal", "-shm"]) {
      if (existsSync(from + ext)) await copyFile(from + ext, file + ext);
    }
    return {
      kind: "sqlite",
      url: `sqlite:${file}`,
      dataDir,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const from = new URL(src.url).pathname.slice(1);
  const name = `${from}_${suffix}`;
  for (let i = 0; ; i++) {
    try {
      await adminQuery(`create database ${name} template ${from}`);
      break;
    } catch (e) {
      // A just-closed pool's backends may linger a moment: "source database is being accessed by other users".
      if ((e as { code?: string }).code !== "55006" || i >= 60) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    kind: "postgres",
    url: withDatabase(src.url, name),
    dataDir,
    async cleanup() {
      await adminQuery(`drop database if exists ${name} with (force)`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase {
  readonly kind: DialectKind;
  /** The store of this suite (one fresh database for the whole describe block). */
  getStore(): Store;
  /** The suite database's location. */
  target(): DbTarget;
  /** Another fresh, empty database of the same kind, removed after the suite. */
  freshTarget(): Promise<DbTarget>;
  /** A store on another fresh database, closed and removed after the suite. */
  freshStore(opts?: Partial<StoreOptions>): Promise<Store>;
}

const pgProbe = await probePostgres();
let warned = false;

/**
 * Declares `body` twice, as `<name> [sqlite]` and `<name> [postgres]`, each with its own database and
 * an open, migrated store.
 */
export function describeEachDatabase(
  name: string,
  body: (db: TestDatabase) => void,
  storeOptions: Partial<StoreOptions> = {},
): void {
  for (const kind of ["sqlite", "postgres"] as const) {
    const title = `${name} [${kind}]`;
    if (kind === "postgres" && !pgProbe.ok) {
      if (REQUIRE_SERVICES) {
        describe(title, () => {
          it("needs PostgreSQL (REQUIRE_SERVICES=1)", () => {
            throw new Error(pgProbe.reason);
          });
        });
      } else {
        if (!warned) console.warn(`skipping PostgreSQL tests: ${pgProbe.reason}`);
        warned = true;
        // Skipped on purpose: no PostgreSQL on this machine (reason printed above); CI sets REQUIRE_SERVICES=1.
        describe.skip(title, () => body(unavailable(kind)));
      }
      continue;
    }
    describe(title, () => {
      let target: DbTarget | undefined;
      let store: Store | undefined;
      const extra: Array<{ target: DbTarget; store?: Store }> = [];
      beforeAll(async () => {
        target = await createTarget(kind);
        store = await openStore({ url: target.url, dataDir: target.dataDir, ...storeOptions });
      });
      afterAll(async () => {
        for (const e of extra) {
          await e.store?.close();
          await e.target.cleanup();
        }
        await store?.close();
        await target?.cleanup();
      });
      body({
        kind,
        getStore() {
          if (!store) throw new Error("the store opens in beforeAll; use it inside tests and hooks");
          return store;
        },
        target() {
          if (!target) throw new Error("the database is created in beforeAll");
          return target;
        },
        async freshTarget() {
          const t = await createTarget(kind);
          extra.push({ target: t });
          return t;
        },
        async freshStore(opts = {}) {
          const t = await createTarget(kind);
          const entry: { target: DbTarget; store?: Store } = { target: t };
          extra.push(entry);
          entry.store = await openStore({ url: t.url, dataDir: t.dataDir, ...storeOptions, ...opts });
          return entry.store;
        },
      });
    });
  }
}

function unavailable(kind: DialectKind): TestDatabase {
  const no = (): never => {
    throw new Error("PostgreSQL is not available");
  };
  return { kind, getStore: no, target: no, freshTarget: no, freshStore: no };
}
