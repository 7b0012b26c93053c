/**
 * What the sync needs from storage. The store implements it with its repositories (all SQL lives
 * there); the sync only sees these operations, so that its rules read without any SQL around them.
 */
import type { LocalDate } from "../domain/time.js";
import type { DatasetKey, Reading } from "../domain/types.js";
import type { AccountConfig, AccountConfigPatch, DatasetState } from "../store/repositories/accounts.js";
import type { ApiNotSubscribed } from "../store/repositories/api-subscriptions.js";

export type { ApiNotSubscribed };

/** Completeness of one day of one dataset. `gap` is definitive: Enedis will not fill it any more. */
export type LedgerStatus = "complete" | "partial" | "missing" | "gap";

export interface LedgerEntry {
  day: LocalDate;
  expected: number;
  received: number;
  status: LedgerStatus;
  /** Who brings the day: the API (default), an Enedis export file, the original application's database. */
  source?: "api" | "file" | "seed";
}

export interface SyncAccount {
  accountId: number;
  deviceId: number;
  usagePointId: string;
  config: AccountConfig;
}

/** Writes of one window: values, ledger and cursors commit together or not at all. */
export interface SyncWriter {
  saveReadings(deviceId: number, dataset: DatasetKey, readings: Reading[]): Promise<void>;
  recordLedger(deviceId: number, dataset: DatasetKey, entries: LedgerEntry[], nowMs: number): Promise<void>;
  patchAccount(accountId: number, patch: AccountConfigPatch): Promise<AccountConfig>;
  patchDataset(accountId: number, dataset: DatasetKey, patch: DatasetState): Promise<AccountConfig>;
  patchDeviceMetadata(deviceId: number, patch: Record<string, unknown>): Promise<void>;
}

export interface SyncStore {
  transaction<T>(fn: (w: SyncWriter) => Promise<T>): Promise<T>;
  /** Days still worth asking again: partial or missing, fewer than `maxAttempts` tries, on or after `sinceDay`. */
  repairCandidates(
    deviceId: number,
    dataset: DatasetKey,
    sinceDay: LocalDate,
    maxAttempts: number,
  ): Promise<LocalDate[]>;
  /** Turns partial/missing days before `beforeDay`, or tried `maxAttempts` times, into definitive gaps. */
  closeGaps(
    deviceId: number,
    dataset: DatasetKey,
    beforeDay: LocalDate,
    maxAttempts: number,
  ): Promise<number>;
  /** APIs the application is not subscribed to (application-wide, all accounts). */
  apisNotSubscribed(): Promise<ApiNotSubscribed[]>;
  /** Records a 403 900908; true when it is new (tell the operator then, once). */
  recordApiNotSubscribed(api: string, message: string, nowMs: number, nextProbeMs: number): Promise<boolean>;
  /** True for exactly one caller once the API's next probe time has passed. */
  claimApiProbe(api: string, nowMs: number, nextProbeMs: number): Promise<boolean>;
  /** The API answered again (or the operator said so). */
  clearApiNotSubscribed(api: string): Promise<void>;
}
