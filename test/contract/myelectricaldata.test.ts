/**
 * Issue 13, acceptance 1 (MyElectricalData v1 and v2): both sources against the simulator's stand-ins.
 * Every dataset, every error class (401, ban, v1 409 / v2 RATE_LIMIT_EXCEEDED quotas, ACCESS_DENIED,
 * Enedis' own errors relayed, 5xx), interval-END (v1) and interval-START (v2) points read as the same
 * interval starts, the DST days (46/50 points), the token/PRM check, the persisted budgets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BeforeActivationError,
  BeyondHistoryError,
  BudgetSpentError,
  GatewayBannedError,
  LoadCurveOffError,
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TransientError,
  WrongDirectionError,
} from "../../src/domain/errors.js";
import type { MeasureSource } from "../../src/sources/port.js";
import { gatewayEntry } from "../../src/sources/registry.js";
import { MyElectricalDataV1Source } from "../../src/sources/myelectricaldata/v1.js";
import { MyElectricalDataV2Source } from "../../src/sources/myelectricaldata/v2.js";
import { openStore, type Store } from "../../src/store/index.js";
import { harness, NOW, type Harness } from "../simulator/helpers.js";

const PRM = "22516914714270";
const OTHER = "11453290002823";
const PRODUCER = "10284856584123";
const NO_CURVE = "32320647321714";
const LATE = "64975835695673";
const WEEK = { from: "2026-11-20", to: "2026-11-27" };

type Gw = "myelectricaldata" | "myelectricaldata-v2";

describe.each<Gw>(["myelectricaldata", "myelectricaldata-v2"])("%s source against the simulator", (gw) => {
  let h: Harness;
  let store: Store;
  let dir: string;
  let token: string;
  let accountId = 1;

  async function tokenFor(prms: string[]): Promise<string> {
    const r = await h.post("/__simulator/gateway-token", { usagePointIds: prms, gateway: gw });
    return (r.body as { token: string }).token;
  }

  function ctx(t = token, fetchFn?: typeof fetch) {
    return {
      accountId,
      token: t,
      baseUrl: h.sim.url,
      ledger: store.gateways,
      accountsOnGateway: 1,
      now: () => h.clock.ms,
      ...(fetchFn ? { fetch: fetchFn } : {}),
    };
  }

  function source(t = token, fetchFn?: typeof fetch): MeasureSource {
    return gw === "myelectricaldata"
      ? new MyElectricalDataV1Source(ctx(t, fetchFn))
      : new MyElectricalDataV2Source(ctx(t, fetchFn));
  }

  const fails = (p: Promise<unknown>) => p.then(() => null).catch((e: unknown) => e);

  beforeAll(async () => {
    h = await harness({ lateDays: { [LATE]: 3 } });
    dir = mkdtempSync(join(tmpdir(), "med-"));
    store = await openStore({ url: `sqlite:${join(dir, "t.db")}`, dataDir: dir });
    token = await tokenFor([PRM, PRODUCER, NO_CURVE, LATE, OTHER]);
  });
  afterAll(async () => {
    await store?.close();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    h.clock.ms = NOW;
    await store.gateways.pruneCalls(Number.MAX_SAFE_INTEGER);
    await store.gateways.clearBlock(gw);
    await h.post("/__simulator/gateway-ban", { gateway: gw, banned: false });
    await h.post("/__simulator/gateway-quota", { medV1: 500, medV2Uncached: 50, medV2Cached: 1000 });
    accountId++;
  });

  it("reads every dataset of a consumer and of a producer, and says which do not apply", async () => {
    const s = source();
    expect((await s.readings("consumption_load_curve", PRM, WEEK)).readings.length).toBe(7 * 48);
    const daily = await s.readings("daily_consumption", PRM, WEEK);
    expect(daily.readings.length).toBe(7);
    expect(daily.unit).toBe("Wh");
    const max = await s.readings("daily_consumption_max_power", PRM, WEEK);
    expect(max.readings.length).toBe(7);
    expect(max.unit).toBe("VA");
    expect((await s.readings("production_load_curve", PRODUCER, WEEK)).readings.length).toBe(7 * 48);
    expect((await s.readings("daily_production", PRODUCER, WEEK)).readings.length).toBe(7);
    expect(await fails(s.readings("daily_production", PRM, WEEK))).toBeInstanceOf(WrongDirectionError);
    expect(await fails(s.readings("consumption_load_curve", NO_CURVE, WEEK))).toBeInstanceOf(
      LoadCurveOffError,
    );
    expect(await fails(s.readings("consumption_index", PRM, WEEK))).toBeInstanceOf(RangeError);
  });

  it("the contract's off-peak hours and subscribed power", async () => {
    const s = source();
    const c = await s.contract!(PRM);
    expect(c.contract.offPeakHours).toMatch(/HC/);
    expect(c.contract.subscribedPowerKva).toBeGreaterThan(0);
  });

  it("points at the interval END (v1) or START (v2) give the same interval starts, 46 and 50 on the DST days", async () => {
    const s = source();
    const spring = await s.readings("consumption_load_curve", PRM, { from: "2026-03-29", to: "2026-03-30" });
    expect(spring.readings.length).toBe(46);
    expect(new Date(spring.readings[0]!.startMs).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    const autumn = await s.readings("consumption_load_curve", PRM, { from: "2026-10-25", to: "2026-10-26" });
    expect(autumn.readings.length).toBe(50);
    expect(new Date(autumn.readings[0]!.startMs).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(new Set(autumn.readings.map((r) => r.startMs)).size).toBe(50);
    // What the wire says: v1 labels the first interval 00:30 (its end), v2 00:00 (its start).
    const raw = await fetch(
      gw === "myelectricaldata"
        ? `${h.sim.url}/consumption_load_curve/${PRM}/start/2026-10-25/end/2026-10-26`
        : `${h.sim.url}/enedis/consumption/detail/${PRM}?start=2026-10-25&end=2026-10-26&use_cache=true`,
      {
        headers: {
          authorization: gw === "myelectricaldata" ? token : `Bearer ${token}`,
          "x-med-format": "2026",
        },
      },
    );
    const text = await raw.text();
    expect(text).toContain(gw === "myelectricaldata" ? "2026-10-25 00:30:00" : "2026-10-25 00:00:00");
    if (gw === "myelectricaldata") expect(text).not.toContain("2026-10-25 00:00:00");
    // Both gateways agree with each other on the values, instant by instant.
    expect(autumn.readings.every((r) => r.lengthMin === 30 && r.value !== null)).toBe(true);
  });

  it("the token/PRM check: covered PRMs, a foreign PRM and a foreign token refused", async () => {
    const entry = gatewayEntry(gw);
    expect(await entry.covered(ctx(), [PRM])).toEqual(
      gw === "myelectricaldata" ? [PRM] : [PRM, PRODUCER, NO_CURVE, LATE, OTHER],
    );
    const narrow = await tokenFor([PRM]);
    expect(await entry.covered(ctx(narrow), [OTHER])).not.toContain(OTHER);
    expect(await entry.covered(ctx("not-a-token"), [PRM])).toEqual([]);
    const err = await fails(source(narrow).readings("daily_consumption", OTHER, WEEK));
    expect(err).toBeInstanceOf(NoConsentError);
    expect(await fails(source("forged").readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(
      NoConsentError,
    );
  });

  it("a 401 marks the account's token refused", async () => {
    const refused: string[] = [];
    const ledger = Object.create(store.gateways) as Store["gateways"];
    ledger.markRefused = (id: number, message: string) => {
      refused.push(`${id}: ${message}`);
      return Promise.resolve();
    };
    const c = { ...ctx("forged-token-0000"), ledger };
    const s = gw === "myelectricaldata" ? new MyElectricalDataV1Source(c) : new MyElectricalDataV2Source(c);
    expect(await fails(s.readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(NoConsentError);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(new RegExp(`^${accountId}: .*(token|client_secret)`));
    expect(refused[0]).not.toContain("forged-token-0000");
  });

  it("Enedis' own errors relayed: no data yet, beyond history, before activation; 5xx transient", async () => {
    const s = source();
    expect(
      await fails(s.readings("daily_consumption", LATE, { from: "2026-11-26", to: "2026-11-27" })),
    ).toBeInstanceOf(NoDataYetError);
    // Beyond the history: refused before any call (Enedis' horizon, which the gateway forwards)...
    expect(
      await fails(s.readings("daily_consumption", PRM, { from: "2022-01-01", to: "2022-01-08" })),
    ).toBeInstanceOf(RangeError);
    // ...and read as such when the gateway relays Enedis' refusal in its own shape.
    const relay: typeof fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify(
            gw === "myelectricaldata"
              ? { detail: "The start date is beyond the available history.", error: "ADAM-ERR0125" }
              : { success: false, data: null, error: { code: "ADAM-ERR0125", message: "trop ancien" } },
          ),
          { status: gw === "myelectricaldata" ? 400 : 200, headers: { "content-type": "application/json" } },
        ),
      );
    expect(await fails(source(token, relay).readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(
      BeyondHistoryError,
    );
    h.clock.ms = Date.parse("2020-06-01T11:00:00Z");
    expect(
      await fails(source().readings("daily_consumption", OTHER, { from: "2019-08-20", to: "2019-08-27" })),
    ).toBeInstanceOf(BeforeActivationError);
    h.clock.ms = NOW;
    const down: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ detail: "Service Unavailable" }), {
          status: 503,
          headers: { "content-type": "application/json" },
        }),
      );
    expect(await fails(source(token, down).readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(
      TransientError,
    );
  });

  it("the gateway's daily quota: v1 409 per meter, v2 RATE_LIMIT_EXCEEDED, until the reset", async () => {
    const s = source();
    if (gw === "myelectricaldata") {
      await h.post("/__simulator/gateway-quota", { medV1: 0 });
      const err = await fails(s.readings("daily_consumption", PRM, WEEK));
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect((err as QuotaExceededError).status).toBe(409);
      // The reset: the next Paris midnight (2026-11-29 00:00 Paris).
      expect((err as QuotaExceededError).retryAtMs).toBe(Date.parse("2026-11-28T23:00:00Z"));
      return;
    }
    // Fresh windows are asked uncached, history through the cache: each has its own quota.
    await h.post("/__simulator/gateway-quota", { medV2Uncached: 0 });
    const fresh = await fails(s.readings("daily_consumption", PRM, WEEK));
    expect(fresh).toBeInstanceOf(QuotaExceededError);
    expect((fresh as QuotaExceededError).retryAtMs).toBe(Date.parse("2026-11-29T00:00:00Z"));
    const old = { from: "2026-10-01", to: "2026-10-08" };
    expect(await fails(s.readings("daily_consumption", PRM, old))).toBeNull();
    await h.post("/__simulator/gateway-quota", { medV2Cached: 0 });
    expect(await fails(s.readings("daily_consumption", PRM, old))).toBeInstanceOf(QuotaExceededError);
  });

  it("our persisted budget refuses a call before the gateway would", async () => {
    const s = source();
    const scope = `account:${accountId}`;
    const full = gw === "myelectricaldata" ? 450 : 45;
    expect(await s.allowance!(PRM, "fresh")).toBe(full);
    for (let i = 0; i < full; i++) await store.gateways.recordCall(gw, [scope], h.clock.ms - 60_000);
    expect(await s.allowance!(PRM, "fresh")).toBe(0);
    let sent = 0;
    const counting: typeof fetch = (input, init) => {
      sent++;
      return fetch(input, init);
    };
    expect(await fails(source(token, counting).readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(
      BudgetSpentError,
    );
    expect(sent).toBe(0);
    if (gw === "myelectricaldata-v2") {
      // History goes through the cache, under its own budget.
      expect(
        await source(token, counting).readings("daily_consumption", PRM, {
          from: "2026-10-01",
          to: "2026-10-08",
        }),
      ).toBeDefined();
      expect(await store.gateways.countCalls(gw, scope, 0, true)).toBe(1);
    }
  });

  it("a ban stops every call to the gateway at once", async () => {
    await h.post("/__simulator/gateway-ban", { gateway: gw, banned: true });
    expect(await fails(source().readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(GatewayBannedError);
    expect((await store.gateways.blockOf(gw))?.kind).toBe("banned");
    await h.post("/__simulator/gateway-ban", { gateway: gw, banned: false });
    let sent = 0;
    const counting: typeof fetch = (input, init) => {
      sent++;
      return fetch(input, init);
    };
    accountId++;
    expect(await fails(source(token, counting).readings("daily_consumption", PRM, WEEK))).toBeInstanceOf(
      GatewayBannedError,
    );
    expect(sent).toBe(0);
  });
});
