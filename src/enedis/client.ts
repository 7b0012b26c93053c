/**
 * The Enedis Data Connect client: one object per application (client id), shared by every account.
 * It speaks Data Connect 2026 by default and the legacy v5 generation on demand, and it returns domain
 * readings (UTC instants + lengths, native units), typed errors, and never a secret in a message.
 */
import { BadRequestError } from "../domain/errors.js";
import { daysBetween, parisToday } from "../domain/time.js";
import type {
  AddressInfo,
  DatasetKey,
  ReadingBatch,
  ServiceState,
  SubscribedService,
  SupplyInfo,
  UsagePointId,
} from "../domain/types.js";
import { assertUsagePointId } from "../domain/types.js";
import { parseSubscribedServices } from "./contracts.js";
import { allDatasets, datasetSpec, MEASURES_API_2026 } from "./datasets/index.js";
import {
  adapterFor,
  ITC_APIS,
  SUBSCRIBED_SERVICES_API,
  unsupported,
  type CallWrapper,
  type ContractResult,
  type Generation,
  type GenerationAdapter,
} from "./generations.js";
import { EnedisHttp, type CallEvent, type EnedisHttpOptions } from "./http.js";
import type { MeasureSource, SourceCapabilities } from "../sources/port.js";
import { unlimited, type QuotaLimiter } from "./quota.js";
import { TokenProvider, type TokenStore } from "./token.js";
import {
  maxDaysPerCall,
  planWindows,
  splitRange,
  windowViolation,
  type Window,
  type WindowOptions,
} from "./windows.js";

export interface DataConnectClientOptions {
  /** API gateway, e.g. https://gw.ext.prod.api.enedis.fr (or the simulator's URL). */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  generation?: Generation;
  credentials?: "basic" | "form";
  timeoutMs?: number;
  /** Largest answer read (default `DEFAULT_MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
  /** The shared ledger's view of an API's quota, to read a 429 that names no quota (see EnedisHttp). */
  quotaUse?: EnedisHttpOptions["quotaUse"];
  /** Jitter source of quota pauses ([0, 1); tests fix it). */
  random?: () => number;
  fetch?: typeof fetch;
  now?: () => number;
  limiter?: QuotaLimiter;
  tokenStore?: TokenStore;
  windows?: WindowOptions;
  onCall?: (e: CallEvent) => void;
  onTokenFetch?: () => void;
}

export interface RawMeasure {
  request: { path: string; query: Record<string, string> };
  body: unknown;
  batch: ReadingBatch;
}

export interface SubscribedServicesQuery {
  autorisationId?: number;
  usagePointIds?: UsagePointId[];
  /** Default: ACTIF and DEMANDE. */
  states?: ServiceState[];
}

/** What Data Connect offers, per generation (the `MeasureSource` capabilities of this client). */
function capabilitiesOf(generation: Generation): SourceCapabilities {
  const v5 = generation === "v5";
  return {
    kind: "enedis",
    datasets: allDatasets()
      .filter((s) => !v5 || s.v5Path !== null)
      .map((s) => s.key),
    servicesDiscovery: !v5,
    contract: true,
    timestamps: "interval-end",
    quota: null,
    calls: {},
    errors: [
      "token_refused",
      "api_not_subscribed",
      "no_consent",
      "wrong_direction",
      "before_activation",
      "beyond_history",
      "load_curve_off",
      "no_data_yet",
      "quota",
      "transient",
      "bad_request",
    ],
    gateScope: v5 ? null : MEASURES_API_2026,
    servicesScope: v5 ? null : SUBSCRIBED_SERVICES_API,
    contractScopes: v5 ? [] : [ITC_APIS.situation, ITC_APIS.synthese, ITC_APIS.comptage],
  };
}

/** Also the Enedis `MeasureSource` (`src/sources/enedis/`): one client serves every direct account. */
export class DataConnectClient implements MeasureSource {
  readonly generation: Generation;
  readonly capabilities: SourceCapabilities;
  private readonly adapter: GenerationAdapter;
  private readonly http: EnedisHttp;
  private readonly now: () => number;
  /** Daily spans learned from refusals: a window that was refused is never asked again at that size. */
  private readonly learnedMaxDays = new Map<DatasetKey, number>();
  private readonly callListeners = new Set<(e: CallEvent) => void>();

  constructor(private readonly opts: DataConnectClientOptions) {
    this.generation = opts.generation ?? "2026";
    this.adapter = adapterFor(this.generation);
    this.capabilities = capabilitiesOf(this.generation);
    this.now = opts.now ?? Date.now;
    const base = opts.apiUrl.endsWith("/") ? opts.apiUrl : `${opts.apiUrl}/`;
    const tokenOpts: ConstructorParameters<typeof TokenProvider>[0] = {
      tokenUrl: new URL("oauth2/v3/token", base).toString(),
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      now: this.now,
    };
    if (opts.credentials) tokenOpts.credentials = opts.credentials;
    if (opts.fetch) tokenOpts.fetch = opts.fetch;
    if (opts.timeoutMs) tokenOpts.timeoutMs = opts.timeoutMs;
    if (opts.tokenStore) tokenOpts.store = opts.tokenStore;
    if (opts.onTokenFetch) tokenOpts.onFetch = opts.onTokenFetch;
    const httpOpts: ConstructorParameters<typeof EnedisHttp>[0] = {
      baseUrl: opts.apiUrl,
      tokens: new TokenProvider(tokenOpts),
      limiter: opts.limiter ?? unlimited,
      now: this.now,
    };
    if (opts.fetch) httpOpts.fetch = opts.fetch;
    if (opts.timeoutMs) httpOpts.timeoutMs = opts.timeoutMs;
    if (opts.maxBodyBytes) httpOpts.maxBodyBytes = opts.maxBodyBytes;
    if (opts.quotaUse) httpOpts.quotaUse = opts.quotaUse;
    if (opts.random) httpOpts.random = opts.random;
    httpOpts.onCall = (e) => {
      opts.onCall?.(e);
      for (const l of this.callListeners) l(e);
    };
    this.http = new EnedisHttp(httpOpts);
  }

  /**
   * Adds a listener told of every call (API, path, status, duration; never a token), e.g. the web's
   * Prometheus counters; returns the function that removes it.
   */
  observeCalls(listener: (e: CallEvent) => void): () => void {
    this.callListeners.add(listener);
    return () => {
      this.callListeners.delete(listener);
    };
  }

  /** Today in Paris, per the client's clock. */
  today(): string {
    return parisToday(this.now());
  }

  private windowOptions(dataset: DatasetKey): WindowOptions {
    const learned = this.learnedMaxDays.get(dataset);
    const base = this.opts.windows ?? {};
    return learned === undefined
      ? base
      : { ...base, dailyWindowDays: Math.min(learned, base.dailyWindowDays ?? learned) };
  }

  /** The API (quota and subscription scope) that serves a dataset in this generation, or null. */
  measureApi(dataset: DatasetKey): string | null {
    const spec = datasetSpec(dataset);
    return this.generation === "v5" ? spec.v5Api : MEASURES_API_2026;
  }

  /** Largest window this client will ask for this dataset now. */
  maxDaysPerCall(dataset: DatasetKey): number {
    return maxDaysPerCall(datasetSpec(dataset), this.windowOptions(dataset));
  }

  /** The windows a range is asked in: clamped to the horizon and today, split to the call limits. */
  planWindows(dataset: DatasetKey, range: Window, newestFirst = false): Window[] {
    return planWindows(datasetSpec(dataset), range, this.today(), {
      ...this.windowOptions(dataset),
      newestFirst,
    });
  }

  /** One call for one legal window (checked before sending), with the raw body. */
  async measureRaw(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<RawMeasure> {
    assertUsagePointId(usagePointId);
    const spec = datasetSpec(dataset);
    const violation = windowViolation(spec, w, this.today(), this.windowOptions(dataset));
    if (violation) throw new RangeError(violation);
    const req = this.adapter.measureRequest(spec, usagePointId, w);
    if (!req) throw unsupported(dataset, this.generation);
    const body = await this.http.request(req);
    const batch = this.adapter.parseMeasure(spec, body, {
      usagePointId,
      from: w.from,
      to: w.to,
      api: req.api,
    });
    return { request: { path: req.path, query: req.query ?? {} }, body, batch };
  }

  /**
   * One call for one legal window. A daily window refused as too long (a 400 with an Enedis code) halves
   * this client's window for the dataset, for every later call and every account (Data Connect 2026 §9:
   * start at 365 days, shrink on refusal); the error is thrown for the caller to ask the window in parts.
   */
  async readings(dataset: DatasetKey, usagePointId: UsagePointId, w: Window): Promise<ReadingBatch> {
    try {
      return (await this.measureRaw(dataset, usagePointId, w)).batch;
    } catch (e) {
      if (e instanceof BadRequestError && e.code !== undefined) this.shrinkWindow(dataset, w);
      throw e;
    }
  }

  /**
   * Enedis refused `w` as too long (a 400, or a 500 that retries did not cure): later calls for this
   * dataset ask at most half of it. Only daily datasets (curves have a hard 7-day limit) and windows of
   * more than a day; returns the days per call from now on.
   */
  shrinkWindow(dataset: DatasetKey, w: Window): number {
    const span = daysBetween(w.from, w.to);
    if (datasetSpec(dataset).hardMaxDaysPerCall === null && span > 1) {
      const half = Math.ceil(span / 2);
      if (half < this.maxDaysPerCall(dataset)) this.learnedMaxDays.set(dataset, half);
    }
    return this.maxDaysPerCall(dataset);
  }

  /**
   * Any range: clamped, split into legal windows and fetched in order. A daily window refused as too
   * long (400) is halved, and the smaller size is kept for later calls. Errors other than that are thrown
   * as they come (the sync decides what to do with them).
   */
  async *readRange(
    dataset: DatasetKey,
    usagePointId: UsagePointId,
    range: Window,
    opts: { newestFirst?: boolean } = {},
  ): AsyncGenerator<ReadingBatch> {
    const queue = this.planWindows(dataset, range, opts.newestFirst ?? false);
    while (queue.length > 0) {
      const w = queue.shift() as Window;
      // A window planned before a refusal taught a smaller size is asked in parts of that size.
      const max = this.maxDaysPerCall(dataset);
      if (daysBetween(w.from, w.to) > max) {
        queue.unshift(...splitRange(w, max, opts.newestFirst ?? false));
        continue;
      }
      try {
        yield await this.readings(dataset, usagePointId, w);
      } catch (e) {
        const spec = datasetSpec(dataset);
        if (
          e instanceof BadRequestError &&
          e.code !== undefined &&
          spec.hardMaxDaysPerCall === null &&
          daysBetween(w.from, w.to) > 1
        ) {
          // readings() learned the smaller size: the loop splits the window.
          queue.unshift(w);
          continue;
        }
        throw e;
      }
    }
  }

  /** `POST /subscribed_services/v1`: an autorisation (consent v2) or PRMs -> their services. */
  async subscribedServices(q: SubscribedServicesQuery): Promise<SubscribedService[]> {
    if (this.generation !== "2026") throw unsupported("subscribed_services", this.generation);
    if (q.autorisationId === undefined && (q.usagePointIds?.length ?? 0) === 0) {
      throw new RangeError("subscribed_services needs an autorisationId or usage point ids");
    }
    const ids = q.usagePointIds ?? [];
    if (ids.length > 1000)
      throw new RangeError("subscribed_services takes at most 1000 usage points per call");
    ids.forEach((id) => assertUsagePointId(id));
    const json: Record<string, unknown> = { comptage: false, etatCode: q.states ?? ["ACTIF", "DEMANDE"] };
    if (q.autorisationId !== undefined) json.autorisationId = q.autorisationId;
    if (ids.length > 0) json.pointId = ids;
    const body = await this.http.request({
      api: SUBSCRIBED_SERVICES_API,
      method: "POST",
      path: "/subscribed_services/v1",
      json,
    });
    return parseSubscribedServices(body);
  }

  /** The port's services discovery: the active (or the given) services of one PRM. */
  async services(usagePointId: UsagePointId, states?: ServiceState[]): Promise<SubscribedService[]> {
    return this.subscribedServices({ usagePointIds: [usagePointId], ...(states ? { states } : {}) });
  }

  /** Contract facts: subscribed power, contract type, segments, activation dates, off-peak hours. */
  async contract(usagePointId: UsagePointId, call?: CallWrapper): Promise<ContractResult> {
    return this.adapter.contract(this.http, assertUsagePointId(usagePointId), call);
  }

  async address(usagePointId: UsagePointId): Promise<AddressInfo> {
    return this.adapter.address(this.http, assertUsagePointId(usagePointId));
  }

  async supply(usagePointId: UsagePointId): Promise<SupplyInfo | null> {
    return this.adapter.supply(this.http, assertUsagePointId(usagePointId));
  }

  /** Throws NoConsentError when the application holds no consent for this PRM (checks a v1 redirect). */
  async verifyUsagePoint(usagePointId: UsagePointId): Promise<void> {
    await this.http.request(this.adapter.verifyRequest(assertUsagePointId(usagePointId)));
  }
}
