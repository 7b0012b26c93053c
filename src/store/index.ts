/**
 * The store: one database (SQLite or PostgreSQL), its migrations, and the repositories that hold every
 * SQL query of the application.
 *
 * ```ts
 * const store = await openStore({ url: "sqlite:./data/linky.db", dataDir: "./data" });
 * await store.transaction(async (tx) => {
 *   await tx.measures.upsertCurve(deviceId, "consumption", readings);
 *   await tx.accounts.setWatermark(accountId, "consumption_load_curve", lastEndMs);
 *   await tx.ledger.record(deviceId, "consumption_load_curve", days);
 * }, { durability: "relaxed" });
 * await store.close();
 * ```
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SecretBox } from "./crypto.js";
import { openDatabase, type DatabaseHandle, type DialectKind, type OpenDatabaseOptions } from "./database.js";
import { migrate, type MigrateResult } from "./migrations/index.js";
import { AccountsRepository } from "./repositories/accounts.js";
import { AlertDeliveriesRepository } from "./repositories/alert-deliveries.js";
import { AlertsRepository } from "./repositories/alerts.js";
import { ApiTokensRepository } from "./repositories/api-tokens.js";
import { ConsentsRepository } from "./repositories/consents.js";
import { DevicesRepository } from "./repositories/devices.js";
import { ErasureRepository } from "./repositories/erasure.js";
import { GatewaysRepository } from "./repositories/gateways.js";
import { HaStatisticsRepository } from "./repositories/ha-statistics.js";
import { ImportCursorsRepository } from "./repositories/import-cursors.js";
import { LedgerRepository } from "./repositories/ledger.js";
import { MeasuresRepository } from "./repositories/measures.js";
import { SecretsRepository } from "./repositories/secrets.js";
import { CurveBulkRepository } from "./repositories/curve-bulk.js";
import { SchedulerRepository } from "./repositories/scheduler.js";
import { SendersRepository } from "./repositories/senders.js";
import { TariffsRepository } from "./repositories/tariffs.js";
import { UsersRepository } from "./repositories/users.js";
import { WebSessionsRepository } from "./repositories/web-sessions.js";
import { Scope } from "./scope.js";

export interface Repositories {
  readonly users: UsersRepository;
  readonly senders: SendersRepository;
  readonly accounts: AccountsRepository;
  readonly devices: DevicesRepository;
  readonly measures: MeasuresRepository;
  readonly ledger: LedgerRepository;
  readonly secrets: SecretsRepository;
  readonly scheduler: SchedulerRepository;
  /** What was imported into Home Assistant's statistics (publish/). */
  readonly haStatistics: HaStatisticsRepository;
  /** Personal API tokens (web API). */
  readonly apiTokens: ApiTokensRepository;
  /** Consent claims, holdings and the reviews an administrator decides (web consent flow). */
  readonly consents: ConsentsRepository;
  /** Server-side sessions of the web app. */
  readonly webSessions: WebSessionsRepository;
  /** Table-by-table deletes of erasure (use `eraseUser` / `eraseAccount`, `store/erasure.ts`). */
  readonly erasure: ErasureRepository;
  /** Community gateways: accounts' tokens, calls, bans (migration 012). */
  readonly gateways: GatewaysRepository;
  /** Offers, meters' tariffs, Tempo colours, off-peak history (tariffs/). */
  readonly tariffs: TariffsRepository;
  /** How far long history imports got (import/). */
  readonly importCursors: ImportCursorsRepository;
  /** Alerts raised, their deliveries, users' alert preferences and settings (alerts/). */
  readonly alerts: AlertsRepository;
  /** Bulk load-curve writes inside a transaction (history imports, multi-window commits). */
  readonly curveBulk: CurveBulkRepository;
  /** Deliveries of alerts through channel senders: claims, outcomes, what users and admins see. */
  readonly alertDeliveries: AlertDeliveriesRepository;
}

export interface StoreOptions extends OpenDatabaseOptions {
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://…` (config `database.url`). */
  url: string;
  /** Data directory (config `data.dir`): where `secret.key` is generated when no key is configured. */
  dataDir: string;
  /** Config `security.secretKey`: 32 bytes, base64 or hex. */
  secretKey?: string | undefined;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Clock for `*_at_ms` columns (tests freeze it). */
  now?: () => number;
}

export interface TransactionOptions {
  /**
   * `full` (default): the commit waits for the database's durable write. `relaxed`: on PostgreSQL it does
   * not (`synchronous_commit = off`): a server crash may lose the last few hundred ms of commits, each
   * whole, never half. Right for a sync window (values + watermark + ledger can be fetched again), wrong
   * for what a person typed. SQLite commits are always `synchronous = NORMAL` (see `database.ts`).
   */
  durability?: "full" | "relaxed";
}

export interface Store extends Repositories {
  readonly kind: DialectKind;
  /** What the last `migrate` applied on open. */
  readonly migrations: MigrateResult;
  readonly secretBox: SecretBox;
  /** The database handle, for tools (benchmarks, diagnostics); application code uses the repositories. */
  readonly database: DatabaseHandle;
  /**
   * Runs `fn` in one transaction: everything it writes through the repositories it is given commits
   * together, or nothing does if it throws (the error is rethrown). Inside `fn`, use only those
   * repositories (the store's own refuse to run there), and do no network I/O: on SQLite the transaction
   * holds the database's single connection until `fn` returns.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

function repositories(scope: Scope): Repositories {
  return {
    users: new UsersRepository(scope),
    senders: new SendersRepository(scope),
    accounts: new AccountsRepository(scope),
    devices: new DevicesRepository(scope),
    measures: new MeasuresRepository(scope),
    ledger: new LedgerRepository(scope),
    secrets: new SecretsRepository(scope),
    scheduler: new SchedulerRepository(scope),
    haStatistics: new HaStatisticsRepository(scope),
    apiTokens: new ApiTokensRepository(scope),
    consents: new ConsentsRepository(scope),
    webSessions: new WebSessionsRepository(scope),
    erasure: new ErasureRepository(scope),
    gateways: new GatewaysRepository(scope),
    tariffs: new TariffsRepository(scope),
    importCursors: new ImportCursorsRepository(scope),
    alerts: new AlertsRepository(scope),
    curveBulk: new CurveBulkRepository(scope),
    alertDeliveries: new AlertDeliveriesRepository(scope),
  };
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  // The key first: a bad key must not leave a database open behind it.
  const secretBox = SecretBox.load({ secretKey: opts.secretKey, dataDir: opts.dataDir });
  const database = await openDatabase(opts.url, opts);
  try {
    const migrations = opts.migrate === false ? { applied: [] } : await migrate(database.db);
    const scope = new Scope(database, secretBox, opts.now ?? Date.now, new AsyncLocalStorage<true>());
    return {
      ...repositories(scope),
      kind: database.kind,
      migrations,
      secretBox,
      database,
      transaction: (fn, topts = {}) =>
        scope.transaction((tx) => fn(repositories(tx)), { relaxed: topts.durability === "relaxed" }),
      close: () => database.close(),
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

export { SecretBox, SecretBoxError, parseSecretKey, loadOrCreateKeyFile, SECRET_KEY_FILE } from "./crypto.js";
export {
  openDatabase,
  parseDatabaseUrl,
  redactUrl,
  type DatabaseHandle,
  type DialectKind,
  type OpenDatabaseOptions,
} from "./database.js";
export { migrate, appliedMigrations, MIGRATIONS, type MigrateResult } from "./migrations/index.js";
export {
  StoreError,
  UniqueViolationError,
  ForeignKeyViolationError,
  NotFoundError,
  CorruptRowError,
  MigrationError,
  StorageUnavailableError,
  describeStorageError,
} from "./errors.js";
export * from "./repositories/users.js";
export * from "./repositories/senders.js";
export * from "./repositories/accounts.js";
export * from "./repositories/devices.js";
export * from "./repositories/measures.js";
export * from "./repositories/ledger.js";
export * from "./repositories/secrets.js";
export * from "./repositories/ha-statistics.js";
export * from "./repositories/api-tokens.js";
export * from "./repositories/web-sessions.js";
export * from "./repositories/erasure.js";
export * from "./repositories/gateways.js";
export * from "./repositories/import-cursors.js";
export * from "./repositories/curve-bulk.js";
export {
  eraseUser,
  eraseAccount,
  describeUserErasure,
  type UserErasurePlan,
  type ErasureReport,
  type AccountErasure,
} from "./erasure.js";
export type { Database } from "./schema.js";
