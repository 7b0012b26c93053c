/**
 * The consent's end (Data Connect consents last at most 3 years): 30 and 7 days before (thresholds
 * `consent_ending_30` / `consent_ending_7`), and once it has ended or was revoked, with the re-consent
 * link. Key day: the consent's end day (one warning of each kind per consent), or the day it was found
 * ended when it ended early.
 */
import { daysBetween, parisDateOf } from "../../domain/time.js";
import { dayText } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, type DetectContext, type Detector } from "./types.js";

export const consentDetector: Detector = {
  kinds: ["consent_ending_30", "consent_ending_7", "consent_ended"],
  timeBased: true,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const c = ctx.account.config;
    // Gateway households consent on the gateway's site: its token tells (gateway_token_expiring).
    if (typeof c.gateway === "string") return [];
    const end = c.consent_end_date ?? null;
    const ended = c.expired === true || (end !== null && end <= ctx.today);
    if (ended) {
      const foundDay = c.expired_at_ms ? parisDateOf(c.expired_at_ms) : ctx.today;
      const day = end !== null && end <= ctx.today ? end : foundDay;
      return [
        candidate(ctx, {
          kind: "consent_ended",
          day,
          title: t("alertKinds.consent_ended.title"),
          body: t("alertKinds.consent_ended.body", { since: dayText(day), label: ctx.label }),
          link: links.reconsent(),
          data: { endDate: end, expiredAtMs: c.expired_at_ms ?? null },
        }),
      ];
    }
    if (end === null) return [];
    const days = daysBetween(ctx.today, end);
    const last = ctx.threshold("consent_ending_7");
    const first = ctx.threshold("consent_ending_30");
    const kind = days <= last ? "consent_ending_7" : days <= first ? "consent_ending_30" : null;
    if (kind === null) return [];
    return [
      candidate(ctx, {
        kind,
        day: end,
        title: t("alertKinds.consent_ending.title", { days }),
        body: t("alertKinds.consent_ending.body", { label: ctx.label, end: dayText(end), days }),
        link: links.reconsent(),
        data: { endDate: end, daysLeft: days, threshold: kind === "consent_ending_7" ? last : first },
      }),
    ];
  },
};
