/**
 * The sync engine on real SQLite and PostgreSQL against the simulator, with one controlled clock:
 * exact point counts (DST days included), monthly aggregates, idempotent second sync asking only for what
 * is new, daily totals equal to the curve's energy, gap repair and late publication, the sandbox
 * behaviours, and the export format.
 */
import { afterAll, beforeAll, expect, it as baseIt } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { exportRows } from "../../src/cli/data.js";
import { loadConfig } from "../../src/config/load.js";
import { addDays, addMonths, parisDateOf, parisDayStartMs, type LocalDate } from "../../src/domain/time.js";
import type { DatasetKey } from "../../src/domain/types.js";
import { NoDataYetError } from "../../src/domain/errors.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import type { Store } from "../../src/store/index.js";
import type { Account } from "../../src/store/repositories/accounts.js";
import { dataConnectAccounts, syncOneAccount } from "../../src/sync/service.js";
import { describeEachDatabase } from "../helpers/db.js";

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0); // 11:00 Paris: 27/11 is published
const config = loadConfig({ env: {} });
const SETTINGS = {
  backfillMonths: { curve: 9, daily: 9 },
  repairWindowDays: 10,
  baseBackoffMs: 1,
  maxBackoffMs: 5,
};
const HALF_HOUR = 1_800_000;
// Whole syncs against the simulator: generous timeouts for a loaded two-core machine.
const it = (name: string, fn: () => Promise<void>) => baseIt(name, fn, 180_000);

describeEachDatabase(
  "sync engine",
  (db) => {
    let now = T0;
    const clock = () => now;
    let sim: RunningSimulator;
    const late: Record<string, number> = { "64975835695673": 2 };
    let client: DataConnectClient;
    let store: Store;

    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        now: clock,
        quotaPerSecond: 1e6,
        quotaPerHour: 1e9,
        lateDays: late,
        openConsent: true, // the 15- and 60-minute meters are plain PRMs, not sandbox ones
      });
      client = new DataConnectClient({
        apiUrl: sim.url,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now: clock,
      });
      store = db.getStore();
      await store.users.create({ username: "alice", passwordHash: "x" });
      await store.senders.create({
        libelle: config.enedis.appName,
        implClass: "dataconnect",
        cron: "0 0/10 * * * ?",
      });
    });
    afterAll(async () => {
      await sim?.stop();
    });

    async function account(prm: string): Promise<Account> {
      const { account: a } = await registerAccount(store, config, {
        username: "alice",
        usagePointId: prm,
        nowMs: now,
      });
      return a;
    }
    async function sync(prm: string, settings = SETTINGS) {
      const [a] = await dataConnectAccounts(store, prm);
      return (await syncOneAccount({ store, client, now: clock, sleep: async () => {} }, a!, settings))
        .outcome;
    }
    async function deviceId(prm: string): Promise<number> {
      return (await store.devices.findByMac(prm))[0]!.id;
    }
    const measureCalls = () => sim.requestLog().byApi.mesure_synchrone_auto ?? 0;

    it("first sync stores exactly the expected points, DST days included, and the monthly aggregates", async () => {
      const prm = "22516914714270";
      await account(prm);
      const outcome = await sync(prm);
      expect(outcome.outcome).toBe("ok");
      const id = await deviceId(prm);
      const first: LocalDate = addMonths("2026-11-28", -9);
      const from = parisDayStartMs(first);
      const to = parisDayStartMs("2026-11-28");
      const curve = await store.measures.listCurve(id, "consumption", 0, Number.MAX_SAFE_INTEGER);
      expect(curve).toHaveLength((to - from) / HALF_HOUR);
      expect(curve[0]!.startMs).toBe(from);
      const perDay = new Map<string, number>();
      for (const p of curve)
        perDay.set(parisDateOf(p.startMs), (perDay.get(parisDateOf(p.startMs)) ?? 0) + 1);
      expect(perDay.get("2026-03-29")).toBe(46);
      expect(perDay.get("2026-10-25")).toBe(50);
      expect(perDay.get("2026-11-03")).toBe(48);
      const daily = await store.measures.listDaily(id, "consumption", 0, Number.MAX_SAFE_INTEGER);
      expect(daily.map((d) => d.day)).toEqual(
        Array.from({ length: daily.length }, (_, i) => addDays(first, i)),
      );
      expect(daily.at(-1)!.day).toBe("2026-11-27");
      // daily totals equal the curve's energy (within 1 Wh per point)
      const dayEnergy = new Map<string, { wh: number; n: number }>();
      for (const p of curve) {
        const day = parisDateOf(p.startMs);
        const e = dayEnergy.get(day) ?? { wh: 0, n: 0 };
        dayEnergy.set(day, { wh: e.wh + (p.energyWh ?? 0), n: e.n + 1 });
      }
      for (const d of daily) {
        const e = dayEnergy.get(d.day)!;
        expect(Math.abs(e.wh - d.value!)).toBeLessThanOrEqual(e.n);
      }
      // monthly aggregates: sum of energy, max of max power
      const months = await store.measures.listMonthly(id, "consumption", "2026-03", "2026-10");
      expect(months).toHaveLength(8);
      for (const m of months) {
        const sum = daily.filter((d) => d.day.startsWith(m.month)).reduce((s, d) => s + d.value!, 0);
        expect(m.value).toBeCloseTo(sum, 6);
      }
      const maxDays = await store.measures.listDaily(id, "max_power", 0, Number.MAX_SAFE_INTEGER);
      const maxMonths = await store.measures.listMonthly(id, "max_power", "2026-06", "2026-06");
      expect(maxMonths[0]!.value).toBe(
        Math.max(...maxDays.filter((d) => d.day.startsWith("2026-06")).map((d) => d.value!)),
      );
      // the ledger says every day is complete; the seed's watermarks are set
      const ledger = await store.ledger.countByStatus(id, "consumption_load_curve");
      expect(ledger.complete).toBe(perDay.size);
      expect(ledger.partial + ledger.missing + ledger.gap).toBe(0);
      const [a] = await dataConnectAccounts(store, prm);
      expect(a!.config.last_consumption_load_curve).toBe(to);
      expect(a!.config.last_daily_consumption).toBe(parisDayStartMs("2026-11-27"));
      expect(a!.config.last_sync?.outcome).toBe("ok");
      // the contract went to the device
      const dev = (await store.devices.findByMac(prm))[0]!;
      expect(dev.metadata).toMatchObject({ consumption_activation_date: "2015-12-01" });
    });

    it("15-minute, 60-minute and production load curves: exact point counts, DST days included", async () => {
      const first: LocalDate = addMonths("2026-11-28", -9);
      const from = parisDayStartMs(first);
      const to = parisDayStartMs("2026-11-28");
      const cases: Array<[string, "consumption" | "production", number]> = [
        ["12345678900015", "consumption", 15],
        ["12345678900060", "consumption", 60],
        ["12655648759651", "production", 30], // self-consumption: its injection curve
      ];
      const s = await db.freshStore();
      await s.users.create({ username: "alice", passwordHash: "x" });
      await s.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
      for (const [prm, direction, step] of cases) {
        await registerAccount(s, config, { username: "alice", usagePointId: prm, nowMs: now });
        const [a] = await dataConnectAccounts(s, prm);
        const { outcome } = await syncOneAccount(
          { store: s, client, now: clock, sleep: async () => {} },
          a!,
          SETTINGS,
        );
        expect(outcome.outcome, `${prm}: ${outcome.message}`).toBe("ok");
        const id = (await s.devices.findByMac(prm))[0]!.id;
        const curve = await s.measures.listCurve(id, direction, 0, Number.MAX_SAFE_INTEGER);
        const perHour = 60 / step;
        expect(curve, prm).toHaveLength((to - from) / (step * 60_000));
        expect(curve[0]!.startMs).toBe(from);
        expect(curve.at(-1)!.startMs).toBe(to - step * 60_000);
        expect(curve.every((p) => p.lengthMin === step)).toBe(true);
        const perDay = new Map<string, number>();
        for (const p of curve)
          perDay.set(parisDateOf(p.startMs), (perDay.get(parisDateOf(p.startMs)) ?? 0) + 1);
        expect(perDay.get("2026-03-29"), prm).toBe(23 * perHour);
        expect(perDay.get("2026-10-25"), prm).toBe(25 * perHour);
        expect(perDay.get("2026-11-03"), prm).toBe(24 * perHour);
        const dataset = direction === "consumption" ? "consumption_load_curve" : "production_load_curve";
        const ledger = await s.ledger.countByStatus(id, dataset);
        expect(ledger.complete).toBe(perDay.size);
        expect(ledger.partial + ledger.missing + ledger.gap).toBe(0);
      }
    });

    it("a second sync makes no duplicate and asks only for what is new", async () => {
      const prm = "22516914714270";
      const id = await deviceId(prm);
      const before = await store.measures.countCurve(id, "consumption");
      sim.resetLog();
      const again = await sync(prm);
      expect(again.outcome).toBe("ok");
      expect(measureCalls()).toBe(0);
      expect((await store.measures.countCurve(id, "consumption")).rows).toBe(before.rows);
      // a day later: one call per dataset
      now = T0 + 86_400_000;
      sim.resetLog();
      const next = await sync(prm);
      expect(next.outcome).toBe("ok");
      expect(measureCalls()).toBe(3);
      expect((await store.measures.countCurve(id, "consumption")).rows).toBe(before.rows + 48);
      now = T0;
    });

    it("gaps on Tuesdays and Wednesdays: the ledger shows them; old ones are definitive, recent ones asked again", async () => {
      const prm = "42900589957123";
      await account(prm);
      const outcome = await sync(prm);
      expect(outcome.outcome).toBe("partial"); // recent incomplete days wait for a repair
      const id = await deviceId(prm);
      const days = await store.ledger.list(id, "consumption_load_curve");
      const weekday = (d: string) => new Date(`${d}T12:00:00Z`).getUTCDay();
      const tuesdays = days.filter((d) => weekday(d.day) === 2);
      const wednesdays = days.filter((d) => weekday(d.day) === 3);
      expect(tuesdays.length).toBeGreaterThan(30);
      expect(tuesdays.every((d) => d.received === d.expected - 8)).toBe(true);
      expect(wednesdays.every((d) => d.received === 0)).toBe(true);
      const repairSince = addDays("2026-11-28", -10);
      for (const d of [...tuesdays, ...wednesdays]) {
        expect(d.status).toBe(d.day < repairSince ? "gap" : weekday(d.day) === 2 ? "partial" : "missing");
      }
      expect(
        days
          .filter((d) => weekday(d.day) !== 2 && weekday(d.day) !== 3)
          .every((d) => d.status === "complete"),
      ).toBe(true);
      // daily energy has no gap
      expect((await store.ledger.countByStatus(id, "daily_consumption")).complete).toBe(days.length);
      // a later run asks the recent incomplete days again (they stay incomplete: Enedis never fills them)
      sim.resetLog();
      await sync(prm);
      expect(measureCalls()).toBeGreaterThan(0);
      const again = (await store.ledger.list(id, "consumption_load_curve", { fromDay: repairSince })).filter(
        (d) => d.status !== "complete",
      );
      expect(again.every((d) => d.attempts === 2)).toBe(true);
      // after the repair window they become definitive gaps and are not asked any more
      now = T0 + 12 * 86_400_000;
      await sync(prm);
      const old = await store.ledger.list(id, "consumption_load_curve", {
        toDay: addDays("2026-12-10", -10),
      });
      expect(old.filter((d) => d.status === "partial" || d.status === "missing")).toEqual([]);
      now = T0;
    });

    it("late publication: missing recent days are filled by a later run", async () => {
      const prm = "64975835695673"; // published two days late
      await account(prm);
      const first = await sync(prm);
      expect(first.outcome).toBe("partial");
      const id = await deviceId(prm);
      const missing = (await store.ledger.list(id, "consumption_load_curve", { statuses: ["missing"] })).map(
        (d) => d.day,
      );
      expect(missing).toEqual(["2026-11-26", "2026-11-27"]);
      // two days later Enedis has published them
      now = T0 + 2 * 86_400_000;
      const second = await sync(prm);
      // the two newest days are late again (not published yet): said so, and the repairs went on
      expect(second.datasets.consumption_load_curve?.outcome).toBe("no_data_yet");
      expect(second.datasets.consumption_load_curve?.message).toMatch(/published/);
      const after = await store.ledger.list(id, "consumption_load_curve", {
        fromDay: "2026-11-26",
        toDay: "2026-11-28",
      });
      expect(after.map((d) => [d.day, d.status])).toEqual([
        ["2026-11-26", "complete"],
        ["2026-11-27", "complete"],
      ]);
      expect(
        (
          await store.measures.countCurve(
            id,
            "consumption",
            parisDayStartMs("2026-11-26"),
            parisDayStartMs("2026-11-28"),
          )
        ).rows,
      ).toBe(96);
      now = T0;
    });

    it("a 10-day meter outage in the load curve: later data are fetched, the hole ends as gaps, nothing else lost", async () => {
      const prm = "63695879465986";
      // The meter sent nothing from 28/11 to 07/12 included: Enedis answers 404 for a window inside it.
      const hole = { from: parisDayStartMs("2026-11-28"), to: parisDayStartMs("2026-12-08") };
      const outageClient = new (class extends DataConnectClient {
        override async readings(
          dataset: DatasetKey,
          usagePointId: string,
          w: { from: LocalDate; to: LocalDate },
        ) {
          const batch = await super.readings(dataset, usagePointId, w);
          if (dataset !== "consumption_load_curve") return batch;
          const readings = batch.readings.filter((r) => r.startMs < hole.from || r.startMs >= hole.to);
          if (readings.length === 0) {
            throw new NoDataYetError("no data for this period yet (HTTP 404)", { status: 404 });
          }
          return { ...batch, readings };
        }
      })({ apiUrl: sim.url, clientId: "simulator-client", clientSecret: "simulator-secret", now: clock });
      const settings = { ...SETTINGS, backfillMonths: { curve: 1, daily: 1 } };
      const run = async () => {
        const [a] = await dataConnectAccounts(store, prm);
        return (
          await syncOneAccount(
            { store, client: outageClient, now: clock, sleep: async () => {} },
            a!,
            settings,
          )
        ).outcome;
      };
      await account(prm);
      expect((await run()).outcome).toBe("ok"); // 28/11: up to 27/11
      const id = await deviceId(prm);
      const curveRows = async (from: LocalDate, to: LocalDate) =>
        (await store.measures.countCurve(id, "consumption", parisDayStartMs(from), parisDayStartMs(to))).rows;
      const status = async (from: LocalDate, to: LocalDate) =>
        (await store.ledger.list(id, "consumption_load_curve", { fromDay: from, toDay: to })).map((d) => [
          d.day,
          d.status,
        ]);
      // 03/12, inside the outage: the newest days may just be unpublished, so it waits.
      now = Date.UTC(2026, 11, 3, 10);
      expect((await run()).datasets.consumption_load_curve?.outcome).toBe("no_data_yet");
      // 11/12: the window inside the hole is an old empty window, not "unpublished": the sync goes past it.
      now = Date.UTC(2026, 11, 11, 10);
      const after = await run();
      expect(after.datasets.consumption_load_curve?.outcome).toBe("partial");
      expect(await curveRows("2026-12-08", "2026-12-11")).toBe(3 * 48);
      const repairSince = addDays("2026-12-11", -10);
      const holeDays = Array.from({ length: 10 }, (_, i) => addDays("2026-11-28", i));
      expect(await status("2026-11-28", "2026-12-08")).toEqual(
        holeDays.map((d) => [d, d < repairSince ? "gap" : "missing"]),
      );
      // 23/12: the hole is past the repair window: definitive gaps; everything else is complete.
      now = Date.UTC(2026, 11, 23, 10);
      expect((await run()).datasets.consumption_load_curve?.outcome).toBe("ok");
      expect(await status("2026-11-28", "2026-12-08")).toEqual(holeDays.map((d) => [d, "gap"]));
      const all = await store.ledger.list(id, "consumption_load_curve");
      expect(all[0]!.day).toBe("2026-10-28");
      expect(all.at(-1)!.day).toBe("2026-12-22");
      expect(all.filter((d) => !holeDays.includes(d.day)).every((d) => d.status === "complete")).toBe(true);
      expect(await curveRows("2026-10-28", "2026-12-23")).toBe((56 - 10) * 48);
      expect((await store.ledger.countByStatus(id, "daily_consumption")).complete).toBe(56);
      now = T0;
    });

    it("revoked consent: the account is expired with a clear message and further syncs make no call", async () => {
      const prm = "26584978546985";
      await account(prm);
      const outcome = await sync(prm);
      expect(outcome.outcome).toBe("expired");
      expect(outcome.message).toMatch(/consent/);
      const [a] = await dataConnectAccounts(store, prm);
      expect(a!.config.expired).toBe(true);
      sim.resetLog();
      expect((await sync(prm)).outcome).toBe("expired");
      expect(measureCalls()).toBe(0);
    });

    it("activation date: nothing asked before it (from the contract), or found by halving windows (no contract API)", async () => {
      const past = Date.UTC(2020, 5, 1, 10); // 1 June 2020: the meter was activated on 2019-08-27
      for (const unsubscribedApis of [[], ["situation_contrat_auto", "synth_contrat_auto"]]) {
        const old = await startSimulator({
          port: 0,
          now: () => past,
          quotaPerSecond: 1e6,
          quotaPerHour: 1e9,
          unsubscribedApis,
        });
        try {
          const c = new DataConnectClient({
            apiUrl: old.url,
            clientId: "simulator-client",
            clientSecret: "simulator-secret",
            now: () => past,
          });
          const s2 = await db.freshStore();
          await s2.users.create({ username: "alice", passwordHash: "x" });
          await s2.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
          await registerAccount(s2, config, { username: "alice", usagePointId: "11453290002823" });
          const [a] = await dataConnectAccounts(s2, "11453290002823");
          const { outcome } = await syncOneAccount(
            { store: s2, client: c, now: () => past, sleep: async () => {} },
            a!,
            {
              ...SETTINGS,
              backfillMonths: { curve: 1, daily: 36 },
            },
          );
          expect(outcome.outcome).toBe("ok");
          const id = (await s2.devices.findByMac("11453290002823"))[0]!.id;
          const daily = await s2.measures.listDaily(id, "consumption", 0, Number.MAX_SAFE_INTEGER);
          expect(daily[0]!.day).toBe("2019-08-27");
          expect(daily.at(-1)!.day).toBe("2020-05-31");
          expect(daily).toHaveLength(279);
          const refused = old.requestLog().byApiStatus.mesure_synchrone_auto?.["400"] ?? 0;
          if (unsubscribedApis.length === 0) expect(refused).toBe(0);
          else expect(refused).toBeGreaterThan(0);
          const [after] = await dataConnectAccounts(s2, "11453290002823");
          expect(after!.config.datasets?.daily_consumption?.data_floor).toBe("2019-08-27");
        } finally {
          await old.stop();
        }
      }
    });

    it("no load curve, production only, consumption + production: the right datasets, the others not applicable (2026 and legacy v5)", async () => {
      const cases: Array<[string, DatasetKey[], DatasetKey[]]> = [
        ["32320647321714", ["daily_consumption", "daily_consumption_max_power"], ["consumption_load_curve"]],
        [
          "24880057139941",
          ["production_load_curve", "daily_production"],
          ["consumption_load_curve", "daily_consumption"],
        ],
        [
          "12655648759651",
          ["consumption_load_curve", "daily_consumption", "production_load_curve", "daily_production"],
          [],
        ],
      ];
      for (const generation of ["2026", "v5"] as const) {
        // The legacy generation has no subscribed services: Enedis' own refusals (ADAM-ERR0069 wrong
        // direction, ADAM-ERR0075 no load curve) set the datasets aside. Its own database.
        const s = generation === "2026" ? store : await db.freshStore();
        const c =
          generation === "2026"
            ? client
            : new DataConnectClient({
                apiUrl: sim.url,
                clientId: "simulator-client",
                clientSecret: "simulator-secret",
                now: clock,
                generation,
              });
        if (generation === "v5") {
          await s.users.create({ username: "alice", passwordHash: "x" });
          await s.senders.create({ libelle: config.enedis.appName, implClass: "dataconnect" });
        }
        for (const [prm, synced, notApplicable] of cases) {
          await registerAccount(s, config, { username: "alice", usagePointId: prm, nowMs: now });
          const [a] = await dataConnectAccounts(s, prm);
          const { outcome: o } = await syncOneAccount(
            { store: s, client: c, now: clock, sleep: async () => {} },
            a!,
            { ...SETTINGS, backfillMonths: { curve: 1, daily: 1 } },
          );
          expect(o.outcome, `${generation} ${prm}: ${o.message}`).toBe("ok");
          for (const k of synced) expect(o.datasets[k]?.outcome, `${generation} ${prm} ${k}`).toBe("ok");
          for (const k of notApplicable) {
            expect(o.datasets[k]?.outcome, `${generation} ${prm} ${k}`).toBe("not_applicable");
            expect(o.datasets[k]?.message).toMatch(
              generation === "2026"
                ? /service/
                : k === "consumption_load_curve" && prm === "32320647321714"
                  ? /load curve not recorded/ // ADAM-ERR0075
                  : /Enedis serves no (consumption|production) data/, // ADAM-ERR0069
            );
          }
          if (generation === "v5") {
            // Every legacy dataset was tried: each one is either served or set aside, none failed.
            const served = Object.entries(o.datasets)
              .filter(([, d]) => d.outcome === "ok")
              .map(([k]) => k);
            const consumer = synced.includes("daily_consumption");
            expect(served.sort()).toEqual(
              [
                ...synced,
                ...(consumer && !synced.includes("daily_consumption_max_power")
                  ? ["daily_consumption_max_power"]
                  : []),
              ].sort(),
            );
            expect(
              Object.values(o.datasets).every((d) => d.outcome === "ok" || d.outcome === "not_applicable"),
            ).toBe(true);
          }
          const id = (await s.devices.findByMac(prm))[0]!.id;
          for (const k of synced) {
            const rows = await s.measures.readings(id, k, 0, Number.MAX_SAFE_INTEGER);
            expect(rows.length, `${generation} ${prm} ${k}`).toBeGreaterThan(0);
          }
          if (generation === "v5") {
            // Set aside for good: the next run does not ask Enedis again for them.
            const [after] = await dataConnectAccounts(s, prm);
            for (const k of notApplicable) expect(after!.config.datasets?.[k]?.not_applicable).toBe(true);
          }
        }
      }
    });

    it("export rows follow the contract: ISO UTC bounds, native units, peak_at for max power", async () => {
      const id = await deviceId("22516914714270");
      const curve = exportRows(
        "consumption_load_curve",
        await store.measures.readings(
          id,
          "consumption_load_curve",
          parisDayStartMs("2026-03-29"),
          parisDayStartMs("2026-03-30"),
        ),
      );
      expect(curve).toHaveLength(46);
      expect(curve[0]).toMatchObject({
        start: "2026-03-28T23:00:00Z",
        end: "2026-03-28T23:30:00Z",
        unit: "W",
      });
      expect(curve[4]).toMatchObject({ start: "2026-03-29T01:00:00Z" }); // 03:00 CEST right after the gap
      expect(Object.keys(curve[0]!)).toEqual(["start", "end", "value", "unit"]);
      const max = exportRows(
        "daily_consumption_max_power",
        await store.measures.readings(
          id,
          "daily_consumption_max_power",
          parisDayStartMs("2026-10-25"),
          parisDayStartMs("2026-10-26"),
        ),
      );
      expect(max).toHaveLength(1);
      expect(max[0]).toMatchObject({
        start: "2026-10-24T22:00:00Z",
        end: "2026-10-25T23:00:00Z",
        unit: "VA",
      });
      expect(max[0]!.peak_at).toMatch(/^2026-10-25T\d\d:\d\d:\d\dZ$/);
      const daily = exportRows(
        "daily_consumption",
        await store.measures.readings(
          id,
          "daily_consumption",
          parisDayStartMs("2026-10-01"),
          parisDayStartMs("2026-11-01"),
        ),
      );
      expect(daily).toHaveLength(31);
      expect(daily.every((r) => r.unit === "Wh" && typeof r.value === "number")).toBe(true);
    });
  },
  {},
);
