/**
 * One synced database for the meter tests: a user with a consumption meter (22516914714270) whose load
 * curve goes back to March 2026 (both daylight-saving days of 2026 are in it) and daily values two
 * years back, the simulator's gap PRM (42900589957123) and a self-consumption PRM with production
 * (12655648759651); another user with a meter of their own. Synced once per test file, through the real
 * sync against the embedded simulator.
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

export async function meterFixture(): Promise<MeterFixture> {
  const f = await fixture({
    env: { SYNC_BACKFILL_MONTHS_CURVE: "9", SYNC_BACKFILL_MONTHS_DAILY: "24" },
  });
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
  await syncAccounts(
    { store: f.ctx.store, client: f.ctx.client, now: f.ctx.now, events: f.ctx.events },
    accounts,
    syncSettingsOf(f.ctx.config),
  );
  return { f, owner, other, devices };
}
