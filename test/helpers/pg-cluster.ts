/**
 * A private PostgreSQL cluster for tests that restart or kill the database server (never the shared
 * one): `initdb` in a temporary directory, `pg_ctl` on a free port of 127.0.0.1. initdb and postgres
 * refuse to run as root: as root, both run as the `postgres` OS user, in a directory that user owns.
 *
 * Found at PG_BIN (default /usr/lib/postgresql/15/bin). When initdb is missing, `clusterProbe()` says
 * why; a test then skips with that reason printed, unless REQUIRE_SERVICES=1 (then it fails), as
 * test/helpers/db.ts does.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export type ClusterProbe = { ok: true } | { ok: false; reason: string };

export function clusterProbe(): ClusterProbe {
  if (!existsSync(join(PG_BIN, "initdb")) || !existsSync(join(PG_BIN, "pg_ctl")))
    return { ok: false, reason: `no initdb/pg_ctl in ${PG_BIN} (set PG_BIN)` };
  if (process.getuid?.() === 0 && !existsSync("/usr/sbin/runuser") && !existsSync("/sbin/runuser"))
    return { ok: false, reason: "running as root without runuser: initdb refuses root" };
  return { ok: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface PgCluster {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  /** Stops the server (fast: connections are cut). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGKILL to the postmaster (a crash: recovery at the next start); resolves once it is gone. */
  killPostmaster(): Promise<void>;
  /** Stops the server whatever its state and removes the directory. */
  destroy(): Promise<void>;
}

export async function startCluster(): Promise<PgCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), "linky-pgcluster-"));
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const port = await freePort();
  const pgRun = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(PG_BIN, tool), ...args], { cwd: dir })
      : run(join(PG_BIN, tool), args, { cwd: dir });
  await pgRun("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c max_connections=100",
  ].join(" ");
  const start = async () => {
    // After a SIGKILL, the old backends may hold the shared memory a moment: try again until it starts.
    for (let attempt = 1; ; attempt++) {
      try {
        await pgRun("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  };
  const postmasterPid = (): number | null => {
    try {
      return Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    } catch {
      return null;
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await start();
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let destroyed = false;
  return {
    port,
    url,
    async createDatabase(name, template) {
      const c = new pg.Client({ connectionString: url("postgres") });
      await c.connect();
      try {
        await c.query(`create database ${name}${template ? ` template ${template}` : ""}`);
      } finally {
        await c.end();
      }
    },
    async stop() {
      await pgRun("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
    },
    start,
    async killPostmaster() {
      const pid = postmasterPid();
      if (!pid) throw new Error("no postmaster.pid: the cluster is not running");
      process.kill(pid, "SIGKILL");
      // Its backends notice their postmaster's death and exit within a moment (a test bound, not a sleep).
      const until = Date.now() + 30_000;
      while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const pid = postmasterPid();
      if (pid && alive(pid)) {
        await pgRun("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {
          process.kill(pid, "SIGKILL");
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
