/**
 * Conso API (conso.boris.sh, bokub): a household's HS256 JWT (`sub` = the PRMs it covers, ~3 years),
 * `Authorization: Bearer`, GET `/api/{type}?pointId&dateDebut&dateFin` with Data Connect 2026 types;
 * bodies are Enedis' own, unchanged (load-curve points at the interval END). No services discovery and
 * no contract: every dataset is tried, and those that do not apply say so.
 *
 * Rules (gateways.md §1): an address making >= 100 requests in 12 h is banned by Cloudflare (we stay
 * under 90, shared by every account); one run a day at a random minute 06:00-10:00 Paris, one retry in
 * the early afternoon when nothing came.
 */
import type { DatasetKey, ReadingBatch, UsagePointId } from "../../domain/types.js";
import { assertUsagePointId } from "../../domain/types.js";
import { datasetSpec as enedisSpec } from "../../enedis/datasets/index.js";
import { parseMeasures2026 } from "../../enedis/parse.js";
import { GatewayHttp, type GatewayHttpOptions } from "../gateway-http.js";
import { GatewayWindows, gatewayCapabilities } from "../gateway-common.js";
import type { MeasureSource, QuotaPolicy, SourceCapabilities, Window } from "../port.js";
import { classifyConsoAnswer } from "./errors.js";
import { consoTokenScope } from "./jwt.js";

export const CONSO_API_POLICY: QuotaPolicy = {
  rules: [{ per: "address", limit: 90, windowMs: 12 * 3_600_000, label: "90 calls per 12 h per address" }],
  reserve: 10,
};

/** Conso API's type for a dataset: Data Connect 2026's ressource names. */
const TYPES: Partial<Record<DatasetKey, string>> = {
  consumption_load_curve: "courbe_de_charge_consommation",
  daily_consumption: "consommation_quotidienne",
  daily_consumption_max_power: "puissance_conso_max_quotidienne",
  production_load_curve: "courbe_de_charge_production",
  daily_production: "production_quotidienne",
  consumption_index: "index_consommation",
  production_index: "index_production",
};

export const CONSO_API_CAPABILITIES: SourceCapabilities = gatewayCapabilities({
  kind: "conso-api",
  datasets: Object.keys(TYPES) as DatasetKey[],
  contract: false,
  timestamps: "interval-end",
  quota: CONSO_API_POLICY,
});

export type ConsoApiOptions = Omit<GatewayHttpOptions, "gateway" | "policy"> & { token: string };

export class ConsoApiSource implements MeasureSource {
  readonly capabilities = CONSO_API_CAPABILITIES;
  private readonly http: GatewayHttp;
  private readonly windows: GatewayWindows;

  constructor(private readonly opts: ConsoApiOptions) {
    this.http = new GatewayHttp({ ...opts, gateway: "conso-api", policy: CONSO_API_POLICY });
    this.windows = new GatewayWindows(opts.now);
  }

  /** The PRMs a token covers (its `sub`); null when it is no Conso API token at all. */
  static covered(token: string, nowMs: number): { prms: string[]; expired: boolean } | null {
    const s = consoTokenScope(token);
    if (!s) return null;
    return { prms: s.prms, expired: s.expiresAtMs !== null && s.expiresAtMs <= nowMs };
  }

  measureApi(): string {
    return "conso-api";
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

  async readings(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<ReadingBatch> {
    assertUsagePointId(usagePointId);
    const type = TYPES[dataset];
    if (!type) throw new RangeError(`Conso API has no ${dataset}`);
    this.windows.check(dataset, w);
    const q = new URLSearchParams({ pointId: usagePointId, dateDebut: w.from, dateFin: w.to });
    const body = await this.http.get(
      `api/${type}?${q.toString()}`,
      `GET /api/${type}`,
      { authorization: `Bearer ${this.opts.token}` },
      (a) => classifyConsoAnswer(a, this.http, this.opts.now()),
    );
    return parseMeasures2026(enedisSpec(dataset), body, {
      usagePointId,
      from: w.from,
      to: w.to,
      api: "conso-api",
    });
  }
}
