/**
 * `import-seed` killed with SIGKILL at random points (at least 5 times: after a random number of
 * committed chunks, so most kills land inside a chunk's transaction), then run to its end: the result is
 * identical to an uninterrupted migration's (in-process, into a fresh database), on SQLite and PostgreSQL.
 * The random seed is printed; set SEED_CRASH_SEED to replay a run.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ENV_KEYS } from "../../src/config/schema.js";
import { SeedMigration } from "../../src/import/seed.js";
import { openStore } from "../../src/store/index.js";
import { runCliOk, spawnCli } from "../helpers/cli.js";
import { describeEachDatabase, probePostgres } from "../helpers/db.js";
import {
  createSeedDb,
  DATACONNECT_IMPL,
  halfHourEnds,
  LINKY_IMPL,
  migratedSnapshot,
  naiveParis,
  SeedBuilder,
  type SeedDb,
} from "../helpers/seed-db.js";

const RANDOM_SEED = Number(process.env.SEED_CRASH_SEED ?? Date.now() % 1_000_000);
let state = RANDOM_SEED;
/** A small deterministic generator (mulberry32), so that a failing run can be replayed. */
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let seed: SeedDb;
const pg = await probePostgres();

beforeAll(async () => {
  if (!pg.ok) return;
  console.log(`import-seed crash test: SEED_CRASH_SEED=${RANDOM_SEED}`);
  seed = await createSeedDb();
  const b = new SeedBuilder(seed.client);
  const linky = await b.deviceType("Compteur électrique (Linky)", LINKY_IMPL);
  const dc = await b.sender("Enedis DataConnect", DATACONNECT_IMPL, "0 0/10 * * * ?");
  // Two meters of 40 days (the autumn change inside), with duplicates: 20 chunks of 2 days each.
  for (const [n, prm] of [
    [1, "22516914714270"],
    [2, "25946599093143"],
  ] as const) {
    const user = await b.user(`user${n}@example.org`, `password ${n}`, { rounds: 4 });
    await b.account(user, dc, { usage_point_id: prm, last_consumption_load_curve: 1730156400000 });
    const d = await b.device(user, linky, prm, "Compteur électrique (Linky)");
    const ends = halfHourEnds("2024-10-10", "2024-11-19");
    const rows = ends.map((e, i) => ({
      label: naiveParis(e),
      name: null,
      value: 100 * n + ((i * 37) % 1000),
    }));
    for (let i = 0; i < ends.length; i += 97) rows.push(rows[i]!);
    await b.values(d, rows);
    await b.dayValue("device_value_day", d, "2024-10-15 00:00:00", "basesum", 12_000 + n);
  }
}, 120_000);
afterAll(async () => {
  await seed?.drop();
});

describeEachDatabase("import-seed killed with SIGKILL", (db) => {
  it("resumes after every kill and ends identical to an uninterrupted migration", async () => {
    const ref = await db.freshStore();
    await SeedMigration.run(ref, seed.url, { nowMs: Date.parse("2026-12-01T00:00:00Z"), chunkDays: 2 });
    const want = await migratedSnapshot(ref);

    const t = await db.freshTarget();
    const env = {
      ...Object.fromEntries(ENV_KEYS.map((k) => [k.env, undefined])),
      DATABASE_URL: t.url,
      DATA_DIR: t.dataDir,
      LINKY_NOW: "2026-12-01T00:00:00Z",
    };
    const args = ["import-seed", "--from", seed.url, "--chunk-days", "2"];
    let kills = 0;
    let reached = 0;
    while (kills < 6) {
      const run = spawnCli(args, env);
      const target = reached + 1 + Math.floor(random() * 4);
      const hit = await run.stderrReaches((s) => {
        const seen = [...s.matchAll(/import-seed measures: (\d+)\//g)].map((m) => Number(m[1]));
        return seen.length > 0 && Math.max(...seen) >= target;
      });
      if (!hit) {
        const r = await run.done;
        throw new Error(`the run ended before chunk ${target} (code ${r.code}): ${r.stderr}`);
      }
      const r = await run.kill();
      expect(r.signal).toBe("SIGKILL");
      kills++;
      reached = target;
    }
    const last = await runCliOk(args, env);
    expect(last.stdout).toMatch(/migration done/);
    const got = await openStore({ url: t.url, dataDir: t.dataDir });
    try {
      expect(await migratedSnapshot(got)).toEqual(want);
      // Every migrated day recorded once: a chunk is never committed twice.
      const [dev] = await got.devices.findByMac("22516914714270");
      const ledger = await got.ledger.list(dev!.id, "consumption_load_curve");
      expect(ledger).toHaveLength(40);
      expect(ledger.every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await got.close();
    }
    const again = await runCliOk(args, env);
    expect(again.stdout).toMatch(/nothing to do/);
    expect(kills).toBeGreaterThanOrEqual(5);
  }, 400_000);
});
