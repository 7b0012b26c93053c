/**
 * The two API generations as adapters of one interface: Data Connect 2026 (`mesure_synchrone_auto/v2`,
 * ITC APIs, `subscribed_services`) and the legacy v5 (`metering_data_xx/v5`, `customers_xx/v5`), kept for
 * gateways and recorded data that still use its shapes.
 */
import { ApiNotSubscribedError, BadRequestError } from "../domain/errors.js";
import type { AddressInfo, ContractInfo, ReadingBatch, SupplyInfo, UsagePointId } from "../domain/types.js";
import {
  applyComptage,
  applySituationContrat,
  applySynthese,
  contractFromV5,
  emptyContract,
  parseAddress,
  parseSupply,
} from "./contracts.js";
import { MEASURES_API_2026, type DatasetSpec } from "./datasets/index.js";
import type { EnedisHttp, RequestSpec } from "./http.js";
import { parseMeasures2026, parseMeterReadingV5, type ParseContext } from "./parse.js";
import type { Window } from "./windows.js";
import type { CallWrapper, ContractResult } from "../sources/port.js";

export type Generation = "2026" | "v5";

export type { CallWrapper, ContractResult } from "../sources/port.js";

const direct: CallWrapper = (fn) => fn();

export interface GenerationAdapter {
  readonly name: Generation;
  /** The request for one window, or null when this generation has no such dataset. */
  measureRequest(spec: DatasetSpec, usagePointId: UsagePointId, w: Window): RequestSpec | null;
  parseMeasure(spec: DatasetSpec, body: unknown, ctx: ParseContext): ReadingBatch;
  /** `call` wraps each request (the sync retries each one on its own, not the three together). */
  contract(http: EnedisHttp, usagePointId: UsagePointId, call?: CallWrapper): Promise<ContractResult>;
  address(http: EnedisHttp, usagePointId: UsagePointId): Promise<AddressInfo>;
  supply(http: EnedisHttp, usagePointId: UsagePointId): Promise<SupplyInfo | null>;
  /** A cheap call that succeeds only when the application holds a consent for the PRM. */
  verifyRequest(usagePointId: UsagePointId): RequestSpec;
}

/** ITC API names (each its own quota scope); the PRM goes in the path. */
export const ITC_APIS = {
  situation: "situation_contrat_auto",
  synthese: "synth_contrat_auto",
  comptage: "comptage_auto",
  address: "donnees_generales_auto",
  supply: "alimentation_auto",
} as const;

export const SUBSCRIBED_SERVICES_API = "subscribed_services";

function itc(api: string, prm: UsagePointId): RequestSpec {
  return { api, method: "GET", path: `/${api}/v1/${encodeURIComponent(prm)}` };
}

export const api2026: GenerationAdapter = {
  name: "2026",
  measureRequest(spec, usagePointId, w) {
    return {
      api: MEASURES_API_2026,
      method: "GET",
      path: `/mesure_synchrone_auto/v2/${spec.ressource}`,
      query: { pointId: usagePointId, dateDebut: w.from, dateFin: w.to, ...spec.extraParams },
    };
  },
  parseMeasure: parseMeasures2026,
  async contract(http, prm, call = direct) {
    let contract = emptyContract(prm);
    const unavailable: string[] = [];
    const steps: Array<[string, (c: ContractInfo, body: unknown) => ContractInfo]> = [
      [ITC_APIS.situation, applySituationContrat],
      [ITC_APIS.synthese, applySynthese],
      [ITC_APIS.comptage, applyComptage],
    ];
    for (const [api, apply] of steps) {
      try {
        contract = apply(contract, await call(() => http.request(itc(api, prm))));
      } catch (e) {
        // One ITC API not subscribed on DataHub must not hide what the others say.
        if (e instanceof ApiNotSubscribedError) unavailable.push(api);
        else throw e;
      }
    }
    return { contract, unavailable };
  },
  async address(http, prm) {
    return parseAddress(prm, await http.request(itc(ITC_APIS.address, prm)));
  },
  async supply(http, prm) {
    return parseSupply(prm, await http.request(itc(ITC_APIS.supply, prm)));
  },
  verifyRequest(prm) {
    return itc(ITC_APIS.situation, prm);
  },
};

function customers(api: string, path: string, prm: UsagePointId): RequestSpec {
  return { api, method: "GET", path, query: { usage_point_id: prm } };
}

export const apiV5: GenerationAdapter = {
  name: "v5",
  measureRequest(spec, usagePointId, w) {
    if (!spec.v5Path || !spec.v5Api) return null;
    return {
      api: spec.v5Api,
      method: "GET",
      path: spec.v5Path,
      query: { usage_point_id: usagePointId, start: w.from, end: w.to },
    };
  },
  parseMeasure: parseMeterReadingV5,
  async contract(http, prm) {
    const body = await http.request(
      customers("customers_upc", "/customers_upc/v5/usage_points/contracts", prm),
    );
    return { contract: contractFromV5(prm, body), unavailable: [] };
  },
  async address(http, prm) {
    return parseAddress(
      prm,
      await http.request(customers("customers_upa", "/customers_upa/v5/usage_points/addresses", prm)),
    );
  },
  async supply() {
    return null;
  },
  verifyRequest(prm) {
    return customers("customers_upc", "/customers_upc/v5/usage_points/contracts", prm);
  },
};

export function adapterFor(generation: Generation): GenerationAdapter {
  return generation === "v5" ? apiV5 : api2026;
}

export function unsupported(what: string, generation: Generation): BadRequestError {
  return new BadRequestError(`${what} does not exist in the ${generation} API generation`);
}
