/**
 * Import cursors (migration 030): how far a long import got, as a name and a JSON value. Written in the
 * transaction that commits the rows it covers, so that a crash leaves the cursor and the rows together.
 */
import type { Scope } from "../scope.js";

export class ImportCursorsRepository {
  constructor(private readonly scope: Scope) {}

  async get<T>(name: string): Promise<T | undefined> {
    const row = await this.scope.db
      .selectFrom("import_cursor")
      .select("value")
      .where("name", "=", name)
      .executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  async set(name: string, value: unknown, atMs = this.scope.now()): Promise<void> {
    const text = JSON.stringify(value);
    await this.scope.db
      .insertInto("import_cursor")
      .values({ name, value: text, updated_at_ms: atMs })
      .onConflict((oc) => oc.column("name").doUpdateSet({ value: text, updated_at_ms: atMs }))
      .execute();
  }

  /** Every cursor whose name starts with `prefix`. */
  async list(prefix: string): Promise<Array<{ name: string; value: unknown }>> {
    const rows = await this.scope.db
      .selectFrom("import_cursor")
      .select(["name", "value"])
      .where("name", ">=", prefix)
      .where("name", "<", `${prefix}\uffff`)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({ name: r.name, value: JSON.parse(r.value) as unknown }));
  }
}
