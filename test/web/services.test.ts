/**
 * The user's Services page: an account's consent, last sync, watermarks (reset to an earlier day), the
 * "test the API" buttons; the dashboard card through a revocation (sandbox PRM 26584978546985).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { parisDayStartMs } from "../../src/domain/time.js";
import { WATERMARK_KEYS, type Account } from "../../src/store/index.js";
import { syncOneAccount, syncSettingsOf } from "../../src/sync/service.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

describe("services page", () => {
  let f: Fixture;
  let agent: Agent;
  let account: Account;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
    const signed = await f.signedIn("paul");
    agent = signed.agent;
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "paul",
      usagePointId: "22516914714270",
    });
    const { store, client, now } = f.ctx;
    await syncOneAccount({ store, client, now }, r.account, syncSettingsOf(f.ctx.config));
    account = (await store.accounts.findById(r.account.id))!;
  });
  afterAll(() => f.close());

  it("lists the user's accounts per sender", async () => {
    const res = await agent.get("/notificationAccount/notificationAccounts");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Enedis DataConnect");
    expect(res.body).toContain(`href="/notificationAccount/${account.id}"`);
    expect(res.body).toContain("22516914714270");
  });

  it("shows the usage point, consent, last sync and the three watermarks, and never a token", async () => {
    const res = await agent.get(`/notificationAccount/${account.id}`);
    expect(res.statusCode).toBe(200);
    for (const key of [
      "last_consumption_load_curve",
      "last_daily_consumption",
      "last_consumption_max_power",
    ]) {
      expect(res.body).toContain(key);
    }
    expect(res.body).toMatch(/Réussie|Partielle/);
    expect(res.body).toContain("••••••••");
    const token = await f.ctx.store.secrets.tokenStore().load();
    expect(token).not.toBeNull();
    expect(res.body).not.toContain(token!.accessToken);
    expect(res.body).not.toContain("simulator-secret");
  });

  it("moves a watermark back to an earlier day, and refuses a later or bad date beside the field", async () => {
    const key = WATERMARK_KEYS.daily_consumption;
    const before = account.config[key]!;
    expect(before).toBeGreaterThan(0);
    const from = `/notificationAccount/${account.id}`;
    const later = await agent.submit(
      `${from}/watermark`,
      { dataset: "daily_consumption", date: "2026-11-28" },
      from,
    );
    expect(later.statusCode).toBe(400);
    expect(later.body).toContain("antérieure au");
    const bad = await agent.submit(
      `${from}/watermark`,
      { dataset: "daily_consumption", date: "28/10/2026" },
      from,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Saisissez une date");
    const tooOld = await agent.submit(
      `${from}/watermark`,
      { dataset: "daily_consumption", date: "2010-01-01" },
      from,
    );
    expect(tooOld.statusCode).toBe(400);
    expect(tooOld.body).toContain("Enedis ne garde pas");
    const unknown = await agent.submit(`${from}/watermark`, { dataset: "nope", date: "2026-11-01" }, from);
    expect(unknown.statusCode).toBe(400);
    expect((await f.ctx.store.accounts.findById(account.id))!.config[key]).toBe(before);

    const ok = await agent.submit(
      `${from}/watermark`,
      { dataset: "daily_consumption", date: "2026-11-10" },
      from,
    );
    expect(ok.statusCode).toBe(303);
    const after = (await f.ctx.store.accounts.findById(account.id))!.config;
    expect(after[key]).toBe(parisDayStartMs("2026-11-09"));
    expect(after.datasets?.daily_consumption?.fetched_until).toBe("2026-11-10");
    // The other watermarks are untouched.
    expect(after[WATERMARK_KEYS.consumption_load_curve]).toBe(
      account.config[WATERMARK_KEYS.consumption_load_curve],
    );
    // The next sync fetches again from that day.
    const { store, client, now } = f.ctx;
    await syncOneAccount(
      { store, client, now },
      (await store.accounts.findById(account.id))!,
      syncSettingsOf(f.ctx.config),
    );
    const synced = (await store.accounts.findById(account.id))!.config;
    expect(synced[key]).toBe(before);
    expect(synced.datasets?.daily_consumption?.fetched_until).toBe(
      account.config.datasets?.daily_consumption?.fetched_until,
    );
  });

  it("tests an API for one day and shows Enedis' JSON", async () => {
    const from = `/notificationAccount/${account.id}`;
    const posted = await agent.submit(`${from}/test/daily_consumption`, {}, from);
    // POST-redirect-GET: the answer is shown on the page the browser is sent to, again on a reload.
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`${from}/test/daily_consumption`);
    const res = await agent.get(`${from}/test/daily_consumption`);
    expect(res.statusCode).toBe(200);
    expect((await agent.get(`${from}/test/daily_consumption`)).body).toContain('id="api-json"');
    expect(res.body).toContain('id="api-json"');
    expect(res.body).toContain("consommation_quotidienne");
    const json = await agent.post(
      `${from}/test/consumption_load_curve`,
      { _csrf: await agent.csrf(from) },
      { accept: "application/json" },
    );
    expect(json.statusCode).toBe(200);
    const body = json.json() as { ok: boolean; from: string; to: string; body: unknown };
    expect(body.ok).toBe(true);
    expect(body.from).toBe("2026-11-27");
    expect(body.to).toBe("2026-11-28");
    expect(JSON.stringify(body.body)).not.toContain("Bearer");
    expect((await agent.submit(`${from}/test/not_a_dataset`, {}, from)).statusCode).toBe(404);
  });

  it("deletes the service after a confirmation, keeping the meter when asked to", async () => {
    const extra = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "paul",
      usagePointId: "11453290002823",
    });
    const confirm = await agent.get(`/notificationAccount/${extra.account.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain("Garder le compteur et ses mesures");
    const res = await agent.submit(
      `/notificationAccount/${extra.account.id}/delete`,
      { data: "keep" },
      `/notificationAccount/${extra.account.id}/delete`,
    );
    expect(res.statusCode).toBe(303);
    expect(await f.ctx.store.accounts.findById(extra.account.id)).toBeUndefined();
    expect(await f.ctx.store.devices.findById(extra.device.id)).toBeDefined();
    // Erasing the meter's data too (the default) is tested in sessions.test.ts.
  });
});

describe("the Linky card", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
  });
  afterAll(() => f.close());

  it("is not connected at first, with the button to Enedis and the dead ends explained", async () => {
    const { agent } = await f.signedIn("newcomer");
    const res = await agent.get("/");
    expect(res.body).toContain("Compteur électrique (Linky)");
    expect(res.body).toContain('data-state="not_connected"');
    expect(res.body).toContain('action="/dataConnect/authorize"');
    expect(res.body).toContain('name="prm"');
    expect(res.body).toContain("déjà partagé");
    expect(res.body).toContain("courbe de charge doit être");
  });

  it("turns expired with a reconnect button after the sync of a revoked PRM (26584978546985)", async () => {
    const { agent } = await f.signedIn("revoked");
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "revoked",
      usagePointId: "26584978546985",
    });
    const connected = await agent.get("/");
    expect(connected.body).toContain('data-state="connected"');
    const { store, client, now } = f.ctx;
    const outcome = await syncOneAccount({ store, client, now }, r.account, syncSettingsOf(f.ctx.config));
    expect(outcome.outcome.outcome).toBe("expired");
    const res = await agent.get("/");
    expect(res.body).toContain('data-state="expired"');
    expect(res.body).toContain('id="reconnect-linky"');
    expect(res.body).toContain('name="prm" value="26584978546985"');
    const page = await agent.get(`/notificationAccount/${r.account.id}`);
    expect(page.body).toContain("Expiré");
  });
});
