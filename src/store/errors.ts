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
