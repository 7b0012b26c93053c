/**
 * Calls made to Enedis on a user's behalf (a consent return, "check again", "test the API"), as opposed to
 * the syncs. A route runs its Enedis calls inside `onBehalfOf(userId, fn)`; the shared quota limiter then
 * counts each of them in the database's interactive ledger first, and refuses the call
 * (`InteractiveQuotaError`) once all users together have used `enedis.quota.interactiveShare` of the API's
 * hourly quota: the rest of the hour stays for the syncs, whatever the number of processes.
 */
import { AsyncLocalStorage } from "node:async_hooks";

interface OnBehalf {
  userId: number;
}

const current = new AsyncLocalStorage<OnBehalf>();

/** Runs `fn` with every Enedis call it makes counted as made for `userId`. */
export function onBehalfOf<T>(userId: number, fn: () => Promise<T>): Promise<T> {
  return current.run({ userId }, fn);
}

/** Runs `fn` as a sync, not on anyone's behalf (a first sync started by a consent return). */
export function notOnBehalf<T>(fn: () => Promise<T>): Promise<T> {
  return current.exit(fn);
}

/** The user the current Enedis call is made for, or null (a sync). */
export function interactiveUser(): number | null {
  return current.getStore()?.userId ?? null;
}

/** The interactive share of an API's hourly quota is used up: the call was not sent. */
export class InteractiveQuotaError extends Error {
  constructor(readonly api: string) {
    super(`the interactive share of the ${api} quota is used up for this hour`);
    this.name = "InteractiveQuotaError";
  }
}

/** Interactive calls allowed per API and hour: at least one when the share is positive. */
export function interactivePerHour(share: number, perHour: number): number {
  return share <= 0 ? 0 : Math.max(1, Math.floor(share * perHour));
}
