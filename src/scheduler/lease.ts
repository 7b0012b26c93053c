/**
 * One sync of an account at a time, whatever starts it: a scheduler job (in any `serve` or `worker`
 * process), the first sync after a consent, the CLI `sync` command. The job queue's serial group already
 * keeps two jobs of an account apart; the lease (table `account_lease`, migration 005) also covers the
 * syncs that do not go through the queue. Its holder renews it while the sync runs (a sync may wait long
 * for the hourly quota) and deletes it when done; a holder that died leaves a lease that expires after
 * `ttlMs`, then another process may take it.
 *
 * A sync reads the account (its cursors) only once it holds the lease: a cursor read before could be
 * older than what the previous holder wrote.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import type { SyncSettings } from "../sync/account-sync.js";
import { syncOneAccount, type AccountRunResult, type SyncRunDeps } from "../sync/service.js";

export interface LeaseOptions {
  /** The clock the expiry is written with (the application's, which tests control). */
  now: () => number;
  /** Who holds it, in logs (a unique suffix is added per acquisition). */
  label: string;
  /** A lease not renewed for this long is taken as abandoned (ms, default 30 s). */
  ttlMs?: number;
  /** How often the holder renews it (real time, ms, default ttl / 6: 5 s). */
  renewEveryMs?: number;
  /** Wait up to this long (real time) for a busy lease instead of giving up at once (default 0). */
  waitMs?: number;
  /** Time between two tries while waiting (real time, ms, default 500). */
  pollMs?: number;
  log?: (message: string) => void;
}

export type LeaseResult<T> = { ran: true; value: T } | { ran: false; holder: string | null };

const DEFAULT_TTL_MS = 30_000;

/**
 * Where this process lives, as far as another process can check it is alive: the kernel's boot and the
 * PID namespace (Linux), so that two containers or two machines never mistake each other's pids. Null
 * elsewhere: then a dead holder's lease only expires.
 */
function processPlace(): string | null {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    return boot && ns ? `${boot.slice(0, 8)}:${ns}` : null;
  } catch {
    return null;
  }
}

const PLACE = processPlace();

/** A holder's name: `label`, then `@place#pid` when this platform can name the process's place. */
export function holderName(label: string, pid: number = process.pid): string {
  return PLACE ? `${label} @${PLACE}#${pid}` : label;
}

/**
 * True when `holder` names a process of this machine and PID namespace that no longer exists (it was
 * killed: its lease would otherwise block the account until it expires).
 */
export function holderIsDead(holder: string): boolean {
  const m = / @([^#\s]+)#(\d+)$/.exec(holder);
  if (!m || !PLACE || m[1] !== PLACE) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Runs `fn` while holding the account's sync lease; `{ ran: false }` (fn not called) when another holder
 * has it (after `waitMs`).
 */
export async function withAccountLease<T>(
  store: Store,
  accountId: number,
  opts: LeaseOptions,
  fn: () => Promise<T>,
): Promise<LeaseResult<T>> {
  const repo = store.scheduler;
  const ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  const holder = holderName(`${opts.label} ${randomUUID().slice(0, 8)}`);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  while (!(await repo.acquireAccountLease(accountId, holder, opts.now(), opts.now() + ttl))) {
    const current = await repo.accountLeaseHolder(accountId);
    // A holder killed on this machine (a CLI sync stopped by SIGKILL, a crashed worker) is taken over
    // at once rather than after its lease's expiry.
    if (current && holderIsDead(current.holder)) {
      if (await repo.takeOverAccountLease(accountId, current.holder, holder, opts.now() + ttl)) {
        opts.log?.(`account ${accountId}: sync lease of a process that died (${current.holder}) taken over`);
        break;
      }
      continue;
    }
    if (Date.now() >= deadline) return { ran: false, holder: current?.holder ?? null };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = repo.renewAccountLease(accountId, holder, opts.now() + ttl).then(
        (kept) => {
          if (!kept) opts.log?.(`account ${accountId}: sync lease lost (not renewed in time)`);
        },
        (e: unknown) => opts.log?.(`account ${accountId}: sync lease not renewed: ${String(e)}`),
      );
    },
    opts.renewEveryMs ?? Math.max(1000, ttl / 6),
  );
  timer.unref();
  try {
    return { ran: true, value: await fn() };
  } finally {
    clearInterval(timer);
    await renewing;
    await repo.releaseAccountLease(accountId, holder).catch((e: unknown) => {
      // It expires by itself.
      opts.log?.(`account ${accountId}: sync lease not released: ${String(e)}`);
    });
  }
}

/**
 * Syncs an account under its lease, reading it once the lease is held. `{ ran: false }` when another
 * sync of the account is running (or the account is gone: holder null).
 */
export async function syncAccountLeased(
  deps: SyncRunDeps,
  accountId: number,
  settings: Partial<SyncSettings>,
  opts: Omit<LeaseOptions, "now">,
): Promise<LeaseResult<AccountRunResult | null>> {
  return withAccountLease(deps.store, accountId, { ...opts, now: deps.now }, async () => {
    const account: Account | undefined = await deps.store.accounts.findById(accountId);
    if (!account) return null;
    return syncOneAccount(deps, account, settings);
  });
}
