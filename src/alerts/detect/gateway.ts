/**
 * Community gateways: a household token about to expire (a Conso API token is a JWT whose `exp` says
 * when; threshold `gateway_token_expiring`, in days), and a gateway that banned this installation's
 * address. Key days: the token's expiry day; the day the ban began.
 */
import { parisDateOf } from "../../domain/time.js";
import { dayText } from "../../diagnosis/format.js";
import { t } from "../../i18n/index.js";
import type { AlertCandidate } from "../kinds.js";
import { candidate, links, type DetectContext, type Detector } from "./types.js";

const DAY_MS = 86_400_000;

/** A JWT's `exp` in epoch ms, or null when the token is not a JWT with one (MyElectricalData's are opaque). */
export function jwtExpiryMs(token: string): number | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export const gatewayDetector: Detector = {
  kinds: ["gateway_token_expiring", "gateway_banned"],
  timeBased: true,
  async detect(ctx: DetectContext): Promise<AlertCandidate[]> {
    const gateway = ctx.account.config.gateway;
    if (typeof gateway !== "string") return [];
    const name = t(`diagnosis.source.${gateway}`);
    const out: AlertCandidate[] = [];
    const credential = await ctx.store.gateways.credential(ctx.account.id);
    const exp = credential ? jwtExpiryMs(credential.token) : null;
    if (exp !== null && exp > ctx.nowMs) {
      const days = Math.floor((exp - ctx.nowMs) / DAY_MS);
      if (days <= ctx.threshold("gateway_token_expiring")) {
        const end = parisDateOf(exp);
        out.push(
          candidate(ctx, {
            kind: "gateway_token_expiring",
            day: end,
            title: t("alertKinds.gateway_token_expiring.title", { gateway: name, days }),
            body: t("alertKinds.gateway_token_expiring.body", {
              gateway: name,
              label: ctx.label,
              end: dayText(end),
              days,
            }),
            link: links.gatewayToken(),
            data: { gateway, expiresAtMs: exp, daysLeft: days },
          }),
        );
      }
    }
    const block = await ctx.store.gateways.blockOf(gateway);
    if (block?.kind === "banned") {
      const since = parisDateOf(block.sinceMs);
      const d = await ctx.diagnosis();
      out.push(
        candidate(ctx, {
          kind: "gateway_banned",
          day: since,
          title: t("alertKinds.gateway_banned.title", { gateway: name }),
          body: t("alertKinds.gateway_banned.body", {
            gateway: name,
            since: dayText(since),
            label: ctx.label,
            next: d.next[0]?.text ?? "",
          }),
          link: links.diagnosis(ctx),
          data: { gateway, sinceMs: block.sinceMs, untilMs: block.untilMs },
        }),
      );
    }
    return out;
  },
};
