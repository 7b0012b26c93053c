/**
 * Secrets at rest: AES-256-GCM with a random 12-byte IV per message and its 16-byte auth tag, written as
 * versioned text `v1:<iv>:<tag>:<ciphertext>` (base64). An optional context (the secret's name) is bound
 * as associated data, so a ciphertext copied under another name does not decrypt.
 *
 * The key comes from the configuration (`security.secretKey`: 32 bytes, base64 or hex) or is generated
 * once into `<dataDir>/secret.key` (0600) and reused afterwards. Neither keys nor plaintexts ever appear
 * in messages.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";

export const SECRET_KEY_FILE = "secret.key";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = "v1";

export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

const HEX_KEY_RE = /^[0-9a-fA-F]{64}$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Reads a 32-byte key written as 64 hex digits or base64 (standard or URL-safe). */
export function parseSecretKey(text: string, what = "secret key"): Buffer {
  const s = text.trim();
  let key: Buffer | undefined;
  if (HEX_KEY_RE.test(s)) key = Buffer.from(s, "hex");
  else if (BASE64_RE.test(s)) key = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key?.length !== KEY_BYTES) {
    // Never echo the text: it may be a real key with a typo.
    throw new SecretBoxError(`${what} must be ${KEY_BYTES} bytes written as base64 or 64 hex digits`);
  }
  return key;
}

function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

/**
 * Reads `<dataDir>/secret.key`, or creates it with a fresh random key (mode 0600). Creation is atomic
 * (a temporary file hard-linked into place), so processes starting together agree on one key.
 */
export function loadOrCreateKeyFile(dataDir: string): { key: Buffer; path: string; created: boolean } {
  const path = join(dataDir, SECRET_KEY_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let created = false;
  try {
    statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, `${randomBytes(KEY_BYTES).toString("base64")}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
      created = true;
    } catch (err) {
      // Another process won the race: use its key.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  if (process.platform !== "win32") {
    const mode = fileMode(path);
    if ((mode & 0o077) !== 0) {
      throw new SecretBoxError(
        `${path} is readable by other users (mode ${mode.toString(8)}); restrict it with: chmod 600 ${path}`,
      );
    }
  }
  return { key: parseSecretKey(readFileSync(path, "utf8"), `key file ${path}`), path, created };
}

export interface SecretBoxSource {
  /** From the configuration (`security.secretKey`), base64 or hex; wins over the key file. */
  secretKey?: string | undefined;
  /** Where `secret.key` is read or generated when no key is configured. */
  dataDir: string;
}

export class SecretBox {
  readonly #key: Buffer;
  /** A short fingerprint of the key (not secret), to tell keys apart in logs. */
  readonly keyId: string;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`an AES-256 key is ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    this.keyId = createHash("sha256").update(this.#key).digest("hex").slice(0, 8);
  }

  /** The configured key, or the data directory's key file (created on first use). */
  static load(source: SecretBoxSource): SecretBox {
    if (source.secretKey !== undefined && source.secretKey !== "") {
      return new SecretBox(parseSecretKey(source.secretKey, "security.secretKey"));
    }
    return new SecretBox(loadOrCreateKeyFile(source.dataDir).key);
  }

  encrypt(plaintext: string, context = ""): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
  }

  /** Throws a `SecretBoxError` for a malformed text, another key, another context, or any tampering. */
  decrypt(text: string, context = ""): string {
    const parts = text.split(":");
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretBoxError(
        `not an encrypted secret of a known format (expected ${VERSION}:<iv>:<tag>:<ciphertext>)`,
      );
    }
    const [, ivText = "", tagText = "", ctText = ""] = parts;
    const iv = Buffer.from(ivText, "base64");
    const tag = Buffer.from(tagText, "base64");
    const ciphertext = Buffer.from(ctText, "base64");
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || !/^[A-Za-z0-9+/]*={0,2}$/.test(ctText)) {
      throw new SecretBoxError("encrypted secret is malformed (bad IV, tag or ciphertext)");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch (e) {
      throw new SecretBoxError(
        "cannot decrypt secret: it was tampered with, or encrypted with another key or for another name",
        { cause: e },
      );
    }
  }

  toJSON(): string {
    return `SecretBox(${this.keyId})`;
  }

  [inspect.custom](): string {
    return `SecretBox(${this.keyId})`;
  }
}
