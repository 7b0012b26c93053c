/**
 * Password hashing with scrypt (node:crypto, no native dependency): `scrypt$N$r$p$salt$hash`, base64.
 * Parameters are stored with the hash so that they can be raised later without breaking old hashes:
 * a hash made with weaker parameters than today's verifies as before and `needsRehash` tells the sign-in
 * to store a new one (OWASP's scrypt minimum: N=2^17, r=8, p=1; 128 MiB and about half a second here).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Today's parameters. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const KEYLEN = 32;
/** scrypt needs 128 × N × r bytes; the default cap (32 MiB) is below that for N=2^17. */
const maxmemFor = (q: ScryptParams) => 128 * q.N * q.r + 16 * 1024 * 1024;
/** Stored parameters above these are refused (a forged row must not make us allocate gigabytes). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/** Why a password is refused, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `a password may not exceed ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEYLEN, { ...params, maxmem: maxmemFor(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** The parameters of a stored hash, or null when it is not one of ours. */
export function hashParams(stored: string): ScryptParams | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const valid = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!valid(N, MAX_N) || !valid(r, MAX_R) || !valid(p, MAX_P) || (N & (N - 1)) !== 0 || N < 2) return null;
  return { N, r, p };
}

/** True when the hash was made with weaker parameters than today's (store a new one at the next sign-in). */
export function needsRehash(stored: string): boolean {
  const q = hashParams(stored);
  return q === null || q.N < SCRYPT_PARAMS.N || q.r < SCRYPT_PARAMS.r || q.p < SCRYPT_PARAMS.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const q = hashParams(stored);
  if (q === null) return false;
  const parts = stored.split("$");
  const salt = Buffer.from(parts[4] as string, "base64");
  const expected = Buffer.from(parts[5] as string, "base64");
  if (expected.length === 0 || expected.length > 128) return false;
  const key = await scryptAsync(password, salt, expected.length, { ...q, maxmem: maxmemFor(q) });
  return timingSafeEqual(key, expected);
}
