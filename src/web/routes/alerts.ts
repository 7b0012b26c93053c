/**
 * The user's alerts (issue 17): the in-app list (`/alerts`: newest first, each with its deliveries per
 * channel, unread first marked; "marquer comme lu"), and the settings (`/alerts/settings`: per alert kind,
 * the channels among the senders the admin enabled; the recipient settings each channel needs, secrets
 * write-only; quiet hours and the summary's cadence). A user only ever reaches their own alerts: another's
 * id is a 404, like a missing one. The unread count is in the navigation of every page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CHANNELS } from "../../alerts/channels/index.js";
import { readRecipient, saveRecipient } from "../../alerts/channels/settings.js";
import type { Channel } from "../../alerts/channels/types.js";
import { ALERT_KIND_INFO, ALERT_KINDS, type AlertKind, type AlertSettings } from "../../alerts/kinds.js";
import { formatParisWallTime } from "../../domain/time.js";
import { t } from "../../i18n/index.js";
import { findImplementation } from "../../senders/registry.js";
import type { Sender, User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { field, idParam, notFound } from "../http.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in user's unread alerts, for the navigation (set before page routes run). */
    alertsUnread: number;
  }
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Sets `request.alertsUnread` for signed-in page requests (register before the routes). */
export function registerUnreadCount(app: FastifyInstance, deps: WebDeps): void {
  app.decorateRequest("alertsUnread", 0);
  app.addHook("preHandler", async (request) => {
    if (!request.user || request.url.startsWith("/api/")) return;
    if (request.url.startsWith("/static/")) return;
    request.alertsUnread = await deps.ctx.store.alertDeliveries.unreadCount(request.user.id);
  });
}

/** The channel senders a user may pick: enabled, a channel, and a role the user has (or none asked). */
export async function channelSendersFor(
  deps: WebDeps,
  user: User,
): Promise<{ sender: Sender; channel: Channel }[]> {
  const out: { sender: Sender; channel: Channel }[] = [];
  for (const s of await deps.ctx.store.senders.list()) {
    const key = findImplementation(s.implClass)?.key;
    const channel = key ? CHANNELS.get(key) : undefined;
    if (!channel || !s.enabled) continue;
    if (s.role && !user.roles.includes(s.role)) continue;
    out.push({ sender: s, channel });
  }
  return out;
}

const STATUS_TEXT: Record<string, string> = {
  pending: "en attente",
  sent: "envoyée",
  failed: "échec, nouvel essai prévu",
  abandoned: "abandonnée",
};

export function registerAlertRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store } = deps.ctx;
  const signedIn = { preHandler: guards.user };
  const signedInForm = { preHandler: [guards.user, app.csrfProtection] };
  /** `02/12/2026 à 13:29`, Paris time. */
  const when = (ms: number) => {
    const w = formatParisWallTime(ms);
    return `${w.slice(8, 10)}/${w.slice(5, 7)}/${w.slice(0, 4)} à ${w.slice(11, 16)}`;
  };

  app.get("/alerts", signedIn, async (request, reply) => {
    const user = request.user!;
    const alerts = await store.alerts.listForUser(user.id, { limit: 100 });
    const deliveries = await store.alertDeliveries.ofAlerts(alerts.map((a) => a.id));
    const rows = alerts.map((a) => ({
      id: a.id,
      title: a.title,
      body: a.body,
      link: a.link,
      kind: ALERT_KIND_INFO[a.kind]?.label ?? a.kind,
      when: when(a.createdAtMs),
      unread: a.readAtMs === null,
      deliveries: deliveries
        .filter((d) => d.alertId === a.id)
        .map((d) => ({
          channel: d.senderLabel,
          status: d.status,
          text:
            d.status === "failed"
              ? `${STATUS_TEXT.failed} le ${when(d.nextAttemptMs)}`
              : d.status === "sent" && d.sentAtMs !== null
                ? `${STATUS_TEXT.sent} le ${when(d.sentAtMs)}`
                : (STATUS_TEXT[d.status] ?? d.status),
          error: d.status === "failed" || d.status === "abandoned" ? d.lastError : null,
        })),
    }));
    return render.send(request, reply, "alertList", {
      title: t("alerts.title"),
      nav: "alerts",
      alerts: rows,
      unread: request.alertsUnread,
      notice:
        field(request.query, "done") === "read" ? { kind: "ok" as const, text: t("alerts.allRead") } : null,
    });
  });

  app.post("/alerts/:id/read", signedInForm, async (request, reply) => {
    const id = idParam(request);
    const alert = await store.alerts.findById(id);
    // Someone else's alert is a 404, like a missing one.
    if (!alert || alert.userId !== request.user!.id) throw notFound(t("alerts.notFound"));
    await store.alerts.markRead(request.user!.id, id);
    return reply.redirect("/alerts", 303);
  });

  app.post("/alerts/read-all", signedInForm, async (request, reply) => {
    await store.alertDeliveries.markAllRead(request.user!.id);
    return reply.redirect("/alerts?done=read", 303);
  });

  async function settingsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: {
      errors?: Record<string, string>;
      status?: number;
      /** What the form sent, shown back when it had errors. */
      posted?: {
        picks: Map<AlertKind, number[]>;
        settings: AlertSettings;
        recipients: Map<number, Record<string, string>>;
      };
      /** Thresholds as typed, shown back with their errors. */
      postedThresholds?: Record<string, string>;
    } = {},
  ) {
    const user = request.user!;
    const senders = await channelSendersFor(deps, user);
    const prefs = opts.posted?.picks ?? (await store.alerts.preferences(user.id));
    const settings = opts.posted?.settings ?? (await store.alerts.settings(user.id));
    const recipients = [];
    for (const { sender, channel } of senders) {
      if (channel.recipientFields.length === 0) continue;
      const r = await readRecipient(store, sender.id, user.id, channel);
      const posted = opts.posted?.recipients.get(sender.id);
      recipients.push({
        senderId: sender.id,
        label: sender.libelle,
        complete: r.complete,
        fields: channel.recipientFields.map((f) => ({
          name: `r_${sender.id}_${f.name}`,
          label: f.label,
          type: f.secret ? "password" : f.type === "email" ? "email" : "text",
          secret: f.secret === true,
          set: r.secretsSet.has(f.name),
          value: f.secret ? "" : (posted?.[f.name] ?? r.values[f.name] ?? ""),
          error: opts.errors?.[`r_${sender.id}_${f.name}`],
        })),
      });
    }
    const failures = await store.alertDeliveries.failuresOfUser(user.id, 10);
    const defaults = deps.ctx.config.alerts.thresholds as Record<string, number>;
    const thresholds = ALERT_KINDS.filter((k) => k in defaults).map((k) => ({
      kind: k,
      label: ALERT_KIND_INFO[k].label,
      unit: ALERT_KIND_INFO[k].threshold?.unit === "percent" ? "%" : "jours",
      placeholder: String(defaults[k]),
      value:
        opts.postedThresholds?.[k] ??
        (settings.thresholds?.[k] !== undefined ? String(settings.thresholds[k]) : ""),
      error: opts.errors?.[`t_${k}`],
    }));
    return render.send(
      request,
      reply,
      "alertSettings",
      {
        title: t("alerts.settingsTitle"),
        nav: "alerts",
        senders: senders.map(({ sender }) => ({ id: sender.id, label: sender.libelle })),
        kinds: ALERT_KINDS.map((k) => ({
          kind: k,
          label: ALERT_KIND_INFO[k].label,
          picked: prefs.get(k) ?? [],
        })),
        recipients,
        thresholds,
        quietStart: settings.quietHours?.start ?? "",
        quietEnd: settings.quietHours?.end ?? "",
        summary: settings.summary ?? "off",
        errors: opts.errors ?? {},
        failures: failures.map((f) => ({
          title: f.title,
          channel: f.senderLabel,
          status: STATUS_TEXT[f.status] ?? f.status,
          error: f.lastError,
        })),
        notice:
          field(request.query, "done") === "saved" ? { kind: "ok" as const, text: t("alerts.saved") } : null,
      },
      opts.status ?? 200,
    );
  }

  app.get("/alerts/settings", signedIn, async (request, reply) => settingsPage(request, reply));

  app.post("/alerts/settings", signedInForm, async (request, reply) => {
    const user = request.user!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const senders = await channelSendersFor(deps, user);
    const allowed = new Map(senders.map((s) => [s.sender.id, s]));
    const errors: Record<string, string> = {};

    // Picks: fields `k_<kind>` carrying sender ids; only senders this user may pick count. Picks of
    // senders not offered now (switched off by the admin) are kept for when they come back.
    const before = await store.alerts.preferences(user.id);
    const picks = new Map<AlertKind, number[]>();
    for (const kind of ALERT_KINDS) {
      const kept = (before.get(kind) ?? []).filter((id) => !allowed.has(id));
      const raw = body[`k_${kind}`];
      const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
      const ids = values
        .filter((v) => /^[1-9]\d{0,15}$/.test(v))
        .map(Number)
        .filter((id) => allowed.has(id));
      picks.set(kind, [...new Set([...ids, ...kept])]);
    }

    const quietStart = field(body, "quietStart");
    const quietEnd = field(body, "quietEnd");
    if ((quietStart === "") !== (quietEnd === "")) errors.quiet = t("alerts.quietBoth");
    else if (quietStart !== "" && (!HHMM.test(quietStart) || !HHMM.test(quietEnd)))
      errors.quiet = t("alerts.quietFormat");
    else if (quietStart !== "" && quietStart === quietEnd) errors.quiet = t("alerts.quietSame");
    const summaryText = field(body, "summary");
    const summary = (["off", "weekly", "monthly"] as const).find((s) => s === summaryText);
    if (!summary) errors.summary = t("alerts.summaryChoice");

    const recipients = new Map<number, Record<string, string>>();
    for (const { sender, channel } of senders) {
      if (channel.recipientFields.length === 0) continue;
      recipients.set(
        sender.id,
        Object.fromEntries(
          channel.recipientFields.map((f) => [f.name, field(body, `r_${sender.id}_${f.name}`)]),
        ),
      );
    }

    // Thresholds: empty = the installation's default (`alerts.thresholds.<kind>`); the same bounds as there.
    const defaults = deps.ctx.config.alerts.thresholds as Record<string, number>;
    const postedThresholds: Record<string, string> = {};
    const thresholds: Partial<Record<AlertKind, number>> = {};
    for (const kind of ALERT_KINDS.filter((k) => k in defaults)) {
      const v = field(body, `t_${kind}`).replace(",", ".");
      postedThresholds[kind] = v;
      if (v === "") continue;
      const n = Number(v);
      const [min, max] = kind === "unusual_day" ? [50, 100] : [1, kind === "night_base_load" ? 1000 : 365];
      if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max || (kind !== "unusual_day" && !Number.isInteger(n)))
        errors[`t_${kind}`] = t("alerts.thresholdRange", { min, max });
      else thresholds[kind] = n;
    }

    const current = await store.alerts.settings(user.id);
    const settings: AlertSettings = {
      ...current,
      thresholds,
      quietHours: quietStart === "" ? null : { start: quietStart, end: quietEnd },
      summary: summary ?? current.summary ?? "off",
    };
    const posted = { picks, settings, recipients };
    if (Object.keys(errors).length > 0)
      return settingsPage(request, reply, { errors, status: 400, posted, postedThresholds });

    // Recipient settings first: a channel picked without them would only fail later.
    for (const { sender, channel } of senders) {
      const given = recipients.get(sender.id);
      if (!given) continue;
      const problems = await saveRecipient(store, sender.id, user.id, channel, given);
      for (const [name, message] of Object.entries(problems)) errors[`r_${sender.id}_${name}`] = message;
      const pickedSomewhere = [...picks.values()].some((ids) => ids.includes(sender.id));
      if (Object.keys(problems).length === 0 && pickedSomewhere) {
        const r = await readRecipient(store, sender.id, user.id, channel);
        if (!r.complete) {
          const first = channel.recipientFields.find((f) => f.required)!;
          errors[`r_${sender.id}_${first.name}`] = t("alerts.recipientMissing", { channel: sender.libelle });
        }
      }
    }
    if (Object.keys(errors).length > 0)
      return settingsPage(request, reply, { errors, status: 400, posted, postedThresholds });

    await store.transaction(async (tx) => {
      for (const [kind, ids] of picks) await tx.alerts.setPreference(user.id, kind, ids);
      await tx.alerts.setSettings(user.id, settings);
    });
    return reply.redirect("/alerts/settings?done=saved", 303);
  });
}
