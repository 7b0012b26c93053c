/**
 * "J'ai un jeton de passerelle": a household without an operator-run Enedis application connects its
 * meters through a community gateway (Conso API, MyElectricalData v1 / v2).
 *
 * - `GET /gateway/token` (user): the form (gateway, token in a password field, the PRM for
 *   MyElectricalData v1, whose tokens can only be asked about one PRM at a time).
 * - `POST /gateway/token` (user, CSRF, rate limited: it calls the gateway for the user): the token is
 *   checked with the gateway's source; the PRMs it covers wait, with the token, encrypted in the flash
 *   store (secrets table) for this session, ten minutes; nothing else is stored. Then (POST-redirect-GET)
 * - `GET /gateway/choose` (user): the PRMs the token covers, to pick. A PRM another user holds is not
 *   listed (no foreign PRM shown): it can only be sent to an administrator's review, as a consent would.
 * - `POST /gateway/choose` (user, CSRF, rate limited): the accounts are created as `account add
 *   --gateway` does (token encrypted, masked when shown); a PRM another user holds attaches nothing and
 *   opens a conflict review (the holder is suspended meanwhile, the consent rule), with a neutral message;
 *   the token waits encrypted beside the review, and the administrator's `second` / `share` creates the
 *   gateway account with it (`ConsentFlow.decideReview`).
 *
 * A Conso API token's PRMs are read from its JWT, which anyone can write: before a PRM is attached or
 * sent to a review, one call (yesterday's daily energy) proves the gateway accepts the token.
 *
 * The token is never logged nor shown; PRMs never reach log lines.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccountInputError, registerAccount } from "../../accounts/service.js";
import { GatewayBannedError, isLinkyError, type ErrorKind } from "../../domain/errors.js";
import { addDays, parisToday } from "../../domain/time.js";
import { t } from "../../i18n/index.js";
import { GATEWAY_IDS, isGatewayId, type GatewayId } from "../../sources/port.js";
import { gatewayEntry, gatewayUrl, GatewayTokenError } from "../../sources/registry.js";
import type { User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { Flash } from "../flash.js";
import { field } from "../http.js";
import type { Session } from "../session.js";
import { gatewayReviewSecret, normalisePrm } from "../consent.js";

/** Answers that do not prove a token genuine (refused, or the gateway could not be asked). */
const REFUSALS: readonly ErrorKind[] = [
  "no_consent",
  "token_refused",
  "transient",
  "gateway_banned",
  "quota",
  "bad_request",
];

/** How long a checked token waits for the user's choice. */
const FLASH_MS = 10 * 60_000;
const MAX_TOKEN_CHARS = 4096;
const flashKey = (session: Session) => `gateway:${session.id}`;

interface Checked {
  gateway: GatewayId;
  token: string;
  /** PRMs the user may pick (free, or already theirs). */
  free: string[];
  /** PRMs another user holds: never shown, only sent to a review if the user asks. */
  held: string[];
}

const LABELS: Record<GatewayId, string> = {
  "conso-api": "Conso API (conso.boris.sh)",
  myelectricaldata: "MyElectricalData v1 (jeton par compteur)",
  "myelectricaldata-v2": "MyElectricalData v2 (compte)",
};

export const gatewayOptions = (selected: string) =>
  GATEWAY_IDS.map((id) => ({ value: id, label: LABELS[id], selected: id === selected }));

function parseChecked(text: string | null): Checked | null {
  if (text === null) return null;
  const v = JSON.parse(text) as Partial<Checked>;
  if (
    typeof v.gateway !== "string" ||
    !isGatewayId(v.gateway) ||
    typeof v.token !== "string" ||
    !Array.isArray(v.free) ||
    !Array.isArray(v.held)
  )
    return null;
  return { gateway: v.gateway, token: v.token, free: v.free, held: v.held };
}

export function registerGatewayRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store, config, now, log } = deps.ctx;
  const flash = new Flash(store, now);
  const limited = { rateLimit: { max: 20, timeWindow: 60_000 } };

  function form(
    request: FastifyRequest,
    reply: FastifyReply,
    values: { gateway: string; prm: string; error: string | null },
    status = 200,
  ) {
    return render.send(
      request,
      reply.header("cache-control", "no-store"),
      "gatewayToken",
      {
        title: t("gateway.title"),
        nav: "dashboard",
        gateways: gatewayOptions(values.gateway),
        prm: values.prm,
        error: values.error,
      },
      status,
    );
  }

  /** The French reason a token check failed (never the token, never the gateway's own words). */
  function checkFailure(e: unknown): { text: string; status: number } {
    if (e instanceof GatewayTokenError)
      return { text: t(/expired/.test(e.message) ? "gateway.expired" : "gateway.notAToken"), status: 400 };
    if (e instanceof GatewayBannedError) return { text: t("gateway.banned"), status: 503 };
    if (isLinkyError(e) && e.kind === "no_consent") return { text: t("gateway.refused"), status: 400 };
    if (isLinkyError(e) && (e.kind === "token_refused" || e.kind === "bad_request"))
      return { text: t("gateway.refused"), status: 400 };
    return { text: t("gateway.unavailable"), status: 502 };
  }

  function context(gateway: GatewayId, token: string) {
    return {
      accountId: 0,
      token,
      baseUrl: gatewayUrl(
        config,
        gateway,
        deps.ctx.enedis.env === "simulator" ? deps.ctx.enedis.apiUrl : null,
      ),
      ledger: store.gateways,
      accountsOnGateway: 1,
      now,
    };
  }

  /**
   * Whether the gateway itself accepts the token for `prm`. MyElectricalData was asked already (its
   * coverage is the gateway's answer); a Conso API token's PRMs are read from its JWT, which anyone can
   * write: one call (yesterday's daily energy, within the shared budget) proves it. Only a 401-like
   * refusal or an unreachable gateway says no; "no data" is the gateway accepting the token.
   */
  async function genuine(checked: Checked, prm: string): Promise<boolean> {
    if (checked.gateway !== "conso-api") return true;
    const today = parisToday(now());
    try {
      await gatewayEntry(checked.gateway)
        .create(context(checked.gateway, checked.token))
        .readings("daily_consumption", prm, { from: addDays(today, -1), to: today });
      return true;
    } catch (e) {
      if (!isLinkyError(e)) return false;
      return !REFUSALS.includes(e.kind);
    }
  }

  app.get("/gateway/token", { preHandler: guards.user }, async (request, reply) =>
    form(request, reply, { gateway: "conso-api", prm: "", error: null }),
  );

  app.post(
    "/gateway/token",
    { preHandler: [guards.user, app.csrfProtection], config: limited },
    async (request, reply) => {
      const user = request.user as User;
      const gateway = field(request.body, "gateway");
      const token = field(request.body, "token").trim();
      const typedPrm = field(request.body, "prm").slice(0, 40);
      const shown = { gateway, prm: typedPrm };
      if (!isGatewayId(gateway)) return form(request, reply, { ...shown, error: t("gateway.pick") }, 400);
      if (token === "" || token.length > MAX_TOKEN_CHARS || /\s/.test(token))
        return form(request, reply, { ...shown, error: t("gateway.tokenField") }, 400);
      const prm = typedPrm.trim() === "" ? null : normalisePrm(typedPrm);
      if (typedPrm.trim() !== "" && prm === null)
        return form(request, reply, { ...shown, error: t("form.prm") }, 400);
      if (gateway === "myelectricaldata" && prm === null)
        return form(request, reply, { ...shown, error: t("gateway.prmNeeded") }, 400);
      let covered: string[];
      try {
        covered = await gatewayEntry(gateway).covered(context(gateway, token), prm ? [prm] : []);
      } catch (e) {
        const f = checkFailure(e);
        log(`gateway: user ${user.id}'s ${gateway} token check failed (${f.status})`);
        return form(request, reply, { ...shown, error: f.text }, f.status);
      }
      const unique = [...new Set(covered.filter((p) => /^\d{14}$/.test(p)))];
      if (unique.length === 0)
        return form(request, reply, { ...shown, error: t("gateway.coversNothing") }, 400);
      const free: string[] = [];
      const held: string[] = [];
      for (const p of unique) {
        const others = (await store.accounts.findByUsagePoint(p)).filter((a) => a.userId !== user.id);
        (others.length > 0 ? held : free).push(p);
      }
      const checked: Checked = { gateway, token, free, held };
      await flash.put(flashKey(request.session as Session), JSON.stringify(checked), FLASH_MS);
      return reply.header("cache-control", "no-store").redirect("/gateway/choose", 303);
    },
  );

  app.get("/gateway/choose", { preHandler: guards.user }, async (request, reply) => {
    const checked = parseChecked(await flash.get(flashKey(request.session as Session)));
    if (!checked) return reply.redirect("/gateway/token", 303);
    return render.send(request, reply.header("cache-control", "no-store"), "gatewayChoose", {
      title: t("gateway.title"),
      nav: "dashboard",
      gatewayLabel: LABELS[checked.gateway],
      prms: checked.free,
      held: checked.held.length,
    });
  });

  app.post(
    "/gateway/choose",
    { preHandler: [guards.user, app.csrfProtection], config: limited },
    async (request, reply) => {
      const user = request.user as User;
      const checked = parseChecked(await flash.get(flashKey(request.session as Session), { once: true }));
      if (!checked) return reply.redirect("/gateway/token", 303);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const raw = body.prm;
      const picked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
        (p): p is string => typeof p === "string",
      );
      const chosen = checked.free.filter((p) => picked.includes(p));
      const review = field(request.body, "review") === "1" ? checked.held : [];
      if (chosen.length === 0 && review.length === 0) return reply.redirect("/?done=gateway-none", 303);
      const covers = [...checked.free, ...checked.held];
      let attached = 0;
      let reviewed = 0;
      for (const prm of [...chosen, ...review]) {
        // Same rule as a consent: a PRM someone else holds attaches nothing; the holder is suspended and
        // an administrator decides. Checked again here (someone may have taken it since the check).
        const holders = (await store.accounts.findByUsagePoint(prm)).filter((a) => a.userId !== user.id);
        if (holders.length > 0) {
          // A review suspends the holder: the token must be the gateway's own, not a forged one.
          if (!(await genuine(checked, prm))) {
            log(
              `gateway: user ${user.id}'s ${checked.gateway} token was not accepted by the gateway: no review`,
            );
            return reply.redirect("/?done=gateway-failed", 303);
          }
          if (!(await store.consents.findOpen(user.id, prm))) {
            for (const h of holders) {
              const review = await store.consents.openReview({
                kind: "conflict",
                reason: "prm_held",
                usagePointId: prm,
                requesterUserId: user.id,
                holderUserId: h.userId,
                holderAccountId: h.id,
                grant: { gateway: checked.gateway, prms: covers },
                nowMs: now(),
              });
              // The token waits encrypted for the administrator's decision (deleted once decided).
              await store.secrets.put(gatewayReviewSecret(review.id), checked.token);
              log(
                `gateway: user ${user.id} has a ${checked.gateway} token for account ${h.id} of user ${h.userId}: account suspended pending review`,
              );
            }
          }
          reviewed++;
          continue;
        }
        // Attaching makes the user this PRM's holder: the same proof as for a review.
        if (!(await genuine(checked, prm))) {
          log(
            `gateway: user ${user.id}'s ${checked.gateway} token was not accepted by the gateway: not attached`,
          );
          return reply.redirect("/?done=gateway-failed", 303);
        }
        try {
          await registerAccount(store, config, {
            username: user.username,
            usagePointId: prm,
            gateway: { id: checked.gateway, token: checked.token, prms: covers },
            nowMs: now(),
          });
        } catch (e) {
          if (e instanceof AccountInputError) {
            log(`gateway: user ${user.id}: account not created (${e.message.replace(/\d{14}/g, "…")})`);
            return reply.redirect("/?done=gateway-failed", 303);
          }
          throw e;
        }
        await store.consents.recordHolding(prm, user.id, now());
        attached++;
      }
      log(
        `gateway: user ${user.id} attached ${attached} meter(s) through ${checked.gateway}, ${reviewed} sent to review`,
      );
      return reply.redirect(
        `/?done=${attached > 0 ? "gateway" : "gateway-review"}${attached > 0 && reviewed > 0 ? "&review=1" : ""}`,
        303,
      );
    },
  );
}
