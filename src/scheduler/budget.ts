/**
 * Spending Enedis' quota well. 1,000 measure calls an hour is 24,000 a day for the whole application;
 * with one call per dataset per meter per day about 8,000 meters stay fresh daily. Beyond that, meters
 * are fetched every `strideDays` days with a window of that many days (up to 7 days of load curve in one
 * call), so the same calls keep every meter within a bounded freshness. History backfill only uses what
 * the fresh syncs leave free.
 */

export interface BudgetInput {
  /** Accounts that are not expired. */
  accounts: number;
  /** Measure datasets per account on average (3 for a consumer: curve, daily energy, max power). */
  datasetsPerAccount: number;
  /** The measures API's hourly quota. */
  perHour: number;
  /** Share of the quota fresh syncs may plan on (the rest absorbs retries and repairs). */
  usableShare?: number;
}

export interface Budget {
  /** Measure calls a day the quota allows for fresh syncs. */
  callsPerDay: number;
  /** A meter is synced every `strideDays` days (1 = daily); at most 7 (a load-curve call). */
  strideDays: number;
  /** Calls per meter and per day this plan spends. */
  callsPerMeterDay: number;
  /** The worst freshness a meter has under this plan, in days. */
  maxFreshnessDays: number;
  /** Whether the quota can keep every meter within 7 days at all. */
  sustainable: boolean;
}

export function planBudget(input: BudgetInput): Budget {
  const share = input.usableShare ?? 0.9;
  const callsPerDay = Math.floor(input.perHour * 24 * share);
  const needDaily = input.accounts * input.datasetsPerAccount;
  const stride = needDaily === 0 ? 1 : Math.max(1, Math.ceil(needDaily / Math.max(1, callsPerDay)));
  const strideDays = Math.min(7, stride);
  return {
    callsPerDay,
    strideDays,
    callsPerMeterDay: input.datasetsPerAccount / strideDays,
    maxFreshnessDays: strideDays + 1,
    sustainable: stride <= 7,
  };
}

export interface CatchUpInput {
  /** Measure calls still needed (history backfill and meters behind). */
  backlogCalls: number;
  perHour: number;
  /** Calls an hour the fresh syncs take. */
  freshCallsPerHour: number;
}

/** Estimated time to catch up at the current quota, in ms (Infinity when fresh syncs use it all). */
export function catchUpMs(input: CatchUpInput): number {
  const spare = input.perHour - input.freshCallsPerHour;
  if (input.backlogCalls <= 0) return 0;
  if (spare <= 0) return Number.POSITIVE_INFINITY;
  return (input.backlogCalls / spare) * 3_600_000;
}
