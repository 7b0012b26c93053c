/**
 * Alert tests' meters: a user, a DataConnect account and its device, filled with the simulator's own
 * data model for a PRM (`simulator/data.ts`: the curve, the daily energy summed from it, the daily max
 * power), optionally changed where a test needs a fact (a device left on at night, a heavy day).
 */
import { curvePoints, dailyMaxPower } from "../../src/simulator/data.js";
import {
  addDays,
  parisDateOf,
  parisDayLengthMin,
  parisDayStartMs,
  parisWallClock,
} from "../../src/domain/time.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import type { Reading } from "../../src/domain/types.js";
import { ROLE_USER, type Account, type Device, type Store } from "../../src/store/index.js";

export function testConfig(over: Record<string, unknown> = {}): Config {
  return { ...configSchema.parse(over), database: { url: "sqlite::memory:" } } as Config;
}

export interface Meter {
  userId: number;
  account: Account;
  device: Device;
}

let seq = 0;

/** A new user with one DataConnect account and its meter (device) for `prm`. */
export async function newMeter(
  store: Store,
  prm: string,
  opts: { senderId?: number; config?: Record<string, unknown>; subscribedKva?: number } = {},
): Promise<Meter> {
  seq++;
  const user = await store.users.create({
    username: `user${seq}-${prm.slice(-4)}`,
    passwordHash: "x",
    roles: [ROLE_USER],
  });
  const senderId =
    opts.senderId ??
    (
      (await store.senders.list()).find((s) => s.implClass === "dataconnect") ??
      (await store.senders.create({
        libelle: "Enedis DataConnect",
        implClass: "dataconnect",
        cron: "0 0/10 * * * ?",
        role: null,
      }))
    ).id;
  const account = await store.accounts.create({
    senderId,
    userId: user.id,
    usagePointId: prm,
    config: opts.config ?? {},
  });
  const type = await store.devices.linkyType();
  const device = await store.devices.findOrCreate({
    userId: user.id,
    mac: prm,
    label: "Compteur électrique (Linky)",
    deviceTypeId: type.id,
    metadata: { subscribed_power_kva: opts.subscribedKva ?? 9 },
  });
  return { userId: user.id, account, device };
}

export interface Changes {
  /** Watts added to every point from 01:00 to 05:00 (Paris) of these days. */
  nightExtraW?: Record<string, number>;
  /** Watts added to every point of these days' Paris hours [from, to). */
  hoursExtraW?: Record<string, { from: number; to: number; w: number }>;
  /** The day's max power replaced (VA). */
  maxPowerVa?: Record<string, number>;
}

/** The simulator's data of `prm` for the Paris days [from, to), changed as asked, stored for the meter. */
export async function loadSimulated(
  store: Store,
  deviceId: number,
  prm: string,
  from: string,
  to: string,
  changes: Changes = {},
): Promise<void> {
  const curve: Reading[] = curvePoints(prm, 1, from, to).map((p) => {
    const day = parisDateOf(p.startMs);
    const { hour } = parisWallClock(p.startMs);
    let w = p.valueW;
    if (changes.nightExtraW?.[day] && hour >= 1 && hour < 5) w += changes.nightExtraW[day];
    const h = changes.hoursExtraW?.[day];
    if (h && hour >= h.from && hour < h.to) w += h.w;
    return { startMs: p.startMs, lengthMin: p.stepMin, value: w };
  });
  await store.measures.upsertCurve(deviceId, "consumption", curve);
  const energy = new Map<string, number>();
  for (const r of curve) {
    const day = parisDateOf(r.startMs);
    energy.set(day, (energy.get(day) ?? 0) + ((r.value as number) * r.lengthMin) / 60);
  }
  const daily: Reading[] = [];
  const max: Reading[] = [];
  for (let day = from; day < to; day = addDays(day, 1)) {
    const e = energy.get(day);
    if (e === undefined) continue;
    daily.push({ startMs: parisDayStartMs(day), lengthMin: parisDayLengthMin(day), value: Math.round(e) });
    const m = dailyMaxPower(prm, 1, day);
    if (m)
      max.push({
        startMs: parisDayStartMs(day),
        lengthMin: parisDayLengthMin(day),
        value: changes.maxPowerVa?.[day] ?? m.valueVa,
        peakAtMs: m.atMs,
      });
  }
  await store.measures.upsertDaily(deviceId, "consumption", daily);
  await store.measures.upsertMaxPower(deviceId, max);
}
