/**
 * `linky-dataconnect serve` as `npm start` runs it: a real process with the embedded defaults (SQLite in
 * ./data, built-in simulator), nothing configured. It must start, print its URL and the first-start setup
 * address, answer, and stop cleanly on SIGTERM.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
// tsx from this checkout (the child runs in an empty directory, where `--import tsx` would not resolve).
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** A clean environment: nothing of the developer's or CI's configuration leaks in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ };
  return env;
}

function run(args: string[], cwd: string) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // "close", not "exit": the process may exit before its last output is read from the pipes.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cold start (tsx, config, SQLite migrations, the built-in simulator) took 11.5 s on a loaded two-core
 * machine; the bad port 7.6 s. Test budgets well above, and the wait for the start inside them. */
const TEST_TIMEOUT_MS = 90_000;
const START_WAIT_MS = 60_000;

describe("serve command", { timeout: TEST_TIMEOUT_MS }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("starts with no setup, prints its URL and the setup address, answers, and stops on SIGTERM", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "linky-serve-"));
    dirs.push(cwd);
    const p = run(["serve", "--port", "0", "--host", "127.0.0.1"], cwd);
    try {
      // Whole lines only, on both pipes: stdout and stderr arrive separately, in any order.
      await until(
        () => {
          const u = /^(http:\/\/\S+:\d+)\n/m.exec(p.out())?.[1];
          return (
            u !== undefined &&
            p.err().includes(`listening on ${u}\n`) &&
            /administrator at \S+\n/.test(p.err())
          );
        },
        START_WAIT_MS,
        () => `the URL and the setup address (stdout: ${p.out()}; stderr: ${p.err()})`,
      );
      const url = /^(http:\/\/\S+:\d+)$/m.exec(p.out())![1]!;
      expect(p.err()).toContain("the data are simulated");
      expect(p.err()).toContain(`listening on ${url}`);
      const setup = /first start: create the administrator at (\S+)/.exec(p.err())?.[1];
      expect(setup).toMatch(/\/setup\?token=[A-Za-z0-9_-]{20,}$/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", database: "sqlite" });
      expect((await fetch(setup!)).status).toBe(200);
      const admin = await fetch(`${url}/notificationAccountSender/notificationAccountSenders`, {
        redirect: "manual",
      });
      expect(admin.status).toBe(302);
    } finally {
      p.child.kill("SIGTERM");
    }
    expect(await p.exited).toBe(0);
    expect(p.err()).toContain("serve: SIGTERM, stopping");
  });

  it("refuses a bad port with exit code 2", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "linky-serve-"));
    dirs.push(cwd);
    const p = run(["serve", "--port", "http"], cwd);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain("--port must be a number");
  });
});
