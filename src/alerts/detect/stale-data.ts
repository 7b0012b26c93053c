/**
 * No new data for `stale_data` days (default 3) while Enedis published: the meter's newest day is that
 * far behind the last published day, and other meters of this installation have data newer than it
 * (Enedis did publish; when every meter is behind, Enedis itself is late and the sync-failing alert, if
 * any, tells). With no other meter to compare with, Enedis' publication calendar (D-1 from 08:00) is
 * the reference. The alert carries the meter's diagnosis summary. Key day: the newest day received (one
 * alert per episode).
 */
import { addDays, daysBetween } from "../../domain/time.js";
import { dayText } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, type DetectContext, type Detector } from "./types.js";

export const staleDataDetector: Detector = {
  kinds: ["stale_data"],
  timeBased: true,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    if (ctx.account.config.expired) return [];
    const d = await ctx.diagnosis();
    if (d.newestDay === null) return [];
    const days = daysBetween(d.newestDay, d.lastPublishedDay);
    const threshold = ctx.threshold("stale_data");
    if (days < threshold) return [];
    const others = await ctx.othersNewestDay();
    // Others exist but are late too (by more than a day): Enedis' own delay, not this meter's.
    if (others !== null && others < addDays(d.lastPublishedDay, -1)) return [];
    return [
      candidate(ctx, {
        kind: "stale_data",
        day: d.newestDay,
        title: t("alertKinds.stale_data.title", { days }),
        body: t("alertKinds.stale_data.body", {
          label: ctx.label,
          day: dayText(d.newestDay),
          days,
          published: dayText(others ?? d.lastPublishedDay),
          others: others !== null ? t("alertKinds.stale_data.others") : "",
          summary: d.summary,
        }),
        link: links.diagnosis(ctx),
        data: {
          newestDay: d.newestDay,
          lastPublishedDay: d.lastPublishedDay,
          othersNewestDay: others,
          days,
          threshold,
          diagnosis: { state: d.state, cause: d.lastError?.cause ?? null, summary: d.summary },
        },
      }),
    ];
  },
};
