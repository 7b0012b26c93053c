/**
 * Finding 8 of the security review: the data directory was created 0755 and the database files 0644,
 * readable by every local user. Now: 0700 and 0600 whatever the umask, and a warning at start-up when an
 * operator's files are wider (they are not changed behind the operator's back).
 */
import { chmodSync, existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createStoreContext } from "../../src/app/context.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("data directory permissions", () => {
  let dir = "";
  const oldUmask = process.umask(0o022);
  afterEach(async () => {
    process.umask(oldUmask);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(data: string, logs: string[]) {
    return createStoreContext({
      env: { DATA_DIR: data, DATABASE_URL: `sqlite:${join(data, "linky.db")}` },
      log: (m) => logs.push(m),
    });
  }

  it("creates the directory 0700 and the database, its WAL and the key 0600 under a 022 umask", async () => {
    process.umask(0o022);
    dir = await mkdtemp(join(tmpdir(), "linky-perm-"));
    const data = join(dir, "data");
    const logs: string[] = [];
    const ctx = await open(data, logs);
    try {
      await ctx.store.users.create({ username: "u", passwordHash: "x", roles: ["ROLE_USER"] });
      expect(mode(data)).toBe(0o700);
      for (const f of ["linky.db", "linky.db-wal", "secret.key"]) {
        const path = join(data, f);
        expect(existsSync(path), f).toBe(true);
        expect(mode(path), f).toBe(0o600);
      }
      expect(logs.filter((l) => l.startsWith("warning:"))).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it("warns at start-up, naming the fix, when the directory or a file in it is wider, and changes nothing", async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-perm-"));
    const data = join(dir, "data");
    await (await open(data, [])).close();
    chmodSync(data, 0o755);
    chmodSync(join(data, "linky.db"), 0o644);
    const logs: string[] = [];
    const ctx = await open(data, logs);
    await ctx.close();
    const warnings = logs.filter((l) => l.startsWith("warning:"));
    // The directory and the database (SQLite gives its -wal and -shm files the database's mode: those too).
    expect(warnings[0]).toContain(`chmod 700 ${data}`);
    expect(warnings.some((w) => w.endsWith(`chmod 600 ${join(data, "linky.db")}`))).toBe(true);
    expect(warnings.every((w) => /chmod (700|600) /.test(w) && !w.includes("secret.key"))).toBe(true);
    expect(mode(data)).toBe(0o755);
    expect(mode(join(data, "linky.db"))).toBe(0o644);
  });
});
