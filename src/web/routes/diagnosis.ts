/**
 * A meter's diagnosis (issue 17), `/devices/:id/diagnostic` (page) and
 * `GET /api/v1/usage-points/:prm/diagnosis` (JSON): where the collection broke, what happens next, what
 * the person can do (`diagnosis/diagnose.ts`). Only the owner sees it: anyone else gets a 404.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { diagnose, type Diagnosis } from "../../diagnosis/diagnose.js";
import { dayText, whenText } from "../../diagnosis/format.js";
import { isUsagePointId } from "../../domain/types.js";
import { t } from "../../i18n/index.js";
import type { Device, User } from "../../store/index.js";
import { ApiError, makeApiGuard } from "../api/tokens.js";
import type { WebDeps } from "../app.js";
import { HttpError, idParam, notFound } from "../http.js";
import { accountOf } from "../meter/views.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API's shape (snake_case, ISO instants). */
export function diagnosisJson(prm: string, d: Diagnosis): Record<string, unknown> {
  return {
    usage_point_id: prm,
    source: d.source,
    state: d.state,
    summary: d.summary,
    newest_day: d.newestDay,
    last_published_day: d.lastPublishedDay,
    days_behind: d.daysBehind,
    last_success_at: iso(d.lastSuccessMs),
    last_error: d.lastError
      ? {
          at: iso(d.lastError.atMs),
          cause: d.lastError.cause,
          text: d.lastError.text,
          detail: d.lastError.detail,
          status: d.lastError.status,
          code: d.lastError.code,
        }
      : null,
    consent: {
      end_date: d.consent.endDate,
      expired: d.consent.expired,
      expired_at: iso(d.consent.expiredAtMs),
    },
    datasets: d.datasets.map((x) => ({
      dataset: x.dataset,
      source: x.source,
      last_success_at: iso(x.lastSuccessMs),
      last_error: x.lastError
        ? { at: iso(x.lastError.atMs), cause: x.lastError.cause, detail: x.lastError.message }
        : null,
      not_collected: x.notCollectedKey,
    })),
    next: d.next.map((n) => ({ key: n.key, text: n.text, at: iso(n.atMs) })),
    actions: d.actions.map((a) => ({ key: a.key, text: a.text, href: a.href })),
  };
}

export function registerDiagnosisRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store, now } = deps.ctx;
  const api = { preHandler: makeApiGuard(store, now) };

  async function diagnosisOf(device: Device): Promise<Diagnosis | null> {
    const account = await accountOf(store, device);
    return account ? diagnose({ store, now }, account, device) : null;
  }

  app.get("/devices/:id/diagnostic", { preHandler: guards.user }, async (request, reply) => {
    const user = request.user as User;
    const device = await store.devices.findById(idParam(request));
    if (!device || device.userId !== user.id) throw notFound(t("error.meterNotFound"));
    const account = await accountOf(store, device);
    if (account && (await store.consents.isSuspended(account.id)))
      throw new HttpError(403, t("error.heading.suspended"), t("error.suspended"));
    const d = await diagnosisOf(device);
    return render.send(request, reply, "diagnosis", {
      title: `${device.label} · ${t("diagnosis.title")}`,
      nav: "dashboard",
      device: { id: device.id, label: device.label, prm: device.mac },
      d,
      text: {
        state: d ? t(`diagnosis.state.${d.state}`) : "",
        source: d ? t(`diagnosis.source.${d.source}`) : "",
        newestDay: d?.newestDay ? dayText(d.newestDay) : t("diagnosis.none"),
        lastPublished: d ? dayText(d.lastPublishedDay) : "",
        lastSuccess: d?.lastSuccessMs ? whenText(d.lastSuccessMs) : t("diagnosis.never"),
        lastErrorAt: d?.lastError ? whenText(d.lastError.atMs) : null,
        consentEnd: d?.consent.endDate ? dayText(d.consent.endDate) : null,
      },
      datasets: (d?.datasets ?? []).map((x) => ({
        label: x.label,
        source: t(`diagnosis.source.${x.source}`),
        success: x.lastSuccessMs ? whenText(x.lastSuccessMs) : t("diagnosis.never"),
        error:
          x.notCollected ??
          (x.lastError
            ? `${whenText(x.lastError.atMs)} — ${t(`diagnosis.cause.${x.lastError.cause}`, { gateway: t(`diagnosis.source.${x.source}`) })}`
            : t("diagnosis.none")),
        errorKey: x.notCollectedKey ?? x.lastError?.cause ?? "none",
      })),
    });
  });

  async function ownedApi(request: FastifyRequest): Promise<Device> {
    const prm = (request.params as { prm?: string }).prm ?? "";
    const device = isUsagePointId(prm)
      ? await store.devices.findByUserAndMac((request.user as User).id, prm)
      : undefined;
    if (!device) throw new ApiError(404, "not_found", `no usage point ${prm.slice(0, 20)} among yours`);
    const account = await accountOf(store, device);
    if (account && (await store.consents.isSuspended(account.id)))
      throw new ApiError(403, "suspended", "access to this usage point is suspended pending review");
    return device;
  }

  app.get("/api/v1/usage-points/:prm/diagnosis", api, async (request) => {
    const device = await ownedApi(request);
    const d = await diagnosisOf(device);
    if (!d) throw new ApiError(404, "not_found", "this usage point has no account to diagnose");
    return diagnosisJson(device.mac, d);
  });
}
