/**
 * The tariffs repository (migration 020) on real SQLite and PostgreSQL: offers replaced by name, a
 * meter's tariff from a day, Tempo colours overwritten with their source, the dated off-peak history (a
 * changed string is a new row, the same string seen again only moves its last day), and a meter's rows
 * gone with the meter.
 */
import { expect, it } from "vitest";
import { validateOffer } from "../../src/tariffs/offers.js";
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
});
