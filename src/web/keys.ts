/**
 * Keys of the web layer, derived with HKDF-SHA256 from the application's secret key (`security.secretKey`,
 * or the generated `<data.dir>/secret.key`, the same key the store encrypts secrets with). Each purpose
 * gets its own key, so that a cookie signature can never be replayed as a consent state, and none of them
 * reveals the master key.
 */
import { hkdfSync } from "node:crypto";
import type { Config } from "../config/schema.js";
import { loadOrCreateKeyFile, parseSecretKey } from "../store/index.js";

export interface WebKeys {
  /** Signs the session and flash cookies (@fastify/cookie). */
  cookie: Buffer;
  /** HMAC key of the CSRF tokens (bound to the session). */
  csrf: Buffer;
  /** HMAC key of the consent `state`. */
  consentState: Buffer;
  /** Fingerprints a password hash, so that changing a password ends the sessions opened with the old one. */
  session: Buffer;
}

const SALT = Buffer.from("linky-dataconnect/web/v1", "utf8");

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", master, SALT, Buffer.from(purpose, "utf8"), 32));
}

export function deriveWebKeys(master: Buffer): WebKeys {
  if (master.length < 32) throw new RangeError("the master key must be at least 32 bytes");
  return {
    cookie: derive(master, "cookie-signature"),
    csrf: derive(master, "csrf-token"),
    consentState: derive(master, "consent-state"),
    session: derive(master, "session-fingerprint"),
  };
}

/** The master key as the store loads it: the configured one, else the data directory's key file. */
export function masterKeyOf(config: Config): Buffer {
  const configured = config.security.secretKey;
  if (configured !== undefined && configured !== "") return parseSecretKey(configured, "security.secretKey");
  return loadOrCreateKeyFile(config.data.dir).key;
}
