/**
 * Issue 17, `sender add` for alert channels (an extension of contract.md's command): settings with
 * `--set key=value`, checked like the admin form; secrets from standard input (`--secrets-stdin`, never
 * on the command line), stored encrypted; `--disabled`; bad usage exits 2 naming the key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretName } from "../../src/alerts/channels/types.js";
import { openStore, type Store } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";

describe("sender add for alert channels", () => {
  let dir: string;
  let env: Record<string, string>;
  let store: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-cli-sender-"));
    env = { DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "linky.db")}` };
    store = await openStore({ url: env.DATABASE_URL!, dataDir: dir });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates an e-mail channel with its settings and its password from stdin", async () => {
    const r = await runCli(
      [
        "sender",
        "add",
        "--libelle",
        "Courriel",
        "--impl",
        "EmailNotificationSender",
        "--set",
        "host=smtp.example.org",
        "--set",
        "username=linky",
        "--set",
        "from=linky@example.org",
        "--secrets-stdin",
        "--json",
      ],
      env,
      { input: '{"password":"cli-smtp-password"}\n' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("cli-smtp-password");
    const s = (await store.senders.findByLibelle("Courriel"))!;
    expect(s).toMatchObject({ implClass: "email", enabled: true, cron: null });
    expect(s.config).toMatchObject({ host: "smtp.example.org", port: 587, security: "starttls" });
    expect(JSON.parse((await store.secrets.get(secretName(s.id)))!)).toEqual({
      password: "cli-smtp-password",
    });
  });

  it("creates a webhook disabled, and refuses one without its signing key", async () => {
    const args = ["sender", "add", "--impl", "webhook", "--set", "url=https://hooks.example.org/x"];
    const missing = await runCli([...args, "--libelle", "Crochet"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("secret signingKey: Ce secret est obligatoire.");
    const ok = await runCli([...args, "--libelle", "Crochet", "--secrets-stdin", "--disabled"], env, {
      input: '{"signingKey":"0123456789abcdef-key"}\n',
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await store.senders.findByLibelle("Crochet"))?.enabled).toBe(false);
  });

  it("names the key at fault: an unknown setting, a bad value, a cron on a channel", async () => {
    const unknown = await runCli(
      ["sender", "add", "--libelle", "X", "--impl", "freemobile", "--set", "foo=1"],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--set foo=1: freemobile settings are baseUrl");
    const bad = await runCli(
      [
        "sender",
        "add",
        "--libelle",
        "X",
        "--impl",
        "email",
        "--set",
        "host=h",
        "--set",
        "port=abc",
        "--set",
        "from=a@b.fr",
      ],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--set port: Un nombre entier est attendu.");
    const cron = await runCli(
      ["sender", "add", "--libelle", "X", "--impl", "mqtt", "--cron", "0 0 * * * ?"],
      env,
    );
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain("an alert channel (mqtt) has no cron");
    expect(await store.senders.findByLibelle("X")).toBeUndefined();
  });
});
