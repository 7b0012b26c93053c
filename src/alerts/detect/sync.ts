/**
 * The sync's own troubles: syncs failing for `sync_failing` days without a success (key day: the day of
 * the last success, or of the account's creation: one alert per episode; not for an ended consent, a
 * gateway ban or a missing API, which have their own), and an Enedis API the application lacks (key
 * day: the day Enedis first refused it).
 */
import { parisDateOf } from "../../domain/time.js";
import { dayText } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, type DetectContext, type Detector } from "./types.js";

const DAY_MS = 86_400_000;

export const syncDetector: Detector = {
  kinds: ["sync_failing", "api_not_subscribed"],
  timeBased: false,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const c = ctx.account.config;
    const out: AlertCandidate[] = [];
    // A consent that ended has its own alert; its syncs stop by design.
    const failures = c.failures ?? 0;
    const lastOutcome = c.last_sync?.outcome;
    // A gateway ban and a missing API have their own alerts: the failures they cause are not news.
    const banned =
      typeof c.gateway === "string" && (await ctx.store.gateways.blockOf(c.gateway))?.kind === "banned";
    if (!c.expired && !banned && !c.api_not_subscribed && failures >= 2 && lastOutcome === "failed") {
      const sinceMs = c.last_success_ms ?? ctx.account.createdAtMs;
      const days = Math.floor((ctx.nowMs - sinceMs) / DAY_MS);
      if (days >= ctx.threshold("sync_failing")) {
        const d = await ctx.diagnosis();
        const since = parisDateOf(sinceMs);
        const params = {
          since: dayText(since),
          failures,
          label: ctx.label,
          cause: d.lastError?.text ?? "",
        };
        out.push(
          candidate(ctx, {
            kind: "sync_failing",
            day: since,
            title: t("alertKinds.sync_failing.title", { days }),
            body:
              c.last_success_ms === null || c.last_success_ms === undefined
                ? t("alertKinds.sync_failing.never", params)
                : t("alertKinds.sync_failing.body", params),
            link: links.diagnosis(ctx),
            data: {
              failures,
              days,
              lastSuccessMs: c.last_success_ms ?? null,
              cause: d.lastError?.cause ?? null,
            },
          }),
        );
      }
    }
    const api = c.api_not_subscribed;
    if (api) {
      const since = parisDateOf(api.since_ms);
      out.push(
        candidate(ctx, {
          kind: "api_not_subscribed",
          day: since,
          title: t("alertKinds.api_not_subscribed.title"),
          body: t("alertKinds.api_not_subscribed.body", {
            api: api.api,
            since: dayText(since),
            label: ctx.label,
          }),
          link: links.diagnosis(ctx),
          data: { api: api.api, sinceMs: api.since_ms, nextCheckMs: api.next_check_ms },
        }),
      );
    }
    return out;
  },
};
