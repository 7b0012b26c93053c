/**
 * The `MeasureSource` port: where an account's readings come from. The sync, the planner and the
 * scheduler speak only to this interface; each source (Enedis Data Connect 2026 and v5, Conso API,
 * MyElectricalData v1 and v2) lives in its own folder under `src/sources/` and maps the source-neutral
 * dataset facts (`src/domain/datasets.ts`) to its wire names.
 *
 * Glossary
 * - source: one way of reading a meter (an API and its credentials); one per account.
 * - window: `[from, to)` Paris days (`from` included, `to` excluded), one call.
 * - quota scope: the name a source counts calls under (an Enedis API, a gateway); errors carry it.
 * - capability: what a source can do beyond reading a window; optional members are present only when
 *   the source has them, and `capabilities` says so for those who plan without calling.
 */
import type { ErrorKind } from "../domain/errors.js";
import type { Window } from "../domain/windows.js";
import type {
  ContractInfo,
  DatasetKey,
  ReadingBatch,
  ServiceState,
  SubscribedService,
  UsagePointId,
} from "../domain/types.js";

export type { Window };

/** Wraps one request, e.g. with retries. */
export type CallWrapper = <T>(fn: () => Promise<T>) => Promise<T>;

export interface ContractResult {
  contract: ContractInfo;
  /** Quota scopes that could not be read because the application lacks them (Enedis 403 900908). */
  unavailable: string[];
}

/** Enedis Data Connect (direct, with the operator's application) or one of the community gateways. */
export type SourceKind = "enedis" | GatewayId;

export const GATEWAY_IDS = ["conso-api", "myelectricaldata", "myelectricaldata-v2"] as const;
/** A community gateway: it holds the Enedis application and gives each household a token. */
export type GatewayId = (typeof GATEWAY_IDS)[number];

export function isGatewayId(s: string): s is GatewayId {
  return (GATEWAY_IDS as readonly string[]).includes(s);
}

/**
 * A call budget (gateways): at most `limit` calls in any sliding `windowMs`, counted per `scope` (the
 * public address, a PDL, the gateway user) and shared by every account of the installation.
 */
export interface BudgetRule {
  /** `address`: the installation's public IP; `pdl`: per meter; `user`: per gateway account/token. */
  per: "address" | "pdl" | "user";
  limit: number;
  /** Sliding window (`window`) or calendar day ending at `resetHour` Paris/UTC (`day`). */
  windowMs: number;
  /** A short label for status and metrics, e.g. `90 per 12 h`. */
  label: string;
  /** Calls answered from the gateway's cache count under this rule only when true (MED v2). */
  cached?: boolean;
}

/** When and how often a source may be called by the scheduler. */
export interface CallWindows {
  /** Daily runs at a random minute in [startHour, endHour) Paris, plus one retry from `retryHour`. */
  dailyRun?: { startHour: number; endHour: number; retryHour: number };
}

export interface QuotaPolicy {
  rules: readonly BudgetRule[];
  /** Calls kept aside in every window for the daily fresh syncs (the backfill never takes them). */
  reserve: number;
}

export interface SourceCapabilities {
  kind: SourceKind;
  /** Datasets this source can serve at all (the PRM may still have fewer). */
  datasets: readonly DatasetKey[];
  /** `services()` exists: the datasets a PRM has come from its subscribed services. */
  servicesDiscovery: boolean;
  /** `contract()` exists: subscribed power, off-peak hours, activation dates. */
  contract: boolean;
  /** Where a load-curve point's timestamp sits in its interval on the wire (readings are always starts). */
  timestamps: "interval-end" | "interval-start";
  /** Longest history the source serves, per kind of dataset, in months (Enedis' own by default). */
  historyMonths?: { curve: number; daily: number };
  quota: QuotaPolicy | null;
  calls: CallWindows;
  /** The error classes this source raises (domain `ErrorKind`s). */
  errors: readonly ErrorKind[];
  /**
   * A quota scope every measure call depends on (Data Connect 2026's one measures API): when the
   * application lacks it, nothing else is asked. Null when there is none.
   */
  gateScope: string | null;
  /** The scope of the services discovery call (for the "not subscribed" record), when there is one. */
  servicesScope: string | null;
  /** The scopes the contract facts are read from (each recorded when refused). */
  contractScopes: readonly string[];
}

/** One account's view of a source. */
export interface MeasureSource {
  readonly capabilities: SourceCapabilities;
  /** One call for one legal window, as domain readings (UTC instants + lengths, native units). */
  readings(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<ReadingBatch>;
  /** The quota scope a dataset's calls count under, or null. */
  measureApi(dataset: DatasetKey): string | null;
  /** Largest window this source will ask for this dataset now. */
  maxDaysPerCall(dataset: DatasetKey): number;
  /** The source refused `w` as too long: later calls ask at most half of it; returns the new size. */
  shrinkWindow(dataset: DatasetKey, w: Window): number;
  /** Services discovery (present when `capabilities.servicesDiscovery`). */
  services?(usagePointId: UsagePointId, states?: ServiceState[]): Promise<SubscribedService[]>;
  /** Contract facts (present when `capabilities.contract`). */
  contract?(usagePointId: UsagePointId, call?: CallWrapper): Promise<ContractResult>;
  /** Calls this account may still spend now under the source's budget (unbounded when absent). */
  allowance?(usagePointId: UsagePointId, purpose?: "fresh" | "backfill"): Promise<number>;
}

/** Picks the source of an account: the operator's Enedis application, or the account's gateway. */
export interface SourceResolver {
  forAccount(accountId: number): Promise<MeasureSource>;
}
