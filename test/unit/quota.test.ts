import { describe, expect, it } from "vitest";
import { InProcessQuotaLimiter } from "../../src/enedis/quota.js";

/** A controlled clock: sleeping advances it. */
function clock(start = 1_800_000_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("in-process quota limiter", () => {
  it("keeps any 1-second window under the per-second quota, per API", async () => {
    const c = clock();
    const q = new InProcessQuotaLimiter({
      perSecond: 5,
      perHour: 1000,
      now: c.now,
      sleep: c.sleep,
      marginMs: 0,
    });
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      await q.acquire("mesure_synchrone_auto");
      times.push(c.now());
    }
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(1000);
    // 20 calls at 5/s take at least 3 s and not much more
    expect(times.at(-1)! - times[0]!).toBe(3000);
    // another API has its own quota
    const before = c.now();
    await q.acquire("subscribed_services");
    expect(c.now()).toBe(before);
  });

  it("keeps any hour under the hourly quota", async () => {
    const c = clock();
    const q = new InProcessQuotaLimiter({ perSecond: 1000, perHour: 10, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 10; i++) await q.acquire("a");
    const t0 = c.now();
    await q.acquire("a");
    expect(c.now() - t0).toBeGreaterThanOrEqual(3_600_000 - 1);
  });

  it("a 429 pauses the API until the given time", async () => {
    const c = clock();
    const q = new InProcessQuotaLimiter({ perSecond: 5, perHour: 1000, now: c.now, sleep: c.sleep });
    q.pause("a", c.now() + 42_000);
    const t0 = c.now();
    await q.acquire("a");
    expect(c.now() - t0).toBe(42_000);
    expect(q.usage().a?.lastSecond).toBe(1);
  });

  it("refuses nonsense quotas", () => {
    expect(() => new InProcessQuotaLimiter({ perSecond: 0, perHour: 10 })).toThrow(RangeError);
  });
});
