/**
 * The simulator's Tempo calendar, the same from run to run: per season (1 September to 31 August), 22 red
 * days on weekdays from November to March, 43 white days on other days but Sundays, the rest blue; chosen
 * by a PRNG seeded with the season's first year. Served in MyElectricalData's format,
 * `GET /rte/tempo/{start}/{end}` → `{ "YYYY-MM-DD": "BLUE" | "WHITE" | "RED" }` (end exclusive).
 * Published like RTE's, on the simulator's clock: every day up to today, tomorrow from 11:00 Paris time
 * (`TEMPO_PUBLISHED_AT`); later days are left out of the answer, as an unannounced day is.
 */
import type { FastifyInstance } from "fastify";
import { addDays, daysBetween, isLocalDate, parisToday, parisWallClock } from "../domain/time.js";

export type SimTempoColour = "BLUE" | "WHITE" | "RED";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seasons = new Map<number, Map<string, SimTempoColour>>();

/** The colours of the season starting on 1 September of `year`. */
export function tempoSeason(year: number): Map<string, SimTempoColour> {
  let s = seasons.get(year);
  if (s) return s;
  const random = prng(20_140_000 + year);
  const days: string[] = [];
  for (let d = `${year}-09-01`; d < `${year + 1}-09-01`; d = addDays(d, 1)) days.push(d);
  const weekday = (d: string) => new Date(`${d}T12:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  const pick = (pool: string[], n: number) => {
    const a = [...pool];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return new Set(a.slice(0, n));
  };
  const month = (d: string) => Number(d.slice(5, 7));
  const red = pick(
    days.filter((d) => (month(d) >= 11 || month(d) <= 3) && weekday(d) >= 1 && weekday(d) <= 5),
    22,
  );
  const white = pick(
    days.filter((d) => !red.has(d) && weekday(d) !== 0),
    43,
  );
  s = new Map(days.map((d) => [d, red.has(d) ? "RED" : white.has(d) ? "WHITE" : "BLUE"] as const));
  seasons.set(year, s);
  return s;
}

export function simulatedTempoColour(day: string): SimTempoColour {
  const y = Number(day.slice(0, 4));
  const season = Number(day.slice(5, 7)) >= 9 ? y : y - 1;
  return tempoSeason(season).get(day)!;
}

/** Paris wall-clock hour at which the simulator publishes tomorrow's colour. */
export const TEMPO_PUBLISHED_AT_HOUR = 11;

/** The last day whose colour is published at `nowMs`: tomorrow from 11:00 Paris, else today. */
export function lastPublishedTempoDay(nowMs: number): string {
  const today = parisToday(nowMs);
  return parisWallClock(nowMs).hour >= TEMPO_PUBLISHED_AT_HOUR ? addDays(today, 1) : today;
}

export function registerTempoRoutes(app: FastifyInstance, now: () => number = Date.now): void {
  app.get("/rte/tempo/:start/:end", async (request, reply) => {
    const { start, end } = request.params as { start: string; end: string };
    if (!isLocalDate(start) || !isLocalDate(end) || start >= end || daysBetween(start, end) > 366)
      return reply
        .code(400)
        .send({ error: "bad_request", message: "dates YYYY-MM-DD, start before end, at most 366 days" });
    const out: Record<string, SimTempoColour> = {};
    const last = lastPublishedTempoDay(now());
    for (let d = start; d < end && d <= last; d = addDays(d, 1)) out[d] = simulatedTempoColour(d);
    return out;
  });
}
