/**
 * The alerts' evaluation: runs the detectors (alerts/detect) over a meter and raises what they find,
 * each alert with its deliveries in one transaction, its `notBeforeMs` from the user's quiet hours.
 *
 * When: after `sync.finished` for that account (every kind; `alerts.evaluate.onSync`), after
 * `tempo.updated` (the Tempo kind, every meter), and on a daily tick at `alerts.evaluate.dailyAt` (Paris)
 * over every meter for the time-based kinds (consent end, gateway token, stale data, Tempo tomorrow),
 * once at start too, so that a day missed while the
 * process was down is caught up. Idempotent: the store's key (kind, meter, day) makes a second
 * evaluation raise nothing new, so several processes (`serve` and `worker`s) may evaluate the same
 * meter. Cheap: each detector reads a few aggregate rows.
 *
 * Lifecycle: the constructor stores; `start()` listens and arms the timer; `stop()` releases both and
 * waits for a running evaluation.
 */
import { DateTime } from "luxon";
import type { EventBus } from "../app/events.js";
import type { Config } from "../config/schema.js";
import { diagnose, type Diagnosis } from "../diagnosis/diagnose.js";
import { PARIS, parisDateOf } from "../domain/time.js";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import type { StoredAlert } from "../store/repositories/alerts.js";
import { DETECTORS } from "./detect/index.js";
import type { AlertKind } from "./kinds.js";
import type { DetectContext, ThresholdKind } from "./detect/types.js";
import { notBeforeMs } from "./quiet-hours.js";

export type EvaluationMode = "sync" | "daily";

export interface EvaluatorDeps {
  store: Store;
  config: Config;
  now: () => number;
  log: (message: string) => void;
  events?: EventBus;
}

const PAGE = 500;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The first Paris wall-clock `HH:MM` strictly after `nowMs` (today's or tomorrow's). */
export function nextDailyRunMs(nowMs: number, hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  const local = DateTime.fromMillis(nowMs, { zone: PARIS });
  let at = local.set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (at.toMillis() <= nowMs) at = at.plus({ days: 1 }).set({ hour: h, minute: m });
  return at.toMillis();
}

/**
 * The meter as alerts name it after "le compteur": `Linky …4270`, the PRM's last 4 digits (never the
 * whole PRM: alerts leave the site by e-mail or SMS); a label the user chose comes first.
 */
export function meterLabel(label: string, prm: string, defaultLabel: string): string {
  const tail = `Linky …${prm.slice(-4)}`;
  return label === defaultLabel ? tail : `${label} (${tail})`;
}

export class AlertEvaluator {
  private unsubscribe: (() => void) | null = null;
  private unsubscribeTempo: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<unknown>>();
  private stopped = true;
  /** Set by `stop()`: a running sweep ends at the next meter. */
  private halted = false;

  constructor(private readonly deps: EvaluatorDeps) {}

  start(): void {
    this.stopped = false;
    this.halted = false;
    const { events, config } = this.deps;
    if (events && config.alerts.evaluate.onSync)
      this.unsubscribe = events.on("sync.finished", ({ accountId }) => {
        this.track(this.evaluateAccount(accountId, "sync"));
      });
    // Tomorrow's colour stored (tempo fetch, after the daily tick when RTE publishes late): Tempo only.
    if (events)
      this.unsubscribeTempo = events.on("tempo.updated", () => {
        this.track(this.evaluateAll("daily", ["tempo_tomorrow"]));
      });
    // Catch-up: a daily evaluation missed while the process was down.
    this.track(this.evaluateAll("daily"));
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeTempo?.();
    this.unsubscribeTempo = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.running]);
  }

  /** Resolves once every evaluation started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    const delay = Math.min(MAX_TIMER_MS, nextDailyRunMs(now, this.deps.config.alerts.evaluate.dailyAt) - now);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.track(this.evaluateAll("daily"));
      this.arm();
    }, delay);
    this.timer.unref();
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) =>
      this.deps.log(`alerts: evaluation failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    this.running.add(q);
    void q.finally(() => this.running.delete(q));
  }

  /** Every meter (daily: the time-based kinds only; `only`: those kinds' detectors); the alerts raised. */
  async evaluateAll(mode: EvaluationMode = "daily", only?: readonly AlertKind[]): Promise<number> {
    let raised = 0;
    // One grouped scan for the sweep rather than one per meter (the stale-data comparison).
    let newest: Promise<Map<number, string>> | null = null;
    const othersNewest = async (deviceId: number) => {
      newest ??= this.deps.store.measures.newestDayByDevice();
      let best: string | null = null;
      for (const [id, day] of await newest) if (id !== deviceId && (best === null || day > best)) best = day;
      return best;
    };
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.deps.store.accounts.list({ offset, limit: PAGE });
      for (const a of page) {
        // Stopped mid-run: the next start catches up.
        if (this.halted) return raised;
        try {
          raised += (await this.evaluate(a, mode, othersNewest, only)).length;
        } catch (e) {
          // One meter's trouble never stops the others'.
          this.deps.log(
            `alerts: account ${a.id}: evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      if (page.length < PAGE) return raised;
    }
  }

  /** One meter; the alerts newly raised (none when they were raised already). */
  async evaluateAccount(accountId: number, mode: EvaluationMode = "sync"): Promise<StoredAlert[]> {
    const account = await this.deps.store.accounts.findById(accountId);
    return account ? this.evaluate(account, mode) : [];
  }

  private async evaluate(
    account: Account,
    mode: EvaluationMode,
    othersNewest?: (deviceId: number) => Promise<string | null>,
    only?: readonly AlertKind[],
  ): Promise<StoredAlert[]> {
    const { store, config } = this.deps;
    const device = await store.devices.findByUserAndMac(account.userId, account.usagePointId);
    if (!device) return [];
    // A meter held back by a consent review shows nothing to anyone until an administrator decides.
    if (await store.consents.isSuspended(account.id)) return [];
    const nowMs = this.deps.now();
    const settings = await store.alerts.settings(account.userId);
    let diagnosis: Promise<Diagnosis> | null = null;
    const ctx: DetectContext = {
      store,
      nowMs,
      today: parisDateOf(nowMs),
      account,
      device,
      settings,
      weeks: config.alerts.evaluate.weeks,
      label: meterLabel(device.label, device.mac, config.enedis.compteurLabel),
      threshold: (kind: ThresholdKind) => {
        const own = settings.thresholds?.[kind];
        return typeof own === "number" && Number.isFinite(own) ? own : config.alerts.thresholds[kind];
      },
      diagnosis: () => (diagnosis ??= diagnose({ store, now: () => nowMs }, account, device)),
      othersNewestDay: () =>
        othersNewest ? othersNewest(device.id) : store.measures.newestDayOfOthers(device.id),
    };
    const raised: StoredAlert[] = [];
    const notBefore = notBeforeMs(nowMs, settings.quietHours);
    for (const detector of DETECTORS) {
      if (mode === "daily" && !detector.timeBased) continue;
      if (only && !detector.kinds.some((k) => only.includes(k))) continue;
      for (const c of await detector.detect(ctx)) {
        const r = await store.transaction((tx) => tx.alerts.raise(c, { notBeforeMs: notBefore }));
        if (r) raised.push(r);
      }
    }
    if (raised.length > 0)
      this.deps.log(`alerts: account ${account.id}: ${raised.map((a) => a.kind).join(", ")}`);
    return raised;
  }
}
