/**
 * When a gateway account runs (gateways.md, etiquette): once a day at the account's own random minute
 * between 06:00 and 10:00 Paris (`gateway_run_minute`, drawn when the account is created), and once more
 * from 13:00 that day if the morning run brought nothing new; never more. Pure: the account's config
 * and the fire time decide.
 */
import { DateTime } from "luxon";
import { PARIS } from "../domain/time.js";
import type { Account } from "../store/repositories/accounts.js";

export const RETRY_MINUTE = 13 * 60;
const DEFAULT_MINUTE = 8 * 60 + 34;

export function isGatewayAccount(account: Account): boolean {
  return typeof account.config.gateway === "string";
}

/** Whether a gateway account's sync is due at `fireMs`, given the fire time it last ran for. */
export function gatewayDue(account: Account, fireMs: number, lastFireMs: number | null): boolean {
  const fire = DateTime.fromMillis(fireMs, { zone: PARIS });
  const minute = fire.hour * 60 + fire.minute;
  const slot = account.config.gateway_run_minute ?? DEFAULT_MINUTE;
  const today = fire.toISODate();
  const last = lastFireMs === null ? null : DateTime.fromMillis(lastFireMs, { zone: PARIS });
  const ranToday = last !== null && last.toISODate() === today;
  if (!ranToday) return minute >= slot && minute < 10 * 60;
  const lastMinute = (last?.hour ?? 0) * 60 + (last?.minute ?? 0);
  if (lastMinute >= RETRY_MINUTE || minute < RETRY_MINUTE + (slot % 60)) return false;
  // The afternoon retry, only when the morning brought nothing new.
  const ls = account.config.last_sync;
  const points = Object.values(ls?.datasets ?? {}).reduce((n, d) => n + (d.points ?? 0), 0);
  return ls !== null && ls !== undefined && (points === 0 || ls.outcome === "failed");
}
