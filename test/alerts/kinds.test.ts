/**
 * Acceptance 1 of issue 17: each alert kind (but the summary) on simulated data with a controlled
 * clock fires once, at the right time, with the right numbers, and does not fire when it should not.
 * The meters hold the simulator's own data model (test/helpers/alerts.ts) of a household whose nights
 * and days are steady (22516914714270), changed where a test needs a fact; the sync's records
 * (consent, errors, gateway blocks, off-peak history) are written as the sync writes them. Each test
 * has its own user and meter; every kind runs on SQLite and PostgreSQL.
 */
import { beforeAll, expect, it } from "vitest";
import { AlertEvaluator } from "../../src/alerts/evaluate.js";
import { EventBus } from "../../src/app/events.js";
import type { AlertKind } from "../../src/alerts/kinds.js";
import type { Store } from "../../src/store/index.js";
import type { StoredAlert } from "../../src/store/repositories/alerts.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import { describeEachDatabase } from "../helpers/db.js";
import { loadSimulated, newMeter, testConfig, type Meter } from "../helpers/alerts.js";

/** A steady household of the simulator: none of the consumption kinds fires on its own data. */
const STEADY = "22516914714270";
/** 28/11/2026 12:00 Paris: Enedis has published up to the 27th. */
const NOW = Date.parse("2026-11-28T11:00:00Z");
const DAY_MS = 86_400_000;
const FROM = "2026-09-25";
const TO = "2026-11-28";

/** A JWT-shaped token with this `exp` (the gateway's signature is not ours to check). */
function jwt(expMs: number): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b({ alg: "HS256", typ: "JWT" })}.${b({ sub: ["x"], exp: Math.floor(expMs / 1000) })}.c2ln`;
}

describeEachDatabase("alert kinds", (db) => {
  let store: Store;
  let clock = NOW;
  let evaluator: AlertEvaluator;
  const kinds = (alerts: StoredAlert[]) => alerts.map((a) => a.kind).sort();
  const at = async (ms: number, m: Meter, mode: "sync" | "daily" = "sync") => {
    clock = ms;
    return evaluator.evaluateAccount(m.account.id, mode);
  };

  beforeAll(() => {
    store = db.getStore();
    evaluator = new AlertEvaluator({ store, config: testConfig(), now: () => clock, log: () => undefined });
  });

  async function steady(prm = STEADY, changes: Parameters<typeof loadSimulated>[5] = {}, kva = 9) {
    const m = await newMeter(store, prm, { subscribedKva: kva });
    await loadSimulated(store, m.device.id, prm, FROM, TO, changes);
    return m;
  }

  it("raises nothing on a steady household's normal data (base load, days, power, no Tempo, no change)", async () => {
    const m = await steady();
    expect(await at(NOW, m)).toEqual([]);
    expect(await at(NOW, m, "daily")).toEqual([]);
  });

  it("night_base_load: +300 W from 01:00 to 05:00 on the 27th, once, with the night, the median and the percentage", async () => {
    const m = await steady(STEADY, { nightExtraW: { "2026-11-27": 300 } });
    const [a, ...rest] = await at(NOW, m);
    expect(rest).toEqual([]);
    expect(a?.kind).toBe("night_base_load");
    expect(a?.day).toBe("2026-11-27");
    const d = a?.data as { nightW: number; medianW: number; percent: number; threshold: number };
    expect(d.threshold).toBe(20);
    expect(d.nightW - d.medianW).toBeGreaterThan(250);
    expect(d.percent).toBeCloseTo(((d.nightW - d.medianW) / d.medianW) * 100, 0);
    expect(a?.title).toBe(`Consommation de nuit en hausse de ${Math.round(d.percent)} %`);
    expect(a?.body).toContain("médiane des 8 semaines précédentes");
    expect(a?.link).toBe(`/devices/${m.device.id}/analysis?kind=baseload`);
    // Evaluated again (another sync, the daily tick, a second process): nothing new.
    expect(await at(NOW + 3_600_000, m)).toEqual([]);
    expect(await store.alerts.listForAccount(m.account.id)).toHaveLength(1);
  });

  it("night_base_load: a user's own threshold above the rise keeps it quiet; a second high night is the same episode", async () => {
    const m = await steady(STEADY, { nightExtraW: { "2026-11-26": 300, "2026-11-27": 300 } });
    // The 27th follows a night already above the line: the rise began on the 26th (told then).
    expect(await at(NOW, m)).toEqual([]);
    const n = await steady(STEADY, { nightExtraW: { "2026-11-27": 300 } });
    await store.alerts.setSettings(n.userId, { thresholds: { night_base_load: 500 } });
    expect(await at(NOW, n)).toEqual([]);
  });

  it("unusual_day: 2 kW more from 18:00 to 21:00 on Friday 27th, above the 95th percentile of the 8 Fridays before, with those hours", async () => {
    const m = await steady(STEADY, { hoursExtraW: { "2026-11-27": { from: 18, to: 21, w: 2000 } } });
    const alerts = await at(NOW, m);
    expect(kinds(alerts)).toEqual(["unusual_day"]);
    const a = alerts[0] as StoredAlert;
    expect(a.day).toBe("2026-11-27");
    const d = a.data as {
      energyWh: number;
      limitWh: number;
      sameWeekdays: number;
      hours: Array<{ hour: number; excessWh: number }>;
    };
    expect(d.sameWeekdays).toBe(8);
    expect(d.energyWh).toBeGreaterThan(d.limitWh);
    expect(d.hours.map((h) => h.hour)).toEqual([18, 19, 20]);
    for (const h of d.hours) expect(h.excessWh).toBeGreaterThan(1500);
    expect(a.body).toContain("vendredis des 8 semaines précédentes");
    expect(a.body).toContain("18 h – 19 h");
    expect(a.link).toBe(`/devices/${m.device.id}?view=day&date=2026-11-27`);
    expect(await at(NOW + 60_000, m)).toEqual([]);
  });

  it("the autumn DST night and day (25/10/2026, 25 hours): the right night, the right wall-clock hours", async () => {
    const autumn = Date.parse("2026-10-26T11:00:00Z");
    const night = await newMeter(store, STEADY);
    await loadSimulated(store, night.device.id, STEADY, "2026-08-20", "2026-10-26", {
      nightExtraW: { "2026-10-25": 300 },
    });
    const [n] = await at(autumn, night);
    expect(n).toMatchObject({ kind: "night_base_load", day: "2026-10-25" });
    const day = await newMeter(store, STEADY);
    await loadSimulated(store, day.device.id, STEADY, "2026-08-20", "2026-10-26", {
      hoursExtraW: { "2026-10-25": { from: 18, to: 21, w: 2000 } },
    });
    const [u] = await at(autumn, day);
    expect(u).toMatchObject({ kind: "unusual_day", day: "2026-10-25" });
    expect((u!.data.hours as Array<{ hour: number }>).map((h) => h.hour)).toEqual([18, 19, 20]);
    expect(u!.body).toContain("dimanches");
  });

  it("power_near_limit: 8.5 kVA of 9 kVA fires (94 %), 7 kVA does not, 9.6 kVA says 'dépassée'", async () => {
    const near = await steady(STEADY, { maxPowerVa: { "2026-11-27": 8500 } });
    const [a, ...rest] = await at(NOW, near);
    expect(rest).toEqual([]);
    expect(a?.kind).toBe("power_near_limit");
    expect(a?.day).toBe("2026-11-27");
    expect(a?.data).toMatchObject({ maxPowerVa: 8500, subscribedKva: 9, percent: 94.4, threshold: 10 });
    expect(a?.title).toBe("Puissance souscrite presque atteinte : 8,5 kVA sur 9 kVA");
    expect(await at(NOW, near)).toEqual([]);
    const far = await steady(STEADY, { maxPowerVa: { "2026-11-27": 7000 } });
    expect(await at(NOW, far)).toEqual([]);
    const above = await steady(STEADY, { maxPowerVa: { "2026-11-27": 9600 } });
    const [b] = await at(NOW, above);
    expect(b?.title).toBe("Puissance souscrite dépassée : 9,6 kVA sur 9 kVA");
  });

  it("consent ending: 30 days before (once), 7 days before (once), then ended with the re-consent link", async () => {
    const m = await steady(STEADY, {});
    await store.accounts.updateConfig(m.account.id, { consent_end_date: "2026-12-28" });
    const day = (d: string) => Date.parse(`${d}T11:00:00Z`);
    // 31 days before: nothing yet.
    expect(await at(day("2026-11-27"), m, "daily")).toEqual([]);
    const [a30] = await at(day("2026-11-28"), m, "daily");
    expect(a30).toMatchObject({
      kind: "consent_ending_30",
      day: "2026-12-28",
      link: "/dataConnect/authorize",
    });
    expect(a30?.title).toBe("Votre consentement Enedis se termine dans 30 jours");
    expect(a30?.body).toContain("se termine le 28/12/2026 (30 jours)");
    expect(await at(day("2026-11-29"), m, "daily")).toEqual([]);
    expect(await at(day("2026-12-20"), m, "daily")).toEqual([]);
    const [a7] = await at(day("2026-12-21"), m, "daily");
    expect(a7).toMatchObject({ kind: "consent_ending_7", day: "2026-12-28" });
    expect(a7?.data).toMatchObject({ daysLeft: 7 });
    expect(await at(day("2026-12-22"), m, "daily")).toEqual([]);
    const [ended] = await at(day("2026-12-28"), m, "daily");
    expect(ended).toMatchObject({ kind: "consent_ended", day: "2026-12-28", link: "/dataConnect/authorize" });
    // The next sync finds it expired: the same episode, nothing new.
    await store.accounts.updateConfig(m.account.id, {
      expired: true,
      expired_at_ms: day("2026-12-29"),
      expired_code: "consent_expired",
    });
    expect(await at(day("2026-12-29"), m)).toEqual([]);
  });

  it("consent_ended: a consent revoked early is told on the day the sync found it", async () => {
    const m = await steady(STEADY, {});
    await store.accounts.updateConfig(m.account.id, {
      consent_end_date: "2028-06-01",
      expired: true,
      expired_at_ms: NOW - 3_600_000,
      expired_reason: "consent missing or revoked",
    });
    const alerts = await at(NOW, m);
    expect(kinds(alerts)).toEqual(["consent_ended"]);
    expect(alerts[0]?.day).toBe("2026-11-28");
    expect(alerts[0]?.body).toContain("Depuis le 28/11/2026");
  });

  it("gateway_token_expiring: a Conso API token whose exp is 5 days away, once; none at 20 days", async () => {
    const m = await steady(STEADY, {});
    await store.accounts.updateConfig(m.account.id, { gateway: "conso-api" });
    await store.gateways.setCredential(m.account.id, "conso-api", jwt(NOW + 5 * DAY_MS + 3_600_000), [
      STEADY,
    ]);
    const [a, ...rest] = await at(NOW, m, "daily");
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ kind: "gateway_token_expiring", day: "2026-12-03", link: "/gateway/token" });
    expect(a?.title).toBe("Votre jeton Conso API expire dans 5 jours");
    expect(await at(NOW + DAY_MS, m, "daily")).toEqual([]);
    const far = await steady(STEADY, {});
    await store.accounts.updateConfig(far.account.id, { gateway: "conso-api" });
    await store.gateways.setCredential(far.account.id, "conso-api", jwt(NOW + 20 * DAY_MS), [STEADY]);
    expect(await at(NOW, far, "daily")).toEqual([]);
  });

  it("stale_data: nothing since the 22nd while Enedis published the 27th for the others, with the diagnosis summary; none at 2 days", async () => {
    await steady(); // another meter, up to date (the 27th)
    const m = await newMeter(store, "30001234567890");
    await loadSimulated(store, m.device.id, "30001234567890", "2026-11-01", "2026-11-23");
    await store.accounts.updateConfig(m.account.id, {
      last_success_ms: NOW - 5 * DAY_MS,
      failures: 6,
      last_error: {
        at_ms: NOW - 7_200_000,
        kind: "transient",
        message: "HTTP 500 SI coeur",
        permanent: false,
        status: 500,
      },
      last_sync: {
        started_at_ms: NOW - 7_200_000,
        finished_at_ms: NOW - 7_100_000,
        outcome: "failed",
        message: "HTTP 500",
        calls: 5,
        retries: 4,
        datasets: {},
      },
    });
    const alerts = await at(NOW, m, "daily");
    expect(kinds(alerts)).toEqual(["stale_data"]);
    const a = alerts[0] as StoredAlert;
    expect(a.day).toBe("2026-11-22");
    expect(a.data).toMatchObject({ newestDay: "2026-11-22", lastPublishedDay: "2026-11-27", days: 5 });
    expect(a.title).toBe("Plus de nouvelles données depuis 5 jours");
    expect(a.body).toContain("alors qu'Enedis a publié jusqu'au 27/11/2026 pour d'autres compteurs");
    expect(a.body).toContain("Enedis ne répond pas");
    expect((a.data.diagnosis as { cause: string }).cause).toBe("enedis_down");
    expect(a.link).toBe(`/devices/${m.device.id}/diagnostic`);
    expect(await at(NOW + 3_600_000, m, "daily")).toEqual([]);
    const fresh = await newMeter(store, "30001234567891");
    await loadSimulated(store, fresh.device.id, "30001234567891", "2026-11-01", "2026-11-26");
    expect(await at(NOW, fresh, "daily")).toEqual([]);
  });

  it("stale_data: when every meter is behind, Enedis itself is late: no alert", async () => {
    const other = await db.freshStore();
    const ev = new AlertEvaluator({
      store: other,
      config: testConfig(),
      now: () => NOW,
      log: () => undefined,
    });
    const a = await newMeter(other, "30001234567890");
    const b = await newMeter(other, "30001234567891");
    await loadSimulated(other, a.device.id, "30001234567890", "2026-11-01", "2026-11-23");
    await loadSimulated(other, b.device.id, "30001234567891", "2026-11-01", "2026-11-23");
    expect(await ev.evaluateAccount(a.account.id, "daily")).toEqual([]);
    // The daily sweep (one grouped scan for every meter) says the same.
    expect(await ev.evaluateAll("daily")).toBe(0);
    // One of them catches up: now the other is the one behind.
    await loadSimulated(other, b.device.id, "30001234567891", "2026-11-23", "2026-11-28");
    expect(await ev.evaluateAll("daily")).toBe(1);
    expect((await other.alerts.listForAccount(a.account.id)).map((x) => x.kind)).toEqual(["stale_data"]);
  });

  it("sync_failing: 4 days of failed syncs since the last success, once; not after 2 days", async () => {
    const m = await steady(STEADY, {});
    const failed = (sinceSuccess: number) =>
      store.accounts.updateConfig(m.account.id, {
        last_success_ms: NOW - sinceSuccess,
        failures: 12,
        last_error: { at_ms: NOW - 600_000, kind: "quota", message: "429", permanent: false, status: 429 },
        last_sync: {
          started_at_ms: NOW - 700_000,
          finished_at_ms: NOW - 600_000,
          outcome: "failed",
          message: "quota",
          calls: 1,
          retries: 0,
          datasets: {},
        },
      });
    await failed(2 * DAY_MS);
    expect(await at(NOW, m)).toEqual([]);
    await failed(4 * DAY_MS);
    const [a, ...rest] = await at(NOW, m);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ kind: "sync_failing", day: "2026-11-24" });
    expect(a?.title).toBe("La collecte échoue depuis 4 jours");
    expect(a?.body).toContain("Depuis le 24/11/2026, les 12 dernières collectes");
    expect(a?.body).toContain("quota d'appels Enedis");
    expect(a?.data).toMatchObject({ failures: 12, days: 4, cause: "quota" });
    expect(await at(NOW + DAY_MS, m)).toEqual([]);
  });

  it("api_not_subscribed: told once, from the day Enedis first refused the API", async () => {
    const m = await steady(STEADY, {});
    await store.accounts.updateConfig(m.account.id, {
      api_not_subscribed: {
        api: "mesure_synchrone_auto",
        message: "API not subscribed [900908]",
        since_ms: NOW - DAY_MS,
        next_check_ms: NOW + 3_600_000,
      },
    });
    const [a, ...rest] = await at(NOW, m);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ kind: "api_not_subscribed", day: "2026-11-27" });
    expect(a?.body).toContain("l'API mesure_synchrone_auto");
    expect(await at(NOW + 60_000, m)).toEqual([]);
  });

  it("gateway_banned: once per ban, with what happens next; a throttled gateway is no ban", async () => {
    const m = await steady(STEADY, {});
    await store.accounts.updateConfig(m.account.id, { gateway: "myelectricaldata" });
    await store.gateways.setCredential(m.account.id, "myelectricaldata", "opaque-token-123", [STEADY]);
    await store.gateways.block({
      gateway: "myelectricaldata",
      kind: "throttled",
      message: "409",
      sinceMs: NOW - 3_600_000,
      untilMs: NOW + 3_600_000,
    });
    expect(await at(NOW, m)).toEqual([]);
    await store.gateways.block({
      gateway: "myelectricaldata",
      kind: "banned",
      message: "Sorry, you have been blocked",
      sinceMs: NOW - 3_600_000,
      untilMs: null,
    });
    // Days of failed syncs behind the ban: the ban is the news, not a second "failing" alert.
    await store.accounts.updateConfig(m.account.id, {
      last_success_ms: NOW - 5 * DAY_MS,
      failures: 5,
      last_error: { at_ms: NOW - 60_000, kind: "gateway_banned", message: "403", permanent: true },
      last_sync: {
        started_at_ms: NOW - 120_000,
        finished_at_ms: NOW - 60_000,
        outcome: "failed",
        message: "banned",
        calls: 1,
        retries: 0,
        datasets: {},
      },
    });
    const [a, ...rest] = await at(NOW, m);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ kind: "gateway_banned", day: "2026-11-28" });
    expect(a?.title).toBe("La passerelle MyElectricalData bloque ce site");
    expect(a?.body).toContain("sans date de fin");
    expect(await at(NOW + 60_000, m)).toEqual([]);
    await store.gateways.clearBlock("myelectricaldata");
  });

  it("tempo_tomorrow: a red day for a Tempo meter once the colour is stored; white only when asked; nothing on a Base offer", async () => {
    await store.tariffs.saveOffers([
      validateOffer({
        name: "tempo-test",
        kind: "tempo",
        prices: [
          {
            from: "2026-01-01",
            subscription_eur_per_month: 15,
            hp_bleu: 0.15,
            hc_bleu: 0.12,
            hp_blanc: 0.18,
            hc_blanc: 0.14,
            hp_rouge: 0.65,
            hc_rouge: 0.15,
          },
        ],
      }),
      validateOffer({
        name: "base-test",
        kind: "base",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 12, base: 0.2 }],
      }),
    ]);
    const tempo = await steady(STEADY, {});
    const base = await steady(STEADY, {});
    await store.tariffs.assign(tempo.device.id, "2026-01-01", "tempo-test");
    await store.tariffs.assign(base.device.id, "2026-01-01", "base-test");
    // 10:00 Paris: tomorrow's colour is not published yet.
    expect(await at(Date.parse("2026-11-28T09:00:00Z"), tempo, "daily")).toEqual([]);
    await store.tariffs.saveTempoDays([{ day: "2026-11-29", colour: "ROUGE", source: "test" }]);
    const [a, ...rest] = await at(NOW, tempo, "daily");
    expect(rest).toEqual([]);
    expect(a).toMatchObject({
      kind: "tempo_tomorrow",
      day: "2026-11-29",
      link: `/devices/${tempo.device.id}/costs`,
    });
    expect(a?.title).toBe("Demain, jour Tempo rouge");
    expect(a?.body).toContain("65 c€");
    expect(await at(NOW + 3_600_000, tempo, "daily")).toEqual([]);
    expect(await at(NOW, base, "daily")).toEqual([]);
    // A white day: only for the user who asked.
    await store.tariffs.saveTempoDays([{ day: "2026-11-30", colour: "BLANC", source: "test" }]);
    expect(await at(NOW + DAY_MS, tempo, "daily")).toEqual([]);
    await store.alerts.setSettings(tempo.userId, { tempoWhite: true });
    const [w] = await at(NOW + DAY_MS, tempo, "daily");
    expect(w).toMatchObject({ kind: "tempo_tomorrow", day: "2026-11-30" });
    expect(w?.title).toBe("Demain, jour Tempo blanc");
  });

  it("tempo_tomorrow: raised when the colour fetcher says tomorrow's colour was stored (tempo.updated)", async () => {
    const events = new EventBus();
    clock = Date.parse("2026-12-01T10:00:00Z");
    const live = new AlertEvaluator({
      store,
      config: testConfig(),
      now: () => clock,
      log: () => undefined,
      events,
    });
    const m = await steady(STEADY, {});
    await store.tariffs.assign(m.device.id, "2026-01-01", "tempo-test");
    live.start();
    try {
      await live.idle();
      expect(await store.alerts.listForAccount(m.account.id)).toEqual([]);
      await store.tariffs.saveTempoDays([{ day: "2026-12-02", colour: "ROUGE", source: "test" }]);
      events.emit("tempo.updated", { days: ["2026-12-02"], source: "test" });
      await new Promise((r) => queueMicrotask(() => r(undefined)));
      await live.idle();
      expect((await store.alerts.listForAccount(m.account.id)).map((a) => [a.kind, a.day])).toEqual([
        ["tempo_tomorrow", "2026-12-02"],
      ]);
    } finally {
      await live.stop();
    }
  });

  it("offpeak_changed: old and new windows, once; nothing when the contract says the same", async () => {
    const m = await steady(STEADY, {});
    await store.tariffs.recordOffPeak(m.device.id, "HC (22H00-6H00)", "2026-06-01");
    await store.tariffs.recordOffPeak(m.device.id, "HC (22H00-6H00)", "2026-11-26");
    expect(await at(NOW, m)).toEqual([]);
    await store.tariffs.recordOffPeak(m.device.id, "HC (1H30-7H30;13H30-15H30)", "2026-11-27");
    const [a, ...rest] = await at(NOW, m);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ kind: "offpeak_changed", day: "2026-11-27" });
    expect(a?.body).toContain("sont 01:30–07:30 et 13:30–15:30 (avant : 22:00–06:00)");
    expect(await at(NOW + DAY_MS, m)).toEqual([]);
  });

  it("quiet hours (22:00-07:00 Paris): an alert raised at 23:30 is delivered from 07:00 the next morning", async () => {
    const sender = await store.senders.create({ libelle: "Courriel (test)", implClass: "email" });
    const m = await steady(STEADY, { maxPowerVa: { "2026-11-27": 8800 } });
    await store.alerts.setPreference(m.userId, "power_near_limit", [sender.id]);
    await store.alerts.setSettings(m.userId, { quietHours: { start: "22:00", end: "07:00" } });
    // 28/11/2026 23:30 Paris = 22:30 UTC; 07:00 Paris on the 29th = 06:00 UTC.
    const [a] = await at(Date.parse("2026-11-28T22:30:00Z"), m);
    expect(a?.kind).toBe("power_near_limit");
    const [d] = await store.alerts.deliveriesOf(a!.id);
    expect(d?.nextAttemptMs).toBe(Date.parse("2026-11-29T06:00:00Z"));
    // Outside the quiet hours: at once.
    const n = await steady(STEADY, { maxPowerVa: { "2026-11-27": 8800 } });
    await store.alerts.setPreference(n.userId, "power_near_limit", [sender.id]);
    await store.alerts.setSettings(n.userId, { quietHours: { start: "22:00", end: "07:00" } });
    const [b] = await at(NOW, n);
    expect((await store.alerts.deliveriesOf(b!.id))[0]?.nextAttemptMs).toBe(NOW);
  });

  it("evaluating every meter again raises nothing new, and every kind was raised by this suite", async () => {
    const before = await store.database.db
      .selectFrom("alert")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    clock = NOW;
    expect(await evaluator.evaluateAll("sync")).toBeGreaterThanOrEqual(0);
    expect(await evaluator.evaluateAll("sync")).toBe(0);
    const after = await store.database.db
      .selectFrom("alert")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBeGreaterThanOrEqual(Number(before.n));
    const every: AlertKind[] = (
      await store.database.db.selectFrom("alert").select("kind").distinct().execute()
    ).map((r) => r.kind as AlertKind);
    for (const k of [
      "consent_ending_30",
      "consent_ending_7",
      "consent_ended",
      "gateway_token_expiring",
      "stale_data",
      "sync_failing",
      "api_not_subscribed",
      "gateway_banned",
      "night_base_load",
      "unusual_day",
      "power_near_limit",
      "tempo_tomorrow",
      "offpeak_changed",
    ] as const)
      expect(every, k).toContain(k);
  });
});
