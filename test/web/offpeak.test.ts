/**
 * Issue 13, acceptance 5: the contract's off-peak hours reach the meter page and the API. The sync used
 * to write them under `offpeak_hours` / `contract_checked_at_ms` while the readers read
 * `off_peak_hours` / `contract_checked_ms`: both showed none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { syncAccounts, syncSettingsOf } from "../../src/sync/service.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

const PRM = "22516914714270";

describe("the contract's off-peak hours", () => {
  let f: Fixture;
  let owner: Agent;
  let deviceId: number;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
    owner = (await f.signedIn("marie")).agent;
    const r = await registerAccount(f.ctx.store, f.ctx.config, { username: "marie", usagePointId: PRM });
    deviceId = r.device.id;
    await syncAccounts({ store: f.ctx.store, client: f.ctx.client, now: f.ctx.now }, [r.account], {
      ...syncSettingsOf(f.ctx.config),
      backfillMonths: { curve: 0, daily: 0 },
    });
  }, 120_000);
  afterAll(() => f?.close());

  it("are stored under the keys the readers read", async () => {
    const device = await f.ctx.store.devices.findById(deviceId);
    expect(device?.metadata.off_peak_hours).toMatch(/^HC \(/);
    expect(device?.metadata.contract_checked_ms).toEqual(expect.any(Number));
  });

  it("reach the API and the meter page", async () => {
    const device = await f.ctx.store.devices.findById(deviceId);
    const hours = device?.metadata.off_peak_hours as string;
    const res = await owner.get(`/api/v1/usage-points/${PRM}`);
    expect(res.statusCode).toBe(200);
    expect((res.json() as { off_peak_hours: string | null }).off_peak_hours).toBe(hours);
    const page = await owner.get(`/devices/${deviceId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(hours);
  });
});
