/**
 * When a publisher should look at a meter again: at start (every meter), on `sync.finished` from this
 * process's event bus, and when polling the accounts finds a sync that another process ran (a `worker` on
 * the shared PostgreSQL) or a consent state that changed.
 */
import type { EventBus } from "../app/events.js";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import { dataConnectAccounts } from "../sync/service.js";

export interface MeterRef {
  accountId: number;
  deviceId: number;
  /** The PRM. */
  usagePointId: string;
}

export interface SyncWatcherDeps {
  store: Store;
  events?: EventBus | undefined;
  /** Polling period, ms (default 5 min; 0 = no polling). */
  intervalMs?: number;
  log: (message: string) => void;
}

function fingerprint(a: Account): string {
  return `${a.config.last_sync?.finished_at_ms ?? ""}|${a.config.expired === true}`;
}

export class SyncWatcher {
  private readonly seen = new Map<number, string>();
  private timer: NodeJS.Timeout | null = null;
  private off: (() => void) | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly deps: SyncWatcherDeps,
    private readonly onMeter: (m: MeterRef) => void,
  ) {}

  /** Subscribes, then reports every meter once (awaited), then polls. */
  async start(): Promise<void> {
    this.off =
      this.deps.events?.on("sync.finished", (e) => {
        this.onMeter({ accountId: e.accountId, deviceId: e.deviceId, usagePointId: e.usagePointId });
      }) ?? null;
    await this.poll(true);
    const every = this.deps.intervalMs ?? 300_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.polling ??= this.poll(false)
          .catch((e: unknown) => this.deps.log(`publish: polling accounts failed: ${String(e)}`))
          .finally(() => {
            this.polling = null;
          });
      }, every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Every DataConnect meter (a device with an account), in account order. */
  async meters(): Promise<Array<MeterRef & { account: Account }>> {
    const out: Array<MeterRef & { account: Account }> = [];
    for (const account of await dataConnectAccounts(this.deps.store)) {
      const device = await this.deps.store.devices.findByUserAndMac(account.userId, account.usagePointId);
      if (!device) continue; // never synced: nothing to publish yet
      out.push({ accountId: account.id, deviceId: device.id, usagePointId: account.usagePointId, account });
    }
    return out;
  }

  private async poll(all: boolean): Promise<void> {
    for (const m of await this.meters()) {
      const f = fingerprint(m.account);
      const changed = this.seen.get(m.accountId) !== f;
      this.seen.set(m.accountId, f);
      if (all || changed)
        this.onMeter({ accountId: m.accountId, deviceId: m.deviceId, usagePointId: m.usagePointId });
    }
  }
}
