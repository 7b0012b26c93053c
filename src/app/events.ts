/**
 * The one typed event bus of a process: features talk through it, never to each other. The composition
 * root creates it; producers (the sync) emit, consumers (the publishers) listen.
 *
 * Glossary
 * - `sync.finished`: one account's sync ended (whatever its outcome); its data, watermarks and consent
 *   state in the store are up to date for that account.
 * - `meter.erased`: a meter (device) and its data were erased (a service or a user deleted); publishers
 *   clear what they published about its PRM unless another user's meter has the same PRM.
 * - `tempo.updated`: Tempo colours were stored (tomorrow's, fetched after it was published); publishers
 *   showing today's and tomorrow's colour read them again.
 *
 * Listeners run after `emit` returns (on a microtask), one failure never reaches the emitter nor the other
 * listeners: it is logged.
 */
import type { SyncOutcome } from "../store/repositories/accounts.js";

export interface AppEvents {
  "sync.finished": {
    accountId: number;
    deviceId: number;
    /** The PRM. */
    usagePointId: string;
    outcome: SyncOutcome;
  };
  "meter.erased": {
    /** The PRM of the erased meter. */
    usagePointId: string;
  };
  "tempo.updated": {
    /** The Paris days whose colour was stored. */
    days: string[];
    /** The provider that gave them. */
    source: string;
  };
}

export type AppEventName = keyof AppEvents;
export type Listener<K extends AppEventName> = (payload: AppEvents[K]) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Map<AppEventName, Set<Listener<AppEventName>>>();

  constructor(private readonly log: (message: string) => void = () => {}) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends AppEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const l = listener as Listener<AppEventName>;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  emit<K extends AppEventName>(name: K, payload: AppEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const l of [...set]) {
      queueMicrotask(() => {
        try {
          Promise.resolve(l(payload)).catch((e: unknown) => this.fail(name, e));
        } catch (e) {
          this.fail(name, e);
        }
      });
    }
  }

  /** Listeners of an event (tests, diagnostics). */
  listenerCount(name: AppEventName): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  private fail(name: string, e: unknown): void {
    this.log(`events: a ${name} listener failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
