/**
 * `DATA_DIR` holds everything a process keeps: two instances started with two data directories (and no
 * `DATABASE_URL`) share nothing, neither the database nor the secret key (issue 12).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStoreContext } from "../../src/app/context.js";
import { ROLE_USER } from "../../src/store/index.js";

const root = mkdtempSync(join(tmpdir(), "linky-datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("DATA_DIR", () => {
  it("two instances with two data directories share nothing", async () => {
    const dirA = join(root, "a");
    const dirB = join(root, "b");
    const quiet = () => undefined;
    const a = await createStoreContext({ env: { DATA_DIR: dirA }, log: quiet });
    const b = await createStoreContext({ env: { DATA_DIR: dirB }, log: quiet });
    try {
      expect(a.config.database.url).toBe(`sqlite:${dirA}/linky.db`);
      await a.store.users.create({ username: "alice", passwordHash: "x", roles: [ROLE_USER] });
      await a.store.secrets.put("probe", "only in A");
      expect(await a.store.users.count()).toBe(1);
      expect(await b.store.users.count()).toBe(0);
      expect(await b.store.secrets.get("probe")).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
    for (const d of [dirA, dirB]) {
      expect(readdirSync(d)).toEqual(expect.arrayContaining(["linky.db", "secret.key"]));
    }
    expect(readFileSync(join(dirA, "secret.key"), "utf8")).not.toBe(
      readFileSync(join(dirB, "secret.key"), "utf8"),
    );
    // Nothing went to the default place.
    expect(existsSync(join(root, "data"))).toBe(false);
  });
});
