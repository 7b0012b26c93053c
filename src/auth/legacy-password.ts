/**
 * Passwords migrated from the original application (Spring Security, bcrypt `$2a$10$…`): checked with
 * bcryptjs at the first sign-in, then replaced by one of ours (`needsRehash` is true for any hash that is
 * not our scrypt), so that no bcrypt hash survives a user's first sign-in. bcrypt reads only the first 72
 * bytes of the UTF-8 password, as the original did.
 */
import bcrypt from "bcryptjs";
import { verifyPassword } from "./password.js";

const BCRYPT_RE = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(stored: string): boolean {
  return BCRYPT_RE.test(stored);
}

/** Our scrypt hashes, and the original application's bcrypt ones. */
export async function verifyStoredPassword(password: string, stored: string): Promise<boolean> {
  if (isBcryptHash(stored)) return bcrypt.compare(password, stored);
  return verifyPassword(password, stored);
}
