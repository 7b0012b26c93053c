import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP_TOKEN_SECRET,
  loadOrCreateKeyFile,
  openStore,
  parseSecretKey,
  SECRET_KEY_FILE,
  SecretBox,
  SecretBoxError,
} from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "linky-key-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PLAINTEXT = "refresh-token-Sécret-✓-0123456789";

function flipBase64Char(s: string): string {
  const c = s[0] === "A" ? "B" : "A";
  return c + s.slice(1);
}

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));

  it("round-trips text with a fresh IV each time, in the versioned format", () => {
    const a = box.encrypt(PLAINTEXT);
    const b = box.encrypt(PLAINTEXT);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("Sécret");
    expect(box.decrypt(a)).toBe(PLAINTEXT);
    expect(box.decrypt(box.encrypt(""))).toBe("");
  });

  it("detects tampering with the IV, the tag or the ciphertext", () => {
    const text = box.encrypt(PLAINTEXT, "name");
    const [v, iv, tag, ct] = text.split(":") as [string, string, string, string];
    for (const bad of [
      [v, flipBase64Char(iv), tag, ct],
      [v, iv, flipBase64Char(tag), ct],
      [v, iv, tag, flipBase64Char(ct)],
    ]) {
      expect(() => box.decrypt(bad.join(":"), "name")).toThrow(SecretBoxError);
      expect(() => box.decrypt(bad.join(":"), "name")).toThrow(/tampered/);
    }
  });

  it("refuses another context, another key and malformed texts, without echoing the secret", () => {
    const text = box.encrypt(PLAINTEXT, "a");
    expect(() => box.decrypt(text, "b")).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(32)).decrypt(text, "a")).toThrow(SecretBoxError);
    for (const bad of ["", "v2:a:b:c", "v1:only:three", "v1:AAAA:AAAA:AAAA", PLAINTEXT]) {
      const err = (() => {
        try {
          box.decrypt(bad);
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(SecretBoxError);
      expect(err?.message).not.toContain("Sécret");
    }
  });

  it("reads keys as hex or base64 and never prints one", () => {
    const key = randomBytes(32);
    const hex = new SecretBox(parseSecretKey(key.toString("hex")));
    const b64 = new SecretBox(parseSecretKey(key.toString("base64")));
    const url = new SecretBox(parseSecretKey(key.toString("base64url")));
    expect(hex.keyId).toBe(b64.keyId);
    expect(url.keyId).toBe(b64.keyId);
    expect(b64.decrypt(hex.encrypt("x"))).toBe("x");
    const wrong = key.toString("hex").slice(0, 60);
    expect(() => parseSecretKey(wrong)).toThrow(SecretBoxError);
    expect(() => parseSecretKey(wrong)).not.toThrow(new RegExp(wrong));
    expect(() => parseSecretKey("not a key at all")).toThrow(/32 bytes/);
    expect(inspect(hex)).toBe(`SecretBox(${hex.keyId})`);
    expect(JSON.stringify({ hex })).not.toContain(key.toString("base64"));
  });

  it("generates the key file once with mode 0600 and reuses it", () => {
    const dir = join(tempDir(), "nested", "data");
    const first = loadOrCreateKeyFile(dir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir, SECRET_KEY_FILE));
    if (process.platform !== "win32") expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyFile(dir);
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
    expect(readFileSync(first.path, "utf8").trim()).toBe(first.key.toString("base64"));
    const box = SecretBox.load({ dataDir: dir });
    expect(new SecretBox(first.key).decrypt(box.encrypt("y"))).toBe("y");
  });

  it("prefers the configured key over the key file", () => {
    const dir = tempDir();
    const configured = randomBytes(32);
    const box = SecretBox.load({ dataDir: dir, secretKey: configured.toString("base64") });
    expect(box.keyId).toBe(new SecretBox(configured).keyId);
    expect(() => statSync(join(dir, SECRET_KEY_FILE))).toThrow();
  });

  it.skipIf(process.platform === "win32")("refuses a key file others can read", () => {
    const dir = tempDir();
    const { path } = loadOrCreateKeyFile(dir);
    chmodSync(path, 0o644);
    expect(() => loadOrCreateKeyFile(dir)).toThrow(/readable by other users .*chmod 600/);
  });
});

describeEachDatabase("store: encrypted secrets", (db) => {
  it("stores secrets encrypted and bound to their name", async () => {
    const store = db.getStore();
    expect(await store.secrets.put("client_secret", PLAINTEXT)).toBe(1);
    expect(await store.secrets.get("client_secret")).toBe(PLAINTEXT);
    const row = await store.database.db
      .selectFrom("app_secret")
      .selectAll()
      .where("name", "=", "client_secret")
      .executeTakeFirstOrThrow();
    expect(row.ciphertext.startsWith("v1:")).toBe(true);
    expect(row.ciphertext).not.toContain("Sécret");

    // The ciphertext copied under another name does not decrypt.
    await store.database.db
      .insertInto("app_secret")
      .values({ name: "stolen", ciphertext: row.ciphertext, version: 1, updated_at_ms: 0 })
      .execute();
    await expect(store.secrets.get("stolen")).rejects.toBeInstanceOf(SecretBoxError);
    expect(await store.secrets.delete("stolen")).toBe(true);
    expect(await store.secrets.get("missing")).toBeUndefined();
  });

  it("versions writes and compares-and-sets", async () => {
    const store = db.getStore();
    expect(await store.secrets.compareAndSet("cas", "a", null)).toBe(true);
    expect(await store.secrets.compareAndSet("cas", "b", null)).toBe(false);
    expect(await store.secrets.getEntry("cas")).toMatchObject({ value: "a", version: 1 });
    expect(await store.secrets.compareAndSet("cas", "c", 1)).toBe(true);
    expect(await store.secrets.compareAndSet("cas", "d", 1)).toBe(false);
    expect(await store.secrets.put("cas", "e")).toBe(3);
    expect(await store.secrets.getEntry("cas")).toMatchObject({ value: "e", version: 3 });
    expect(await store.secrets.names()).toEqual(expect.arrayContaining(["cas", "client_secret"]));
  });

  it("keeps the shared application token for the client's TokenStore", async () => {
    const store = db.getStore();
    const tokens = store.secrets.tokenStore();
    expect(await tokens.load()).toBeNull();
    await tokens.save({ accessToken: "tok-123", expiresAtMs: 1_700_000_000_000 });
    expect(await tokens.load()).toEqual({ accessToken: "tok-123", expiresAtMs: 1_700_000_000_000 });
    expect(await store.secrets.get(APP_TOKEN_SECRET)).toContain("tok-123");
    await tokens.clear();
    expect(await tokens.load()).toBeNull();
  });

  it("reads its secrets after a reopen with the generated key, not with another key", async () => {
    const t = await db.freshTarget();
    const first = await openStore({ url: t.url, dataDir: t.dataDir });
    await first.secrets.put("s", "kept");
    await first.close();
    const again = await openStore({ url: t.url, dataDir: t.dataDir });
    expect(await again.secrets.get("s")).toBe("kept");
    await again.close();
    const other = await openStore({
      url: t.url,
      dataDir: t.dataDir,
      secretKey: randomBytes(32).toString("hex"),
    });
    await expect(other.secrets.get("s")).rejects.toThrow(/another key/);
    await other.close();
  });
});
