/**
 * Finding 10 of the security review: PRMs (personal data) were written in log lines (the sync's progress
 * lines, failures, the consent's and first sync's lines). Logs now name accounts by id, and every log sink
 * drops any 14-digit number that would still come through an error message.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withoutPrms } from "../../src/domain/redact.js";
import { runCli, runCliOk } from "../helpers/cli.js";

const PRM = "22516914714270";
const FOURTEEN_DIGITS = /(?<![0-9])[0-9]{14}(?![0-9])/;

describe("no PRM in the logs of a sync", () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-logs-"));
    env = {
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      SYNC_BACKFILL_MONTHS_CURVE: "1",
      SYNC_BACKFILL_MONTHS_DAILY: "1",
      ENEDIS_QUOTA_PER_SECOND: "1000",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
      LINKY_NOW: "2026-11-28T11:00:00Z",
    };
    await runCliOk(["user", "add", "marie", "--password-stdin"], env, { input: "correct horse battery\n" });
    await runCliOk(["sender", "add", "--libelle", "Enedis DataConnect", "--impl", "dataconnect"], env);
    await runCliOk(["account", "add", "--user", "marie", "--usage-point", PRM], env);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("progress and summary lines on stderr name the account, never the PRM", async () => {
    const r = await runCli(["sync", "--usage-point", PRM], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sync 1\/\d+ account 1 /);
    expect(r.stderr).not.toMatch(FOURTEEN_DIGITS);
    // The result on stdout answers the operator's own question (the PRM they typed) and may name it.
    expect(r.stdout).toContain("(account 1)");
  }, 120_000);

  it("a log sink drops a PRM that an error message carries", () => {
    expect(withoutPrms(`GET /v2/daily?usage_point_id=${PRM} failed`)).toBe(
      "GET /v2/daily?usage_point_id=[PRM] failed",
    );
    // Epoch milliseconds (13 digits) and longer numbers are left alone.
    expect(withoutPrms("at 1764327600000, id 123456789012345")).toBe("at 1764327600000, id 123456789012345");
  });
});
