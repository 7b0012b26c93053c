/**
 * The tariffs repository (migration 020) on real SQLite and PostgreSQL: offers replaced by name, a
 * meter's tariff from a day, Tempo colours overwritten with their source, the dated off-peak history (a
 * changed string is a new row, the same string seen again only moves its last day), and a meter's rows
 * gone with the meter.
 */
import { expect, it } from "vitest";
import { addDays, parisDayStartMs } from "../../src/domain/time.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import { costsOn, loadMeterEnergy, wholeHourCuts } from "../../src/tariffs/service.js";
import { describeEachDatabase } from "../helpers/db.js";
import { meter } from "../publish/helpers.js";

const base = (name: string, price: number) =>
  validateOffer({
    name,
    kind: "base",
    prices: [{ from: "2026-01-01", subscription_eur_per_month: 12, base: price }],
  });

describeEachDatabase("tariffs store", (db) => {
  it("replaces an offer of the same name, keeps the others", async () => {
    const store = db.getStore();
    await store.tariffs.saveOffers([base("a", 0.2), base("b", 0.3)]);
    await store.tariffs.saveOffers([base("a", 0.25)]);
    const offers = await store.tariffs.listOffers();
    expect(offers.map((o) => [o.offer.name, o.offer.prices[0]!.pricesEurPerKwh.base])).toEqual([
      ["a", 0.25],
      ["b", 0.3],
    ]);
    expect(await store.tariffs.deleteOffer("b")).toBe(true);
    expect(await store.tariffs.findOffer("b")).toBeUndefined();
  });

  it("records the off-peak history: a change is a new row, the same string only moves its last day", async () => {
    const store = db.getStore();
    const { deviceId } = await meter(store, "22516914714270");
    expect(await store.tariffs.recordOffPeak(deviceId, "HC (22H00-6H00)", "2026-01-10")).toBe(true);
    expect(await store.tariffs.recordOffPeak(deviceId, "HC (22H00-6H00)", "2026-02-10")).toBe(false);
    expect(await store.tariffs.recordOffPeak(deviceId, "HC (2H00-7H00;14H00-17H00)", "2026-03-10")).toBe(
      true,
    );
    expect(await store.tariffs.offPeakHistory(deviceId)).toEqual([
      { fromDay: "2026-01-10", label: "HC (22H00-6H00)", lastSeenDay: "2026-02-10" },
      { fromDay: "2026-03-10", label: "HC (2H00-7H00;14H00-17H00)", lastSeenDay: "2026-03-10" },
    ]);
    await store.tariffs.assign(deviceId, "2026-01-01", "a");
    await store.tariffs.assign(deviceId, "2026-06-01", "a");
    expect((await store.tariffs.assignments(deviceId)).map((a) => a.fromDay)).toEqual([
      "2026-01-01",
      "2026-06-01",
    ]);
    await store.tariffs.saveTempoDays([
      { day: "2026-01-05", colour: "BLEU", source: "import" },
      { day: "2026-01-06", colour: "ROUGE", source: "import" },
    ]);
    await store.tariffs.saveTempoDays([{ day: "2026-01-06", colour: "BLANC", source: "rte" }]);
    expect(await store.tariffs.tempoDays("2026-01-05", "2026-01-07")).toEqual([
      { day: "2026-01-05", colour: "BLEU", source: "import" },
      { day: "2026-01-06", colour: "BLANC", source: "rte" },
    ]);
    // The meter's rows go with it (foreign keys, on delete cascade).
    await store.transaction((tx) => tx.erasure.deleteDevices([deviceId]));
    expect(await store.tariffs.offPeakHistory(deviceId)).toEqual([]);
    expect(await store.tariffs.assignments(deviceId)).toEqual([]);
  });

  it("prices the curve summed per day part in SQL exactly as the raw curve, DST days included", async () => {
    const store = db.getStore();
    const { deviceId } = await meter(store, "11453290002823", "bob");
    const device = (await store.devices.findById(deviceId))!;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const readings = [];
    for (const [from, to] of [
      ["2026-03-27", "2026-03-31"],
      ["2026-10-23", "2026-10-27"],
    ] as const)
      for (let t = parisDayStartMs(from); t < parisDayStartMs(to); t += 1_800_000)
        readings.push({ startMs: t, lengthMin: 30, value: Math.round(200 + random() * 3000) });
    await store.measures.upsertCurve(deviceId, "consumption", readings);
    const days = [];
    for (let d = "2026-03-26"; d < "2026-10-28"; d = addDays(d, 1)) days.push(d);
    await store.tariffs.saveTempoDays(
      days.map((day, i) => ({
        day,
        colour: (["BLEU", "ROUGE", "BLANC"] as const)[i % 3]!,
        source: "import",
      })),
    );
    const offers = [
      validateOffer({
        name: "t",
        kind: "tempo",
        prices: [
          {
            from: "2026-01-01",
            subscription_eur_per_month: 16,
            hp_bleu: 0.16,
            hc_bleu: 0.13,
            hp_blanc: 0.19,
            hc_blanc: 0.15,
            hp_rouge: 0.7,
            hc_rouge: 0.16,
          },
        ],
      }),
      validateOffer({
        name: "h",
        kind: "hphc",
        offpeak: "HC (1H00-7H00;13H00-16H00)",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
      }),
      base("b", 0.2),
      // Edges inside the daylight-saving hours: 02:00 is missing on 29 March, twice on 25 October.
      validateOffer({
        name: "d",
        kind: "hphc",
        offpeak: "HC (2H00-3H00;23H00-0H00)",
        prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
      }),
    ];
    const cutHours = await wholeHourCuts(store, device, offers);
    // why: Tempo cuts at 6 and 22, the windows at 1, 7, 13 and 16, then 2, 3 and 23.
    expect(cutHours).toEqual([1, 2, 3, 6, 7, 13, 16, 22, 23]);
    expect(
      await wholeHourCuts(store, device, [
        validateOffer({
          name: "x",
          kind: "hphc",
          offpeak: "HC (22H30-6H30)",
          prices: [{ from: "2026-01-01", subscription_eur_per_month: 1, hp: 0.2, hc: 0.1 }],
        }),
      ]),
    ).toBeNull();
    const raw = await loadMeterEnergy(store, device, "2026-03-27", "2026-10-27");
    const parts = await loadMeterEnergy(store, device, "2026-03-27", "2026-10-27", { cutHours });
    expect(parts.curve.length).toBeLessThan(raw.curve.length / 3);
    for (const offer of offers) {
      const a = costsOn(raw, offer).filter((r) => r.period !== "SUBSCRIPTION");
      const b = costsOn(parts, offer).filter((r) => r.period !== "SUBSCRIPTION");
      expect(b.map((r) => `${r.date} ${r.period}`)).toEqual(a.map((r) => `${r.date} ${r.period}`));
      a.forEach((r, i) => {
        expect(b[i]!.kwh!, `${offer.name} ${r.date} ${r.period}`).toBeCloseTo(r.kwh!, 9);
        expect(b[i]!.eur, `${offer.name} ${r.date} ${r.period}`).toBeCloseTo(r.eur, 9);
      });
    }
  });
});
