/** Meters in a store for the publisher tests: simulator data written straight into the measures. */
import { registerAccount } from "../../src/accounts/service.js";
import { loadConfig } from "../../src/config/load.js";
import { addDays, parisDayLengthMin, parisDayStartMs, type LocalDate } from "../../src/domain/time.js";
import type { Direction, Reading } from "../../src/domain/types.js";
import { curvePoints, dailyEnergyWh, dailyMaxPower } from "../../src/simulator/data.js";
import type { Account, Store } from "../../src/store/index.js";

export const config = loadConfig({ env: {} });

/** A user, a DataConnect sender, an account for `prm` and its device (returns the device id). */
export async function meter(
  store: Store,
  prm: string,
  username = "alice",
): Promise<{ account: Account; deviceId: number }> {
  if (!(await store.users.findByUsername(username)))
    await store.users.create({ username, passwordHash: "x" });
  if (!(await store.senders.findByLibelle(config.enedis.appName)))
    await store.senders.create({
      libelle: config.enedis.appName,
      implClass: "dataconnect",
      cron: "0 0/10 * * * ?",
    });
  const { account, device } = await registerAccount(store, config, {
    username,
    usagePointId: prm,
    nowMs: Date.now(),
  });
  return { account, deviceId: device.id };
}

/**
 * Writes the simulator's load curve of [from, to) (Paris days); `missing(startMs)` marks points Enedis
 * reported missing (stored with a null value).
 */
export async function writeCurve(
  store: Store,
  deviceId: number,
  prm: string,
  from: LocalDate,
  to: LocalDate,
  opts: {
    direction?: Direction;
    missing?: (startMs: number) => boolean;
    power?: (startMs: number, w: number) => number;
  } = {},
): Promise<number> {
  const direction = opts.direction ?? "consumption";
  const readings: Reading[] = curvePoints(prm, 1, from, to, direction).map((p) => ({
    startMs: p.startMs,
    lengthMin: p.stepMin,
    value: opts.missing?.(p.startMs) ? null : (opts.power?.(p.startMs, p.valueW) ?? p.valueW),
  }));
  await store.measures.upsertCurve(deviceId, direction, readings);
  return readings.length;
}

/** Writes the simulator's daily energy (and max power for consumption) of [from, to). */
export async function writeDaily(
  store: Store,
  deviceId: number,
  prm: string,
  from: LocalDate,
  to: LocalDate,
  direction: Direction = "consumption",
): Promise<void> {
  const energy: Reading[] = [];
  const power: Reading[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) {
    const base = { startMs: parisDayStartMs(d), lengthMin: parisDayLengthMin(d) };
    energy.push({ ...base, value: dailyEnergyWh(prm, 1, d, direction) });
    const mp = direction === "consumption" ? dailyMaxPower(prm, 1, d) : null;
    if (mp) power.push({ ...base, value: mp.valueVa, peakAtMs: mp.atMs });
  }
  await store.measures.upsertDaily(deviceId, direction, energy);
  if (power.length) await store.measures.upsertMaxPower(deviceId, power);
}

/**
 * The hourly rows and cumulative sums recomputed from the database, independently of the publisher:
 * the curve's energy per UTC hour, or, for a day without any curve value, the day's energy at its start.
 */
export async function expectedHours(
  store: Store,
  deviceId: number,
  direction: Direction = "consumption",
): Promise<Array<{ start: number; state: number; sum: number }>> {
  const hours = new Map<number, number>();
  const starts: number[] = [];
  for (const p of await store.measures.listCurve(deviceId, direction, 0, Number.MAX_SAFE_INTEGER)) {
    if (p.powerW === null) continue;
    const h = p.startMs - (p.startMs % 3_600_000);
    hours.set(h, (hours.get(h) ?? 0) + (p.powerW * p.lengthMin) / 60);
    starts.push(p.startMs);
  }
  /** Whether a curve value starts in [from, to) (`starts` is sorted). */
  const anyCurve = (from: number, to: number) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < to;
  };
  for (const d of await store.measures.listDaily(deviceId, direction, 0, Number.MAX_SAFE_INTEGER)) {
    if (d.value !== null && !anyCurve(d.startMs, d.startMs + d.lengthMin * 60_000))
      hours.set(d.startMs, d.value);
  }
  let sum = 0;
  return [...hours]
    .sort((a, b) => a[0] - b[0])
    .map(([start, state]) => {
      sum += state;
      return { start, state, sum };
    });
}
