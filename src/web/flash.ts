/**
 * Flash values: what a POST hands to the page its redirect leads to (POST-redirect-GET), kept encrypted
 * in the store (secrets table) for a few minutes: a new API token's plaintext (shown once), an API
 * test's answer. The expiry is in the record's name, so that expired ones are deleted without being
 * decrypted, at every write.
 */
import type { Store } from "../store/index.js";

const PREFIX = "flash:";

export class Flash {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  private async names(key: string): Promise<string[]> {
    return (await this.store.secrets.names()).filter((n) => n.startsWith(PREFIX) && n.endsWith(`:${key}`));
  }

  /** Keeps `value` under `key` for `ttlMs` (replacing an earlier one), and forgets expired values. */
  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const nowMs = this.now();
    for (const name of await this.store.secrets.names()) {
      if (!name.startsWith(PREFIX)) continue;
      const exp = parseInt(name.slice(PREFIX.length).split(":")[0] ?? "", 36);
      if (!Number.isFinite(exp) || exp <= nowMs || name.endsWith(`:${key}`))
        await this.store.secrets.delete(name);
    }
    await this.store.secrets.put(`${PREFIX}${(nowMs + ttlMs).toString(36)}:${key}`, value);
  }

  /** The value if it has not expired; `once` deletes it as it is read. */
  async get(key: string, opts: { once?: boolean } = {}): Promise<string | null> {
    for (const name of await this.names(key)) {
      const exp = parseInt(name.slice(PREFIX.length).split(":")[0] ?? "", 36);
      const value = exp > this.now() ? await this.store.secrets.get(name) : undefined;
      if (opts.once || value === undefined) await this.store.secrets.delete(name);
      if (value !== undefined) return value;
    }
    return null;
  }
}
