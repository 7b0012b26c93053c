/**
 * The weekly or monthly summary (kind `summary`, subject `user:<id>`): for each user who asked for one
 * (`AlertSettings.summary`), once the period is over (Monday, or the 1st, from `alerts.summary.hour`
 * Paris), an alert with each meter's energy, its cost on the meter's tariff when an offer is set, the
 * change against the previous period, and the daily values the e-mail draws as a chart. Raised once per
 * period: the alert's day is the period's first day, and the unique key makes a second raise a no-op
 * (several processes may look at once).
 */
import {
  addDays,
  addMonths,
  parisDateOf,
  parisDayStartMs,
  parisWallClock,
  type LocalDate,
} from "../domain/time.js";
import type { Store } from "../store/index.js";
import type { Device } from "../store/repositories/devices.js";
import { costsOnTariff, loadMeterEnergy, PricingError } from "../tariffs/service.js";
import type { AlertCandidate, AlertSettings } from "./kinds.js";
import { change, euros, kwh, type SummaryData, type SummaryMeter } from "./summary-message.js";
import { notBeforeMs } from "./quiet-hours.js";

export interface SummaryPeriod {
  period: "weekly" | "monthly";
  from: LocalDate;
  /** The day after the last. */
  to: LocalDate;
  previousFrom: LocalDate;
}

/**
 * The period whose summary is due at `nowMs`, or null: the last full week (Monday to Sunday) from Monday
 * at `hour`, the last full month from the 1st at `hour`.
 */
export function duePeriod(cadence: "weekly" | "monthly", nowMs: number, hour: number): SummaryPeriod | null {
  const today = parisDateOf(nowMs);
  const clock = parisWallClock(nowMs);
  if (cadence === "weekly") {
    const monday = addDays(today, -(clock.weekday - 1));
    if (today === monday && clock.hour < hour) return null;
    return { period: "weekly", from: addDays(monday, -7), to: monday, previousFrom: addDays(monday, -14) };
  }
  const first = `${today.slice(0, 8)}01`;
  if (today === first && clock.hour < hour) return null;
  const from = addMonths(first, -1);
  return { period: "monthly", from, to: first, previousFrom: addMonths(first, -2) };
}

/**
 * When quiet hours that cover `nowMs` end, or undefined when they do not cover it (or there are none):
 * `notBeforeMs` of quiet-hours.ts, the rule every alert's deliveries follow.
 */
export function quietUntilMs(quiet: AlertSettings["quietHours"], nowMs: number): number | undefined {
  const until = notBeforeMs(nowMs, quiet);
  return until > nowMs ? until : undefined;
}

const MONTHS = [
  "janvier",
  "février",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "août",
  "septembre",
  "octobre",
  "novembre",
  "décembre",
];
const dayNumber = (d: LocalDate) => (Number(d.slice(8, 10)) === 1 ? "1er" : String(Number(d.slice(8, 10))));
const dayMonth = (d: LocalDate) => `${dayNumber(d)} ${MONTHS[Number(d.slice(5, 7)) - 1]}`;

export function summaryTitle(p: SummaryPeriod): string {
  if (p.period === "monthly") {
    const month = MONTHS[Number(p.from.slice(5, 7)) - 1]!;
    return `Votre mois ${/^[aeiou]/.test(month) ? "d'" : "de "}${month} ${p.from.slice(0, 4)}`;
  }
  const last = addDays(p.to, -1);
  const first = p.from.slice(0, 7) === last.slice(0, 7) ? dayNumber(p.from) : dayMonth(p.from);
  const firstYear = p.from.slice(0, 4) === last.slice(0, 4) ? "" : ` ${p.from.slice(0, 4)}`;
  return `Votre semaine du ${first}${firstYear} au ${dayMonth(last)} ${last.slice(0, 4)}`;
}

async function dailyEnergy(store: Store, device: Device, from: LocalDate, to: LocalDate) {
  const rows = await store.measures.readings(
    device.id,
    "daily_consumption",
    parisDayStartMs(from),
    parisDayStartMs(to),
  );
  const byDay = new Map(rows.map((r) => [parisDateOf(r.startMs), r.value ?? 0]));
  const days: (number | null)[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) days.push(byDay.get(d) ?? null);
  return days;
}

async function costOf(store: Store, device: Device, from: LocalDate, to: LocalDate): Promise<number | null> {
  if ((await store.tariffs.assignments(device.id)).length === 0) return null;
  try {
    const energy = await loadMeterEnergy(store, device, from, to);
    const rows = await costsOnTariff(store, energy);
    return Math.round(rows.reduce((a, r) => a + r.eur, 0) * 100) / 100;
  } catch (e) {
    if (e instanceof PricingError) return null;
    throw e;
  }
}

/** The summary of one user for a period, or null when they have no meter. */
export async function buildSummary(
  store: Store,
  userId: number,
  p: SummaryPeriod,
): Promise<AlertCandidate | null> {
  const devices = await store.devices.listByUser(userId);
  if (devices.length === 0) return null;
  const meters: SummaryMeter[] = [];
  for (const device of devices) {
    const daily = await dailyEnergy(store, device, p.from, p.to);
    const previous = await dailyEnergy(store, device, p.previousFrom, p.from);
    const sum = (xs: (number | null)[]) => xs.reduce<number>((a, v) => a + (v ?? 0), 0);
    const known = previous.filter((v) => v !== null).length;
    meters.push({
      prm: device.mac,
      label: device.label,
      energyWh: sum(daily),
      previousEnergyWh: known === 0 ? null : sum(previous),
      eur: await costOf(store, device, p.from, p.to),
      previousEur: await costOf(store, device, p.previousFrom, p.from),
      daily,
    });
  }
  const than = p.period === "weekly" ? "la semaine précédente" : "le mois précédent";
  const lines = meters.map((m) => {
    if (m.daily.every((v) => v === null)) return `${m.label} : pas de données pour cette période.`;
    const c = change(m.energyWh, m.previousEnergyWh);
    const cost = m.eur === null ? "" : `, ${euros(m.eur)} abonnement compris`;
    return `${m.label} : ${kwh(m.energyWh)}${c ? ` (${c} par rapport à ${than})` : ""}${cost}.`;
  });
  const data: SummaryData = { period: p.period, from: p.from, to: p.to, meters };
  return {
    userId,
    accountId: null,
    kind: "summary",
    day: p.from,
    title: summaryTitle(p),
    body: lines.join("\n"),
    link: devices.length === 1 ? `/devices/${devices[0]!.id}` : "/",
    data: data as unknown as Record<string, unknown>,
  };
}

/** Raises every summary due now (users with `summary` weekly or monthly); how many were raised. */
export async function raiseDueSummaries(deps: {
  store: Store;
  hour: number;
  now: () => number;
  log: (message: string) => void;
}): Promise<number> {
  const { store } = deps;
  let raised = 0;
  for (const row of await store.alertDeliveries.settingsOfActiveUsers()) {
    let settings: AlertSettings;
    try {
      settings = JSON.parse(row.settings) as AlertSettings;
    } catch {
      continue;
    }
    const cadence = settings.summary;
    if (cadence !== "weekly" && cadence !== "monthly") continue;
    try {
      const p = duePeriod(cadence, deps.now(), deps.hour);
      if (!p || (await store.alertDeliveries.alertExists("summary", `user:${row.userId}`, p.from))) continue;
      const candidate = await buildSummary(store, row.userId, p);
      if (!candidate) continue;
      // The summary waits for the end of the user's quiet hours, like any alert.
      const notBeforeMs = quietUntilMs(settings.quietHours, deps.now());
      const alert = await store.transaction((tx) =>
        tx.alerts.raise(candidate, notBeforeMs === undefined ? {} : { notBeforeMs }),
      );
      if (alert) {
        raised++;
        deps.log(`alerts: ${p.period} summary ${p.from} raised for user ${row.userId}`);
      }
    } catch (e) {
      // One user's summary failing (their data) never stops the others' nor the deliveries.
      deps.log(`alerts: summary of user ${row.userId}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return raised;
}
