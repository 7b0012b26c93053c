/**
 * Erasing people's data: a user with everything they own, or one account (a "service") with or without
 * its meter's data. Each erasure runs in one transaction: it happens whole or not at all. The SQL is in
 * `repositories/erasure.ts`; this file decides what goes.
 *
 * A meter (device) belongs to one user and one PRM; two accounts of that user under different senders
 * may share it. Erasing an account erases its meter's data only when no other account still uses the
 * meter (then the data stay, and the caller says so).
 */
import type { Repositories, Store } from "./index.js";
import { MEASURE_TABLES, type DeviceDataCounts } from "./repositories/erasure.js";

/** What erasing a user would delete (the confirmation page shows it). */
export interface UserErasurePlan {
  userId: number;
  username: string;
  accounts: { id: number; usagePointId: string }[];
  devices: { id: number; usagePointId: string }[];
  /** Measure rows (curves, days, months, indexes) of their meters. */
  measures: number;
  rows: DeviceDataCounts;
  apiTokens: number;
}

/** Rows deleted, per table. */
export type ErasureReport = Record<string, number>;

const measuresOf = (c: DeviceDataCounts) => MEASURE_TABLES.reduce((n, t) => n + c[t], 0);

async function planUser(tx: Repositories, userId: number): Promise<UserErasurePlan | undefined> {
  const user = await tx.users.findById(userId);
  if (!user) return undefined;
  const accounts = await tx.accounts.list({ userId, limit: 100_000 });
  const devices = await tx.devices.listByUser(userId);
  const rows = await tx.erasure.countDeviceData(devices.map((d) => d.id));
  return {
    userId,
    username: user.username,
    accounts: accounts.map((a) => ({ id: a.id, usagePointId: a.usagePointId })),
    devices: devices.map((d) => ({ id: d.id, usagePointId: d.mac })),
    measures: measuresOf(rows),
    rows,
    apiTokens: await tx.apiTokens.countByUser(userId),
  };
}

/** What `eraseUser` would delete, or undefined for an unknown user. */
export function describeUserErasure(store: Store, userId: number): Promise<UserErasurePlan | undefined> {
  return store.transaction((tx) => planUser(tx, userId));
}

/**
 * Deletes the user and everything keyed by them, in one transaction: accounts (and their sync leases),
 * meters with their measures, ledger and Home Assistant records, API tokens, sessions, consent in
 * progress. Undefined when there was no such user.
 */
export function eraseUser(store: Store, userId: number): Promise<ErasureReport | undefined> {
  return store.transaction(async (tx) => {
    const plan = await planUser(tx, userId);
    if (!plan) return undefined;
    const notification_account = await tx.erasure.deleteAccounts(plan.accounts.map((a) => a.id));
    const devices = await tx.erasure.deleteDevices(plan.devices.map((d) => d.id));
    const own = await tx.erasure.deleteUserRows(userId);
    return { notification_account, ...devices, ...own };
  });
}

export interface AccountErasure {
  /** False when there was no such account. */
  deleted: boolean;
  /** The meter's data were erased (asked for, and no other account uses the meter). */
  dataErased: boolean;
  /** Erasure was asked for but another account of the user still uses the meter: its data were kept. */
  keptForOtherAccount: boolean;
  rows: ErasureReport;
}

/**
 * Deletes an account; with `eraseData`, also its meter with the meter's measures, ledger and Home
 * Assistant records, unless another account of the same user still uses that meter. One transaction.
 */
export function eraseAccount(
  store: Store,
  accountId: number,
  opts: { eraseData: boolean },
): Promise<AccountErasure> {
  return store.transaction(async (tx) => {
    const account = await tx.accounts.findById(accountId);
    if (!account) return { deleted: false, dataErased: false, keptForOtherAccount: false, rows: {} };
    const notification_account = await tx.erasure.deleteAccounts([account.id]);
    const rows: ErasureReport = { notification_account };
    if (!opts.eraseData) return { deleted: true, dataErased: false, keptForOtherAccount: false, rows };
    const others = (await tx.accounts.findByUsagePoint(account.usagePointId)).filter(
      (a) => a.userId === account.userId && a.id !== account.id,
    );
    if (others.length > 0) return { deleted: true, dataErased: false, keptForOtherAccount: true, rows };
    const device = await tx.devices.findByUserAndMac(account.userId, account.usagePointId);
    if (device) Object.assign(rows, await tx.erasure.deleteDevices([device.id]));
    return { deleted: true, dataErased: device !== undefined, keptForOtherAccount: false, rows };
  });
}
