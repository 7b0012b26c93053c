/**
 * Storage errors. Driver errors (better-sqlite3 codes, PostgreSQL SQLSTATEs) are read here and nowhere
 * else; callers decide by class.
 */

export class StoreError extends Error {
  override get name(): string {
    return this.constructor.name;
  }
}

/** A unique key refused the write: the thing already exists. */
export class UniqueViolationError extends StoreError {
  constructor(
    message: string,
    /** Constraint or `table.column` list the driver named, when it did. */
    readonly constraint: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A foreign key refused the write (unknown user, sender, device…) or a delete of something in use. */
export class ForeignKeyViolationError extends StoreError {}

/** A row the caller named does not exist. */
export class NotFoundError extends StoreError {}

/** The stored JSON of a row does not match its schema (hand-edited, or written by a newer version). */
export class CorruptRowError extends StoreError {}

/** Migrations failed; the database is left at the last migration that succeeded. */
export class MigrationError extends StoreError {}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

function driverError(e: unknown): DriverError | undefined {
  return typeof e === "object" && e !== null ? (e as DriverError) : undefined;
}

/** True for a unique or primary key violation on either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const code = driverError(e)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export function isForeignKeyViolation(e: unknown): boolean {
  const code = driverError(e)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/**
 * Turns a driver's constraint error into a typed one whose message says what happened in the caller's
 * words (`what`, e.g. `sender "Enedis DataConnect"`); anything else is returned unchanged.
 */
export function translateDbError(e: unknown, what: string): unknown {
  const d = driverError(e);
  if (isUniqueViolation(e)) {
    // PostgreSQL names the constraint; SQLite names the columns in its message.
    const constraint =
      typeof d?.constraint === "string"
        ? d.constraint
        : typeof d?.message === "string"
          ? /constraint failed: (.+)$/.exec(d.message)?.[1]
          : undefined;
    return new UniqueViolationError(
      `${what} already exists${constraint ? ` (unique key ${constraint})` : ""}`,
      constraint,
      { cause: e },
    );
  }
  if (isForeignKeyViolation(e)) {
    return new ForeignKeyViolationError(`${what}: a referenced row does not exist, or the row is in use`, {
      cause: e,
    });
  }
  return e;
}

/** The database cannot take writes: a full disk, a read-only file system, files we may not write. */
export class StorageUnavailableError extends StoreError {
  constructor(
    message: string,
    /** `full`: no space left; `read_only`: the files cannot be written. */
    readonly problem: "full" | "read_only",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const DISK_FULL = new Set(["SQLITE_FULL", "ENOSPC", "53100", "EDQUOT"]);
const READ_ONLY = new Set([
  "SQLITE_READONLY",
  "SQLITE_READONLY_DBMOVED",
  "SQLITE_READONLY_DIRECTORY",
  "SQLITE_READONLY_RECOVERY",
  "SQLITE_READONLY_CANTLOCK",
  "SQLITE_READONLY_ROLLBACK",
  "SQLITE_CANTOPEN",
  "EROFS",
  "EACCES",
  "EPERM",
  "25006",
]);

/**
 * The plain-words version of a storage failure (what happened, that nothing was half-written, what to
 * do), or undefined when `e` is not one. Looks through `cause` chains.
 */
export function describeStorageError(e: unknown): StorageUnavailableError | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof StorageUnavailableError) return cur;
    const code = driverError(cur)?.code;
    const message = String(driverError(cur)?.message ?? "");
    const full =
      (typeof code === "string" && DISK_FULL.has(code)) || /database or disk is full/i.test(message);
    if (full) {
      return new StorageUnavailableError(
        "the disk holding the database is full: nothing was half-written (the transaction was rolled back); free some space (or move DATA_DIR to a larger disk) and run again: the sync resumes where it stopped",
        "full",
        { cause: e },
      );
    }
    const readOnly =
      (typeof code === "string" && (READ_ONLY.has(code) || code.startsWith("SQLITE_READONLY"))) ||
      /read-only|readonly database|unable to open database file/i.test(message);
    if (readOnly) {
      return new StorageUnavailableError(
        "the database cannot be written (read-only file system, or files this user may not write): nothing was half-written; check the data directory's mount and owner (DATA_DIR), then run again",
        "read_only",
        { cause: e },
      );
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
