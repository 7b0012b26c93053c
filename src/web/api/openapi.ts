/**
 * The REST API's description, served at `/api/openapi.json` (OpenAPI 3.1: its schemas are JSON Schema
 * 2020-12). It is the reference the API tests validate every answer against, and the route table's
 * twin: a test fails when a route of the server is missing here, or the other way round.
 */
import { DATASET_KEYS } from "../../domain/types.js";
import { CALENDAR_STATUSES } from "../meter/completeness.js";
import { RESOLUTIONS } from "../meter/datasets.js";
import { PERIODS } from "../meter/periods.js";
import { COST_PATHS, COST_SCHEMAS } from "./openapi-costs.js";
import { DIAGNOSIS_PATHS, DIAGNOSIS_SCHEMAS } from "./openapi-diagnosis.js";

export const API_PREFIX = "/api/v1";

/** Two schema tables in one: a name defined in both is a bug (one would silently replace the other). */
function mergeOnce(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(b)) if (k in a) throw new Error(`OpenAPI schema "${k}" is defined twice`);
  return { ...a, ...b };
}

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: Schema): Schema => ({ oneOf: [s, { type: "null" }] });
const str = { type: "string" };
const num = { type: "number" };
const int = { type: "integer" };
const date = { type: "string", format: "date", description: "Paris calendar day, YYYY-MM-DD" };
const instant = { type: "string", format: "date-time", description: "ISO 8601 UTC instant" };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const numOrNull = { type: ["number", "null"] };

const schemas: Record<string, Schema> = {
  Error: {
    type: "object",
    description: "Every error: a machine-readable code and a message for people.",
    properties: {
      error: { type: "string", examples: ["not_found", "bad_request", "unauthorized"] },
      message: str,
      detail: str,
    },
    required: ["error", "message"],
    additionalProperties: false,
  },
  Me: obj({
    username: str,
    roles: arr(str),
    auth: { type: "string", enum: ["session", "token"] },
  }),
  Dataset: { type: "string", enum: [...DATASET_KEYS] },
  UsagePoint: obj({
    usage_point_id: { type: "string", pattern: "^[0-9]{14}$" },
    label: str,
    subscribed_power_kva: numOrNull,
    contract_type: { type: ["string", "null"] },
    off_peak_hours: { type: ["string", "null"] },
    datasets: arr(ref("Dataset")),
    has_production: { type: "boolean" },
  }),
  UsagePointList: obj({ usage_points: arr(ref("UsagePoint")) }),
  AccountStatus: obj({
    usage_point_id: str,
    account_id: { type: ["integer", "null"] },
    state: { type: "string", enum: ["fresh", "behind", "expired", "failing", "new", "no_account"] },
    lag_days: {
      type: ["integer", "null"],
      description: "days between the newest published day and the newest fetched one",
    },
    consent: obj({
      given_at: nullable(instant),
      start: nullable(date),
      end: nullable(date),
      expired: { type: "boolean" },
      expired_reason: { type: ["string", "null"] },
    }),
    last_sync: nullable(
      obj({
        started_at: instant,
        finished_at: nullable(instant),
        outcome: { type: "string", enum: ["ok", "partial", "failed", "expired", "running"] },
        message: { type: ["string", "null"] },
        calls: int,
        retries: int,
      }),
    ),
    last_success_at: nullable(instant),
    datasets: arr(
      obj({
        dataset: ref("Dataset"),
        watermark: nullable(instant),
        fetched_until: nullable(date),
        last_success_at: nullable(instant),
        last_error: { type: ["string", "null"] },
        not_applicable: { type: "boolean" },
      }),
    ),
  }),
  DatasetPoint: obj(
    {
      start: instant,
      end: instant,
      value: {
        ...numOrNull,
        description: "native unit: W (curves: mean power), Wh (energy), VA (max power); null = missing",
      },
      energy_wh: numOrNull,
      points: { ...int, description: "aggregates: points (curves) or days with a value" },
      peak_at: nullable(instant),
      register: str,
    },
    ["start", "end", "value"],
  ),
  DatasetSeries: obj({
    usage_point_id: str,
    dataset: ref("Dataset"),
    unit: { type: "string", enum: ["W", "Wh", "VA"] },
    resolution: { type: "string", enum: [...RESOLUTIONS] },
    from: date,
    to: date,
    timezone: { const: "Europe/Paris" },
    points: arr(ref("DatasetPoint")),
  }),
  CompletenessDay: obj({
    day: date,
    status: { type: "string", enum: [...CALENDAR_STATUSES] },
    expected: { type: ["integer", "null"] },
    received: { type: ["integer", "null"] },
    attempts: int,
  }),
  Completeness: obj({
    usage_point_id: str,
    dataset: ref("Dataset"),
    from: date,
    to: date,
    counts: { type: "object", additionalProperties: int },
    days: arr(ref("CompletenessDay")),
  }),
  SeriesChart: obj(
    {
      unit: str,
      resolution: { type: "string", enum: ["raw", "hour", "day"] },
      x: { ...arr(int), description: "epoch seconds of each point's start" },
      consumption: arr(numOrNull),
      production: arr(numOrNull),
      subscribed_kva: numOrNull,
    },
    ["unit", "resolution", "x", "consumption"],
  ),
  Summary: obj({
    total_kwh: numOrNull,
    days_with_data: int,
    average_kwh_per_day: numOrNull,
    min_day: nullable(obj({ day: date, kwh: num })),
    max_day: nullable(obj({ day: date, kwh: num })),
    night_base_load_w: numOrNull,
    max_power_kva: numOrNull,
    max_power_at: nullable(instant),
  }),
  View: obj({
    usage_point_id: str,
    period: { type: "string", enum: [...PERIODS] },
    date,
    from: date,
    to: date,
    prev: date,
    next: nullable(date),
    label: str,
    days: int,
    hours: { ...int, description: "length of the period in hours: 23 or 25 on a daylight-saving day" },
    last_published_day: date,
    subscribed_power_kva: numOrNull,
    has_production: { type: "boolean" },
    charts: obj({
      power: nullable(ref("SeriesChart")),
      energy: ref("SeriesChart"),
      max_power: nullable(ref("SeriesChart")),
      compare: nullable(
        obj({
          unit: { const: "kWh" },
          year: str,
          previous_year: str,
          current: arr(numOrNull),
          previous: arr(numOrNull),
        }),
      ),
    }),
    summary: obj({ consumption: ref("Summary"), production: nullable(ref("Summary")) }),
    completeness: obj({ dataset: ref("Dataset"), from: date, to: date, days: arr(ref("CompletenessDay")) }),
    costs: {
      ...nullable(ref("ViewCosts")),
      description: "year view of a meter on an offer: costs per month",
    },
  }),
  Heatmap: obj({
    kind: { const: "heatmap" },
    unit: { const: "W" },
    from: date,
    to: date,
    days: arr(
      obj({
        day: date,
        x: { ...arr(int), description: "epoch seconds of each half-hour's start: 46, 48 or 50 a day" },
        values: { ...arr(numOrNull), description: "mean power of each half-hour, W" },
      }),
    ),
    max_w: numOrNull,
  }),
  WeekdayProfile: obj({
    kind: { const: "weekday" },
    unit: { const: "W" },
    from: date,
    to: date,
    slots: { ...arr(str), description: "wall-clock half-hours, 00:00 … 23:30 (Paris)" },
    weekdays: { ...arr(arr(numOrNull)), description: "Monday … Sunday: mean power per slot, W" },
    weekday_days: arr(int),
    workdays: arr(numOrNull),
    weekend: arr(numOrNull),
    workday_kwh: numOrNull,
    weekend_kwh: numOrNull,
  }),
  ComparedPeriod: {
    type: "object",
    properties: {
      from: date,
      to: date,
      kwh: numOrNull,
      days_with_data: int,
      diff_kwh: numOrNull,
      diff_pct: numOrNull,
    },
    required: ["from", "to", "kwh", "days_with_data"],
    additionalProperties: false,
  },
  Comparison: obj({
    kind: { const: "compare" },
    unit: { const: "kWh" },
    current: ref("ComparedPeriod"),
    previous: ref("ComparedPeriod"),
    year_before: ref("ComparedPeriod"),
  }),
  BaseLoad: obj({
    kind: { const: "baseload" },
    unit: { const: "W" },
    from: date,
    to: date,
    months: arr(
      obj({ month: { type: "string", pattern: "^[0-9]{4}-[0-9]{2}$" }, base_w: numOrNull, nights: int }),
    ),
    trend_w: numOrNull,
  }),
  ExportRow: obj(
    {
      start: instant,
      end: instant,
      value: num,
      unit: { type: "string", enum: ["W", "Wh", "VA"] },
      peak_at: str,
      register: str,
    },
    ["start", "end", "value", "unit"],
  ),
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("Error") } },
});
const json = (description: string, schema: Schema) => ({
  description,
  content: { "application/json": { schema } },
});

const prmParam = {
  name: "prm",
  in: "path",
  required: true,
  description: "the usage point id (PRM), 14 digits",
  schema: { type: "string", pattern: "^[0-9]{14}$" },
};
const fromParam = (required: boolean) => ({
  name: "from",
  in: "query",
  required,
  description: "first Paris day, inclusive",
  schema: date,
});
const toParam = (required: boolean) => ({
  name: "to",
  in: "query",
  required,
  description: "last Paris day, exclusive",
  schema: date,
});
const datasetQuery = (required: boolean, description: string) => ({
  name: "dataset",
  in: "query",
  required,
  description,
  schema: ref("Dataset"),
});

const common = {
  "401": errorResponse("no session and no valid API token"),
  "404": errorResponse("no such usage point among yours (another user's is not found either)"),
};

/** One analysis view of `meter/analysis.ts` over [from, to). */
function analysisPath(name: string, operationId: string, schema: string, summary: string) {
  return {
    [`${API_PREFIX}/usage-points/{prm}/${name}`]: {
      get: {
        operationId,
        summary,
        parameters: [prmParam, fromParam(true), toParam(true)],
        responses: {
          "200": json("the view's data", ref(schema)),
          "400": errorResponse("bad dates or range"),
          ...common,
        },
      },
    },
  };
}

const paths: Record<string, Record<string, unknown>> = {
  "/api/openapi.json": {
    get: {
      operationId: "openapi",
      summary: "This document",
      security: [],
      responses: { "200": json("the OpenAPI document", { type: "object" }) },
    },
  },
  [`${API_PREFIX}/me`]: {
    get: {
      operationId: "me",
      summary: "Who the API sees: the session's user or the token's",
      responses: { "200": json("the caller", ref("Me")), "401": common["401"] },
    },
  },
  [`${API_PREFIX}/usage-points`]: {
    get: {
      operationId: "listUsagePoints",
      summary: "Your usage points (meters)",
      responses: { "200": json("the caller's usage points", ref("UsagePointList")), "401": common["401"] },
    },
  },
  [`${API_PREFIX}/usage-points/{prm}`]: {
    get: {
      operationId: "getUsagePoint",
      summary: "One usage point: contract facts and datasets",
      parameters: [prmParam],
      responses: { "200": json("the usage point", ref("UsagePoint")), ...common },
    },
  },
  [`${API_PREFIX}/usage-points/{prm}/status`]: {
    get: {
      operationId: "getAccountStatus",
      summary: "Account status: consent, last sync, per-dataset progress",
      parameters: [prmParam],
      responses: { "200": json("the account's status", ref("AccountStatus")), ...common },
    },
  },
  [`${API_PREFIX}/usage-points/{prm}/datasets/{dataset}`]: {
    get: {
      operationId: "getDataset",
      summary: "A dataset over [from, to) at a resolution",
      description:
        "Curves read at raw, hour, day or month (mean power W of the points with a value, energy Wh); daily energy and max power at raw (= day) or month (sum, max); indexes raw only. Raw ranges are limited to 366 days: use `export` for more.",
      parameters: [
        prmParam,
        {
          name: "dataset",
          in: "path",
          required: true,
          description: "dataset name (contract or Data Connect 2026 name)",
          schema: str,
        },
        fromParam(true),
        toParam(true),
        {
          name: "resolution",
          in: "query",
          required: false,
          schema: { type: "string", enum: [...RESOLUTIONS], default: "raw" },
        },
      ],
      responses: {
        "200": json("the points", ref("DatasetSeries")),
        "400": errorResponse("bad dates, range, dataset or resolution"),
        ...common,
      },
    },
  },
  [`${API_PREFIX}/usage-points/{prm}/completeness`]: {
    get: {
      operationId: "getCompleteness",
      summary: "Per Paris day: complete, partial, missing, gap, pending, not published, not fetched",
      parameters: [
        prmParam,
        datasetQuery(
          false,
          "default: the consumption load curve (the production one for a production-only meter)",
        ),
        fromParam(true),
        toParam(true),
      ],
      responses: {
        "200": json("the calendar", ref("Completeness")),
        "400": errorResponse("bad dates or dataset"),
        ...common,
      },
    },
  },
  [`${API_PREFIX}/usage-points/{prm}/views/{period}`]: {
    get: {
      operationId: "getView",
      summary: "What the meter's page shows for a day, week, month or year",
      description:
        "Charts at the resolution that fits the period (raw for a day or a week, hourly for a month, daily for a year), the summary table and the completeness calendar.",
      parameters: [
        prmParam,
        { name: "period", in: "path", required: true, schema: { type: "string", enum: [...PERIODS] } },
        {
          name: "date",
          in: "query",
          required: false,
          description: "a day of the period (default: the last published day)",
          schema: date,
        },
      ],
      responses: {
        "200": json("the view", ref("View")),
        "400": errorResponse("bad date or period"),
        ...common,
      },
    },
  },
  ...analysisPath(
    "heatmap",
    "getHeatmap",
    "Heatmap",
    "Load curve heatmap: per Paris day, the mean power of each half-hour (46 on the spring change, 50 on the autumn one); at most 366 days",
  ),
  ...analysisPath(
    "weekday-profile",
    "getWeekdayProfile",
    "WeekdayProfile",
    "Mean power per weekday and wall-clock half-hour, and workdays against the weekend; at most 366 days",
  ),
  ...analysisPath(
    "comparison",
    "getComparison",
    "Comparison",
    "Energy of [from, to) against the previous period of the same length and the same dates a year earlier (kWh, %)",
  ),
  ...analysisPath(
    "base-load",
    "getBaseLoad",
    "BaseLoad",
    "Night base load per month: the median over the month's nights of the mean power 01:00–05:00 (Paris)",
  ),
  [`${API_PREFIX}/usage-points/{prm}/export`]: {
    get: {
      operationId: "exportDataset",
      summary: "Download a dataset over [from, to): CSV or JSON in the contract's format, streamed",
      description:
        "One row per stored measure with a value, by start: `start,end,value,unit` (+ `peak_at` for max power, `register` for indexes), ISO 8601 UTC. The same bytes as `linky-dataconnect export`.",
      parameters: [
        prmParam,
        datasetQuery(true, "dataset name (contract or Data Connect 2026 name)"),
        fromParam(true),
        toParam(true),
        {
          name: "format",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["csv", "json"], default: "csv" },
        },
      ],
      responses: {
        "200": {
          description: "the export, as an attachment",
          content: {
            "text/csv": { schema: { type: "string" } },
            "application/json": { schema: arr(ref("ExportRow")) },
          },
        },
        "400": errorResponse("bad dates, range, dataset or format"),
        ...common,
      },
    },
  },
};

export function openApiDocument(opts: { title: string; version: string }): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: `${opts.title} API`,
      version: opts.version,
      description:
        'Linky smart-meter data collected from Enedis Data Connect. Authenticate with the browser\'s session cookie, or with a personal API token (created and revoked on /user) sent as `Authorization: Bearer ldc_…`. Days are Europe/Paris calendar days; instants are ISO 8601 UTC. Errors are JSON: `{"error": code, "message": text}`.',
    },
    security: [{ bearerToken: [] }, { sessionCookie: [] }],
    paths: mergeOnce(mergeOnce(paths, COST_PATHS), DIAGNOSIS_PATHS) as typeof paths,
    components: {
      schemas: mergeOnce(mergeOnce(schemas, COST_SCHEMAS), DIAGNOSIS_SCHEMAS),
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "a personal API token, ldc_…" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "ld_session" },
      },
    },
  };
}
