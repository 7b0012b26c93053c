/**
 * Issue 11, finding 2: a CLI `sync` whose PostgreSQL server goes away mid-run crashed on an unhandled
 * "Connection terminated unexpectedly" (a checked-out connection's error event) and printed a raw stack
 * trace. Now the run ends with exit 1 and its summary, and once the server is back the next sync completes.
 * A private cluster of this test (never the shared server), stopped under the running sync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterProbe, startCluster, type PgCluster } from "../helpers/pg-cluster.js";
import { runCliOk, spawnCli } from "../helpers/cli.js";
import { REQUIRE_SERVICES } from "../helpers/db.js";

const PRM = "22516914714270";
const probe = clusterProbe();
if (!probe.ok && REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 but ${probe.reason}`);
if (!probe.ok) console.log(`cli-sync-dbloss: skipped: ${probe.reason}`);

describe.skipIf(!probe.ok)("CLI sync when PostgreSQL goes away", () => {
  let cluster: PgCluster;
  let env: Record<string, string>;

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.createDatabase("linky");
    env = {
      DATABASE_URL: cluster.url("linky"),
      DATA_DIR: `/tmp/linky-dbloss-${process.pid}`,
      ENEDIS_ENV: "simulator",
      SYNC_BACKFILL_MONTHS_CURVE: "6",
      SYNC_BACKFILL_MONTHS_DAILY: "6",
      LINKY_NOW: "2026-11-28T11:00:00Z",
      // Paced, so that the server can be stopped while the sync is still writing.
      ENEDIS_QUOTA_PER_SECOND: "3",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
    };
    await runCliOk(["user", "add", "marie", "--password-stdin"], env, { input: "correct horse battery\n" });
    await runCliOk(["sender", "add", "--libelle", "Enedis DataConnect", "--impl", "dataconnect"], env);
    await runCliOk(["account", "add", "--user", "marie", "--usage-point", PRM], env);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it("exits 1 with its summary, no stack trace; the next sync completes", { timeout: 240_000 }, async () => {
    const run = spawnCli(["sync", "--usage-point", PRM], env);
    // A few windows in: the server stops (fast shutdown cuts every connection, checked-out ones too).
    expect(await run.stderrReaches(/^sync 4\/\d+ /m)).toBe(true);
    await cluster.stop();
    const r = await run.done;
    await cluster.start();
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/account 1/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/Unhandled|uncaught/i);
    const again = await runCliOk(["sync", "--usage-point", PRM], env);
    expect(again.stdout).toMatch(/\(account 1\): (ok|partial)/);
  });
});
