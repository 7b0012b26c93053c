/**
 * MyElectricalData v2 (www.v2.myelectricaldata.fr/api; also MN's "server mode"): an account's
 * `client_secret` as `Authorization: Bearer`; `GET /pdl` lists the PDLs it covers; data at
 * `/enedis/{consumption|production}/{daily|detail}/{pdl}` and `/enedis/power/{pdl}` with
 * `?start&end&use_cache` (`end` excluded), asked with `X-MED-Format: 2026` so that `data` is a Data
 * Connect 2026 envelope, except that load-curve points are stamped at the interval START (MN rebuilds
 * them so). Contract facts from `/enedis/contract/{pdl}` (2026 ITC shapes: off-peak hours).
 *
 * Rules (gateways.md §3): per account and UTC day, 50 requests with `use_cache=false` and 1,000 with
 * `use_cache=true`. Recent windows (the last 3 days, which may still change) are asked uncached, under
 * 45 a day; history is asked through the cache, under 900 a day.
 */
import { NoConsentError, TransientError } from "../../domain/errors.js";
import {
  addDays,
  parisDayStartMs,
  parisToday,
  parseStepMinutes,
  resolveIntervalEnds,
  TimeLabelError,
} from "../../domain/time.js";
import type { DatasetKey, Reading, ReadingBatch, UsagePointId } from "../../domain/types.js";
import { assertUsagePointId } from "../../domain/types.js";
import {
  applyComptage,
  applySituationContrat,
  applySynthese,
  emptyContract,
} from "../../enedis/contracts.js";
import { datasetSpec as enedisSpec } from "../../enedis/datasets/index.js";
import { parseMeasures2026 } from "../../enedis/parse.js";
import { arr, isRecord, measureValue, str, unitScale } from "../../enedis/values.js";
import { GatewayWindows, gatewayCapabilities } from "../gateway-common.js";
import { GatewayHttp, type GatewayHttpOptions } from "../gateway-http.js";
import type {
  BudgetRule,
  CallWrapper,
  ContractResult,
  MeasureSource,
  QuotaPolicy,
  SourceCapabilities,
  Window,
} from "../port.js";
import { classifyMedV2Answer } from "./errors.js";

const API = "myelectricaldata-v2";
const UNCACHED: BudgetRule = { per: "user", limit: 45, windowMs: 0, label: "45 uncached calls per UTC day" };
const CACHED: BudgetRule = {
  per: "user",
  limit: 900,
  windowMs: 0,
  label: "900 cached calls per UTC day",
  cached: true,
};

export const MED_V2_POLICY: QuotaPolicy = { rules: [UNCACHED, CACHED], reserve: 5 };

/** Days before today still asked without the cache (the newest data may still change). */
const FRESH_DAYS = 3;

const PATHS: Partial<Record<DatasetKey, string>> = {
  consumption_load_curve: "enedis/consumption/detail",
  daily_consumption: "enedis/consumption/daily",
  daily_consumption_max_power: "enedis/power",
  production_load_curve: "enedis/production/detail",
  daily_production: "enedis/production/daily",
};

export const MED_V2_CAPABILITIES: SourceCapabilities = gatewayCapabilities({
  kind: "myelectricaldata-v2",
  datasets: Object.keys(PATHS) as DatasetKey[],
  contract: true,
  timestamps: "interval-start",
  quota: MED_V2_POLICY,
});

export type MedV2Options = Omit<GatewayHttpOptions, "gateway" | "policy"> & { token: string };

function malformed(what: string): TransientError {
  return new TransientError(`malformed MyElectricalData v2 answer: ${what}`, { api: API });
}

/**
 * A 2026 load-curve envelope whose points are labelled with their interval START -> readings. The
 * labels are walked like interval ends one step earlier (so the DST days keep their 46 or 50 points).
 */
export function parseStartStampedCurve(
  body: unknown,
  usagePointId: UsagePointId,
  w: Window,
  key: DatasetKey,
): ReadingBatch {
  const spec = enedisSpec(key);
  const batch: ReadingBatch = {
    usagePointId,
    dataset: key,
    unit: spec.unit,
    from: w.from,
    to: w.to,
    readings: [],
  };
  if (!isRecord(body)) throw malformed("data is not an object");
  if (body.idPrm !== undefined && str(body.idPrm) !== usagePointId)
    throw malformed("idPrm is another meter's");
  const series = arr(body.grandeur).filter(isRecord)[0];
  if (!series) return batch;
  const scale = unitScale(series.unite);
  const points = arr(series.points).filter(isRecord);
  const steps = points.map((p) => {
    const s = str(p.p);
    const m = s ? parseStepMinutes(s) : 30;
    if (m === null) throw malformed(`step "${s ?? ""}" unreadable`);
    return m;
  });
  let starts: number[];
  try {
    starts = resolveIntervalEnds(
      points.map((p, i) => {
        const label = str(p.d);
        if (!label) throw malformed(`points[${i}].d is missing`);
        return { label, stepMin: steps[i] ?? 30 };
      }),
      parisDayStartMs(w.from) - (steps[0] ?? 30) * 60_000,
    );
  } catch (e) {
    if (e instanceof TimeLabelError) throw malformed(e.message);
    throw e;
  }
  const byStart = new Map<number, Reading>();
  points.forEach((p, i) => {
    const v = measureValue(p.v);
    const startMs = starts[i] as number;
    byStart.set(startMs, { startMs, lengthMin: steps[i] ?? 30, value: v === null ? null : v * scale });
  });
  batch.readings = [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
  const quality = str(body.etapeMetier);
  if (quality) batch.quality = quality;
  return batch;
}

export class MyElectricalDataV2Source implements MeasureSource {
  readonly capabilities = MED_V2_CAPABILITIES;
  private readonly http: GatewayHttp;
  private readonly windows: GatewayWindows;

  constructor(private readonly opts: MedV2Options) {
    this.http = new GatewayHttp({ ...opts, gateway: "myelectricaldata-v2", policy: MED_V2_POLICY });
    this.windows = new GatewayWindows(opts.now);
  }

  private async get(path: string, endpoint: string, cached = false): Promise<unknown> {
    const body = await this.http.get(
      path,
      endpoint,
      { authorization: `Bearer ${this.opts.token}`, "x-med-format": "2026" },
      (a) => classifyMedV2Answer(a, this.http, this.opts.now()),
      { cached },
    );
    return isRecord(body) ? body.data : undefined;
  }

  /** The PDLs the client_secret covers (`GET /pdl`); [] for a refused secret. */
  async coveredPdls(): Promise<string[]> {
    try {
      const data = await this.get("pdl", "GET /pdl");
      return arr(data)
        .map((p) => (isRecord(p) ? str(p.usage_point_id) : str(p)))
        .filter((p): p is string => p !== null && /^\d{14}$/.test(p));
    } catch (e) {
      if (e instanceof NoConsentError) return [];
      throw e;
    }
  }

  measureApi(): string {
    return API;
  }

  maxDaysPerCall(dataset: DatasetKey): number {
    return this.windows.maxDaysPerCall(dataset);
  }

  shrinkWindow(dataset: DatasetKey, w: Window): number {
    return this.windows.shrinkWindow(dataset, w);
  }

  /** Uncached calls left for a fresh run; for history, also the cached calls beside a reserve. */
  async allowance(_prm: UsagePointId, purpose: "fresh" | "backfill" = "backfill"): Promise<number> {
    const uncached = (await this.http.remaining(UNCACHED)).left;
    if (purpose === "fresh") return uncached;
    const cached = (await this.http.remaining(CACHED)).left;
    const share = Math.floor((CACHED.limit - 100) / Math.max(1, this.opts.accountsOnGateway));
    return Math.max(0, uncached - MED_V2_POLICY.reserve) + Math.min(share, Math.max(0, cached - 100));
  }

  async contract(usagePointId: UsagePointId, call?: CallWrapper): Promise<ContractResult> {
    assertUsagePointId(usagePointId);
    const run = call ?? (<T>(fn: () => Promise<T>) => fn());
    const data = await run(() =>
      this.get(`enedis/contract/${usagePointId}?use_cache=true`, "GET /enedis/contract/{pdl}", true),
    );
    const d = isRecord(data) ? data : {};
    let info = emptyContract(usagePointId);
    info = applySituationContrat(info, d.situation_contrat);
    info = applySynthese(info, d.synthese_contrat);
    info = applyComptage(info, d.comptage);
    return { contract: info, unavailable: [] };
  }

  async readings(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<ReadingBatch> {
    assertUsagePointId(usagePointId);
    const path = PATHS[dataset];
    if (!path) throw new RangeError(`MyElectricalData v2 has no ${dataset}`);
    this.windows.check(dataset, w);
    const cached = w.to <= addDays(parisToday(this.opts.now()), -FRESH_DAYS);
    const q = new URLSearchParams({ start: w.from, end: w.to, use_cache: String(cached) });
    const data = await this.get(`${path}/${usagePointId}?${q.toString()}`, `GET /${path}/{pdl}`, cached);
    const spec = enedisSpec(dataset);
    if (spec.kind === "curve") return parseStartStampedCurve(data, usagePointId, w, dataset);
    return parseMeasures2026(spec, data, { usagePointId, from: w.from, to: w.to, api: API });
  }
}
