import { describe, expect, it } from "vitest";
import { FaultPicker } from "../../src/simulator/faults.js";
import { harness, m2026 } from "./helpers.js";

const PRM = "22516914714270";
const daily = m2026("consommation_quotidienne", PRM, "2026-11-01", "2026-11-02");

/** Polls until `cond` holds (10 s at most: room for a loaded machine; it usually takes milliseconds). */
async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function outcomes(seed: string, calls: number): Promise<string[]> {
  const h = await harness({ faultRate: 0.5, seed, stallMs: 20, octetStreamEvery: 0 });
  try {
    const out: string[] = [];
    const token = await h.token();
    for (let i = 0; i < calls; i++) {
      try {
        const res = await fetch(`${h.sim.url}${daily}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        JSON.parse(text);
        out.push(String(res.status));
      } catch {
        out.push("broken");
      }
    }
    return out;
  } finally {
    await h.stop();
  }
}

describe("fault injection", () => {
  it("the picker hits about the asked share, with every kind, and repeats for a seed", () => {
    const a = new FaultPicker(0.3, 7);
    const b = new FaultPicker(0.3, 7);
    const c = new FaultPicker(0.3, 8);
    const sa = Array.from({ length: 2000 }, () => a.next());
    const sb = Array.from({ length: 2000 }, () => b.next());
    const sc = Array.from({ length: 2000 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    const share = sa.filter((x) => x !== null).length / sa.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(new Set(sa)).toEqual(new Set([null, "500", "503", "stall", "truncate"]));
    expect(new FaultPicker(0, 7).next()).toBeNull();
  });

  it("over HTTP: the same seed gives the same answers; 500, 503, 504 after a stall, truncated bodies", async () => {
    const a = await outcomes("s1", 24);
    const b = await outcomes("s1", 24);
    const c = await outcomes("s2", 24);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set(["200", "500", "503", "504", "broken"]));
  });

  it("a 500 fault carries the SI coeur body; faults are logged", async () => {
    const h = await harness({ faultRate: 1, seed: "s1", stallMs: 10 });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        try {
          const r = await h.get(daily);
          if (r.status === 500)
            expect(r.body).toEqual({
              code: "500",
              message: "Problème technique dans l'interrogation du SI coeur",
            });
          if (r.status === 503) expect(r.body).toMatchObject({ message: "Service unavailable" });
          seen.add(String(r.status));
        } catch {
          seen.add("broken");
        }
      }
      const log = h.sim.requestLog();
      expect(Object.values(log.faults).reduce((s, n) => s + n, 0)).toBe(12);
      expect(seen.has("200")).toBe(false);
      // The token endpoint and admin endpoints are never faulted.
      expect(log.byApi.oauth2).toBe(1);
    } finally {
      await h.stop();
    }
  });

  it("a stalled call is released when the client hangs up, and by stop()", { timeout: 90_000 }, async () => {
    // Stalls last a minute: stop() finishing within STOP_MS (a loaded machine's margin, still a quarter
    // of the stall) proves it released the stalled call rather than waited for it.
    const STALL_MS = 60_000;
    const STOP_MS = 15_000;
    const h = await harness({ faultRate: 1, seed: "stall-hunt", stallMs: STALL_MS });
    const token = await h.token();
    // Find the ranks that stall: the picker is repeatable, so replay it.
    const picker = new FaultPicker(1, "stall-hunt");
    const kinds = Array.from({ length: 40 }, () => picker.next());
    const first = kinds.indexOf("stall");
    expect(first).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < first; i++) {
      await fetch(`${h.sim.url}${daily}`, { headers: { authorization: `Bearer ${token}` } })
        .then((r) => r.text())
        .catch(() => "");
    }
    // A call that got past the quota counts in the quota usage: the stalled one has reached the server.
    const counted = async () => {
      const log = (await (await fetch(`${h.sim.url}/__simulator/log`)).json()) as {
        quota: Record<string, { lastHour: number }>;
      };
      return log.quota.mesure_synchrone_auto?.lastHour ?? 0;
    };
    const before = await counted();
    const ac = new AbortController();
    const pending = fetch(`${h.sim.url}${daily}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    await waitFor(async () => (await counted()) > before);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => h.sim.requestLog().byStatus["499"] === 1);
    // The next stall is left hanging; stop() must still finish promptly.
    const next = kinds.indexOf("stall", first + 1);
    for (let i = first + 1; i < next; i++) {
      await fetch(`${h.sim.url}${daily}`, { headers: { authorization: `Bearer ${token}` } })
        .then((r) => r.text())
        .catch(() => "");
    }
    const before2 = await counted();
    const hanging = fetch(`${h.sim.url}${daily}`, { headers: { authorization: `Bearer ${token}` } }).catch(
      () => "gone",
    );
    await waitFor(async () => (await counted()) > before2);
    const t0 = Date.now();
    await h.stop();
    expect(Date.now() - t0).toBeLessThan(STOP_MS);
    expect(await hanging).toBe("gone");
  });
});
