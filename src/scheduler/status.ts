/**
 * What an operator needs to see (CLI `status`, web `/stats`): accounts by state, quota use per API, the
 * budget plan and the estimated time to catch up at the current quota.
 */
import type { Config } from "../config/schema.js";
import type { Store } from "../store/index.js";
import type { Account, AccountStatusGroup } from "../store/repositories/accounts.js";
import { findImplementation } from "../senders/registry.js";
import { dataConnectAccounts, syncSettingsOf } from "../sync/service.js";
import { catchUpMs, freshnessGroupOf, planBudget, type Budget, type Strides } from "./budget.js";
import { backfillBacklog, datasetLags, freshnessLagDays } from "./scheduler.js";

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

/** The plan's strides from a number (the curve's stride for every group, the old form) or the strides. */
function stridesOf(s: Strides | number): Strides {
  return typeof s === "number" ? { curve: s, daily: s, maxPower: s } : s;
}

/**
 * An account's state under a plan: behind when a dataset lags more than its stride (at least a day; the
 * daily plan's meters are fresh up to a day behind); `lag` is the worst dataset's.
 */
export function accountState(
  a: Account,
  nowMs: number,
  strides: Strides | number,
): { state: AccountState; lag: number | null } {
  const c = a.config;
  const lag = freshnessLagDays(a, nowMs);
  if (c.expired) return { state: "expired", lag };
  if (c.last_sync?.outcome === "failed") return { state: "failing", lag };
  if (lag === null) return { state: "new", lag };
  const s = stridesOf(strides);
  const behind = datasetLags(a, nowMs).some(
    ({ key, lag: l }) => l !== null && l > Math.max(1, s[freshnessGroupOf(key)]),
  );
  return { state: behind ? "behind" : "fresh", lag };
}

/** Calls to bring an account's datasets that are behind their stride back to today (1 for one never fetched). */
function behindCalls(a: Account, nowMs: number, strides: Strides, dailyWindowDays: number): number {
  if (!a.config.dataset_keys) return 3;
  let n = 0;
  for (const { key, lag } of datasetLags(a, nowMs)) {
    const g = freshnessGroupOf(key);
    if (lag === null) n++;
    else if (lag > Math.max(1, strides[g])) n += Math.ceil(lag / (g === "curve" ? 7 : dailyWindowDays));
  }
  return n;
}

/**
 * Accounts that look alike as far as the status can tell (same state, same cursors), `count` of them: the
 * aggregate form (`statusSummary`, one GROUP BY query) and the per-account one (`operatorStatus`, count 1)
 * are summed by the same code. `account` is one of them (or a stand-in with just the cursors).
 */
export interface StatusGroup {
  account: Account;
  count: number;
  /** The latest retry time among them (`next_attempt_ms`). */
  maxNextAttemptMs: number | null;
}

export interface StatusSums {
  states: Record<AccountState, number>;
  active: number;
  backlog: number;
  /** Of which history backfill. */
  history: number;
  waitUntil: number;
}

/** The budget at this installation's size and the states, backlog and retry horizon of the groups. */
export function sumStatus(
  groups: Iterable<StatusGroup>,
  active: number,
  config: Config,
  nowMs: number,
  onAccount?: (g: StatusGroup, state: AccountState, lag: number | null, own: number) => void,
): { budget: Budget; sums: StatusSums } {
  const budget = planBudget({
    accounts: active,
    datasetsPerAccount: 3,
    perHour: config.enedis.quota.perHour,
    freshness: config.enedis.freshness,
  });
  const settings = syncSettingsOf(config);
  const windows = { dailyWindowDays: config.enedis.dailyWindowDays };
  const states: Record<AccountState, number> = { fresh: 0, behind: 0, expired: 0, failing: 0, new: 0 };
  let backlog = 0;
  let historyCalls = 0;
  let waitUntil = nowMs;
  for (const g of groups) {
    const a = g.account;
    const { state, lag } = accountState(a, nowMs, budget.strides);
    states[state] += g.count;
    // What the account's cursors say is left (a first sync interrupted included); 115 calls (25 months of
    // curve, 3 years of daily data) only for an account never synced, whose datasets are not known yet.
    const history = a.config.expired
      ? 0
      : lag === null && !a.config.dataset_keys
        ? 115
        : backfillBacklog(a, nowMs, settings, windows);
    const behind = behindCalls(a, nowMs, budget.strides, config.enedis.dailyWindowDays);
    const own = a.config.expired ? 0 : history + behind;
    backlog += own * g.count;
    if (!a.config.expired) historyCalls += history * g.count;
    // Work that waits for a retry time cannot be done before it, whatever the quota.
    const retryAt = g.maxNextAttemptMs;
    if (own > 0 && retryAt && retryAt > nowMs) waitUntil = Math.max(waitUntil, retryAt);
    onAccount?.(g, state, lag, own);
  }
  return { budget, sums: { states, active, backlog, history: historyCalls, waitUntil } };
}

/** The catch-up estimate from the sums: the backlog at the quota the steady syncs leave. */
export function catchUpOf(budget: Budget, sums: StatusSums, config: Config, nowMs: number): number | null {
  // While the meters behind catch up, the quota also pays the steady syncs of the others. The meters
  // behind are not counted there: their next syncs are the backlog (counting them twice made a day-4
  // estimate of 9 days for a catch-up the budget benchmark saw done in 2).
  const steadyMeters = sums.active - sums.states.behind - sums.states.new;
  const freshPerHour = (Math.max(0, steadyMeters) * budget.callsPerMeterDay) / 24;
  const eta = catchUpMs({
    backlogCalls: sums.backlog,
    historyCalls: sums.history,
    perHour: config.enedis.quota.perHour,
    freshCallsPerHour: freshPerHour,
  });
  return sums.backlog === 0 ? null : Math.max(eta, sums.waitUntil - nowMs);
}

export async function operatorStatus(store: Store, config: Config, nowMs: number): Promise<OperatorStatus> {
  const accounts = await dataConnectAccounts(store);
  const active = accounts.filter((a) => !a.config.expired);
  const details: AccountStatus[] = [];
  const { budget, sums } = sumStatus(
    accounts.map((a) => ({ account: a, count: 1, maxNextAttemptMs: a.config.next_attempt_ms ?? null })),
    active.length,
    config,
    nowMs,
    ({ account: a }, state, lag, own) =>
      details.push({
        accountId: a.id,
        usagePointId: a.usagePointId,
        state,
        lagDays: lag,
        backlogCalls: own,
        lastSuccessMs: a.config.last_success_ms ?? null,
        lastError: a.config.last_error?.message ?? null,
      }),
  );
  const quotaUse = await quotaUseOf(store, nowMs);
  return {
    atMs: nowMs,
    accounts: accounts.length,
    states: sums.states,
    quota: { ...config.enedis.quota },
    quotaUse,
    budget,
    backlogCalls: sums.backlog,
    catchUpMs: catchUpOf(budget, sums, config, nowMs),
    details,
  };
}

/**
 * A stand-in account for a group of `statusGroups`: just what the status reads (consent state, last
 * outcome, datasets and their cursors), for `sumStatus`.
 */
function standIn(g: AccountStatusGroup): Account {
  const config = {
    usage_point_id: "",
    ...(g.expired ? { expired: true } : {}),
    ...(g.lastOutcome !== null ? { last_sync: { outcome: g.lastOutcome } } : {}),
    ...(g.datasetKeys !== null ? { dataset_keys: g.datasetKeys } : {}),
    datasets: g.datasets,
  };
  // The status code reads only these keys; the rest of a config (messages, times) is not needed here.
  return {
    id: 0,
    senderId: 0,
    userId: 0,
    usagePointId: "",
    config: config as unknown as Account["config"],
    createdAtMs: 0,
    updatedAtMs: 0,
  };
}

/** `sumStatus` and the catch-up estimate over the groups of `statusGroups` (aggregate form). */
export function summarizeGroups(
  groups: AccountStatusGroup[],
  config: Config,
  nowMs: number,
): { budget: Budget; sums: StatusSums; catchUp: number | null } {
  const active = groups.reduce((n, g) => n + (g.expired ? 0 : g.count), 0);
  const { budget, sums } = sumStatus(
    groups.map((g) => ({ account: standIn(g), count: g.count, maxNextAttemptMs: g.maxNextAttemptMs })),
    active,
    config,
    nowMs,
  );
  return { budget, sums, catchUp: catchUpOf(budget, sums, config, nowMs) };
}

/**
 * `operatorStatus` without the per-account details, from one aggregate query (`statusGroups`): what
 * `/stats`, `/metrics` and the budget benchmark read at 50,000 accounts.
 */
export async function statusSummary(store: Store, config: Config, nowMs: number): Promise<OperatorStatus> {
  const senders = await store.senders.list({ limit: 10_000 });
  const ids = senders.filter((s) => findImplementation(s.implClass)?.key === "dataconnect").map((s) => s.id);
  const groups = await store.accounts.statusGroups(ids, nowMs - 86_400_000);
  const { budget, sums, catchUp } = summarizeGroups(groups, config, nowMs);
  return {
    atMs: nowMs,
    accounts: groups.reduce((n, g) => n + g.count, 0),
    states: sums.states,
    quota: { ...config.enedis.quota },
    quotaUse: await quotaUseOf(store, nowMs),
    budget,
    backlogCalls: sums.backlog,
    catchUpMs: catchUp,
    details: [],
  };
}

async function quotaUseOf(store: Store, nowMs: number): Promise<OperatorStatus["quotaUse"]> {
  return (await store.scheduler.quotaRows(nowMs)).map((r) => ({
    api: r.api,
    lastHour: r.lastHour,
    pausedUntilMs: r.pausedUntilMs > nowMs ? r.pausedUntilMs : null,
    pauseReason: r.pausedUntilMs > nowMs ? r.pauseReason : null,
    calls: r.calls,
    refused: r.refused,
  }));
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
