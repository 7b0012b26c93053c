/**
 * Answers that lie (issue 11, finding 3, 4, 6, 8 and acceptance 3): a proxy between the sync and the
 * simulator rewrites the measure answers one way at a time (a list that is not one, wrong types, dates
 * shifted by a year, points in the future, another meter's answer, duplicates, shuffled points, negative
 * consumption, an impossible step, an HTML page, a 50 MB body). For each: nothing of the lied-about dataset
 * is stored, no day becomes a gap (nor is recorded at all), the sync says what was wrong, and once the
 * proxy tells the truth again the next sync stores exactly what a fault-free sync stores.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import type { DatasetKey } from "../../src/domain/types.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { exportRows } from "../../src/export/format.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris: 27/11 is published
const PRM = "22516914714270";
const OTHER_PRM = "11453290002823";
const config = loadConfig({ env: {} });
const SETTINGS = {
  backfillMonths: { curve: 1, daily: 1 },
  repairWindowDays: 10,
  baseBackoffMs: 1,
  maxBackoffMs: 2,
  maxRetries: 1,
};
const RESSOURCES: Record<string, DatasetKey> = {
  consommation_quotidienne: "daily_consumption",
  courbe_de_charge_consommation: "consumption_load_curve",
};

type Body = { grandeur: Array<{ points: Array<Record<string, unknown>> }> } & Record<string, unknown>;
/** A rewrite of one answer: a new JSON body, or a raw reply. */
type Lie = { json: (b: Body) => unknown } | { raw: (res: ServerResponse) => void };

interface Case {
  name: string;
  dataset: DatasetKey;
  lie: Lie;
  /** What the sync's message must say. */
  says: RegExp;
}

const shiftYear = (d: unknown) => String(d).replace(/^(\d{4})/, (y) => String(Number(y) + 1));
const CASES: Case[] = [
  {
    name: "points that are not a list",
    dataset: "daily_consumption",
    lie: { json: (b) => ({ ...b, grandeur: [{ ...b.grandeur[0], points: { v: "1" } }] }) },
    says: /points is not a list/,
  },
  {
    name: "a value of the wrong type",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        (b.grandeur[0]!.points[2] as Record<string, unknown>).v = { value: 12 };
        return b;
      },
    },
    says: /points\[2\]\.v is not a number/,
  },
  {
    name: "dates shifted by a year",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        for (const p of b.grandeur[0]!.points) p.d = shiftYear(p.d);
        return b;
      },
    },
    says: /outside the window asked for/,
  },
  {
    name: "shifted curve points (a whole answer a year later)",
    dataset: "consumption_load_curve",
    lie: {
      json: (b) => {
        for (const p of b.grandeur[0]!.points) p.d = shiftYear(p.d);
        return b;
      },
    },
    says: /outside the window asked for|goes back in time/,
  },
  {
    name: "a point in the future",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        b.grandeur[0]!.points.push({ v: "12000", d: "2026-12-24" });
        return b;
      },
    },
    says: /outside the window asked for|in the future/,
  },
  {
    name: "another meter's answer",
    dataset: "daily_consumption",
    lie: { json: (b) => ({ ...b, idPrm: OTHER_PRM }) },
    says: /idPrm is another meter's/,
  },
  {
    name: "a day given twice",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        const ps = b.grandeur[0]!.points;
        ps.splice(3, 0, { ...ps[3], v: "1" });
        return b;
      },
    },
    says: /given twice/,
  },
  {
    name: "shuffled days",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        b.grandeur[0]!.points.reverse();
        return b;
      },
    },
    says: /unsorted/,
  },
  {
    name: "negative consumption",
    dataset: "daily_consumption",
    lie: {
      json: (b) => {
        b.grandeur[0]!.points[5]!.v = "-1500";
        return b;
      },
    },
    says: /negative \(-1500 Wh\)/,
  },
  {
    name: "an impossible step",
    dataset: "consumption_load_curve",
    lie: {
      json: (b) => {
        b.grandeur[0]!.points[0]!.p = "PT7M";
        return b;
      },
    },
    says: /impossible step of 7 minutes/,
  },
  {
    name: "an HTML page with status 200",
    dataset: "daily_consumption",
    lie: {
      raw: (res) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end("<!doctype html><html><head><title>Maintenance</title></head><body>Back soon</body></html>");
      },
    },
    says: /HTML page where JSON was expected \(a proxy or an outage\?\)/,
  },
  {
    name: "a 50 MB body",
    dataset: "daily_consumption",
    lie: {
      raw: (res) => {
        // Streamed, so that only what the client reads is ever made: it must stop long before 50 MB.
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 50) {
            sent++;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        res.on("error", () => undefined);
        pump();
      },
    },
    says: /answer larger than 8192 KiB refused/,
  },
];

describe("answers that lie are refused before anything is stored", () => {
  let sim: RunningSimulator;
  let proxy: Server;
  let proxyUrl = "";
  /** The lie told now, about one dataset's answers or ("*") every measure answer. */
  let lie: { dataset: DatasetKey | "*"; lie: Lie } | null = null;
  let dir: string;
  const now = () => T0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-lies-"));
    sim = await startSimulator({ port: 0, now, quotaPerSecond: 1e6, quotaPerHour: 1e9, openConsent: true });
    proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const upstream = await fetch(new URL(req.url ?? "/", sim.url), {
          method: req.method ?? "GET",
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(
              ([k]) => !["host", "content-length", "connection"].includes(k),
            ),
          ) as Record<string, string>,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        const text = await upstream.text();
        const ressource = /\/mesure_synchrone_auto\/v2\/([a-z_]+)/.exec(req.url ?? "")?.[1];
        if (
          lie &&
          upstream.ok &&
          ressource &&
          (lie.dataset === "*" || RESSOURCES[ressource] === lie.dataset)
        ) {
          if ("raw" in lie.lie) return lie.lie.raw(res);
          const body = JSON.stringify(lie.lie.json(JSON.parse(text) as Body));
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(body);
        }
        res.writeHead(upstream.status, {
          "content-type": upstream.headers.get("content-type") ?? "application/json",
        });
        res.end(text);
      })().catch((e: unknown) => {
        res.writeHead(502);
        res.end(String(e));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const addr = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((r) => proxy?.close(() => r()));
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function freshStore(name: string): Promise<Store> {
    const store = await openStore({ url: `sqlite:${join(dir, `${name}.db`)}`, dataDir: dir });
    await store.users.create({ username: "alice", passwordHash: "x" });
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
    });
    await registerAccount(store, config, { username: "alice", usagePointId: PRM, nowMs: T0 });
    return store;
  }

  async function sync(store: Store) {
    const client = new DataConnectClient({
      apiUrl: proxyUrl,
      clientId: "simulator-client",
      clientSecret: "simulator-secret",
      now,
    });
    const [a] = await dataConnectAccounts(store, PRM);
    return syncOneAccount({ store, client, now, sleep: async () => {} }, a!, SETTINGS);
  }

  const meter = async (store: Store) => (await store.devices.findByMac(PRM))[0]!.id;

  async function rows(store: Store, dataset: DatasetKey) {
    return exportRows(
      dataset,
      await store.measures.readings(await meter(store), dataset, 0, Number.MAX_SAFE_INTEGER),
    );
  }

  let reference: Record<string, unknown[]> = {};
  let refStore: Store;

  it("a fault-free sync gives the reference", { timeout: 120_000 }, async () => {
    refStore = await freshStore("reference");
    const r = await sync(refStore);
    expect(r.outcome.outcome, r.outcome.message ?? "").toMatch(/ok|partial/);
    reference = {
      daily_consumption: await rows(refStore, "daily_consumption"),
      consumption_load_curve: await rows(refStore, "consumption_load_curve"),
    };
    expect(reference.daily_consumption!.length).toBeGreaterThan(25);
    expect(reference.consumption_load_curve!.length).toBeGreaterThan(25 * 48);
    await refStore.close();
  });

  for (const c of CASES) {
    it(
      `${c.name}: nothing stored, no gap, the message names it, a later good answer restores all`,
      {
        timeout: 120_000,
      },
      async () => {
        const store = await freshStore(c.name.replace(/[^a-z0-9]+/gi, "-"));
        try {
          lie = { dataset: c.dataset, lie: c.lie };
          const bad = await sync(store);
          lie = null;
          const ds = bad.outcome.datasets[c.dataset];
          expect(ds?.outcome, JSON.stringify(ds)).toBe("failed");
          expect(ds?.message ?? "").toMatch(c.says);
          expect(await rows(store, c.dataset)).toEqual([]);
          const ledger = await store.ledger.list(await meter(store), c.dataset);
          expect(ledger.filter((d) => d.status === "gap")).toEqual([]);
          expect(ledger).toEqual([]);
          // The truth again: the next sync stores exactly the reference.
          const good = await sync(store);
          expect(good.outcome.datasets[c.dataset]?.outcome).toMatch(/ok|partial/);
          expect(await rows(store, c.dataset)).toEqual(reference[c.dataset]);
        } finally {
          lie = null;
          await store.close();
        }
      },
    );
  }

  it(
    "a sync where every dataset that applies failed is `failed`, not `partial` (finding 7)",
    {
      timeout: 120_000,
    },
    async () => {
      const store = await freshStore("all-failed");
      try {
        lie = { dataset: "*", lie: CASES.find((c) => c.name.startsWith("an HTML page"))!.lie };
        const r = await sync(store);
        const outcomes = Object.values(r.outcome.datasets).map((d) => d.outcome);
        // Production does not apply to this consumer's meter: it must not turn a failure into "partial".
        expect(outcomes).toContain("not_applicable");
        expect(outcomes.filter((o) => o !== "not_applicable").every((o) => o === "failed")).toBe(true);
        expect(r.outcome.outcome).toBe("failed");
      } finally {
        lie = null;
        await store.close();
      }
    },
  );
});
