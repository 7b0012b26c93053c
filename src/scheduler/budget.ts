/**
 * Spending Enedis' quota well. 1,000 measure calls an hour is 24,000 a day for the whole application;
 * with one call per dataset per meter per day about 7,000 consumer meters stay fresh daily. Beyond that
 * each dataset has its own freshness bound (`enedis.freshness`: the load curve 7 days, daily energy 7,
 * daily maximum power 30) and is fetched every few days with one wider window: the datasets whose bound
 * is loosest are stretched first (maximum power before the curve), so that the tight ones keep slack.
 * A meter's datasets are spread over the days of their stride by the account id (a phase), so that the
 * same share of meters is synced every day. History backfill only uses what the fresh syncs leave free.
 */
import type { DatasetKey } from "../domain/types.js";

/** Freshness groups: each dataset's bound and stride is its group's. */
export type FreshnessGroup = "curve" | "daily" | "maxPower";
export const FRESHNESS_GROUPS: readonly FreshnessGroup[] = ["curve", "daily", "maxPower"];

/** The longest lag allowed per group, in days (config `enedis.freshness`). */
export interface FreshnessPolicy {
  curveDays: number;
  dailyDays: number;
  maxPowerDays: number;
}

export const DEFAULT_FRESHNESS: FreshnessPolicy = { curveDays: 7, dailyDays: 7, maxPowerDays: 30 };

/** Days between two fetches of a dataset, per group. */
export type Strides = Record<FreshnessGroup, number>;

export const DAILY_STRIDES: Strides = { curve: 1, daily: 1, maxPower: 1 };

export function freshnessGroupOf(key: DatasetKey): FreshnessGroup {
  if (key === "consumption_load_curve" || key === "production_load_curve") return "curve";
  if (key === "daily_consumption_max_power") return "maxPower";
  return "daily";
}

export function boundOf(policy: FreshnessPolicy, group: FreshnessGroup): number {
  return group === "curve" ? policy.curveDays : group === "daily" ? policy.dailyDays : policy.maxPowerDays;
}

export interface BudgetInput {
  /** Accounts that are not expired. */
  accounts: number;
  /**
   * Measure datasets per account on average, per freshness group (a consumer: one of each). A number is
   * the old form: that many datasets, split as a consumer's.
   */
  datasetsPerAccount: number | Record<FreshnessGroup, number>;
  /** The measures API's hourly quota. */
  perHour: number;
  /** Share of the quota fresh syncs may plan on (the rest absorbs retries and repairs). */
  usableShare?: number;
  /** Freshness bounds per group; `DEFAULT_FRESHNESS` when absent. */
  freshness?: FreshnessPolicy;
}

export interface Budget {
  /** Measure calls a day the quota allows for fresh syncs. */
  callsPerDay: number;
  /** The load curve's stride: a meter is synced every `strideDays` days (1 = daily); at most its bound. */
  strideDays: number;
  /** Each group's stride (days between two fetches of a dataset of the group). */
  strides: Strides;
  /** Calls per meter and per day this plan spends. */
  callsPerMeterDay: number;
  /**
   * The fewest calls per meter-day that keep every dataset within its bound (one call per bound: one
   * window covers up to 7 days of curve, a year of daily data): the physical minimum.
   */
  minCallsPerMeterDay: number;
  /** The worst freshness of a meter's load curve under this plan, in days. */
  maxFreshnessDays: number;
  /** Each group's worst freshness under this plan, in days. */
  freshnessDays: Strides;
  /** Whether the quota can keep every dataset within its bound at all. */
  sustainable: boolean;
}

function mixOf(d: BudgetInput["datasetsPerAccount"]): Record<FreshnessGroup, number> {
  if (typeof d !== "number") return d;
  // The old form: a consumer's three datasets per 3, scaled.
  return { curve: d / 3, daily: d / 3, maxPower: d / 3 };
}

export function planBudget(input: BudgetInput): Budget {
  const share = input.usableShare ?? 0.9;
  const policy = input.freshness ?? DEFAULT_FRESHNESS;
  const callsPerDay = Math.floor(input.perHour * 24 * share);
  const mix = mixOf(input.datasetsPerAccount);
  const strides: Strides = { ...DAILY_STRIDES };
  const perMeterDay = (s: Strides) => FRESHNESS_GROUPS.reduce((n, g) => n + mix[g] / s[g], 0);
  const cost = (s: Strides) => input.accounts * perMeterDay(s);
  // Greedy: while the plan costs more than the quota pays, stretch the group with the most room left
  // relative to its bound (bound / stride largest), one day at a time.
  let sustainable = true;
  while (cost(strides) > callsPerDay) {
    let pick: FreshnessGroup | null = null;
    let room = 1;
    for (const g of FRESHNESS_GROUPS) {
      if (mix[g] <= 0) continue;
      const r = boundOf(policy, g) / strides[g];
      if (strides[g] < boundOf(policy, g) && r > room) {
        room = r;
        pick = g;
      }
    }
    if (pick === null) {
      sustainable = false;
      break;
    }
    strides[pick]++;
  }
  const bounds: Strides = {
    curve: policy.curveDays,
    daily: policy.dailyDays,
    maxPower: policy.maxPowerDays,
  };
  return {
    callsPerDay,
    strideDays: strides.curve,
    strides,
    callsPerMeterDay: perMeterDay(strides),
    minCallsPerMeterDay: perMeterDay(bounds),
    maxFreshnessDays: strides.curve,
    freshnessDays: { ...strides },
    sustainable,
  };
}

/** Whether a plan is the daily one (every dataset every day). */
export function isDaily(strides: Strides | undefined): boolean {
  return !strides || FRESHNESS_GROUPS.every((g) => strides[g] <= 1);
}

/**
 * Whether a dataset whose newest fetched day is `lagDays` behind is fetched on the Paris day `dayNumber`
 * (days since 1970-01-01) under a stride: when it reached its stride, or on its phase day (the account id
 * spreads the meters over the stride's days; a dataset fetched the same day is not fetched again).
 */
export function datasetDue(
  lagDays: number | null,
  stride: number,
  accountId: number,
  dayNumber: number,
): boolean {
  if (lagDays === null || stride <= 1) return true;
  if (lagDays >= stride) return true;
  return lagDays >= 1 && (accountId + dayNumber) % stride === 0;
}

/**
 * Backfill waits while the last hour used more than this share of the quota (the scheduler's default):
 * outside the fresh syncs' hours, history is fetched at about this share of the hourly quota.
 */
export const BACKFILL_MAX_LOAD = 0.8;

export interface CatchUpInput {
  /** Measure calls still needed (history backfill and meters behind). */
  backlogCalls: number;
  /** Of which history backfill (fetched by backfill jobs, at most `backfillMaxLoad` of an hour's quota). */
  historyCalls?: number;
  perHour: number;
  /** Calls an hour the fresh syncs take. */
  freshCallsPerHour: number;
  /** `BACKFILL_MAX_LOAD` by default. */
  backfillMaxLoad?: number;
}

/**
 * Estimated time to catch up at the current quota, in ms (Infinity when fresh syncs use it all). The
 * meters behind are synced by fresh jobs, at the quota the steady syncs leave; the history by backfill
 * jobs, in the hours the fresh syncs leave, at `backfillMaxLoad` of the quota: a day pays
 * `backfillMaxLoad × (24 × perHour − fresh calls)` of history.
 */
export function catchUpMs(input: CatchUpInput): number {
  const spare = input.perHour - input.freshCallsPerHour;
  if (input.backlogCalls <= 0) return 0;
  if (spare <= 0) return Number.POSITIVE_INFINITY;
  const history = Math.min(input.backlogCalls, Math.max(0, input.historyCalls ?? 0));
  const behind = input.backlogCalls - history;
  const load = input.backfillMaxLoad ?? BACKFILL_MAX_LOAD;
  return (behind / spare + history / (spare * load)) * 3_600_000;
}
