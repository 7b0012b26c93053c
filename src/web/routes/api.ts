/**
 * The REST API (`/api/v1/…`, described at `/api/openapi.json`): a user's usage points, their datasets at
 * a resolution, completeness, account status, the page's views and streamed exports. Read-only: the
 * browser's session cookie or a personal API token (`Authorization: Bearer ldc_…`) authenticates; a
 * usage point that is not the caller's is a 404, exactly like one that does not exist. Errors are JSON
 * (`{"error": code, "message": text}`, see the app's error handler).
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { addDaysFast, parisMidnightFast } from "../../domain/paris-fast.js";
import { isLocalDate, isoUtc } from "../../domain/time.js";
import { isUsagePointId, type DatasetKey } from "../../domain/types.js";
import { datasetSpec } from "../../enedis/datasets/index.js";
import { datasetKeyOf, exportChunks, exportFileName, type ExportFormat } from "../../export/format.js";
import { accountState } from "../../scheduler/status.js";
import { WATERMARK_KEYS, type Account, type Device, type User } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";
import type { WebDeps } from "../app.js";
import { API_PREFIX, openApiDocument } from "../api/openapi.js";
import { ApiError, makeApiGuard } from "../api/tokens.js";
import { CALENDAR_STATUSES, completenessDays } from "../meter/completeness.js";
import { datasetPoints, RESOLUTIONS, ResolutionError, type DatasetResolution } from "../meter/datasets.js";
import { isPeriod } from "../meter/periods.js";
import { accountOf, meterDatasets, meterView } from "../meter/views.js";
import { baseLoad, comparison, heatmap, weekdayProfile } from "../meter/analysis.js";

/** Longest range of a JSON `datasets` answer at raw resolution (an export has no limit). */
const MAX_RAW_DAYS = 366;
/** Longest range of any other answer. */
const MAX_DAYS = 12 * 366;

const badRequest = (message: string) => new ApiError(400, "bad_request", message);
const notFound = (message: string) => new ApiError(404, "not_found", message);

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const q = request.query as Record<string, unknown>;
  const v = Array.isArray(q[name]) ? (q[name] as unknown[])[0] : q[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function dateQuery(request: FastifyRequest, name: string): string;
function dateQuery(request: FastifyRequest, name: string, optional: true): string | undefined;
function dateQuery(request: FastifyRequest, name: string, optional = false): string | undefined {
  const v = queryValue(request, name);
  if (v === undefined) {
    if (optional) return undefined;
    throw badRequest(`query parameter "${name}" is required (a Paris day, YYYY-MM-DD)`);
  }
  if (!isLocalDate(v) || v < "1990-01-01" || v > "2199-12-31") {
    throw badRequest(`query parameter "${name}" must be a date YYYY-MM-DD, got "${v.slice(0, 40)}"`);
  }
  return v;
}

function rangeQuery(
  request: FastifyRequest,
  maxDays: number,
): { from: string; to: string; fromMs: number; toMs: number } {
  const from = dateQuery(request, "from");
  const to = dateQuery(request, "to");
  if (from >= to) throw badRequest(`"from" (${from}) must be before "to" (${to}); "to" is exclusive`);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (days > maxDays) throw badRequest(`the range is ${days} days long; at most ${maxDays} days here`);
  return { from, to, fromMs: parisMidnightFast(from), toMs: parisMidnightFast(to) };
}

function datasetOf(name: string | undefined, where: string): DatasetKey {
  const key = name === undefined ? null : datasetKeyOf(name);
  if (!key) throw badRequest(`${where}: unknown dataset "${(name ?? "").slice(0, 60)}"`);
  return key;
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : isoUtc(ms);

export function registerApiRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { store, now, config } = deps.ctx;
  const guard = { preHandler: makeApiGuard(store, now) };
  const document = JSON.stringify(openApiDocument({ title: config.enedis.appName, version: "1.0.0" }));

  /** The caller's meter of that PRM, else 404 (another user's is not found either). */
  async function owned(request: FastifyRequest): Promise<Device> {
    const prm = (request.params as { prm?: string }).prm ?? "";
    const device = isUsagePointId(prm)
      ? await store.devices.findByUserAndMac((request.user as User).id, prm)
      : undefined;
    if (!device) throw notFound(`no usage point ${prm.slice(0, 20)} among yours`);
    const account = await accountOf(store, device);
    // Another user's consent names this meter: no data until an administrator decides.
    if (account && (await store.consents.isSuspended(account.id)))
      throw new ApiError(403, "suspended", "access to this usage point is suspended pending review");
    return device;
  }

  async function usagePoint(device: Device, account?: Account) {
    const datasets = [...(await meterDatasets(store, device, account ?? (await accountOf(store, device))))];
    const m = device.metadata;
    return {
      usage_point_id: device.mac,
      label: device.label,
      subscribed_power_kva: m.subscribed_power_kva ?? null,
      contract_type: m.contract_type ?? null,
      off_peak_hours: m.off_peak_hours ?? null,
      datasets,
      has_production: datasets.some((d) => datasetSpec(d).direction === "production"),
    };
  }

  app.get("/api/openapi.json", async (_request, reply) =>
    reply.type("application/json; charset=utf-8").header("cache-control", "no-cache").send(document),
  );

  app.get(`${API_PREFIX}/me`, guard, async (request) => {
    const user = request.user as User;
    return {
      username: user.username,
      roles: user.roles,
      auth: request.apiTokenId === null ? "session" : "token",
    };
  });

  app.get(`${API_PREFIX}/usage-points`, guard, async (request) => {
    const user = request.user as User;
    const accounts = await store.accounts.list({ userId: user.id, limit: 1000 });
    const suspended = await store.consents.suspendedAccountIds();
    const hidden = new Set(accounts.filter((a) => suspended.has(a.id)).map((a) => a.usagePointId));
    const out = [];
    for (const d of await store.devices.listByUser(user.id)) {
      if (hidden.has(d.mac)) continue;
      out.push(
        await usagePoint(
          d,
          accounts.find((a) => a.usagePointId === d.mac),
        ),
      );
    }
    return { usage_points: out };
  });

  app.get(`${API_PREFIX}/usage-points/:prm`, guard, async (request) => usagePoint(await owned(request)));

  app.get(`${API_PREFIX}/usage-points/:prm/status`, guard, async (request) => {
    const device = await owned(request);
    const account = await accountOf(store, device);
    const c = account?.config;
    const st = account ? accountState(account, now(), 1) : null;
    const last = c?.last_sync ?? null;
    return {
      usage_point_id: device.mac,
      account_id: account?.id ?? null,
      state: st?.state ?? "no_account",
      lag_days: st?.lag ?? null,
      consent: {
        given_at: iso(c?.consent_given_at_ms),
        start: c?.consent_start_date ?? null,
        end: c?.consent_end_date ?? null,
        expired: c?.expired === true,
        expired_reason: c?.expired ? (c.expired_reason ?? null) : null,
      },
      last_sync: last && {
        started_at: isoUtc(last.started_at_ms),
        finished_at: iso(last.finished_at_ms),
        outcome: last.outcome,
        message: last.message,
        calls: last.calls,
        retries: last.retries,
      },
      last_success_at: iso(c?.last_success_ms),
      datasets: [...(await meterDatasets(store, device, account))].map((dataset) => {
        const ds = c?.datasets?.[dataset];
        return {
          dataset,
          watermark: iso(c?.[WATERMARK_KEYS[dataset]] ?? null),
          fetched_until: ds?.fetched_until ?? null,
          last_success_at: iso(ds?.last_success_ms),
          last_error: ds?.last_error?.message ?? null,
          not_applicable: ds?.not_applicable === true,
        };
      }),
    };
  });

  app.get(`${API_PREFIX}/usage-points/:prm/datasets/:dataset`, guard, async (request) => {
    const device = await owned(request);
    const name = (request.params as { dataset: string }).dataset;
    const dataset = datasetKeyOf(name);
    if (!dataset) throw notFound(`no dataset "${name.slice(0, 60)}"`);
    const resolution = (queryValue(request, "resolution") ?? "raw") as DatasetResolution;
    if (!RESOLUTIONS.includes(resolution)) {
      throw badRequest(`"resolution" must be one of ${RESOLUTIONS.join(", ")}`);
    }
    const range = rangeQuery(request, resolution === "raw" ? MAX_RAW_DAYS : MAX_DAYS);
    try {
      const points = await datasetPoints(store, device.id, dataset, range.fromMs, range.toMs, resolution);
      return {
        usage_point_id: device.mac,
        dataset,
        unit: datasetSpec(dataset).unit,
        resolution,
        from: range.from,
        to: range.to,
        timezone: "Europe/Paris",
        points,
      };
    } catch (e) {
      if (e instanceof ResolutionError) throw badRequest(e.message);
      throw e;
    }
  });

  app.get(`${API_PREFIX}/usage-points/:prm/completeness`, guard, async (request) => {
    const device = await owned(request);
    const name = queryValue(request, "dataset");
    let dataset: DatasetKey;
    if (name === undefined) {
      const datasets = await meterDatasets(store, device, await accountOf(store, device));
      dataset =
        datasets.has("consumption_load_curve") || !datasets.has("production_load_curve")
          ? "consumption_load_curve"
          : "production_load_curve";
    } else dataset = datasetOf(name, '"dataset"');
    const range = rangeQuery(request, MAX_DAYS);
    const days = await completenessDays(store, device.id, dataset, range.from, range.to, now());
    const counts = Object.fromEntries(CALENDAR_STATUSES.map((s) => [s, 0])) as Record<string, number>;
    for (const d of days) counts[d.status] = (counts[d.status] ?? 0) + 1;
    return { usage_point_id: device.mac, dataset, from: range.from, to: range.to, counts, days };
  });

  app.get(`${API_PREFIX}/usage-points/:prm/views/:period`, guard, async (request) => {
    const device = await owned(request);
    const period = (request.params as { period: string }).period;
    if (!isPeriod(period)) throw notFound(`no view "${period.slice(0, 20)}": day, week, month or year`);
    const date = dateQuery(request, "date", true) ?? addDaysFast(publishedUntil(now()), -1);
    return meterView(store, {
      device,
      account: await accountOf(store, device),
      period,
      date,
      nowMs: now(),
    });
  });

  // The analysis views (`meter/analysis.ts`), over [from, to): the curve ones at most a year.
  app.get(`${API_PREFIX}/usage-points/:prm/heatmap`, guard, async (request) => {
    const device = await owned(request);
    return heatmap(store, device.id, rangeQuery(request, MAX_RAW_DAYS));
  });
  app.get(`${API_PREFIX}/usage-points/:prm/weekday-profile`, guard, async (request) => {
    const device = await owned(request);
    return weekdayProfile(store, device.id, rangeQuery(request, MAX_RAW_DAYS));
  });
  app.get(`${API_PREFIX}/usage-points/:prm/comparison`, guard, async (request) => {
    const device = await owned(request);
    return comparison(store, device.id, rangeQuery(request, MAX_DAYS));
  });
  app.get(`${API_PREFIX}/usage-points/:prm/base-load`, guard, async (request) => {
    const device = await owned(request);
    return baseLoad(store, device.id, rangeQuery(request, MAX_DAYS));
  });

  app.get(
    `${API_PREFIX}/usage-points/:prm/export`,
    // A HEAD twin would run the whole export to throw it away.
    { ...guard, exposeHeadRoute: false },
    async (request, reply) => {
      const device = await owned(request);
      const dataset = datasetOf(queryValue(request, "dataset"), '"dataset"');
      const format = (queryValue(request, "format") ?? "csv") as ExportFormat;
      if (format !== "csv" && format !== "json") throw badRequest('"format" must be csv or json');
      const range = rangeQuery(request, MAX_DAYS);
      const name = exportFileName(device.mac, dataset, range.from, range.to, format);
      const body = Readable.from(
        exportChunks(store, { deviceId: device.id, dataset, fromMs: range.fromMs, toMs: range.toMs, format }),
      );
      return reply
        .type(format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .header("cache-control", "no-store")
        .send(body);
    },
  );
}
