/**
 * The operator's command line on a real SQLite database, through the real CLI process: `status` shows
 * the accounts, the quota plan and an API Enedis refused as not subscribed (and `--recheck-apis` forgets
 * it); `sender add` refuses an invalid Quartz cron with exit code 2 and a message naming the field, and
 * writes nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { apiSubscriptionsOf } from "../../src/sync/store-adapter.js";
import { runCli, runCliOk } from "../helpers/cli.js";

describe("CLI status and sender add", () => {
  let dir: string;
  let env: Record<string, string>;
  let store: Store;
  const REFUSED_AT = Date.UTC(2026, 10, 28, 7, 0, 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-cli-status-"));
    env = { DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "linky.db")}` };
    await runCliOk(["migrate"], env);
    await runCliOk(["user", "add", "marie", "--password", "correct horse battery"], env);
    await runCliOk(["sender", "add", "--libelle", "linky", "--impl", "dataconnect"], env);
    await runCliOk(["account", "add", "--user", "marie", "--usage-point", "22516914714270"], env);
    store = await openStore({ url: `sqlite:${join(dir, "linky.db")}`, dataDir: dir });
    await apiSubscriptionsOf(store).record(
      "mesure_synchrone_auto",
      "API not subscribed (900908)",
      REFUSED_AT,
      REFUSED_AT + 3_600_000,
    );
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("status gives the accounts, the plan and the API refused as not subscribed, in JSON and in words", async () => {
    const json = JSON.parse((await runCliOk(["status", "--json"], env)).stdout) as {
      accounts: number;
      budget: { strideDays: number };
      apisNotSubscribed: Array<{ api: string; refusedAtMs: number; refusals: number }>;
    };
    expect(json.accounts).toBe(1);
    expect(json.budget.strideDays).toBe(1);
    expect(json.apisNotSubscribed).toEqual([
      expect.objectContaining({ api: "mesure_synchrone_auto", refusedAtMs: REFUSED_AT, refusals: 1 }),
    ]);
    const words = (await runCliOk(["status"], env)).stdout;
    expect(words).toMatch(/^1 account\(s\)/m);
    expect(words).toContain("API NOT SUBSCRIBED: mesure_synchrone_auto (refused since 2026-11-28T07:00:00");
    expect(words).toContain("status --recheck-apis");
  }, 60_000);

  it("status --recheck-apis forgets the refusal", async () => {
    const out = await runCliOk(["status", "--recheck-apis"], env);
    expect(out.stdout).toContain("1 API refusal(s) forgotten");
    expect(out.stdout).not.toContain("API NOT SUBSCRIBED");
    expect(await apiSubscriptionsOf(store).list()).toEqual([]);
  }, 60_000);

  it("sender add refuses an invalid Quartz cron with exit 2, names the field and writes nothing", async () => {
    const before = await store.senders.list({ limit: 100 });
    const r = await runCli(
      ["sender", "add", "--libelle", "bad", "--impl", "dataconnect", "--cron", "0 0/10 * * * *"],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("day-of-month and day-of-week: exactly one must be '?'");
    expect(await store.senders.list({ limit: 100 })).toEqual(before);
  }, 60_000);
});
