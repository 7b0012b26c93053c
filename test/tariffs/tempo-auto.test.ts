/**
 * Tomorrow's Tempo colour fetched by itself once published (issue 14, "Tempo colours"): the simulator's
 * calendar over real HTTP (it publishes tomorrow's colour at 11:00 Paris on its clock) through the
 * MyElectricalData provider, real SQLite, and one controlled clock for both: nothing asked before 10:40,
 * asked again every 30 minutes while missing (never in between), stored with its source, then nothing
 * until the next day's publication. A failing provider backs off.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext } from "../../src/app/context.js";
import { EventBus } from "../../src/app/events.js";
import { tempoLifecycle } from "../../src/cli/worker.js";
import { simulatedTempoColour } from "../../src/simulator/tempo.js";
import { openStore, type Store } from "../../src/store/index.js";
import { tempoColourOf } from "../../src/tariffs/files.js";
import { parisWallInstant, TempoFetcher } from "../../src/tariffs/tempo/auto.js";
import { tempoProvider, TempoProviderError, type TempoProvider } from "../../src/tariffs/tempo/index.js";
import { harness, type Harness } from "../simulator/helpers.js";

const at = (iso: string) => Date.parse(iso);

describe("parisWallInstant", () => {
  it("is the Paris wall-clock time of the day, daylight-saving days included", () => {
    expect(parisWallInstant("2026-12-02", 640)).toBe(at("2026-12-02T09:40:00Z"));
    // why: 29 March 2026 is a 23-hour day (UTC+2 from 02:00), 25 October a 25-hour one (UTC+1 from 03:00).
    expect(parisWallInstant("2026-03-29", 640)).toBe(at("2026-03-29T08:40:00Z"));
    expect(parisWallInstant("2026-10-25", 640)).toBe(at("2026-10-25T09:40:00Z"));
  });
});

describe("tomorrow's Tempo colour from the simulator, on a controlled clock", () => {
  let h: Harness;
  let store: Store;
  let dir: string;
  let calls: string[];
  let fetcher: TempoFetcher;
  const updates: string[][] = [];

  beforeAll(async () => {
    // 08:00 Paris on 2 December 2026.
    h = await harness({}, at("2026-12-02T07:00:00Z"));
    dir = await mkdtemp(join(tmpdir(), "linky-tempo-auto-"));
    store = await openStore({ url: `sqlite:${join(dir, "l.db")}`, dataDir: dir });
    calls = [];
    const med = tempoProvider("myelectricaldata", {
      fetch: (url, init) => {
        calls.push(url);
        return fetch(url, init);
      },
      myelectricaldata: { url: h.sim.url },
    });
    const events = new EventBus();
    events.on("tempo.updated", (e) => {
      updates.push(e.days);
    });
    fetcher = new TempoFetcher({
      store,
      provider: med,
      now: () => h.clock.ms,
      log: () => undefined,
      events,
      tickMs: 0,
    });
  });
  afterAll(async () => {
    await fetcher?.stop();
    await store?.close();
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("before 10:40 asks for the last 7 days and today only, then waits for 10:40", async () => {
    const r = await fetcher.runOnce();
    expect(r.called).toBe(true);
    expect(r.stored).toEqual([
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
      "2026-11-28",
      "2026-11-29",
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
    ]);
    expect(r.missing).toEqual([]);
    expect(r.nextMs).toBe(at("2026-12-02T09:40:00Z"));
    const stored = await store.tariffs.tempoDays("2026-12-02", "2026-12-04");
    expect(stored).toEqual([
      {
        day: "2026-12-02",
        colour: tempoColourOf(simulatedTempoColour("2026-12-02")),
        source: "myelectricaldata",
      },
    ]);
    h.clock.ms = at("2026-12-02T09:00:00Z");
    expect(await fetcher.tick()).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it("from 10:40 asks for tomorrow; not published yet: again 30 minutes later, not before", async () => {
    h.clock.ms = at("2026-12-02T09:45:00Z"); // 10:45 Paris
    const r = await fetcher.tick();
    expect(r).toMatchObject({ called: true, stored: [], missing: ["2026-12-03"] });
    expect(r!.nextMs).toBe(at("2026-12-02T10:15:00Z"));
    expect(calls.at(-1)).toBe(`${h.sim.url}/rte/tempo/2026-12-03/2026-12-04`);
    h.clock.ms = at("2026-12-02T10:05:00Z");
    expect(await fetcher.tick()).toBeNull();
    expect(calls).toHaveLength(2);
  });

  it("stores tomorrow's colour with its source once published, then rests until the next day's 10:40", async () => {
    h.clock.ms = at("2026-12-02T10:15:00Z"); // 11:15 Paris: the simulator published at 11:00
    const r = await fetcher.tick();
    expect(r).toMatchObject({ called: true, stored: ["2026-12-03"], missing: [] });
    expect(r!.nextMs).toBe(at("2026-12-03T09:40:00Z"));
    expect(await store.tariffs.tempoDays("2026-12-03", "2026-12-04")).toEqual([
      {
        day: "2026-12-03",
        colour: tempoColourOf(simulatedTempoColour("2026-12-03")),
        source: "myelectricaldata",
      },
    ]);
    await expect.poll(() => updates.at(-1)).toEqual(["2026-12-03"]);
    h.clock.ms = at("2026-12-02T20:00:00Z");
    expect(await fetcher.tick()).toBeNull();
    // A run that finds everything stored calls nobody.
    expect(await fetcher.runOnce()).toMatchObject({ called: false, stored: [] });
    expect(calls).toHaveLength(3);
  });
});

describe("a failing Tempo provider", () => {
  it("is asked again after a growing backoff (transient) or hours later (a setting to fix)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "linky-tempo-fail-"));
    const store = await openStore({ url: `sqlite:${join(dir, "l.db")}`, dataDir: dir });
    let now = at("2026-12-02T10:00:00Z");
    let error = new TempoProviderError("rte answered 503: busy", true);
    const failing: TempoProvider = {
      name: "rte",
      colours: async () => {
        throw error;
      },
    };
    const f = new TempoFetcher({ store, provider: failing, now: () => now, log: () => undefined, tickMs: 0 });
    try {
      const minutes = async () => ((await f.runOnce()).nextMs - now) / 60_000;
      expect(await minutes()).toBe(30);
      expect(await minutes()).toBe(60);
      expect(await minutes()).toBe(120);
      expect(await minutes()).toBe(180);
      error = new TempoProviderError("rte token answered 401: bad credentials", false);
      now += 3_600_000;
      expect(await minutes()).toBe(360);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("serve and worker", () => {
  it("start the fetcher when tempo.provider is set, with tempo.fetchAfter, and none otherwise", async () => {
    const dir = await mkdtemp(join(tmpdir(), "linky-tempo-ctx-"));
    const env = {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "l.db")}`,
      ENEDIS_ENV: "simulator",
    };
    const none = await createAppContext({ env, log: () => undefined });
    try {
      expect(tempoLifecycle(none)).toBeNull();
    } finally {
      await none.close();
    }
    const h = await harness({}, at("2026-12-02T10:30:00Z"));
    const ctx = await createAppContext({
      env: {
        ...env,
        TEMPO_PROVIDER: "myelectricaldata",
        TEMPO_MYELECTRICALDATA_URL: h.sim.url,
        TEMPO_FETCH_AFTER: "11:05",
      },
      now: () => h.clock.ms,
      log: () => undefined,
    });
    const f = tempoLifecycle(ctx)!;
    try {
      await f.start();
      // why: 11:30 Paris is after 11:05 and after the simulator's 11:00: tomorrow is stored at start.
      await expect
        .poll(async () =>
          (await ctx.store.tariffs.tempoDays("2026-12-03", "2026-12-04")).map((d) => d.source),
        )
        .toEqual(["myelectricaldata"]);
      expect(f.nextAttemptMs).toBe(at("2026-12-03T10:05:00Z"));
    } finally {
      await f.stop();
      await ctx.close();
      await h.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
