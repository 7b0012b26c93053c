/**
 * Contract tests: the client against the simulator (our stand-in for Enedis), for every ressource, both
 * API generations and every error class. The simulator and the client share one frozen clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiNotSubscribedError,
  BeyondHistoryError,
  LoadCurveOffError,
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TokenRefusedError,
  TransientError,
  WrongDirectionError,
} from "../../src/domain/errors.js";
import { addDays, parisDateOf, parisDayBounds, type LocalDate } from "../../src/domain/time.js";
import { DATASET_KEYS, type DatasetKey, type Reading } from "../../src/domain/types.js";
import { buildAuthorizeUrl, parseConsentRedirect } from "../../src/enedis/authorize.js";
import { DataConnectClient, type DataConnectClientOptions } from "../../src/enedis/client.js";
import { InProcessQuotaLimiter } from "../../src/enedis/quota.js";
import { MemoryTokenStore } from "../../src/enedis/token.js";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../src/simulator/index.js";

const NOW = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris: D-1 (27/11) is published
const now = () => NOW;
const PRM = "22516914714270";

const sims: RunningSimulator[] = [];
async function sim(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ port: 0, now, quotaPerSecond: 10_000, quotaPerHour: 1_000_000, ...opts });
  sims.push(s);
  return s;
}
function client(s: RunningSimulator, opts: Partial<DataConnectClientOptions> = {}): DataConnectClient {
  return new DataConnectClient({
    apiUrl: s.url,
    clientId: "simulator-client",
    clientSecret: "simulator-secret",
    now,
    timeoutMs: 5_000,
    ...opts,
  });
}

let s: RunningSimulator;
beforeAll(async () => {
  s = await sim();
});
afterAll(async () => {
  await Promise.all(sims.map((x) => x.stop()));
});

const energyWh = (r: Reading) => ((r.value ?? 0) * r.lengthMin) / 60;

describe("measures, Data Connect 2026 and legacy v5", () => {
  it("a 7-day 2026 load curve is 336 half-hours on consecutive UTC instants", async () => {
    const b = await client(s).readings("consumption_load_curve", PRM, {
      from: "2026-11-01",
      to: "2026-11-08",
    });
    expect(b.readings).toHaveLength(336);
    expect(b.unit).toBe("W");
    const start = parisDayBounds("2026-11-01").startMs;
    b.readings.forEach((r, i) => expect(r.startMs).toBe(start + i * 1_800_000));
    expect(b.readings.every((r) => r.value !== null && r.value > 0)).toBe(true);
  });

  it("an 8-day window is split by readRange, refused by readings", async () => {
    const c = client(s);
    await expect(
      c.readings("consumption_load_curve", PRM, { from: "2026-11-01", to: "2026-11-09" }),
    ).rejects.toThrow(/at most 7 days/);
    const batches = [];
    for await (const b of c.readRange("consumption_load_curve", PRM, {
      from: "2026-11-01",
      to: "2026-11-09",
    }))
      batches.push(b);
    expect(batches.map((b) => [b.from, b.to])).toEqual([
      ["2026-11-01", "2026-11-08"],
      ["2026-11-08", "2026-11-09"],
    ]);
    expect(batches.flatMap((b) => b.readings)).toHaveLength(384);
  });

  it("DST days come out with 46 and 50 half-hours", async () => {
    const c = client(s);
    const spring = await c.readings("consumption_load_curve", PRM, { from: "2026-03-29", to: "2026-03-30" });
    const autumn = await c.readings("consumption_load_curve", PRM, { from: "2026-10-25", to: "2026-10-26" });
    expect(spring.readings).toHaveLength(46);
    expect(autumn.readings).toHaveLength(50);
    expect(new Set(autumn.readings.map((r) => r.startMs)).size).toBe(50);
    expect(autumn.readings.every((r) => parisDateOf(r.startMs) === "2026-10-25")).toBe(true);
  });

  for (const key of DATASET_KEYS) {
    it(`${key}: 2026 ressource parses into readings`, async () => {
      const prm = key.startsWith("production") || key === "daily_production" ? "12655648759651" : PRM;
      const b = await client(s).readings(key, prm, { from: "2026-11-20", to: "2026-11-23" });
      expect(b.dataset).toBe(key);
      expect(b.readings.length).toBeGreaterThan(0);
      if (key.endsWith("index")) expect(b.readings.every((r) => typeof r.register === "string")).toBe(true);
      if (key === "daily_consumption_max_power") {
        for (const r of b.readings) {
          const { startMs, endMs } = parisDayBounds(parisDateOf(r.startMs));
          expect(r.peakAtMs).toBeGreaterThanOrEqual(startMs);
          expect(r.peakAtMs).toBeLessThan(endMs);
        }
      }
    });
  }

  const v5Datasets: DatasetKey[] = [
    "consumption_load_curve",
    "daily_consumption",
    "daily_consumption_max_power",
    "production_load_curve",
    "daily_production",
  ];
  for (const key of v5Datasets) {
    it(`${key}: the v5 path gives the same readings as 2026`, async () => {
      const prm = key.includes("production") ? "12655648759651" : PRM;
      const w = { from: "2026-10-24", to: "2026-10-27" };
      const a = await client(s).readings(key, prm, w);
      const b = await client(s, { generation: "v5" }).readings(key, prm, w);
      expect(b.readings).toEqual(a.readings);
      expect(a.readings.length).toBeGreaterThan(0);
    });
  }

  it("v5 has no index datasets and no subscribed_services", async () => {
    const c = client(s, { generation: "v5" });
    await expect(
      c.readings("consumption_index", PRM, { from: "2026-11-01", to: "2026-11-02" }),
    ).rejects.toThrow(/does not exist in the v5/);
    await expect(c.subscribedServices({ usagePointIds: [PRM] })).rejects.toThrow(/v5/);
  });
});

describe("energy consistency", () => {
  it("each day's curve energy equals its daily energy within 1 Wh per point (30, 15 and 60-minute meters)", async () => {
    // PRMs ending in 15 and 60 have 15- and 60-minute steps in the simulator.
    const prms = [PRM, "12345678900015", "12345678900060", "64975835695673"];
    for (const prm of prms) s.grantConsent(prm);
    const c = client(s);
    let days = 0;
    for (const prm of prms) {
      const curve: Reading[] = [];
      for await (const b of c.readRange("consumption_load_curve", prm, {
        from: "2026-09-20",
        to: "2026-10-30",
      }))
        curve.push(...b.readings);
      const daily = await c.readings("daily_consumption", prm, { from: "2026-09-20", to: "2026-10-30" });
      const perDay = new Map<LocalDate, { wh: number; n: number }>();
      for (const r of curve) {
        const d = parisDateOf(r.startMs);
        const e = perDay.get(d) ?? { wh: 0, n: 0 };
        perDay.set(d, { wh: e.wh + energyWh(r), n: e.n + 1 });
      }
      expect(daily.readings).toHaveLength(40);
      for (const r of daily.readings) {
        const e = perDay.get(parisDateOf(r.startMs))!;
        expect(Math.abs(e.wh - r.value!)).toBeLessThanOrEqual(e.n);
        days++;
      }
    }
    expect(days).toBeGreaterThanOrEqual(120);
  });

  it("max power is at least the curve's highest mean power", async () => {
    const c = client(s);
    const curve = await c.readings("consumption_load_curve", PRM, { from: "2026-11-10", to: "2026-11-17" });
    const max = await c.readings("daily_consumption_max_power", PRM, {
      from: "2026-11-10",
      to: "2026-11-17",
    });
    for (const m of max.readings) {
      const day = parisDateOf(m.startMs);
      const highest = Math.max(
        ...curve.readings.filter((r) => parisDateOf(r.startMs) === day).map((r) => r.value ?? 0),
      );
      expect(m.value!).toBeGreaterThanOrEqual(highest);
    }
  });
});

describe("subscribed services, contracts and consent", () => {
  it("mock autorisations 10-13", async () => {
    const c = client(s);
    expect(await c.subscribedServices({ autorisationId: 10 })).toEqual([]);
    const eleven = await c.subscribedServices({ autorisationId: 11 });
    expect(eleven).toHaveLength(5);
    expect(new Set(eleven.map((x) => x.usagePointId))).toEqual(new Set(["14000000000001"]));
    expect(eleven.map((x) => x.measureType).sort()).toEqual(["CDC", "ENERGIE", "IDX", "ITC", "PMAX"]);
    expect(eleven.every((x) => x.state === "ACTIF" && x.autorisationId === 11)).toBe(true);
    expect(await c.subscribedServices({ autorisationId: 12 })).toHaveLength(15);
    expect(await c.subscribedServices({ autorisationId: 13 })).toEqual([]);
    const ended = await c.subscribedServices({ autorisationId: 13, states: ["TERMINE"] });
    expect(ended.length).toBeGreaterThan(0);
  });

  it("consent v2 round trip: authorize -> autorisation_id + state -> the PRM and its datasets", async () => {
    const auto = await sim({ autoConsent: true });
    const url = buildAuthorizeUrl({
      authorizeUrl: auto.url,
      clientId: "simulator-client",
      state: "signed-state-1",
      nowMs: NOW,
    });
    const res = await fetch(`${url}&sim_prm=12655648759651`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    const redirect = parseConsentRedirect(Object.fromEntries(location.searchParams));
    expect(redirect).toMatchObject({ kind: "v2", state: "signed-state-1" });
    if (redirect.kind !== "v2") throw new Error("not v2");
    const services = await client(auto).subscribedServices({ autorisationId: redirect.autorisationId });
    expect(new Set(services.map((x) => x.usagePointId))).toEqual(new Set(["12655648759651"]));
    expect(services.some((x) => x.consumption && x.measureType === "CDC")).toBe(true);
    expect(services.some((x) => x.production && x.measureType === "CDC")).toBe(true);
  });

  it("consent v1 carries the usage point; refusal carries an error and no data", async () => {
    const auto = await sim({ autoConsent: true });
    const v1 = buildAuthorizeUrl({
      authorizeUrl: auto.url,
      clientId: "simulator-client",
      state: "abc3",
      version: "v1",
      nowMs: NOW,
    });
    const res = await fetch(v1, { redirect: "manual" });
    const r = parseConsentRedirect(Object.fromEntries(new URL(res.headers.get("location")!).searchParams));
    expect(r.kind).toBe("v1");
    if (r.kind === "v1") expect(r.usagePointIds).toContain("12345678901234");
    const refused = buildAuthorizeUrl({
      authorizeUrl: auto.url,
      clientId: "simulator-client",
      state: "abc9",
      version: "v1",
      nowMs: NOW,
    });
    const res2 = await fetch(refused, { redirect: "manual" });
    const r2 = parseConsentRedirect(Object.fromEntries(new URL(res2.headers.get("location")!).searchParams));
    expect(r2).toMatchObject({ kind: "error", error: "access_denied" });
  });

  it("ITC contract, address and supply (2026) and customers (v5)", async () => {
    const { contract, unavailable } = await client(s).contract(PRM);
    expect(unavailable).toEqual([]);
    expect([3, 6, 9, 12]).toContain(contract.subscribedPowerKva);
    expect(contract.segments).toEqual(["C5"]);
    expect(contract.offPeakHours).toMatch(/^HC \(/);
    expect(contract.consumptionActivationDate).toBe("2015-12-01");
    const v5 = await client(s, { generation: "v5" }).contract(PRM);
    expect(v5.contract.subscribedPowerKva).toBe(contract.subscribedPowerKva);
    expect(v5.contract.offPeakHours).toBe(contract.offPeakHours);
    const addr = await client(s).address(PRM);
    expect(addr.postalCode).toMatch(/^\d{5}$/);
    expect(await client(s).supply(PRM)).toMatchObject({ usagePointId: PRM });
    await client(s).verifyUsagePoint(PRM);
  });
});

describe("error classes", () => {
  it("bad credentials: token refused", async () => {
    await expect(
      client(s, { clientSecret: "wrong" }).readings("daily_consumption", PRM, {
        from: "2026-11-01",
        to: "2026-11-02",
      }),
    ).rejects.toBeInstanceOf(TokenRefusedError);
  });

  it("a 401 on a stale token fetches a new token once and succeeds", async () => {
    const store = new MemoryTokenStore();
    await store.save({ accessToken: "stale-token", expiresAtMs: NOW + 3_600_000 });
    let fetched = 0;
    const c = client(s, { tokenStore: store, onTokenFetch: () => fetched++ });
    const b = await c.readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" });
    expect(b.readings).toHaveLength(1);
    expect(fetched).toBe(1);
    // the new token is cached and shared: no further token call
    await c.readings("daily_consumption", PRM, { from: "2026-11-02", to: "2026-11-03" });
    await c.contract(PRM);
    expect(fetched).toBe(1);
  });

  it("form credentials work too", async () => {
    const b = await client(s, { credentials: "form" }).readings("daily_consumption", PRM, {
      from: "2026-11-01",
      to: "2026-11-02",
    });
    expect(b.readings).toHaveLength(1);
  });

  it("API not subscribed (900908) is permanent; the contract still reads the other ITC APIs", async () => {
    const partial = await sim({ unsubscribedApis: ["comptage_auto", "mesure_synchrone_auto"] });
    const e = await client(partial)
      .readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiNotSubscribedError);
    expect((e as ApiNotSubscribedError).permanent).toBe(true);
    const { contract, unavailable } = await client(partial).contract(PRM);
    expect(unavailable).toEqual(["comptage_auto"]);
    expect(contract.subscribedPowerKva).not.toBeNull();
  });

  it("no consent: revoked PRM, and a PRM never consented", async () => {
    await expect(
      client(s).readings("daily_consumption", "26584978546985", { from: "2026-11-01", to: "2026-11-02" }),
    ).rejects.toBeInstanceOf(NoConsentError);
    await expect(
      client(s).readings("daily_consumption", "98765432109876", { from: "2026-11-01", to: "2026-11-02" }),
    ).rejects.toBeInstanceOf(NoConsentError);
    await expect(
      client(s, { generation: "v5" }).readings("daily_consumption", "26584978546985", {
        from: "2026-11-01",
        to: "2026-11-02",
      }),
    ).rejects.toBeInstanceOf(NoConsentError);
    await expect(client(s).verifyUsagePoint("98765432109876")).rejects.toBeInstanceOf(NoConsentError);
  });

  it("wrong direction and load curve off", async () => {
    for (const generation of ["2026", "v5"] as const) {
      await expect(
        client(s, { generation }).readings("daily_consumption", "24880057139941", {
          from: "2026-11-01",
          to: "2026-11-02",
        }),
      ).rejects.toBeInstanceOf(WrongDirectionError);
      await expect(
        client(s, { generation }).readings("consumption_load_curve", "32320647321714", {
          from: "2026-11-01",
          to: "2026-11-02",
        }),
      ).rejects.toBeInstanceOf(LoadCurveOffError);
    }
  });

  it("beyond history when Enedis' clock is ahead of ours", async () => {
    const ahead = await sim({ now: () => NOW + 90 * 86_400_000 });
    const from = addDays("2026-11-28", -24 * 31);
    await expect(
      client(ahead).readings("consumption_load_curve", PRM, { from, to: addDays(from, 1) }),
    ).rejects.toBeInstanceOf(BeyondHistoryError);
  });

  it("no data yet: a late publication gives 404 without a permanent error", async () => {
    const late = await sim({ lateDays: { [PRM]: 2 } });
    const e = await client(late)
      .readings("daily_consumption", PRM, { from: "2026-11-26", to: "2026-11-28" })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoDataYetError);
    expect((e as NoDataYetError).permanent).toBe(false);
  });

  it("quota: a burst over 5/s gets 429 with a retry time; the limiter keeps under it", async () => {
    const q = await sim({ quotaPerSecond: 5 });
    const c = client(q);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        c.readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" }),
      ),
    );
    const refused = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason as unknown);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e instanceof QuotaExceededError)).toBe(true);
    expect((refused[0] as QuotaExceededError).retryAtMs).toBeGreaterThan(NOW);
  });

  it("quota respected by the limiter: no 429 over a burst (real time, 5/s)", async () => {
    const q = await sim({ quotaPerSecond: 5, now: Date.now });
    const c = new DataConnectClient({
      apiUrl: q.url,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      // A burst of five goes at once, the next five a window later. The margin covers the time between the
      // limiter's grant and the simulator's arrival (new sockets, a loaded machine: seen at 100-400 ms),
      // which the default 50 ms (meant for network jitter) does not.
      limiter: new InProcessQuotaLimiter({ perSecond: 5, perHour: 1000, marginMs: 600 }),
    });
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 11 }, () =>
        c.readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it("faults (500, 503, stall, truncated body) are transient", async () => {
    const f = await sim({ faultRate: 1, stallMs: 60_000, seed: 7 });
    const c = client(f, { timeoutMs: 400 });
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const e = await c
        .readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TransientError);
      seen.add(String((e as TransientError).status ?? (e as Error).message.split(":").pop()?.trim()));
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it("no secret in any error message", async () => {
    const secret = "simulator-secret";
    const errors: unknown[] = [];
    await client(s, { clientSecret: "wrong-secret-xyz" })
      .readings("daily_consumption", PRM, { from: "2026-11-01", to: "2026-11-02" })
      .catch((e: unknown) => errors.push(e));
    await client(s)
      .readings("daily_consumption", "26584978546985", { from: "2026-11-01", to: "2026-11-02" })
      .catch((e: unknown) => errors.push(e));
    for (const e of errors) {
      expect(String((e as Error).message)).not.toContain(secret);
      expect(String((e as Error).message)).not.toContain("wrong-secret-xyz");
      expect(String((e as Error).message)).not.toMatch(/Bearer|Basic /);
    }
  });
});
