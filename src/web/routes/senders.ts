/**
 * Admin "Connecteurs" (ROLE_ADMIN): the seed's NotificationAccountSender pages. Paged list with a search on
 * the label; create / edit (label, implementation from the registry, role, Quartz cron validated on entry);
 * delete, which says what happens to the sender's accounts and asks for confirmation first.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { defaultSenderId } from "../../accounts/service.js";
import { CHANNEL_DEFAULTS, channelOf } from "../../alerts/channels/index.js";
import {
  checkSenderSecrets,
  parseChannelConfig,
  saveSenderSecrets,
  senderSecretsSet,
} from "../../alerts/channels/settings.js";
import type { Channel } from "../../alerts/channels/types.js";
import { t } from "../../i18n/index.js";
import { cronProblem, type CronSyntaxError } from "../../scheduler/cron.js";
import { findImplementation, implementations } from "../../senders/registry.js";
import { UniqueViolationError, type Sender } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { badRequest, field, idParam, notFound } from "../http.js";

export const SENDERS_PER_PAGE = 20;
const ROLE_RE = /^ROLE_[A-Z0-9_]{1,60}$/;
const LIST = "/notificationAccountSender/notificationAccountSenders";

interface SenderValues {
  libelle: string;
  implClass: string;
  role: string;
  cron: string;
  /** A channel sender's settings as typed (`cfg_<name>` fields); secrets are never echoed. */
  cfg?: Record<string, string>;
  enabled?: boolean;
}

/** A channel's settings as form strings (what is stored, or the defaults). */
function cfgStrings(channel: Channel, config: Record<string, unknown>): Record<string, string> {
  const merged = { ...CHANNEL_DEFAULTS[channel.key], ...config };
  return Object.fromEntries(
    channel.fields.map((f) => {
      const v = merged[f.name];
      return [
        f.name,
        v === undefined || v === null ? "" : typeof v === "boolean" ? (v ? "on" : "") : String(v),
      ];
    }),
  );
}

const CRON_FIELDS = ["seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year"] as const;
const CRON_RANGES: Record<(typeof CRON_FIELDS)[number], string> = {
  seconds: "0 à 59",
  minutes: "0 à 59",
  hours: "0 à 23",
  "day-of-month": "1 à 31, ?, L, W",
  month: "1 à 12 ou JAN à DEC",
  "day-of-week": "1 à 7 ou SUN à SAT, ?, L, #",
  year: "1970 à 2099",
};

/** A cron error in French: the field at fault and its accepted values, never the engine's English. */
export function frenchCronError(e: CronSyntaxError): string {
  let why: string;
  const count = e.expression
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "").length;
  if (count !== 6 && count !== 7) why = t("cron.fields", { count });
  else if (/exactly one must be '\?'/.test(e.message)) why = t("cron.question");
  else if (e.field) {
    why = t("cron.field", {
      field: t(`cron.fieldNames.${e.field}`),
      position: CRON_FIELDS.indexOf(e.field) + 1,
      range: CRON_RANGES[e.field],
    });
  } else why = t("cron.generic");
  return t("cron.invalid", { why });
}

/** The form's values, checked: the sender to write, or the message beside each bad field. */
export function checkSenderForm(
  v: SenderValues,
):
  | { ok: true; sender: { libelle: string; implClass: string; role: string | null; cron: string | null } }
  | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (v.libelle === "") errors.libelle = t("form.libelleRequired");
  else if (v.libelle.length > 255) errors.libelle = t("form.libelleLong");
  const impl = v.implClass === "" ? undefined : findImplementation(v.implClass);
  if (v.implClass === "") errors.implClass = t("form.implRequired");
  else if (!impl) errors.implClass = t("form.implUnknown", { impl: v.implClass });
  if (v.role !== "" && !ROLE_RE.test(v.role)) errors.role = t("form.role");
  if (v.cron !== "") {
    const problem = cronProblem(v.cron);
    if (problem) errors.cron = frenchCronError(problem);
  }
  if (Object.keys(errors).length > 0 || !impl) return { ok: false, errors };
  return {
    ok: true,
    sender: { libelle: v.libelle, implClass: impl.key, role: v.role || null, cron: v.cron || null },
  };
}

export function registerSenderRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store } = deps.ctx;
  const admin = { preHandler: guards.admin };
  const adminForm = { preHandler: [guards.admin, app.csrfProtection] };

  /** Accounts of a sender for the list: counted up to a cap, so that a big sender does not load them all. */
  const LIST_COUNT_CAP = 1000;
  const accountsUpTo = async (senderId: number) => {
    const n = (await store.accounts.list({ senderId, limit: LIST_COUNT_CAP + 1 })).length;
    return n > LIST_COUNT_CAP ? `plus de ${LIST_COUNT_CAP}` : String(n);
  };
  /** The exact count, for the deletion (an admin's one-off action). */
  const accountsOf = async (senderId: number) =>
    (await store.accounts.list({ senderId, limit: 1_000_000 })).length;

  async function form(
    request: FastifyRequest,
    reply: FastifyReply,
    sender: Sender | null,
    values: SenderValues,
    errors: Record<string, string>,
    status = 200,
  ) {
    const channel = channelOf(findImplementation(values.implClass)?.key ?? "");
    if (channel) {
      const set = sender ? await senderSecretsSet(store, sender.id) : new Set<string>();
      return render.send(
        request,
        reply,
        "channelForm",
        {
          title: sender ? `Canal ${sender.libelle}` : `Nouveau canal : ${channel.label}`,
          nav: "senders",
          sender,
          channel: { key: channel.key, label: channel.label, description: channel.description },
          values,
          errors,
          fields: channel.fields.map((f) => ({
            ...f,
            value: values.cfg?.[f.name] ?? "",
            error: errors[`cfg_${f.name}`],
          })),
          secrets: channel.secretFields.map((f) => ({
            ...f,
            set: set.has(f.name),
            error: errors[`secret_${f.name}`],
          })),
          recipientFields: channel.recipientFields.map((f) => f.label),
        },
        status,
      );
    }
    return render.send(
      request,
      reply,
      "senderForm",
      {
        title: sender ? `Connecteur ${sender.libelle}` : "Nouveau connecteur",
        nav: "senders",
        sender,
        values,
        errors,
        implementations: implementations().map((i) => ({ key: i.key, label: i.label })),
      },
      status,
    );
  }

  app.get(LIST, admin, async (request, reply) => {
    const q = field(request.query, "q").slice(0, 100);
    const pageText = field(request.query, "page") || "1";
    if (!/^[1-9]\d{0,5}$/.test(pageText)) throw badRequest(t("error.page"));
    const page = Number(pageText);
    const total = await store.senders.count(q || undefined);
    const senders = await store.senders.list({
      ...(q ? { search: q } : {}),
      offset: (page - 1) * SENDERS_PER_PAGE,
      limit: SENDERS_PER_PAGE,
    });
    const rows = [];
    const created = await defaultSenderId(store);
    const stats = await store.alertDeliveries.statsBySender(senders.map((s) => s.id));
    for (const s of senders) {
      const channel = channelOf(findImplementation(s.implClass)?.key ?? "");
      const st = stats.get(s.id);
      rows.push({
        id: s.id,
        firstRun: s.id === created,
        libelle: s.libelle,
        impl: findImplementation(s.implClass)?.label ?? s.implClass,
        role: s.role,
        cron: s.cron,
        accounts: channel ? "—" : await accountsUpTo(s.id),
        channel: channel !== undefined,
        enabled: s.enabled,
        disabledReason: s.disabledReason,
        deliveries: st
          ? `${st.sent} envoyée(s), ${st.waiting} en attente, ${st.failed} en échec, ${st.abandoned} abandonnée(s)`
          : channel
            ? "aucun envoi"
            : null,
        lastError: st && st.failed + st.abandoned > 0 ? st.lastError : null,
      });
    }
    const link = (p: number) =>
      `${LIST}?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) }).toString()}`;
    const first = total === 0 ? 0 : (page - 1) * SENDERS_PER_PAGE + 1;
    const last = Math.min(total, page * SENDERS_PER_PAGE);
    return render.send(request, reply, "senderList", {
      title: "Connecteurs",
      nav: "senders",
      q,
      senders: rows,
      range: total === 0 ? "" : `${first}–${last} sur ${total}`,
      prev: page > 1 ? link(page - 1) : null,
      next: last < total ? link(page + 1) : null,
      notice: noticeOf(field(request.query, "done")),
      channels: [...implementations()]
        .filter((i) => !i.dataSource)
        .map((i) => ({ key: i.key, label: i.label })),
    });
  });

  app.get("/notificationAccountSender/create", admin, async (request, reply) => {
    const channel = channelOf(findImplementation(field(request.query, "impl"))?.key ?? "");
    if (channel)
      return form(
        request,
        reply,
        null,
        {
          libelle: "",
          implClass: channel.key,
          role: "",
          cron: "",
          cfg: cfgStrings(channel, {}),
          enabled: true,
        },
        {},
      );
    return form(
      request,
      reply,
      null,
      { libelle: "", implClass: "dataconnect", role: "", cron: "0 0/10 * * * ?" },
      {},
    );
  });

  app.post("/notificationAccountSender/toggle/:id", adminForm, async (request, reply) => {
    const sender = await store.senders.findById(idParam(request));
    if (!sender || !channelOf(findImplementation(sender.implClass)?.key ?? ""))
      throw notFound(t("error.senderNotFound"));
    const enabled = field(request.body, "enabled") === "1";
    await store.senders.update(sender.id, { enabled, ...(enabled ? {} : { disabledReason: null }) });
    deps.ctx.log(`admin: channel sender ${sender.id} ${enabled ? "enabled" : "disabled"}`);
    return reply.redirect(`${LIST}?done=${enabled ? "enabled" : "disabled"}`, 303);
  });

  app.get("/notificationAccountSender/edit/:id", admin, async (request, reply) => {
    const sender = await store.senders.findById(idParam(request));
    if (!sender) throw notFound(t("error.senderNotFound"));
    const channel = channelOf(findImplementation(sender.implClass)?.key ?? "");
    return form(
      request,
      reply,
      sender,
      {
        libelle: sender.libelle,
        implClass: findImplementation(sender.implClass)?.key ?? sender.implClass,
        role: sender.role ?? "",
        cron: sender.cron ?? "",
        ...(channel ? { cfg: cfgStrings(channel, sender.config), enabled: sender.enabled } : {}),
      },
      {},
    );
  });

  app.post("/notificationAccountSender/save", adminForm, async (request, reply) => {
    const idText = field(request.body, "id");
    let existing: Sender | null = null;
    if (idText !== "") {
      if (!/^[1-9]\d{0,15}$/.test(idText)) throw badRequest(t("form.senderId"));
      existing = (await store.senders.findById(Number(idText))) ?? null;
      if (!existing) throw notFound(t("error.senderNotFound"));
    }
    const values: SenderValues = {
      libelle: field(request.body, "libelle"),
      implClass: field(request.body, "implClass"),
      role: field(request.body, "role"),
      cron: field(request.body, "cron"),
    };
    const channel = channelOf(findImplementation(values.implClass)?.key ?? "");
    if (existing && channel && findImplementation(existing.implClass)?.key !== channel.key)
      return form(request, reply, existing, values, { implClass: t("alerts.implChannelFixed") }, 400);
    if (channel) return saveChannel(request, reply, existing, channel, values);
    const checked = checkSenderForm(values);
    if (!checked.ok) return form(request, reply, existing, values, checked.errors, 400);
    const same = await store.senders.findByLibelle(checked.sender.libelle);
    if (same && same.id !== existing?.id) {
      return form(request, reply, existing, values, { libelle: t("form.libelleTaken") }, 400);
    }
    try {
      if (existing) await store.senders.update(existing.id, checked.sender);
      else await store.senders.create(checked.sender);
    } catch (e) {
      // A concurrent save took the label between the check and the write.
      if (e instanceof UniqueViolationError) {
        return form(request, reply, existing, values, { libelle: t("form.libelleTaken") }, 400);
      }
      throw e;
    }
    return reply.redirect(`${LIST}?done=${existing ? "saved" : "created"}`, 303);
  });

  /** A channel sender's save: label, role, settings (zod), secrets (empty = keep), enabled. */
  async function saveChannel(
    request: FastifyRequest,
    reply: FastifyReply,
    existing: Sender | null,
    channel: Channel,
    base: SenderValues,
  ) {
    const cfg = Object.fromEntries(channel.fields.map((f) => [f.name, field(request.body, `cfg_${f.name}`)]));
    const secrets = Object.fromEntries(
      channel.secretFields.map((f) => [f.name, field(request.body, `secret_${f.name}`, false)]),
    );
    const values: SenderValues = { ...base, cron: "", cfg, enabled: field(request.body, "enabled") === "on" };
    const errors: Record<string, string> = {};
    const checked = checkSenderForm({ ...values, cron: "" });
    if (!checked.ok) Object.assign(errors, checked.errors);
    const parsed = parseChannelConfig(channel, cfg);
    if (!parsed.ok) for (const [k, v] of Object.entries(parsed.errors)) errors[`cfg_${k}`] = v;
    for (const [k, v] of Object.entries(
      await checkSenderSecrets(store, existing?.id ?? null, channel, secrets),
    ))
      errors[`secret_${k}`] = v;
    const same = values.libelle ? await store.senders.findByLibelle(values.libelle) : undefined;
    if (same && same.id !== existing?.id) errors.libelle = t("form.libelleTaken");
    if (Object.keys(errors).length > 0 || !parsed.ok || !checked.ok)
      return form(request, reply, existing, values, errors, 400);
    const row = {
      libelle: checked.sender.libelle,
      implClass: channel.key,
      role: checked.sender.role,
      cron: null,
      config: parsed.config,
      enabled: values.enabled === true,
    };
    try {
      await store.transaction(async (tx) => {
        const saved = existing ? await tx.senders.update(existing.id, row) : await tx.senders.create(row);
        if (saved) await saveSenderSecrets(tx, saved.id, channel, secrets);
      });
    } catch (e) {
      if (e instanceof UniqueViolationError)
        return form(request, reply, existing, values, { libelle: t("form.libelleTaken") }, 400);
      throw e;
    }
    // Never the settings or the secrets in the log.
    deps.ctx.log(`admin: channel sender "${row.libelle}" (${channel.key}) ${existing ? "saved" : "created"}`);
    return reply.redirect(`${LIST}?done=${existing ? "saved" : "created"}`, 303);
  }

  app.get("/notificationAccountSender/delete/:id", admin, async (request, reply) => {
    const sender = await store.senders.findById(idParam(request));
    if (!sender) throw notFound(t("error.senderNotFound"));
    return render.send(request, reply, "senderDelete", {
      title: `Supprimer ${sender.libelle}`,
      nav: "senders",
      sender,
      accounts: await accountsOf(sender.id),
    });
  });

  app.post("/notificationAccountSender/delete/:id", adminForm, async (request, reply) => {
    const sender = await store.senders.findById(idParam(request));
    if (!sender) throw notFound(t("error.senderNotFound"));
    const confirmed = field(request.body, "accounts");
    const accounts = await store.accounts.list({ senderId: sender.id, limit: 1_000_000 });
    // The admin confirmed what the page said: if accounts came or went since, ask again.
    if (confirmed !== String(accounts.length)) {
      return render.send(
        request,
        reply,
        "senderDelete",
        {
          title: `Supprimer ${sender.libelle}`,
          nav: "senders",
          sender,
          accounts: accounts.length,
          notice: {
            kind: "error",
            text: "Le nombre de comptes a changé : vérifiez puis confirmez à nouveau.",
          },
        },
        409,
      );
    }
    await store.transaction(async (tx) => {
      for (const a of accounts) await tx.accounts.delete(a.id);
      // A channel sender's secrets and its users' recipient settings go with it.
      await tx.alertDeliveries.deleteSenderSecrets(sender.id);
      await tx.senders.delete(sender.id);
    });
    deps.ctx.log(`admin: sender "${sender.libelle}" deleted with ${accounts.length} account(s)`);
    return reply.redirect(`${LIST}?done=deleted`, 303);
  });
}

function noticeOf(done: string) {
  const text = {
    created: "Connecteur créé.",
    saved: "Connecteur enregistré.",
    deleted: "Connecteur supprimé.",
    enabled: t("alerts.senderEnabled"),
    disabled: t("alerts.senderDisabled"),
  }[done];
  return text ? { kind: "ok" as const, text } : null;
}
