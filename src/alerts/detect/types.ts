/**
 * What a detector sees and gives. A detector reads what the store already has (aggregate queries only:
 * a few dozen rows per meter), never calls Enedis, and returns the alerts it would raise now; the
 * evaluator raises them (the store's unique key makes a second raise the same day a no-op).
 *
 * Glossary
 * - time-based: a kind whose truth changes with the clock alone (a consent nearing its end, tomorrow's
 *   Tempo colour, data getting stale): evaluated on the daily tick as well as after a sync.
 * - key day: the `day` of the candidate, part of the store's unique key. Detectors choose it so that one
 *   episode raises one alert: the day the data are about (a night, a day), the day a consent ends, the
 *   day of the first failure…; never simply "today" for a condition that lasts.
 */
import type { Config } from "../../config/schema.js";
import type { Diagnosis } from "../../diagnosis/diagnose.js";
import type { Repositories } from "../../store/index.js";
import type { Account } from "../../store/repositories/accounts.js";
import type { Device } from "../../store/repositories/devices.js";
import type { AlertCandidate, AlertKind, AlertSettings } from "../kinds.js";

export type ThresholdKind = keyof Config["alerts"]["thresholds"];

export interface DetectContext {
  store: Repositories;
  nowMs: number;
  /** Today, Paris. */
  today: string;
  account: Account;
  device: Device;
  settings: AlertSettings;
  /** The user's threshold of a kind, else the config's. */
  threshold(kind: ThresholdKind): number;
  /** Weeks of history the consumption kinds compare with (`alerts.evaluate.weeks`). */
  weeks: number;
  /** The meter's diagnosis, computed once on first use. */
  diagnosis(): Promise<Diagnosis>;
  /** The newest day with data among the installation's other meters, or null (cached for a sweep). */
  othersNewestDay(): Promise<string | null>;
  /** The meter's label as people read it (never the PRM: alerts leave the site). */
  label: string;
}

export interface Detector {
  /** The kinds it may raise. */
  kinds: readonly AlertKind[];
  /** Evaluated on the daily tick too (see the glossary). */
  timeBased: boolean;
  detect(ctx: DetectContext): Promise<AlertCandidate[]>;
}

/** A candidate for the context's meter. */
export function candidate(
  ctx: DetectContext,
  c: Omit<AlertCandidate, "userId" | "accountId">,
): AlertCandidate {
  return { userId: ctx.account.userId, accountId: ctx.account.id, ...c };
}

/** The meter's pages. */
export const links = {
  diagnosis: (ctx: DetectContext) => `/devices/${ctx.device.id}/diagnostic`,
  meterDay: (ctx: DetectContext, day: string) => `/devices/${ctx.device.id}?view=day&date=${day}`,
  baseLoad: (ctx: DetectContext) => `/devices/${ctx.device.id}/analysis?kind=baseload`,
  costs: (ctx: DetectContext) => `/devices/${ctx.device.id}/costs`,
  reconsent: () => "/dataConnect/authorize",
  gatewayToken: () => "/gateway/token",
};

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The p-th percentile (0-100) of a non-empty list, linear between closest ranks. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (rank - lo);
}
