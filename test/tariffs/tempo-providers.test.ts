/**
 * Tempo providers behind one interface, on recorded answer bodies (shapes from
 * /work/shared/docs/tariffs.md §2d: RTE's tempo_like_calendars, MyElectricalData's {date: colour}), and
 * the simulator's calendar through the MyElectricalData provider over real HTTP.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { simulatedTempoColour, tempoSeason } from "../../src/simulator/tempo.js";
import {
  fetchTempoColours,
  tempoProvider,
  TempoProviderError,
  type Fetch,
} from "../../src/tariffs/tempo/index.js";
import { rteInstant } from "../../src/tariffs/tempo/rte.js";
import { harness, type Harness } from "../simulator/helpers.js";

/** A fetch that answers from recorded bodies and keeps the requests. */
function recorded(answers: Record<string, { status: number; body: unknown }>) {
  const calls: { url: string; headers?: Record<string, string>; body?: string }[] = [];
  const f: Fetch = async (url, init) => {
    calls.push({
      url,
      ...(init?.headers && { headers: init.headers }),
      ...(init?.body && { body: init.body }),
    });
    const key = Object.keys(answers).find((k) => url.startsWith(k));
    const a = key ? answers[key]! : { status: 404, body: { error: "not recorded" } };
    return { status: a.status, json: async () => a.body, text: async () => JSON.stringify(a.body) };
  };
  return { f, calls };
}

const RTE_BODY = {
  tempo_like_calendars: {
    start_date: "2026-01-05T00:00:00+01:00",
    end_date: "2026-01-08T00:00:00+01:00",
    values: [
      {
        start_date: "2026-01-07T00:00:00+01:00",
        end_date: "2026-01-08T00:00:00+01:00",
        value: "RED",
        updated_date: "2026-01-06T10:20:00+01:00",
      },
      {
        start_date: "2026-01-06T00:00:00+01:00",
        end_date: "2026-01-07T00:00:00+01:00",
        value: "WHITE",
        updated_date: "2026-01-05T10:20:00+01:00",
      },
      {
        start_date: "2026-01-05T00:00:00+01:00",
        end_date: "2026-01-06T00:00:00+01:00",
        value: "BLUE",
        updated_date: "2026-01-04T10:20:00+01:00",
      },
    ],
  },
};

describe("RTE provider", () => {
  it("gets a client-credentials token, then reads the calendar (newest first) into days", async () => {
    const { f, calls } = recorded({
      "https://rte.test/token/oauth/": {
        status: 200,
        body: { access_token: "tok", token_type: "Bearer", expires_in: 7200 },
      },
      "https://rte.test/open_api/": { status: 200, body: RTE_BODY },
    });
    const p = tempoProvider("rte", {
      fetch: f,
      rte: {
        clientId: "id",
        clientSecret: "secret",
        url: "https://rte.test",
        tokenUrl: "https://rte.test/token/oauth/",
      },
    });
    expect(await p.colours("2026-01-05", "2026-01-08")).toEqual([
      { day: "2026-01-05", colour: "BLEU" },
      { day: "2026-01-06", colour: "BLANC" },
      { day: "2026-01-07", colour: "ROUGE" },
    ]);
    // why: Basic base64("id:secret") = aWQ6c2VjcmV0; dates are Paris midnight with the winter offset.
    expect(calls[0]!.headers!.authorization).toBe("Basic aWQ6c2VjcmV0");
    expect(calls[0]!.body).toBe("grant_type=client_credentials");
    expect(decodeURIComponent(calls[1]!.url)).toContain(
      "start_date=2026-01-05T00:00:00+01:00&end_date=2026-01-08T00:00:00+01:00",
    );
    expect(calls[1]!.headers!.authorization).toBe("Bearer tok");
  });
  it("asks in chunks of 90 days and reuses its token", async () => {
    const { f, calls } = recorded({
      "https://rte.test/token/oauth/": { status: 200, body: { access_token: "tok", expires_in: 7200 } },
      "https://rte.test/open_api/": { status: 200, body: { tempo_like_calendars: { values: [] } } },
    });
    const p = tempoProvider("rte", {
      fetch: f,
      rte: {
        clientId: "id",
        clientSecret: "s",
        url: "https://rte.test",
        tokenUrl: "https://rte.test/token/oauth/",
      },
    });
    await p.colours("2026-01-01", "2026-07-01");
    // why: 181 days = 90 + 90 + 1: three calendar calls after one token call.
    expect(calls.map((c) => (c.url.includes("token") ? "token" : "calendar"))).toEqual([
      "token",
      "calendar",
      "calendar",
      "calendar",
    ]);
    expect(rteInstant("2026-07-01")).toBe("2026-07-01T00:00:00+02:00");
  });
  it("says whether an error is worth retrying", async () => {
    const { f } = recorded({
      "https://rte.test/token/oauth/": { status: 200, body: { access_token: "tok" } },
      "https://rte.test/open_api/": { status: 503, body: { error: "unavailable" } },
    });
    const p = tempoProvider("rte", {
      fetch: f,
      rte: {
        clientId: "id",
        clientSecret: "s",
        url: "https://rte.test",
        tokenUrl: "https://rte.test/token/oauth/",
      },
    });
    const e = await p.colours("2026-01-01", "2026-01-02").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TempoProviderError);
    expect((e as TempoProviderError).transient).toBe(true);
    const { f: bad } = recorded({
      "https://rte.test/token/oauth/": { status: 401, body: { error: "invalid_client" } },
    });
    const p2 = tempoProvider("rte", {
      fetch: bad,
      rte: {
        clientId: "id",
        clientSecret: "s",
        url: "https://rte.test",
        tokenUrl: "https://rte.test/token/oauth/",
      },
    });
    const e2 = (await p2.colours("2026-01-01", "2026-01-02").catch((x: unknown) => x)) as TempoProviderError;
    expect(e2.transient).toBe(false);
    expect(e2.message).toContain("401");
  });
});

describe("MyElectricalData provider", () => {
  it("reads {date: colour}, leaves out unannounced days and days outside the range", async () => {
    const { f, calls } = recorded({
      "https://med.test/rte/tempo/": {
        status: 200,
        body: {
          "2026-01-05": "BLUE",
          "2026-01-06": "RED",
          "2026-01-07": "NON_DEFINI",
          "2026-01-09": "WHITE",
        },
      },
    });
    const p = tempoProvider("myelectricaldata", { fetch: f, myelectricaldata: { url: "https://med.test" } });
    expect(await p.colours("2026-01-05", "2026-01-08")).toEqual([
      { day: "2026-01-05", colour: "BLEU" },
      { day: "2026-01-06", colour: "ROUGE" },
    ]);
    expect(calls[0]!.url).toBe("https://med.test/rte/tempo/2026-01-05/2026-01-08");
  });
});

describe("the simulator's Tempo calendar", () => {
  let h: Harness;
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    // why: after the season's end, so that every day asked is published on the simulator's clock.
    h = await harness({}, Date.parse("2027-09-01T12:00:00Z"));
    dir = await mkdtemp(join(tmpdir(), "linky-tempo-"));
    store = await openStore({ url: "sqlite::memory:", dataDir: dir });
  });
  afterAll(async () => {
    await store?.close();
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("has 22 red days on November-March weekdays, 43 white, no white on Sunday, the rest blue, per season", () => {
    for (const year of [2025, 2026]) {
      const s = [...tempoSeason(year)];
      const red = s.filter(([, c]) => c === "RED").map(([d]) => d);
      const white = s.filter(([, c]) => c === "WHITE").map(([d]) => d);
      // why: 1 Sep to 31 Aug is 365 days (2027-28 would be 366).
      expect(s).toHaveLength(365);
      expect(red).toHaveLength(22);
      expect(white).toHaveLength(43);
      for (const d of red) {
        const m = Number(d.slice(5, 7));
        const wd = new Date(`${d}T12:00:00Z`).getUTCDay();
        expect(m >= 11 || m <= 3, d).toBe(true);
        expect(wd >= 1 && wd <= 5, d).toBe(true);
      }
      for (const d of white) expect(new Date(`${d}T12:00:00Z`).getUTCDay(), d).not.toBe(0);
    }
    // Deterministic: the same day, the same colour.
    expect(simulatedTempoColour("2026-12-10")).toBe(simulatedTempoColour("2026-12-10"));
  });

  it("serves it at /rte/tempo/{start}/{end}, read by the MyElectricalData provider into the store", async () => {
    const p = tempoProvider("myelectricaldata", {
      fetch: (url, init) => fetch(url, init),
      myelectricaldata: { url: h.sim.url },
    });
    const n = await fetchTempoColours(store, p, "2026-11-01", "2027-04-01");
    // why: 30 + 31 + 31 + 28 + 31 days from November to March.
    expect(n).toBe(151);
    const days = await store.tariffs.tempoDays("2026-11-01", "2027-04-01");
    expect(days.filter((d) => d.colour === "ROUGE")).toHaveLength(22);
    expect(new Set(days.map((d) => d.source))).toEqual(new Set(["myelectricaldata"]));
  });
});
