/**
 * The user's "Services" (the seed's NotificationAccount pages): their accounts per sender; one account's
 * consent, last sync, watermarks (each can be moved back to fetch again from an earlier day) and the
 * "test the API" buttons (one day of one dataset, Enedis' raw JSON shown). Only the owner sees an account:
 * anyone else gets a 404, the same as for an account that does not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isLinkyError } from "../../domain/errors.js";
import { addDays, isLocalDate, parisDateOf, parisDayStartMs, parisToday } from "../../domain/time.js";
import { isDatasetKey, type DatasetKey } from "../../domain/types.js";
import { datasetSpec } from "../../enedis/datasets/index.js";
import { horizonStart } from "../../enedis/windows.js";
import { findImplementation } from "../../senders/registry.js";
import { isGatewayId } from "../../sources/port.js";
import { gatewayEntry } from "../../sources/registry.js";
import { eraseAccount, WATERMARK_KEYS, type Account, type Sender, type User } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";
import type { WebDeps } from "../app.js";
import { InteractiveQuotaError } from "../../scheduler/interactive.js";
import { badRequest, field, HttpError, idParam, notFound, wantsJson } from "../http.js";
import { tooMany } from "../interactive.js";
import { Flash } from "../flash.js";
import { t } from "../../i18n/index.js";
import {
  datasetReasonText,
  datasetStatusLabel,
  expiredReasonText,
  syncReasonText,
  syncStatusLabel,
} from "../texts.js";

/** A service whose meter another user's consent names: nothing shown until an administrator decides. */
const suspended = () =>
  new HttpError(
    403,
    "Accès suspendu",
    "L'accès à ce compteur est suspendu le temps qu'un administrateur vérifie un consentement qui le concerne. Vos données sont conservées.",
  );
import { frenchDate, when } from "./dashboard.js";

export const DATASET_LABELS: Record<DatasetKey, string> = {
  consumption_load_curve: "Courbe de charge (consommation)",
  daily_consumption: "Consommation journalière",
  daily_consumption_max_power: "Puissance maximale journalière",
  production_load_curve: "Courbe de charge (production)",
  daily_production: "Production journalière",
  consumption_index: "Index de consommation",
  production_index: "Index de production",
};

/** The seed's three datasets, then whatever else the usage point has. */
const SEED_DATASETS: DatasetKey[] = [
  "consumption_load_curve",
  "daily_consumption",
  "daily_consumption_max_power",
];

export function datasetsOf(account: Account): DatasetKey[] {
  const extra = (account.config.dataset_keys ?? []).filter(
    (k): k is DatasetKey => isDatasetKey(k) && !SEED_DATASETS.includes(k),
  );
  return [...SEED_DATASETS, ...extra];
}

const DELETE_NOTICES: Record<string, { kind: "ok" | "info"; text: string }> = {
  deleted: { kind: "ok", text: "Service supprimé. Le compteur et ses mesures sont conservés." },
  erased: { kind: "ok", text: "Service supprimé, avec le compteur et toutes ses mesures." },
  shared: {
    kind: "info",
    text: "Service supprimé. Un autre de vos services utilise encore ce compteur : ses mesures sont conservées.",
  },
};

const OUTCOME_CLASSES: Record<string, string> = {
  ok: "ok",
  partial: "warn",
  failed: "err",
  expired: "err",
  running: "warn",
};

/** The first day not fetched yet of a dataset (its cursor), from the sync state or the watermark. */
function cursorDay(account: Account, dataset: DatasetKey): string | null {
  const st = account.config.datasets?.[dataset];
  if (st?.fetched_until) return st.fetched_until;
  const wm = account.config[WATERMARK_KEYS[dataset]];
  if (wm === null || wm === undefined) return null;
  const spec = datasetSpec(dataset);
  // Curves: the watermark is the end of the newest interval; daily data: the start of the newest day.
  return spec.kind === "curve" ? parisDateOf(wm - 1) : addDays(parisDateOf(wm), 1);
}

/** What an API test answered, kept for the page the browser is sent to after the POST. */
interface ApiTestResult {
  from: string;
  to: string;
  request: string | null;
  ok: boolean;
  json: string;
}

/** One result per session, account and dataset. */
const testKey = (request: FastifyRequest, accountId: number, dataset: string) =>
  `apitest.${request.session?.id ?? "none"}.${accountId}.${dataset}`;

export function registerAccountRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store, client, now } = deps.ctx;
  const user = { preHandler: guards.user };
  const userForm = { preHandler: [guards.user, app.csrfProtection] };
  const flash = new Flash(store, now);

  /** The account if it is this user's, else 404 (never 403: an id says nothing about other users). */
  async function own(request: FastifyRequest): Promise<{ account: Account; sender: Sender }> {
    const found = await store.accounts.findWithSender(idParam(request));
    if (!found || found.account.userId !== (request.user as User).id) throw notFound();
    return found;
  }

  /** A gateway account's gateway, masked token and what stops it (ban, throttle, refused token), in French. */
  async function gatewayFacts(accountId: number) {
    const cred = await store.gateways.credential(accountId);
    if (!cred) return null;
    const id = isGatewayId(cred.gateway) ? cred.gateway : null;
    const label = id ? gatewayEntry(id).label : cred.gateway;
    const block = await store.gateways.blockOf(cred.gateway);
    const problems: { title: string; text: string; todo: string }[] = [];
    if (block?.kind === "banned")
      problems.push({
        title: t("gateway.page.bannedTitle"),
        text: t("gateway.page.banned", { gateway: label, since: when(block.sinceMs) }),
        todo: t("gateway.page.bannedTodo"),
      });
    else if (block?.kind === "throttled" && (block.untilMs === null || block.untilMs > now()))
      problems.push({
        title: t("gateway.page.throttledTitle"),
        text: t("gateway.page.throttled", { gateway: label, until: when(block.untilMs) }),
        todo: t("gateway.page.throttledTodo"),
      });
    if (cred.refused)
      problems.push({
        title: t("gateway.page.refusedTitle"),
        text: t("gateway.page.refused", { gateway: label, since: when(cred.refused.atMs) }),
        todo: t("gateway.page.refusedTodo"),
      });
    return { label, tokenHint: cred.tokenHint, problems };
  }

  async function accountPage(
    request: FastifyRequest,
    reply: FastifyReply,
    account: Account,
    sender: Sender,
    extra: { errors?: Record<string, string>; notice?: { kind: "ok" | "error"; text: string } | null } = {},
    status = 200,
  ) {
    const c = account.config;
    const today = parisToday(now());
    const token = await store.secrets.tokenStore().load();
    const watermarks = datasetsOf(account).map((dataset) => {
      const key = WATERMARK_KEYS[dataset];
      const wm = c[key] ?? null;
      const cursor = cursorDay(account, dataset);
      const min = horizonStart(datasetSpec(dataset), today);
      const max = cursor ? addDays(cursor, -1) : null;
      return {
        dataset,
        key,
        label: DATASET_LABELS[dataset],
        value: wm === null ? "—" : when(wm),
        max: max && (!min || max >= min) ? max : null,
        min,
        input: max ?? "",
        error: extra.errors?.[dataset] ?? null,
      };
    });
    const last = c.last_sync ?? null;
    const outcomeLabel = last ? syncStatusLabel(last.outcome) : "";
    const outcomeClass = last ? (OUTCOME_CLASSES[last.outcome] ?? "off") : "";
    const testTo = publishedUntil(now());
    const gateway = await gatewayFacts(account.id);
    return render.send(
      request,
      reply,
      "account",
      {
        title: `Service ${account.usagePointId}`,
        nav: "services",
        sender: sender.libelle,
        notice: extra.notice ?? null,
        a: {
          id: account.id,
          prm: account.usagePointId,
          expired: c.expired === true,
          status: t(c.expired ? "status.account.expired" : "status.account.active"),
          statusClass: c.expired ? "err" : "ok",
          expiredReason: expiredReasonText(c),
          autorisationId: c.autorisation_id ?? null,
          consentGiven: when(c.consent_given_at_ms),
          consentPeriod:
            c.consent_start_date || c.consent_end_date
              ? `du ${frenchDate(c.consent_start_date) ?? "?"} au ${frenchDate(c.consent_end_date) ?? "?"}`
              : "—",
        },
        gateway,
        // Never the token itself: only that one exists and until when.
        token: token ? `•••••••• (valide jusqu'au ${when(token.expiresAtMs)})` : "aucun pour le moment",
        sync: last && {
          outcome: outcomeLabel,
          statusClass: outcomeClass,
          started: when(last.started_at_ms),
          finished: when(last.finished_at_ms),
          message: syncReasonText(last),
          calls: last.calls,
          retries: last.retries,
          datasets: Object.entries(last.datasets).map(([k, d]) => ({
            label: isDatasetKey(k) ? DATASET_LABELS[k] : k,
            outcome: datasetStatusLabel(d.outcome),
            points: d.points ?? "—",
            message: datasetReasonText(d),
          })),
        },
        watermarks,
        testDay: frenchDate(addDays(testTo, -1)),
        tests: datasetsOf(account).map((dataset) => ({ dataset, label: DATASET_LABELS[dataset] })),
      },
      status,
    );
  }

  app.get("/notificationAccount/notificationAccounts", user, async (request, reply) => {
    const me = request.user as User;
    const groups = new Map<number, { sender: string; impl: string; accounts: unknown[] }>();
    for (const a of await store.accounts.list({ userId: me.id, limit: 1000 })) {
      let g = groups.get(a.senderId);
      if (!g) {
        const s = await store.senders.findById(a.senderId);
        g = {
          sender: s?.libelle ?? `#${a.senderId}`,
          impl: (s && findImplementation(s.implClass)?.label) ?? s?.implClass ?? "",
          accounts: [],
        };
        groups.set(a.senderId, g);
      }
      const last = a.config.last_sync ?? null;
      g.accounts.push({
        id: a.id,
        prm: a.usagePointId,
        status: t(a.config.expired ? "status.account.expired" : "status.account.active"),
        statusClass: a.config.expired ? "err" : "ok",
        lastSync: last
          ? `${when(last.finished_at_ms ?? last.started_at_ms)} · ${syncStatusLabel(last.outcome)}`
          : "—",
      });
    }
    return render.send(request, reply, "accountList", {
      title: "Services",
      nav: "services",
      groups: [...groups.values()],
      notice: DELETE_NOTICES[field(request.query, "done")] ?? null,
    });
  });

  app.get("/notificationAccount/:id", user, async (request, reply) => {
    const { account, sender } = await own(request);
    if (await store.consents.isSuspended(account.id)) throw suspended();
    const done = field(request.query, "done");
    return accountPage(request, reply, account, sender, {
      notice:
        done === "watermark"
          ? {
              kind: "ok",
              text: "C'est noté : les données seront collectées à nouveau depuis cette date à la prochaine collecte.",
            }
          : null,
    });
  });

  app.post("/notificationAccount/:id/watermark", userForm, async (request, reply) => {
    const { account, sender } = await own(request);
    const dataset = field(request.body, "dataset");
    const date = field(request.body, "date");
    if (!isDatasetKey(dataset) || !datasetsOf(account).includes(dataset)) {
      throw badRequest("Série de données inconnue pour ce service.");
    }
    const cursor = cursorDay(account, dataset);
    const min = horizonStart(datasetSpec(dataset), parisToday(now()));
    let problem: string | null = null;
    if (!isLocalDate(date)) problem = t("form.date");
    else if (!cursor) problem = t("form.nothingToResume");
    else if (date >= cursor) problem = t("form.resumeBefore", { day: frenchDate(cursor) });
    else if (min && date < min) problem = t("form.beyondHorizon", { day: frenchDate(min) });
    if (problem) return accountPage(request, reply, account, sender, { errors: { [dataset]: problem } }, 400);
    const spec = datasetSpec(dataset);
    const watermark = spec.kind === "curve" ? parisDayStartMs(date) : parisDayStartMs(addDays(date, -1));
    await store.transaction(async (tx) => {
      await tx.accounts.updateConfig(account.id, { [WATERMARK_KEYS[dataset]]: watermark });
      await tx.accounts.updateDatasetState(account.id, dataset, {
        fetched_until: date,
        next_attempt_ms: null,
        failures: 0,
      });
    });
    return reply.redirect(`/notificationAccount/${account.id}?done=watermark#watermarks`, 303);
  });

  app.post(
    "/notificationAccount/:id/test/:dataset",
    { ...userForm, config: { rateLimit: { max: 30, timeWindow: 60_000 } } },
    async (request, reply) => {
      const { account } = await own(request);
      const dataset = (request.params as { dataset: string }).dataset;
      if (!isDatasetKey(dataset) || !datasetsOf(account).includes(dataset))
        throw notFound("Série de données inconnue.");
      if (await store.consents.isSuspended(account.id)) throw suspended();
      const to = publishedUntil(now());
      const from = addDays(to, -1);
      let ok = true;
      let body: unknown;
      let requestLine: string | null = null;
      try {
        // A call on the user's behalf: limited per user and address, one at a time, within the quota share.
        const raw = await deps.interactive.run(request, (request.user as User).id, () =>
          client.measureRaw(dataset, account.usagePointId, { from, to }),
        );
        const query = new URLSearchParams(raw.request.query).toString();
        requestLine = `GET ${raw.request.path}${query ? `?${query}` : ""}`;
        body = raw.body;
      } catch (e) {
        if (e instanceof HttpError) throw e;
        if (e instanceof InteractiveQuotaError) {
          throw tooMany(
            "La part des appels à Enedis réservée aux demandes des utilisateurs est épuisée pour cette heure. Réessayez plus tard.",
          );
        }
        ok = false;
        body = isLinkyError(e)
          ? {
              error: e.kind,
              permanent: e.permanent,
              status: e.status ?? null,
              code: e.code ?? null,
              message: e.message,
            }
          : { error: "internal", message: e instanceof Error ? e.message : String(e) };
      }
      if (wantsJson(request))
        return reply.code(ok ? 200 : 502).send({ ok, dataset, from, to, request: requestLine, body });
      // POST-redirect-GET: the answer waits (encrypted, five minutes, once) for the page the browser is
      // sent to, so that a reload shows it again without calling Enedis a second time.
      const result: ApiTestResult = {
        from,
        to,
        request: requestLine,
        ok,
        json: JSON.stringify(body, null, 2).slice(0, 200_000),
      };
      await flash.put(testKey(request, account.id, dataset), JSON.stringify(result), 5 * 60_000);
      return reply.redirect(`/notificationAccount/${account.id}/test/${dataset}`, 303);
    },
  );

  app.get("/notificationAccount/:id/test/:dataset", user, async (request, reply) => {
    const { account } = await own(request);
    const dataset = (request.params as { dataset: string }).dataset;
    if (!isDatasetKey(dataset) || !datasetsOf(account).includes(dataset))
      throw notFound("Série de données inconnue.");
    const text = await flash.get(testKey(request, account.id, dataset));
    const result = text === null ? null : (JSON.parse(text) as ApiTestResult);
    // Nothing (or too old) to show: back to the service, where the test buttons are.
    if (!result) return reply.redirect(`/notificationAccount/${account.id}#api-tests`, 303);
    return render.send(
      request,
      reply,
      "apiTest",
      {
        title: `Test ${DATASET_LABELS[dataset]}`,
        nav: "services",
        label: DATASET_LABELS[dataset],
        prm: account.usagePointId,
        accountId: account.id,
        from: frenchDate(result.from),
        to: frenchDate(result.to),
        request: result.request,
        ok: result.ok,
        json: result.json,
      },
      result.ok ? 200 : 502,
    );
  });

  app.get("/notificationAccount/:id/delete", user, async (request, reply) => {
    const { account } = await own(request);
    const me = request.user as User;
    const shared = (await store.accounts.findByUsagePoint(account.usagePointId)).some(
      (a) => a.userId === me.id && a.id !== account.id,
    );
    return render.send(request, reply, "accountDelete", {
      title: `Supprimer ${account.usagePointId}`,
      nav: "services",
      id: account.id,
      prm: account.usagePointId,
      shared,
    });
  });

  // `data=keep` keeps the meter and its measures; anything else erases them (what people expect).
  app.post("/notificationAccount/:id/delete", userForm, async (request, reply) => {
    const { account } = await own(request);
    const r = await eraseAccount(store, account.id, { eraseData: field(request.body, "data") !== "keep" });
    if (r.dataErased) deps.ctx.events.emit("meter.erased", { usagePointId: account.usagePointId });
    const done = r.dataErased ? "erased" : r.keptForOtherAccount ? "shared" : "deleted";
    return reply.redirect(`/notificationAccount/notificationAccounts?done=${done}`, 303);
  });
}
