/**
 * What the meter's contract says:
 * - `tempo_tomorrow`: tomorrow is a red day (or a white one, when the user asked, `tempoWhite`), for a
 *   meter on a Tempo offer tomorrow, once the colour is stored (`tempo fetch`, `tempo import`); key day:
 *   tomorrow;
 * - `offpeak_changed`: the contract's off-peak hours read by the sync differ from those before (the
 *   off-peak history), within the last 30 days; key day: the day the new hours were first seen.
 */
import { addDays } from "../../domain/time.js";
import { dayText, num1 } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import { parseOffPeak, type OffPeakSchedule } from "../../tariffs/offpeak.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, type DetectContext, type Detector } from "./types.js";

/** An off-peak change older than this is history, not news. */
const OFFPEAK_NEWS_DAYS = 30;

export const tempoDetector: Detector = {
  kinds: ["tempo_tomorrow"],
  timeBased: true,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const tomorrow = addDays(ctx.today, 1);
    const assignment = (await ctx.store.tariffs.assignments(ctx.device.id))
      .filter((a) => a.fromDay <= tomorrow)
      .pop();
    if (!assignment) return [];
    const offer = (await ctx.store.tariffs.findOffer(assignment.offerName))?.offer;
    if (!offer || offer.kind !== "tempo") return [];
    const [day] = await ctx.store.tariffs.tempoDays(tomorrow, addDays(tomorrow, 1));
    if (!day) return [];
    if (day.colour !== "ROUGE" && !(day.colour === "BLANC" && ctx.settings.tempoWhite === true)) return [];
    const colour = t(`alertKinds.tempo_tomorrow.colour.${day.colour}`);
    const row = offer.prices.filter((p) => p.from <= tomorrow && (!p.to || p.to >= tomorrow)).pop();
    const price = row?.pricesEurPerKwh[day.colour === "ROUGE" ? "hp_rouge" : "hp_blanc"];
    return [
      candidate(ctx, {
        kind: "tempo_tomorrow",
        day: tomorrow,
        title: t("alertKinds.tempo_tomorrow.title", { colour }),
        body: t("alertKinds.tempo_tomorrow.body", {
          day: dayText(tomorrow),
          colour,
          price:
            price === undefined ? t("alertKinds.tempo_tomorrow.unknownPrice") : `${num1(price * 100)} c€`,
        }),
        link: links.costs(ctx),
        data: { day: tomorrow, colour: day.colour, offer: offer.name, hpEurPerKwh: price ?? null },
      }),
    ];
  },
};

/** `22:00–06:00` per window, a window crossing midnight in one piece. */
export function offPeakText(s: OffPeakSchedule): string {
  const hm = (m: number) =>
    `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const ws = s.windows.map((w) => ({ ...w }));
  const first = ws[0];
  const last = ws[ws.length - 1];
  if (ws.length > 1 && first && last && first.startMin === 0 && last.endMin === 1440) {
    last.endMin = 1440 + first.endMin;
    ws.shift();
  }
  return ws.map((w) => `${hm(w.startMin)}–${hm(w.endMin)}`).join(" et ");
}

function readable(label: string): string {
  try {
    return offPeakText(parseOffPeak(label));
  } catch {
    return label;
  }
}

export const offPeakDetector: Detector = {
  kinds: ["offpeak_changed"],
  timeBased: false,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const history = await ctx.store.tariffs.offPeakHistory(ctx.device.id);
    if (history.length < 2) return [];
    const now = history[history.length - 1]!;
    const before = history[history.length - 2]!;
    if (now.fromDay < addDays(ctx.today, -OFFPEAK_NEWS_DAYS) || now.label === before.label) return [];
    const oldText = readable(before.label);
    const newText = readable(now.label);
    if (oldText === newText) return [];
    return [
      candidate(ctx, {
        kind: "offpeak_changed",
        day: now.fromDay,
        title: t("alertKinds.offpeak_changed.title"),
        body: t("alertKinds.offpeak_changed.body", {
          day: dayText(now.fromDay),
          label: ctx.label,
          new: newText,
          old: oldText,
        }),
        link: links.costs(ctx),
        data: {
          day: now.fromDay,
          old: before.label,
          new: now.label,
          oldWindows: oldText,
          newWindows: newText,
        },
      }),
    ];
  },
};
