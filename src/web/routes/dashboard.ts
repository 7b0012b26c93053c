/**
 * The dashboard (`/`) with the "Compteur électrique (Linky)" card (a meter's page is `routes/meter.ts`).
 *
 * The card is, per usage point: not connected (button to Enedis' consent page), connected (link to the
 * meter), or expired / revoked (reconnect); while the first sync runs, the page reloads itself.
 */
import type { FastifyInstance } from "fastify";
import { formatParisWallTime } from "../../domain/time.js";
import { t } from "../../i18n/index.js";
import { findImplementation } from "../../senders/registry.js";
import { DEMO_PRM } from "../../simulator/households.js";
import { isAdmin } from "../session.js";
import { expiredReasonText, syncStatusLabel } from "../texts.js";
import type { Account, User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { field } from "../http.js";

type Card =
  | { state: "unavailable"; prm: null; message: string; action: { href: string; label: string } | null }
  | { state: "not_connected"; prm: null; pending: boolean; demoPrm: string | null }
  /** The user typed this PRM, an administrator has to decide (v1 approval or conflict). */
  | { state: "requested"; prm: string }
  /** Another user's consent names this meter: no data until an administrator decides. */
  | { state: "suspended"; prm: string; accountId: number }
  | {
      state: "connected";
      prm: string;
      accountId: number;
      deviceId: number | null;
      consentEnd: string | null;
      lastSync: string | null;
      syncing: boolean;
    }
  | {
      state: "expired";
      prm: string;
      accountId: number;
      deviceId: number | null;
      reason: string | null;
      /** Read through a community gateway: reconnecting means a new token, not Enedis' consent page. */
      gateway: boolean;
    };

export function frenchDate(day: string | null | undefined): string | null {
  if (!day) return null;
  const [y, m, d] = day.split("-");
  return `${d}/${m}/${y}`;
}

/** An instant as people in France read it: `28/11/2026 14:05` (Paris time). */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const text = formatParisWallTime(ms);
  return `${frenchDate(text.slice(0, 10)) ?? ""} ${text.slice(11, 16)}`;
}

/** The notice a POST-redirect-GET leads to (`?done=`). */
function dashboardNotice(done: string, review: boolean): { kind: "ok" | "info"; text: string } | null {
  switch (done) {
    case "connected":
      return { kind: "ok", text: t("meter.connected") };
    case "gateway":
      return { kind: "ok", text: t(review ? "gateway.connectedAndReview" : "gateway.connected") };
    case "gateway-review":
      return { kind: "info", text: t("gateway.review") };
    case "gateway-none":
      return { kind: "info", text: t("gateway.none") };
    case "gateway-failed":
      return { kind: "info", text: t("gateway.failed") };
    default:
      return null;
  }
}

export function registerDashboardRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards, consent, background } = deps;
  const { store, config } = deps.ctx;

  /** The user's DataConnect accounts. */
  async function dataConnectAccounts(user: User): Promise<Account[]> {
    const out: Account[] = [];
    for (const a of await store.accounts.list({ userId: user.id, limit: 1000 })) {
      const s = await store.senders.findById(a.senderId);
      if (s && findImplementation(s.implClass)?.key === "dataconnect") out.push(a);
    }
    return out;
  }

  app.get("/", { preHandler: guards.user }, async (request, reply) => {
    const user = request.user as User;
    const accounts = await dataConnectAccounts(user);
    const cards: Card[] = [];
    const sender = await consent.sender(user);
    const suspended = await store.consents.suspendedAccountIds();
    for (const a of accounts) {
      const device = await store.devices.findByUserAndMac(user.id, a.usagePointId);
      if (suspended.has(a.id)) {
        cards.push({ state: "suspended", prm: a.usagePointId, accountId: a.id });
      } else if (a.config.expired) {
        cards.push({
          state: "expired",
          prm: a.usagePointId,
          accountId: a.id,
          deviceId: device?.id ?? null,
          reason: expiredReasonText(a.config),
          gateway: typeof a.config.gateway === "string",
        });
      } else {
        const last = a.config.last_sync ?? null;
        const syncing = background.isRunning(`sync:${a.id}`) && (last === null || last.outcome === "running");
        cards.push({
          state: "connected",
          prm: a.usagePointId,
          accountId: a.id,
          deviceId: device?.id ?? null,
          consentEnd: frenchDate(a.config.consent_end_date),
          lastSync: last
            ? `${when(last.finished_at_ms ?? last.started_at_ms)} (${syncStatusLabel(last.outcome).toLowerCase()})`
            : null,
          syncing,
        });
      }
    }
    for (const r of await consent.openRequests(user)) {
      if (!accounts.some((a) => a.usagePointId === r.usagePointId))
        cards.push({ state: "requested", prm: r.usagePointId });
    }
    if (cards.length === 0) {
      if ("ok" in sender) {
        const admin = isAdmin(user);
        cards.push({
          state: "unavailable",
          prm: null,
          message: t(
            sender.code === "role_missing"
              ? "firstRun.roleMissing"
              : admin
                ? "firstRun.noSenderAdmin"
                : "firstRun.noSender",
          ),
          // The next step, always: for an administrator, the connector's form filled with the defaults.
          action:
            sender.code !== "role_missing" && admin
              ? { href: "/notificationAccountSender/create", label: t("firstRun.createSender") }
              : null,
        });
      } else {
        cards.push({
          state: "not_connected",
          prm: null,
          pending: await consent.hasPending(user),
          demoPrm: deps.ctx.simulator ? DEMO_PRM : null,
        });
      }
    }
    return render.send(request, reply, "dashboard", {
      title: "Tableau de bord",
      nav: "dashboard",
      cards,
      compteurLabel: config.enedis.compteurLabel,
      canAddMeter: accounts.length > 0 && !("ok" in sender),
      refresh: cards.some((c) => c.state === "connected" && c.syncing) ? 5 : 0,
      notice: dashboardNotice(field(request.query, "done"), field(request.query, "review") === "1"),
    });
  });
}
