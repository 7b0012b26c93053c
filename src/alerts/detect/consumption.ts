/**
 * What the meter's own consumption says, about its newest day (only when that day is recent: at most
 * two days before the last published one, so that a history backfill raises nothing):
 * - `night_base_load`: the mean power from 01:00 to 05:00 (Paris) is more than X % (default 20) above its
 *   median over the previous weeks (`alerts.evaluate.weeks`, 8), on the first such night of a rise (the
 *   nights after it, above as well, are the same episode: an electrically heated home entering winter is
 *   told once, not every night);
 * - `unusual_day`: the day's energy is above the p-th percentile (default 95) of the same weekday over
 *   those weeks, with the hours that made the difference (against the median of the same hours);
 * - `power_near_limit`: the day's max power is within X % (default 10) of the subscribed power, or above.
 * Key day: the day measured. Aggregate queries only: nights and days come summed from the database.
 */
import { addDays, formatParisWallTime, parisDayStartMs } from "../../domain/time.js";
import { dayText, num0, num1 } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import { publishedUntil } from "../../sync/planner.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, median, percentile, type DetectContext, type Detector } from "./types.js";

/** Fewer comparison days than this and the kind says nothing (a new meter, a gap). */
const MIN_NIGHTS = 14;
const MIN_SAME_WEEKDAYS = 4;
const WEEKDAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];

function recentFrom(nowMs: number): string {
  return addDays(publishedUntil(nowMs), -3);
}

export const nightBaseLoadDetector: Detector = {
  kinds: ["night_base_load"],
  timeBased: false,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const until = publishedUntil(ctx.nowMs);
    const from = addDays(until, -(ctx.weeks * 7 + 3));
    const nights = await ctx.store.measures.nightLoadByParisDay(
      ctx.device.id,
      "consumption",
      parisDayStartMs(from),
      parisDayStartMs(until),
    );
    // A night counts with at least 3 of its 4 hours (a 30-minute meter gives 8 points).
    const full = nights.filter((n) => n.points >= 3);
    const target = full[full.length - 1];
    if (!target || target.day < recentFrom(ctx.nowMs)) return [];
    const since = addDays(target.day, -ctx.weeks * 7);
    const before = full.filter((n) => n.day >= since && n.day < target.day).map((n) => n.nightW);
    if (before.length < MIN_NIGHTS) return [];
    const med = median(before);
    if (med <= 0) return [];
    const percent = ((target.nightW - med) / med) * 100;
    const threshold = ctx.threshold("night_base_load");
    if (percent <= threshold) return [];
    // One alert per rise: a night above the line right after another is the same episode (told already).
    const previous = full[full.length - 2];
    if (
      previous &&
      previous.day === addDays(target.day, -1) &&
      ((previous.nightW - med) / med) * 100 > threshold
    )
      return [];
    return [
      candidate(ctx, {
        kind: "night_base_load",
        day: target.day,
        title: t("alertKinds.night_base_load.title", { percent: num0(percent) }),
        body: t("alertKinds.night_base_load.body", {
          day: dayText(target.day),
          label: ctx.label,
          watts: num0(target.nightW),
          median: num0(med),
          weeks: ctx.weeks,
          percent: num0(percent),
        }),
        link: links.baseLoad(ctx),
        data: {
          day: target.day,
          nightW: Math.round(target.nightW * 10) / 10,
          medianW: Math.round(med * 10) / 10,
          percent: Math.round(percent * 10) / 10,
          threshold,
          nights: before.length,
        },
      }),
    ];
  },
};

export const unusualDayDetector: Detector = {
  kinds: ["unusual_day"],
  timeBased: false,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const until = publishedUntil(ctx.nowMs);
    const from = addDays(until, -(ctx.weeks * 7 + 3));
    const days = (
      await ctx.store.measures.listDaily(
        ctx.device.id,
        "consumption",
        parisDayStartMs(from),
        parisDayStartMs(until),
      )
    ).filter((d) => d.value !== null);
    const target = days[days.length - 1];
    if (!target || target.day < recentFrom(ctx.nowMs)) return [];
    const same = new Set(Array.from({ length: ctx.weeks }, (_, k) => addDays(target.day, -7 * (k + 1))));
    const before = days.filter((d) => same.has(d.day));
    if (before.length < MIN_SAME_WEEKDAYS) return [];
    const p = ctx.threshold("unusual_day");
    const values = before.map((d) => d.value as number);
    const limit = percentile(values, p);
    const energy = target.value as number;
    if (energy <= limit) return [];
    const hours = await excessHours(
      ctx,
      target.day,
      before.map((d) => d.day),
    );
    const weekday = WEEKDAYS[new Date(`${target.day}T12:00:00Z`).getUTCDay()] as string;
    return [
      candidate(ctx, {
        kind: "unusual_day",
        day: target.day,
        title: t("alertKinds.unusual_day.title", { kwh: num1(energy / 1000), day: dayText(target.day) }),
        body: t("alertKinds.unusual_day.body", {
          day: dayText(target.day),
          label: ctx.label,
          kwh: num1(energy / 1000),
          percentile: num0(p),
          weekday,
          weeks: ctx.weeks,
          limit: num1(limit / 1000),
          median: num1(median(values) / 1000),
          hours:
            hours.length > 0
              ? hours.map((h) => `${h.hour} h – ${h.hour + 1} h (+${num1(h.excessWh / 1000)} kWh)`).join(", ")
              : t("alertKinds.unusual_day.noHours"),
        }),
        link: links.meterDay(ctx, target.day),
        data: {
          day: target.day,
          energyWh: energy,
          limitWh: Math.round(limit),
          medianWh: Math.round(median(values)),
          percentile: p,
          sameWeekdays: before.length,
          hours,
        },
      }),
    ];
  },
};

/** The (at most 3) Paris hours of `day` most above the median of the same hours on `others`. */
async function excessHours(
  ctx: DetectContext,
  day: string,
  others: string[],
): Promise<Array<{ hour: number; energyWh: number; medianWh: number; excessWh: number }>> {
  const byDayHour = new Map<string, Map<number, number>>();
  for (const d of [day, ...others]) {
    const rows = await ctx.store.measures.curveHourly(
      ctx.device.id,
      "consumption",
      parisDayStartMs(d),
      parisDayStartMs(addDays(d, 1)),
    );
    const m = new Map<number, number>();
    for (const r of rows) {
      if (r.energyWh === null) continue;
      // The Paris wall-clock hour (the autumn day's repeated 02:00 hour adds up).
      const hour = Number(formatParisWallTime(r.startMs).slice(11, 13));
      m.set(hour, (m.get(hour) ?? 0) + r.energyWh);
    }
    byDayHour.set(d, m);
  }
  const target = byDayHour.get(day);
  if (!target || target.size === 0) return [];
  const out = [];
  for (const [hour, energyWh] of target) {
    const xs = others.map((d) => byDayHour.get(d)?.get(hour)).filter((v): v is number => v !== undefined);
    if (xs.length === 0) continue;
    const med = median(xs);
    out.push({
      hour,
      energyWh: Math.round(energyWh),
      medianWh: Math.round(med),
      excessWh: Math.round(energyWh - med),
    });
  }
  return out
    .filter((h) => h.excessWh > 0)
    .sort((a, b) => b.excessWh - a.excessWh)
    .slice(0, 3)
    .sort((a, b) => a.hour - b.hour);
}

export const powerDetector: Detector = {
  kinds: ["power_near_limit"],
  timeBased: false,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const subscribed = ctx.device.metadata.subscribed_power_kva;
    if (!subscribed || subscribed <= 0) return [];
    const until = publishedUntil(ctx.nowMs);
    const rows = (
      await ctx.store.measures.listDaily(
        ctx.device.id,
        "max_power",
        parisDayStartMs(addDays(until, -3)),
        parisDayStartMs(until),
      )
    ).filter((d) => d.value !== null);
    const target = rows[rows.length - 1];
    if (!target) return [];
    const va = target.value as number;
    const threshold = ctx.threshold("power_near_limit");
    const limitVa = subscribed * 1000 * (1 - threshold / 100);
    if (va < limitVa) return [];
    const percent = (va / (subscribed * 1000)) * 100;
    const kva = num1(va / 1000);
    const at = target.peakAtMs ?? null;
    return [
      candidate(ctx, {
        kind: "power_near_limit",
        day: target.day,
        title: t(
          va > subscribed * 1000 ? "alertKinds.power_near_limit.above" : "alertKinds.power_near_limit.title",
          {
            kva,
            subscribed: num1(subscribed),
          },
        ),
        body: t("alertKinds.power_near_limit.body", {
          day: dayText(target.day),
          label: ctx.label,
          kva,
          at:
            at === null
              ? ""
              : t("alertKinds.power_near_limit.at", { time: formatParisWallTime(at).slice(11, 16) }),
          percent: num0(percent),
          subscribed: num1(subscribed),
        }),
        link: links.meterDay(ctx, target.day),
        data: {
          day: target.day,
          maxPowerVa: va,
          peakAtMs: at,
          subscribedKva: subscribed,
          percent: Math.round(percent * 10) / 10,
          threshold,
        },
      }),
    ];
  },
};
