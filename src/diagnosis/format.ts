/** Days and instants as a French reader reads them (Paris time), for alert and diagnosis texts. */
import { formatParisWallTime } from "../domain/time.js";

/** `2026-11-27` → `27/11/2026`. */
export function dayText(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

/** An instant → `28/11/2026 à 14:00` (Paris). */
export function whenText(ms: number): string {
  const s = formatParisWallTime(ms);
  return `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)} à ${s.slice(11, 16)}`;
}

const nf1 = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1, minimumFractionDigits: 0 });
const nf0 = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });

/** `1234.5` → `1 234,5` (one decimal at most). */
export function num1(v: number): string {
  return nf1.format(v);
}

/** `1234.5` → `1 235`. */
export function num0(v: number): string {
  return nf0.format(v);
}
