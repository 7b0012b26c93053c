/**
 * One synced database for a test file: a user (marie) with a consumption meter (22516914714270), the
 * simulator's gap PRM (42900589957123) and a self-consumption PRM with production (12655648759651);
 * another user (paul) with a meter of their own (11453290002823). Synced once, through the real sync
 * against the embedded simulator: one month of data; with `deep`, the first meter's load curve goes
 * back to March 2026 (both daylight-saving days of 2026) and its daily values two years back.
 */
import { registerAccount } from "../../src/accounts/service.js";
import { syncAccounts, syncSettingsOf } from "../../src/sync/service.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

export const PRM = "22516914714270";
export const GAP_PRM = "42900589957123";
export const PROD_PRM = "12655648759651";
export const OTHER_PRM = "11453290002823";

export interface MeterFixture {
  f: Fixture;
  owner: Agent;
  other: Agent;
  devices: Record<string, number>;
}

export async function meterFixture(opts: { deep?: boolean } = {}): Promise<MeterFixture> {
  const f = await fixture();
  await f.sender();
  const owner = (await f.signedIn("marie")).agent;
  const other = (await f.signedIn("paul")).agent;
  const devices: Record<string, number> = {};
  const accounts = [];
  for (const [username, prm] of [
    ["marie", PRM],
    ["marie", GAP_PRM],
    ["marie", PROD_PRM],
    ["paul", OTHER_PRM],
  ] as const) {
    const r = await registerAccount(f.ctx.store, f.ctx.config, { username, usagePointId: prm });
    devices[prm] = r.device.id;
    accounts.push(r.account);
  }
  const deps = { store: f.ctx.store, client: f.ctx.client, now: f.ctx.now, events: f.ctx.events };
  const settings = syncSettingsOf(f.ctx.config);
  for (const account of accounts) {
    const deep = opts.deep === true && account.usagePointId === PRM;
    await syncAccounts(
      deps,
      [account],
      deep ? { ...settings, backfillMonths: { curve: 9, daily: 24 } } : settings,
    );
  }
  return { f, owner, other, devices };
}
