import { describe, expect, it } from "vitest";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import type { AccountJob, Job } from "../../src/scheduler/queue/types.js";

const job = (accountId: number, mode: "fresh" | "backfill" = "fresh"): AccountJob => ({
  kind: "account",
  accountId,
  fireTimeMs: 0,
  mode,
});
const tick = () => new Promise((r) => setTimeout(r, 1));

describe("in-process job queue", () => {
  it("runs higher priority first, deduplicates keys, one job at a time per serial group", async () => {
    const q = new MemoryQueue({ concurrency: 2 });
    const order: string[] = [];
    let inGroup = 0;
    let maxInGroup = 0;
    await q.add(job(1, "backfill"), { key: "b1", priority: 100, serialGroup: "a1" });
    await q.add(job(2), { key: "f2", priority: 0, serialGroup: "a2" });
    await q.add(job(2), { key: "f2", priority: 0, serialGroup: "a2" }); // duplicate key: dropped
    await q.add(job(1), { key: "f1", priority: 0, serialGroup: "a1" });
    await q.add(job(3), { key: "f3", priority: 0, serialGroup: "a1" });
    await q.start(async (j: Job) => {
      if (j.kind !== "account") return;
      order.push(`${j.mode}${j.accountId}`);
      inGroup += j.accountId !== 2 ? 1 : 0;
      maxInGroup = Math.max(maxInGroup, inGroup);
      await tick();
      inGroup -= j.accountId !== 2 ? 1 : 0;
    });
    await q.drain();
    expect(order.slice(0, 2).sort()).toEqual(["fresh1", "fresh2"]);
    expect(order).toHaveLength(4);
    expect(order.at(-1)).toBe("backfill1");
    expect(maxInGroup).toBe(1);
  });

  it("a running job's key can be queued again (the next backfill), and failures are retried", async () => {
    let now = 0;
    const q = new MemoryQueue({ concurrency: 1, now: () => now, retryDelayMs: 0 });
    let runs = 0;
    let failures = 0;
    await q.start(async () => {
      runs++;
      if (runs === 1) await q.add(job(1, "backfill"), { key: "b1", priority: 100 });
      if (runs === 2 && failures === 0) {
        failures++;
        throw new Error("transient");
      }
    });
    await q.add(job(1, "backfill"), { key: "b1", priority: 100, maxAttempts: 2 });
    await q.drain();
    expect(runs).toBe(3);
    now += 1;
  });

  it("delayed jobs wait for their time", async () => {
    let now = 1000;
    const q = new MemoryQueue({ now: () => now });
    const seen: number[] = [];
    await q.start(async (j) => {
      if (j.kind === "account") seen.push(j.accountId);
    });
    await q.add(job(7), { key: "later", priority: 0, runAtMs: 5000 });
    await q.add(job(8), { key: "now", priority: 0 });
    await tick();
    expect(seen).toEqual([8]);
    now = 6000;
    await q.add(job(9), { key: "nudge", priority: 0 });
    await q.drain();
    expect(seen.sort()).toEqual([7, 8, 9]);
    await q.stop();
  });
});
