/**
 * Finding 12 of the security review: `user add --password P` put the password in the shell history and
 * in `ps`. Now the password comes from standard input (`--password-stdin`) or a prompt without echo on a
 * terminal; `--password` still works, with a warning; without either and without a terminal the command
 * says what to do (exit 2) and creates nothing.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/auth/password.js";
import { openStore, type Store } from "../../src/store/index.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

describe("user add: the password never on the command line", () => {
  let dir: string;
  let env: Record<string, string>;
  let store: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-cli-user-"));
    env = { DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "linky.db")}` };
    store = await openStore({ url: env.DATABASE_URL!, dataDir: dir });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const hashOf = async (name: string) => (await store.users.findByUsername(name))?.passwordHash;

  it("reads the first line of standard input with --password-stdin", async () => {
    const r = await runCli(["user", "add", "anne", "--password-stdin"], env, {
      input: "a strong passphrase\r\nnot this line\n",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("warning");
    const hash = await hashOf("anne");
    expect(await verifyPassword("a strong passphrase", hash!)).toBe(true);
  }, 60_000);

  it("still takes --password, with a warning about the shell history and ps", async () => {
    const r = await runCli(["user", "add", "bert", "--password", "an old script's password"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --password leaves the password in your shell history/);
    expect(await verifyPassword("an old script's password", (await hashOf("bert"))!)).toBe(true);
  }, 60_000);

  it("without a password nor a terminal: exit 2, says how, creates nothing", async () => {
    const r = await runCli(["user", "add", "carl"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--password-stdin");
    expect(await hashOf("carl")).toBeUndefined();
    const both = await runCli(["user", "add", "carl", "--password-stdin", "--password", "x".repeat(9)], env, {
      input: "y".repeat(9),
    });
    expect(both.code).toBe(2);
    expect(await hashOf("carl")).toBeUndefined();
  }, 60_000);

  it("asks twice on a terminal, without echo (run under script(1), which gives it a pseudo-terminal)", async () => {
    const cmd = `${process.execPath} --import tsx src/cli/main.ts user add dora`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    const seen: Array<{ re: RegExp; resolve: () => void }> = [];
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      for (const w of [...seen]) {
        if (!w.re.test(out)) continue;
        seen.splice(seen.indexOf(w), 1);
        w.resolve();
      }
    });
    const reaches = (re: RegExp) =>
      new Promise<void>((resolve) => (re.test(out) ? resolve() : seen.push({ re, resolve })));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await reaches(/Password: /);
    child.stdin.write("typed at the prompt\r");
    await reaches(/Password \(again\): /);
    child.stdin.write("typed at the prompt\r");
    expect(await exited).toBe(0);
    expect(out).toContain("user dora created");
    expect(out).not.toContain("typed at the prompt");
    expect(await verifyPassword("typed at the prompt", (await hashOf("dora"))!)).toBe(true);
  }, 60_000);
});
