/**
 * A 429 that names no quota and gives no time ("SLA dépassé"), with no shared ledger to read: taken as the
 * per-second quota, about a second (here exactly, the jitter fixed). Refused again and again, the pause
 * doubles up to a minute (a refusal we cannot explain is not asked every second), told on the error, and
 * starts again from a second after a success. It used to be 60 s for the first one, which made one
 * per-second refusal cost a sync over a minute. The network is faked at its edge (fetch); the clock is
 * controlled.
 */
import { describe, expect, it } from "vitest";
import { QuotaExceededError } from "../../src/domain/errors.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import type { QuotaLimiter } from "../../src/enedis/quota.js";

const NOW = Date.UTC(2026, 10, 28, 10, 0, 0);
const PRM = "22516914714270";
const DAY = { from: "2026-11-01", to: "2026-11-02" } as const;
const OK_BODY = {
  meter_reading: {
    usage_point_id: PRM,
    start: "2026-11-01",
    end: "2026-11-02",
    reading_type: { unit: "Wh", measurement_kind: "energy", aggregate: "sum" },
    interval_reading: [{ value: "12000", date: "2026-11-01" }],
  },
};

function setup(statuses: number[]) {
  let now = NOW;
  const pauses: number[] = [];
  const limiter: QuotaLimiter = {
    acquire: async () => {},
    pause: (_api, until) => {
      pauses.push(until - now);
    },
  };
  const fetchFake: typeof fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes("/oauth2/v3/token")) {
      return new Response(JSON.stringify({ access_token: "t", token_type: "Bearer", expires_in: 12600 }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    const status = statuses.shift() ?? 200;
    return status === 429
      ? new Response(JSON.stringify({ code: "429", message: "SLA dépassé" }), { status })
      : new Response(JSON.stringify(OK_BODY), { status, headers: { "content-type": "application/json" } });
  };
  const client = new DataConnectClient({
    apiUrl: "http://enedis.invalid",
    clientId: "id",
    clientSecret: "secret",
    generation: "v5",
    now: () => now,
    fetch: fetchFake,
    limiter,
    random: () => 0.5,
  });
  const call = () => client.readings("daily_consumption", PRM, DAY).catch((e: unknown) => e);
  return { client, pauses, call, advance: (ms: number) => (now += ms) };
}

describe("429 without a retry time", () => {
  it("pauses the API for about a second, then longer when refused again, told on the error, reset by a success", async () => {
    const t = setup([429, 429, 429, 200, 429]);
    const retryAts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await t.call();
      expect(e).toBeInstanceOf(QuotaExceededError);
      retryAts.push((e as QuotaExceededError).retryAtMs! - NOW);
    }
    expect(t.pauses).toEqual([1000, 2000, 4000]);
    expect(retryAts).toEqual(t.pauses);
    expect(await t.call()).not.toBeInstanceOf(Error);
    await t.call();
    expect(t.pauses.at(-1)).toBe(1000);
  });

  it("the pause of unexplained refusals stops growing at a minute", async () => {
    const t = setup(Array.from({ length: 10 }, () => 429));
    for (let i = 0; i < 10; i++) await t.call();
    expect(t.pauses.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
    expect(t.pauses.slice(-3)).toEqual([60_000, 60_000, 60_000]);
  });
});
