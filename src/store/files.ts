/**
 * The data directory holds personal data (measures, the database's encrypted secrets, the key that
 * decrypts them): it is created 0700 and every file the service creates in it 0600, whatever the umask.
 * Existing files are never changed behind the operator's back; start-up warns when they are wider.
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and its parents) 0700 if it does not exist. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty file 0600 if none exists (SQLite gives its -wal and -shm files the same mode). */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", PRIVATE_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, "0");

/**
 * What in the data directory other local users can read or enter: the directory itself and the files
 * directly in it. One line per problem, with the command that fixes it; empty when all is private.
 */
export function permissionWarnings(dir: string): string[] {
  const out: string[] = [];
  let st;
  try {
    st = statSync(dir);
  } catch {
    return out;
  }
  if ((st.mode & 0o077) !== 0)
    out.push(`data directory ${dir} is open to other local users (mode ${octal(st.mode)}): chmod 700 ${dir}`);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      const f = statSync(path);
      if (f.isFile() && (f.mode & 0o077) !== 0)
        out.push(`${path} is readable by other local users (mode ${octal(f.mode)}): chmod 600 ${path}`);
    } catch {
      // Gone meanwhile (a -shm file at close): nothing to say.
    }
  }
  return out;
}
