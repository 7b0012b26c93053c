import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig, resolveEnedis } from "../../src/config/load.js";

const tmp = mkdtempSync(join(tmpdir(), "linky-config-"));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe("configuration", () => {
  it("defaults: embedded SQLite, simulator, quotas of Enedis", () => {
    const c = loadConfig({ env: {} });
    expect(c.database.url).toBe("sqlite:./data/linky.db");
    expect(c.enedis.api).toBe("2026");
    expect(c.enedis.consent).toBe("v2");
    expect(c.enedis.quota).toEqual({ perSecond: 5, perHour: 1000, interactiveShare: 0.05 });
    expect(c.server.port).toBe(3000);
    expect(resolveEnedis(c)).toEqual({ env: "simulator", apiUrl: null, authorizeUrl: null });
  });

  it("DATA_DIR moves the SQLite database with the key, unless DATABASE_URL names one", () => {
    expect(loadConfig({ env: { DATA_DIR: "/srv/linky/" } }).database.url).toBe("sqlite:/srv/linky/linky.db");
    expect(loadConfig({ env: { DATA_DIR: "/srv/linky" } }).data.dir).toBe("/srv/linky");
    expect(
      loadConfig({ env: { DATA_DIR: "/srv/linky", DATABASE_URL: "sqlite:/elsewhere/x.db" } }).database.url,
    ).toBe("sqlite:/elsewhere/x.db");
  });

  it("a YAML file mirrors the seed's enedis block; environment variables override it", () => {
    const f = file(
      "c.yml",
      "enedis:\n  appName: Mon portail\n  client_id: id1\n  client_secret: s3cret\n  env: sandbox\n  quota:\n    perSecond: 2\n",
    );
    const c = loadConfig({
      file: f,
      env: { ENEDIS_QUOTA_PER_HOUR: "500", DATABASE_URL: "postgres://u@h/db" },
    });
    expect(c.enedis.appName).toBe("Mon portail");
    expect(c.enedis.quota).toEqual({ perSecond: 2, perHour: 500, interactiveShare: 0.05 });
    expect(c.database.url).toBe("postgres://u@h/db");
    expect(resolveEnedis(c)).toEqual({
      env: "sandbox",
      apiUrl: "https://gw.ext.prod-sandbox.api.enedis.fr",
      authorizeUrl: "https://mon-compte-particulier.enedis.fr",
    });
    expect(resolveEnedis(loadConfig({ env: { ENEDIS_CLIENT_ID: "a", ENEDIS_CLIENT_SECRET: "b" } })).env).toBe(
      "prod",
    );
  });

  it("JSON files too", () => {
    const c = loadConfig({ file: file("c.json", '{"server":{"port":8080}}'), env: {} });
    expect(c.server.port).toBe(8080);
  });

  it("an unknown key or a bad value is an error naming its path", () => {
    expect(() => loadConfig({ file: file("u.json", '{"enedis":{"clientId":"x"}}'), env: {} })).toThrow(
      /unknown key enedis\.clientId/,
    );
    expect(() =>
      loadConfig({ file: file("b.json", '{"enedis":{"quota":{"perSecond":-1}}}'), env: {} }),
    ).toThrow(/enedis\.quota\.perSecond/);
    expect(() => loadConfig({ env: { ENEDIS_API: "v4" } })).toThrow(/enedis\.api/);
    expect(() => loadConfig({ env: { PORT: "abc" } })).toThrow(/PORT \(server\.port\) must be a number/);
    expect(() => loadConfig({ env: { DATABASE_URL: "mysql://x" } })).toThrow(/database\.url/);
    expect(() => loadConfig({ file: join(tmp, "missing.yml"), env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: file("bad.json", "{"), env: {} })).toThrow(/not valid JSON/);
  });

  it("prod without credentials is refused; secrets are masked when printed", () => {
    expect(() => resolveEnedis(loadConfig({ env: { ENEDIS_ENV: "prod" } }))).toThrow(/client_id/);
    const c = loadConfig({ env: { ENEDIS_CLIENT_ID: "id", ENEDIS_CLIENT_SECRET: "very-secret-value" } });
    expect(JSON.stringify(redactConfig(c))).not.toContain("very-secret-value");
    const urls = loadConfig({
      env: { DATABASE_URL: "postgres://u:db-pass@h:5432/x", MQTT_URL: "mqtt://m:mq-pass@h:1883" },
    });
    const shown = JSON.stringify(redactConfig(urls));
    expect(shown).not.toContain("db-pass");
    expect(shown).not.toContain("mq-pass");
    expect(shown).toContain("postgres://u:…@h:5432/x");
  });
});
