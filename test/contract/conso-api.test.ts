/**
 * Issue 13, acceptance 1 (Conso API): the Conso API source against the simulator's stand-in. Every
 * dataset, every error class (400, 401, 429 900804 with its nextAccessTime, the Cloudflare ban page,
 * Enedis' own errors relayed), interval-end points read as interval starts, the DST days (46/50
 * points), the token/PRM check, the persisted budget (never a 91st call in 12 h).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BadRequestError,
  BudgetSpentError,
  GatewayBannedError,
  NoConsentError,
  QuotaExceededError,
  WrongDirectionError,
} from "../../src/domain/errors.js";
import { ConsoApiSource } from "../../src/sources/conso-api/source.js";
import { gatewayEntry } from "../../src/sources/registry.js";
import { openStore, type Store } from "../../src/store/index.js";
import { harness, type Harness } from "../simulator/helpers.js";

const PRM = "22516914714270";
const OTHER = "11453290002823";

describe("Conso API source against the simulator", () => {
  let h: Harness;
  let store: Store;
  let dir: string;
  let token: string;
  let accountId = 1;

  async function tokenFor(prms: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const r = await h.post("/__simulator/gateway-token", { usagePointIds: prms, ...extra });
    return (r.body as { token: string }).token;
  }

  function source(t = token, fetchFn?: typeof fetch): ConsoApiSource {
    return new ConsoApiSource({
      accountId,
      token: t,
      baseUrl: h.sim.url,
      ledger: store.gateways,
      accountsOnGateway: 1,
      now: () => h.clock.ms,
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
  }

  beforeAll(async () => {
    h = await harness();
    dir = mkdtempSync(join(tmpdir(), "conso-"));
    store = await openStore({ url: `sqlite:${join(dir, "t.db")}`, dataDir: dir });
    token = await tokenFor([PRM]);
  });
  afterAll(async () => {
    await store?.close();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // A fresh budget and no block for each case.
    await store.gateways.pruneCalls(Number.MAX_SAFE_INTEGER);
    await store.gateways.clearBlock("conso-api");
    await h.post("/__simulator/gateway-ban", { gateway: "conso-api", banned: false });
    accountId++;
  });

  it("reads every dataset of a consumer, and says which do not apply", async () => {
    const s = source();
    const w = { from: "2026-11-20", to: "2026-11-27" };
    const curve = await s.readings("consumption_load_curve", PRM, w);
    expect(curve.readings.length).toBe(7 * 48);
    const daily = await s.readings("daily_consumption", PRM, w);
    expect(daily.readings.length).toBe(7);
    expect(daily.unit).toBe("Wh");
    const max = await s.readings("daily_consumption_max_power", PRM, w);
    expect(max.readings.length).toBe(7);
    expect(max.unit).toBe("VA");
    await expect(s.readings("production_load_curve", PRM, w)).rejects.toBeInstanceOf(WrongDirectionError);
    await expect(s.readings("daily_production", PRM, w)).rejects.toBeInstanceOf(WrongDirectionError);
  });

  it("reads interval-END points as interval starts, with 46 and 50 points on the DST days", async () => {
    const s = source();
    const spring = await s.readings("consumption_load_curve", PRM, { from: "2026-03-29", to: "2026-03-30" });
    expect(spring.readings.length).toBe(46);
    // Day D runs from 00:00 Paris: its first interval starts at midnight (labelled 00:30 on the wire).
    expect(new Date(spring.readings[0]!.startMs).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    const autumn = await s.readings("consumption_load_curve", PRM, { from: "2026-10-25", to: "2026-10-26" });
    expect(autumn.readings.length).toBe(50);
    expect(new Date(autumn.readings[0]!.startMs).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    const starts = autumn.readings.map((r) => r.startMs);
    expect(new Set(starts).size).toBe(50);
  });

  it("the token/PRM check: a token covers the PRMs of its sub, and a foreign PRM gets 401", async () => {
    const ctx = {
      accountId,
      token,
      baseUrl: h.sim.url,
      ledger: store.gateways,
      accountsOnGateway: 1,
      now: () => h.clock.ms,
    };
    expect(await gatewayEntry("conso-api").covered(ctx, [PRM])).toEqual([PRM]);
    await expect(gatewayEntry("conso-api").covered({ ...ctx, token: "not-a-jwt" }, [PRM])).rejects.toThrow(
      /not a Conso API token/,
    );
    const expired = await tokenFor([PRM], { expiresInDays: -1 });
    await expect(gatewayEntry("conso-api").covered({ ...ctx, token: expired }, [PRM])).rejects.toThrow(
      /expired/,
    );
    const err = await source()
      .readings("daily_consumption", OTHER, { from: "2026-11-20", to: "2026-11-27" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoConsentError);
  });

  it("400 for a bad request, 401 for a forged token", async () => {
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(
      source(forged).readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" }),
    ).rejects.toBeInstanceOf(NoConsentError);
    // A window the gateway would refuse is refused before any call (Enedis' limits): 8 days of curve.
    await expect(
      source().readings("consumption_load_curve", PRM, { from: "2026-11-10", to: "2026-11-18" }),
    ).rejects.toBeInstanceOf(RangeError);
    const noAuth = await fetch(
      `${h.sim.url}/api/consommation_quotidienne?pointId=${PRM}&dateDebut=2026-11-20&dateFin=2026-11-27`,
    );
    expect(noAuth.status).toBe(400);
    const bad = await source((await tokenFor([PRM])) + "")
      .readings("daily_consumption", PRM, {
        from: "2026-11-27",
        to: "2026-11-20",
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RangeError);
    const post = await fetch(`${h.sim.url}/api/consommation_quotidienne`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(BadRequestError).toBeDefined();
  });

  it("429 900804: Enedis throttles the gateway until nextAccessTime, for every account", async () => {
    const until = h.clock.ms + 20 * 60_000;
    await h.post("/__simulator/gateway-throttle", { gateway: "conso-api", untilMs: until });
    const err = await source()
      .readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as QuotaExceededError).retryAtMs).toBe(until);
    // Another account does not call before that time: refused here, not at the gateway.
    const before = (await h.get("/__simulator/log")).body as { byApi: Record<string, number> };
    accountId++;
    await expect(
      source().readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" }),
    ).rejects.toBeInstanceOf(QuotaExceededError);
    const after = (await h.get("/__simulator/log")).body as { byApi: Record<string, number> };
    expect(after.byApi["conso-api"]).toBe(before.byApi["conso-api"]);
    h.clock.advance(21 * 60_000);
    await expect(
      source().readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" }),
    ).resolves.toBeDefined();
  });

  it("a Cloudflare ban page stops every call to the gateway at once", async () => {
    await h.post("/__simulator/gateway-ban", { gateway: "conso-api", banned: true });
    const err = await source()
      .readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayBannedError);
    expect((await store.gateways.blockOf("conso-api"))?.kind).toBe("banned");
    // No further call leaves, for any account, even once the gateway would answer again.
    await h.post("/__simulator/gateway-ban", { gateway: "conso-api", banned: false });
    let sent = 0;
    const counting: typeof fetch = (input, init) => {
      sent++;
      return fetch(input, init);
    };
    accountId++;
    await expect(
      source(token, counting).readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" }),
    ).rejects.toBeInstanceOf(GatewayBannedError);
    expect(sent).toBe(0);
  });

  it("never makes a 91st call in 12 h, whatever the accounts; the budget frees up as calls age", async () => {
    const s = source();
    expect(await s.allowance(PRM, "fresh")).toBe(90);
    expect(await s.allowance(PRM, "backfill")).toBe(80);
    await store.gateways.recordCall("conso-api", ["address"], h.clock.ms - 11 * 3_600_000);
    for (let i = 0; i < 89; i++) await store.gateways.recordCall("conso-api", ["address"], h.clock.ms);
    expect(await s.allowance(PRM, "fresh")).toBe(0);
    const err = await s
      .readings("daily_consumption", PRM, { from: "2026-11-20", to: "2026-11-27" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetSpentError);
    expect((err as BudgetSpentError).retryAtMs).toBe(h.clock.ms + 3_600_000);
    h.clock.advance(3_600_000 + 1);
    expect(await s.allowance(PRM, "fresh")).toBe(1);
  });
});
