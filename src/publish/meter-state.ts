/**
 * What the MQTT publisher shows of one meter, read from the store: the last published day's energy and
 * max power, the subscribed power, the last sync, the data freshness, the consent state and the curve's
 * last 30-minute mean power.
 */
import { addDays, parisDayStartMs, parisToday, type LocalDate } from "../domain/time.js";
import type { DatasetKey } from "../domain/types.js";
import { freshnessLagDays } from "../scheduler/scheduler.js";
import type { Store } from "../store/index.js";
import type { Account } from "../store/repositories/accounts.js";
import type { Device } from "../store/repositories/devices.js";
import { loadTariffInputs, tariffAt, type TariffInputs, type TariffNow } from "../tariffs/current.js";

const MINUTE_MS = 60_000;

export interface MeterSnapshot {
  prm: string;
  label: string;
  hasConsumption: boolean;
  hasProduction: boolean;
  hasCurve: boolean;
  hasMaxPower: boolean;
  /** Newest day with a consumption energy within the last 7 days, and its Wh (null: none). */
  energyDay: LocalDate | null;
  energyWh: number | null;
  productionDay: LocalDate | null;
  productionWh: number | null;
  maxPowerDay: LocalDate | null;
  maxPowerVa: number | null;
  maxPowerAtMs: number | null;
  subscribedKva: number | null;
  lastSyncMs: number | null;
  /** ok, partial, failed, expired, running, or never. */
  lastSyncOutcome: string;
  lastSyncMessage: string | null;
  lastSuccessMs: number | null;
  /** Newest day every dataset has (the day before the oldest `fetched_until`). */
  dataUntil: LocalDate | null;
  /** Days the data are behind what Enedis has published (0 = up to date). */
  lagDays: number | null;
  /** Consent expired or revoked. */
  consentProblem: boolean;
  consentReason: string | null;
  consentEndDate: LocalDate | null;
  /** Mean power over the curve's last 30 minutes, W, and that half hour's end. */
  powerW: number | null;
  powerEndMs: number | null;
  /** The meter's tariff now (null: on no offer): current period and price, Tempo colours. */
  tariff: TariffNow | null;
}

function keysOf(account: Account): DatasetKey[] {
  const keys = (account.config.dataset_keys ?? []) as DatasetKey[];
  return keys.filter((k) => !account.config.datasets?.[k]?.not_applicable);
}

function dataUntilOf(account: Account): LocalDate | null {
  let oldest: LocalDate | null = null;
  for (const key of keysOf(account)) {
    const until = account.config.datasets?.[key]?.fetched_until;
    if (!until) return null;
    if (oldest === null || until < oldest) oldest = until;
  }
  return oldest === null ? null : addDays(oldest, -1);
}

/** Mean power over the 30 minutes that end at `endMs` (the curve's last point end), or null. */
async function lastHalfHourPower(store: Store, deviceId: number, endMs: number): Promise<number | null> {
  const from = endMs - 30 * MINUTE_MS;
  const points = await store.measures.listCurve(deviceId, "consumption", endMs - 2 * 60 * MINUTE_MS, endMs);
  let wmin = 0;
  let minutes = 0;
  for (const p of points) {
    if (p.powerW === null) continue;
    const s = Math.max(p.startMs, from);
    const e = Math.min(p.startMs + p.lengthMin * MINUTE_MS, endMs);
    if (e <= s) continue;
    wmin += (p.powerW * (e - s)) / MINUTE_MS;
    minutes += (e - s) / MINUTE_MS;
  }
  return minutes === 0 ? null : Math.round((wmin / minutes) * 10) / 10;
}

export async function meterSnapshot(
  store: Store,
  account: Account,
  device: Device,
  nowMs: number,
  /** The tariff inputs already read (the MQTT publisher keeps them); read here when not given. */
  tariffInputs?: TariffInputs | null,
): Promise<MeterSnapshot> {
  const keys = new Set(keysOf(account));
  const today = parisToday(nowMs);
  // The newest day published within the last 7 days (yesterday once Enedis has published it, around
  // 08:00; an older day when the data are late, its date in the entity's `day` attribute).
  const from = parisDayStartMs(addDays(today, -7));
  const to = parisDayStartMs(today);
  const last = async (series: "consumption" | "production" | "max_power") =>
    (await store.measures.listDaily(device.id, series, from, to)).filter((d) => d.value !== null).at(-1) ??
    null;
  const energy = await last("consumption");
  const production = await last("production");
  const maxPower = await last("max_power");
  const c = account.config;
  const powerEndMs = device.dateValueMs;
  return {
    prm: account.usagePointId,
    label: device.label,
    hasConsumption: keys.has("daily_consumption") || keys.has("consumption_load_curve") || energy !== null,
    hasProduction: keys.has("daily_production") || keys.has("production_load_curve") || production !== null,
    hasCurve: keys.has("consumption_load_curve") || device.dateValueMs !== null,
    hasMaxPower: keys.has("daily_consumption_max_power") || maxPower !== null,
    energyDay: energy?.day ?? null,
    energyWh: energy?.value ?? null,
    productionDay: production?.day ?? null,
    productionWh: production?.value ?? null,
    maxPowerDay: maxPower?.day ?? null,
    maxPowerVa: maxPower?.value ?? null,
    maxPowerAtMs: maxPower?.peakAtMs ?? null,
    subscribedKva: device.metadata.subscribed_power_kva ?? null,
    lastSyncMs: c.last_sync?.finished_at_ms ?? c.last_sync?.started_at_ms ?? null,
    lastSyncOutcome: c.last_sync?.outcome ?? "never",
    lastSyncMessage: c.last_sync?.message ?? null,
    lastSuccessMs: c.last_success_ms ?? null,
    dataUntil: dataUntilOf(account),
    lagDays: freshnessLagDays(account, nowMs),
    consentProblem: c.expired === true,
    consentReason: c.expired ? (c.expired_reason ?? "consent expired or revoked") : null,
    consentEndDate: c.consent_end_date ?? null,
    powerW: powerEndMs === null ? null : await lastHalfHourPower(store, device.id, powerEndMs),
    powerEndMs,
    tariff: await tariffNowOf(store, device, nowMs, tariffInputs),
  };
}

async function tariffNowOf(
  store: Store,
  device: Device,
  nowMs: number,
  given: TariffInputs | null | undefined,
): Promise<TariffNow | null> {
  const inputs = given !== undefined ? given : await loadTariffInputs(store, device, parisToday(nowMs));
  return inputs ? tariffAt(inputs, nowMs) : null;
}
