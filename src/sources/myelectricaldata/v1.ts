/**
 * MyElectricalData v1 (myelectricaldata.fr): one opaque token per PDL, sent raw in `Authorization` (no
 * `Bearer`); `/valid_access/{pdl}` is the only coverage check; data at
 * `/{dataset}/{pdl}/start/{d}/end/{d}` as Enedis' v5 bodies with their `meter_reading` wrapper (load-curve
 * points at the interval END); `/contracts/{pdl}` in the v5 customers shape (off-peak hours).
 *
 * Rules (gateways.md §2): about 500 calls per PDL per day, answered 409 once spent; we stay under 450 in
 * any 24 h, and keep to one run a day between 06:00 and 10:00 Paris like every gateway.
 */
import { NoConsentError } from "../../domain/errors.js";
import type { DatasetKey, ReadingBatch, UsagePointId } from "../../domain/types.js";
import { assertUsagePointId } from "../../domain/types.js";
import { contractFromV5 } from "../../enedis/contracts.js";
import { datasetSpec as enedisSpec } from "../../enedis/datasets/index.js";
import { parseMeterReadingV5 } from "../../enedis/parse.js";
import { GatewayWindows, gatewayCapabilities } from "../gateway-common.js";
import { GatewayHttp, type GatewayHttpOptions } from "../gateway-http.js";
import type {
  CallWrapper,
  ContractResult,
  MeasureSource,
  QuotaPolicy,
  SourceCapabilities,
  Window,
} from "../port.js";
import { classifyMedV1Answer } from "./errors.js";

export const MED_V1_POLICY: QuotaPolicy = {
  rules: [{ per: "pdl", limit: 450, windowMs: 24 * 3_600_000, label: "450 calls per 24 h per meter" }],
  reserve: 10,
};

const PATHS: Partial<Record<DatasetKey, string>> = {
  consumption_load_curve: "consumption_load_curve",
  daily_consumption: "daily_consumption",
  daily_consumption_max_power: "daily_consumption_max_power",
  production_load_curve: "production_load_curve",
  daily_production: "daily_production",
};

export const MED_V1_CAPABILITIES: SourceCapabilities = gatewayCapabilities({
  kind: "myelectricaldata",
  datasets: Object.keys(PATHS) as DatasetKey[],
  contract: true,
  timestamps: "interval-end",
  quota: MED_V1_POLICY,
});

export type MedV1Options = Omit<GatewayHttpOptions, "gateway" | "policy"> & { token: string };

export class MyElectricalDataV1Source implements MeasureSource {
  readonly capabilities = MED_V1_CAPABILITIES;
  private readonly http: GatewayHttp;
  private readonly windows: GatewayWindows;

  constructor(private readonly opts: MedV1Options) {
    this.http = new GatewayHttp({ ...opts, gateway: "myelectricaldata", policy: MED_V1_POLICY });
    this.windows = new GatewayWindows(opts.now);
  }

  private get(path: string, endpoint: string): Promise<unknown> {
    return this.http.get(path, endpoint, { authorization: this.opts.token }, (a) =>
      classifyMedV1Answer(a, this.http, this.opts.now()),
    );
  }

  /**
   * Whether the token covers `pdl` (`/valid_access/{pdl}`): false for a 401 (a foreign or unknown
   * token), true when the gateway says `valid`.
   */
  async covers(pdl: UsagePointId): Promise<boolean> {
    assertUsagePointId(pdl);
    try {
      const body = await this.get(`valid_access/${pdl}`, "GET /valid_access/{pdl}");
      return typeof body === "object" && body !== null && (body as { valid?: unknown }).valid === true;
    } catch (e) {
      if (e instanceof NoConsentError) return false;
      throw e;
    }
  }

  measureApi(): string {
    return "myelectricaldata";
  }

  maxDaysPerCall(dataset: DatasetKey): number {
    return this.windows.maxDaysPerCall(dataset);
  }

  shrinkWindow(dataset: DatasetKey, w: Window): number {
    return this.windows.shrinkWindow(dataset, w);
  }

  allowance(_prm: UsagePointId, purpose: "fresh" | "backfill" = "backfill"): Promise<number> {
    return this.http.allowance(purpose);
  }

  async contract(usagePointId: UsagePointId, call?: CallWrapper): Promise<ContractResult> {
    assertUsagePointId(usagePointId);
    const run = call ?? (<T>(fn: () => Promise<T>) => fn());
    const body = await run(() => this.get(`contracts/${usagePointId}`, "GET /contracts/{pdl}"));
    return { contract: contractFromV5(usagePointId, body), unavailable: [] };
  }

  async readings(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<ReadingBatch> {
    assertUsagePointId(usagePointId);
    const path = PATHS[dataset];
    if (!path) throw new RangeError(`MyElectricalData v1 has no ${dataset}`);
    this.windows.check(dataset, w);
    const body = await this.get(
      `${path}/${usagePointId}/start/${w.from}/end/${w.to}`,
      `GET /${path}/{pdl}/start/{d}/end/{d}`,
    );
    return parseMeterReadingV5(enedisSpec(dataset), body, {
      usagePointId,
      from: w.from,
      to: w.to,
      api: "myelectricaldata",
    });
  }
}
