/**
 * What an operator needs to see (CLI `status`, web `/stats`): accounts by state, quota use per API, the
 * budget plan and the estimated time to catch up at the current quota.
 */
import type { Config } from "../config/schema.js";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import { dataConnectAccounts, syncSettingsOf } from "../sync/service.js";
import { catchUpMs, planBudget, type Budget } from "./budget.js";
import { backfillBacklog, freshnessLagDays } from "./scheduler.js";

export type AccountState = "fresh" | "behind" | "expired" | "failing" | "new";

export interface AccountStatus {
  accountId: number;
  usagePointId: string;
  state: AccountState;
  /** Days between the newest published day and the newest fetched one (worst dataset). */
  lagDays: number | null;
  backlogCalls: number;
  lastSuccessMs: number | null;
  lastError: string | null;
}

export interface OperatorStatus {
  atMs: number;
  accounts: number;
  states: Record<AccountState, number>;
  quota: { perSecond: number; perHour: number };
  quotaUse: Array<{
    api: string;
    lastHour: number;
    pausedUntilMs: number | null;
    /** Why it is paused (which quota, for how long), while it is. */
    pauseReason: string | null;
    calls: number;
    refused: number;
  }>;
  budget: Budget;
  /** Measure calls still needed for history and meters behind. */
  backlogCalls: number;
  /** At the current quota, after the fresh syncs' share; null when nothing is left to do. */
  catchUpMs: number | null;
  details: AccountStatus[];
}

export function accountState(
  a: Account,
  nowMs: number,
  strideDays: number,
): { state: AccountState; lag: number | null } {
  const c = a.config;
  const lag = freshnessLagDays(a, nowMs);
  if (c.expired) return { state: "expired", lag };
  if (c.last_sync?.outcome === "failed") return { state: "failing", lag };
  if (lag === null) return { state: "new", lag };
  return { state: lag <= Math.max(1, strideDays) ? "fresh" : "behind", lag };
}

export async function operatorStatus(store: Store, config: Config, nowMs: number): Promise<OperatorStatus> {
  const accounts = await dataConnectAccounts(store);
  const active = accounts.filter((a) => !a.config.expired);
  const budget = planBudget({
    accounts: active.length,
    datasetsPerAccount: 3,
    perHour: config.enedis.quota.perHour,
  });
  const settings = syncSettingsOf(config);
  const states: Record<AccountState, number> = { fresh: 0, behind: 0, expired: 0, failing: 0, new: 0 };
  let backlog = 0;
  let waitUntil = nowMs;
  const details: AccountStatus[] = accounts.map((a) => {
    const { state, lag } = accountState(a, nowMs, budget.strideDays);
    states[state]++;
    const keys = a.config.dataset_keys?.length ?? 3;
    const behind = lag === null ? keys : lag > budget.strideDays ? keys * Math.ceil(lag / 7) : 0;
    // What the account's cursors say is left (a first sync interrupted included); 115 calls (25 months of
    // curve, 3 years of daily data) only for an account never synced, whose datasets are not known yet.
    const windows = { dailyWindowDays: config.enedis.dailyWindowDays };
    const history = a.config.expired
      ? 0
      : lag === null && !a.config.dataset_keys
        ? 115
        : backfillBacklog(a, nowMs, settings, windows);
    const own = a.config.expired ? 0 : history + behind;
    backlog += own;
    // Work that waits for a retry time cannot be done before it, whatever the quota.
    const retryAt = a.config.next_attempt_ms;
    if (own > 0 && retryAt && retryAt > nowMs) waitUntil = Math.max(waitUntil, retryAt);
    return {
      accountId: a.id,
      usagePointId: a.usagePointId,
      state,
      lagDays: lag,
      backlogCalls: own,
      lastSuccessMs: a.config.last_success_ms ?? null,
      lastError: a.config.last_error?.message ?? null,
    };
  });
  const quotaUse = (await store.scheduler.quotaRows(nowMs)).map((r) => ({
    api: r.api,
    lastHour: r.lastHour,
    pausedUntilMs: r.pausedUntilMs > nowMs ? r.pausedUntilMs : null,
    pauseReason: r.pausedUntilMs > nowMs ? r.pauseReason : null,
    calls: r.calls,
    refused: r.refused,
  }));
  // While the meters behind catch up, the quota also pays the steady syncs of the others. The meters
  // behind are not counted there: their next syncs are the backlog (counting them twice made a day-4
  // estimate of 9 days for a catch-up the budget benchmark saw done in 2).
  const steadyMeters = active.length - states.behind - states.new;
  const freshPerHour = (Math.max(0, steadyMeters) * budget.callsPerMeterDay) / 24;
  const eta = catchUpMs({
    backlogCalls: backlog,
    perHour: config.enedis.quota.perHour,
    freshCallsPerHour: freshPerHour,
  });
  return {
    atMs: nowMs,
    accounts: accounts.length,
    states,
    quota: { ...config.enedis.quota },
    quotaUse,
    budget,
    backlogCalls: backlog,
    catchUpMs: backlog === 0 ? null : Math.max(eta, waitUntil - nowMs),
    details,
  };
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "nothing to catch up";
  if (!Number.isFinite(ms)) return "never at this quota (fresh syncs use it all)";
  const h = ms / 3_600_000;
  return h < 1
    ? `${Math.ceil(ms / 60_000)} min`
    : h < 48
      ? `${h.toFixed(1)} h`
      : `${(h / 24).toFixed(1)} days`;
}
