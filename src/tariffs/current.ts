/**
 * What a meter's tariff says right now (MQTT sensors): the offer in force today, the price period of the
 * current minute (BASE, HP/HC, or the Tempo bucket such as HC_BLEU) with its price, and today's and
 * tomorrow's Tempo colours. Read from the store once (`loadTariffInputs`, a few small queries), then
 * evaluated for any instant without the database (`tariffAt`), through the same pricing as the costs:
 * a one-minute piece at that instant, so that the period is the one `costs` books that minute to.
 */
import { parisDateFast, parisHourFast } from "../domain/paris-fast.js";
import { addDays, type LocalDate } from "../domain/time.js";
import type { Repositories } from "../store/index.js";
import type { Device } from "../store/repositories/devices.js";
import type { Offer, Period } from "./offers.js";
import { OffPeakHistory, parseOffPeak, type OffPeakSchedule } from "./offpeak.js";
import { PricingError, priceEnergy, type TempoColour } from "./pricing.js";

const MINUTE_MS = 60_000;

export interface TariffInputs {
  offer: Offer;
  /** The Paris day these inputs were read for (the offer in force that day). */
  day: LocalDate;
  offPeakOn: (day: LocalDate) => OffPeakSchedule | undefined;
  /** Tempo colours from the day before `day` to the day after (06:00 → 06:00 days). */
  tempo: Map<LocalDate, TempoColour>;
  subscribedKva: number | null;
}

export interface TariffNow {
  offer: string;
  kind: Offer["kind"];
  /** The price period of the instant; null when it cannot be priced (no price row, no off-peak hours). */
  period: Period | null;
  priceEurPerKwh: number | null;
  /** Tempo: the colour of the Tempo day in force (00:00-06:00: the previous day's), null if unknown. */
  tempoColourNow: TempoColour | null;
  /** Tempo: the colours of the Tempo days starting today and tomorrow at 06:00 (null: not known yet). */
  tempoToday: TempoColour | null;
  tempoTomorrow: TempoColour | null;
  today: LocalDate;
  /** Why `period` is null. */
  reason: string | null;
}

/**
 * The inputs for a meter on `day` (Paris), or null when the meter is on no offer (no `tariff set`).
 * Days before the first assignment take the first one, as the costs do.
 */
export async function loadTariffInputs(
  repos: Repositories,
  device: Device,
  day: LocalDate,
): Promise<TariffInputs | null> {
  const assignments = await repos.tariffs.assignments(device.id);
  if (assignments.length === 0) return null;
  let current = assignments[0]!;
  for (const a of assignments) if (a.fromDay <= day) current = a;
  const stored = await repos.tariffs.findOffer(current.offerName);
  if (!stored) return null;
  const offer = stored.offer;
  const meta = device.metadata as Record<string, unknown>;
  let offPeakOn: TariffInputs["offPeakOn"] = () => undefined;
  if (offer.kind === "hphc") {
    if (offer.offpeak === "contract") {
      const history = await repos.tariffs.offPeakHistory(device.id);
      const known = meta.offpeak_hours ?? meta.off_peak_hours;
      const h = new OffPeakHistory(
        history.length > 0
          ? history
          : typeof known === "string"
            ? [{ fromDay: "1970-01-01", label: known }]
            : [],
      );
      offPeakOn = (d) => h.on(d);
    } else {
      const s = parseOffPeak(offer.offpeak ?? "");
      offPeakOn = () => s;
    }
  }
  const tempo = new Map<LocalDate, TempoColour>();
  if (offer.kind === "tempo")
    for (const d of await repos.tariffs.tempoDays(addDays(day, -1), addDays(day, 2)))
      tempo.set(d.day, d.colour);
  const kva = typeof meta.subscribed_power_kva === "number" ? meta.subscribed_power_kva : null;
  return { offer, day, offPeakOn, tempo, subscribedKva: kva };
}

/** The tariff at `nowMs` (of the day the inputs were read for, or the next one). */
export function tariffAt(inputs: TariffInputs, nowMs: number): TariffNow {
  const { offer } = inputs;
  const today = parisDateFast(nowMs);
  const minute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  let period: Period | null = null;
  let price: number | null = null;
  let reason: string | null = null;
  let estimated = false;
  try {
    const rows = priceEnergy({
      offer,
      from: today,
      to: addDays(today, 1),
      curve: [{ startMs: minute, lengthMin: 1, powerW: 60 }],
      offPeakOn: inputs.offPeakOn,
      tempoColour: (d) => inputs.tempo.get(d),
      subscribedKva: inputs.subscribedKva,
      onPiece: (_hour, p, _wh, eurPerKwh) => {
        period = p;
        price = eurPerKwh;
      },
    });
    estimated = rows.some((r) => r.period !== "SUBSCRIPTION" && r.estimated);
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    reason = e.message;
  }
  const tempo = offer.kind === "tempo";
  const wallHour = parisHourFast(nowMs);
  const colourNow = tempo ? (inputs.tempo.get(wallHour < 6 ? addDays(today, -1) : today) ?? null) : null;
  if (tempo && estimated) {
    // The Tempo day's colour is not known: the pricing would say blue; the sensor says unknown.
    period = null;
    price = null;
    reason = "the colour of the Tempo day in force is not known yet";
  }
  return {
    offer: offer.name,
    kind: offer.kind,
    period,
    priceEurPerKwh: price,
    tempoColourNow: colourNow,
    tempoToday: tempo ? (inputs.tempo.get(today) ?? null) : null,
    tempoTomorrow: tempo ? (inputs.tempo.get(addDays(today, 1)) ?? null) : null,
    today,
    reason,
  };
}
