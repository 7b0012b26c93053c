/**
 * The source registry: one entry per gateway (refuses duplicates), and the resolver that gives each
 * account its source: the operator's Enedis application, or the gateway its token belongs to.
 */
import type { Config } from "../config/schema.js";
import { ConsoApiSource } from "./conso-api/source.js";
import type { GatewayLedger } from "./gateway-http.js";
import type { GatewayId, MeasureSource, SourceCapabilities, SourceResolver } from "./port.js";
import { CONSO_API_CAPABILITIES } from "./conso-api/source.js";
import { MED_V1_CAPABILITIES, MyElectricalDataV1Source } from "./myelectricaldata/v1.js";
import { MED_V2_CAPABILITIES, MyElectricalDataV2Source } from "./myelectricaldata/v2.js";

export const DEFAULT_GATEWAY_URLS: Record<GatewayId, string> = {
  "conso-api": "https://conso.boris.sh",
  myelectricaldata: "https://www.myelectricaldata.fr",
  "myelectricaldata-v2": "https://www.v2.myelectricaldata.fr/api",
};

export interface GatewayContext {
  accountId: number;
  token: string;
  baseUrl: string;
  ledger: GatewayLedger;
  accountsOnGateway: number;
  now: () => number;
  fetch?: typeof fetch;
  onCall?: (e: { gateway: string; endpoint: string; status: number }) => void;
}

export interface GatewayEntry {
  id: GatewayId;
  label: string;
  capabilities: SourceCapabilities;
  create(ctx: GatewayContext): MeasureSource;
  /**
   * The PRMs a token covers, asked of the gateway when it must be (MED), else read from the token
   * (Conso's JWT `sub`). `candidates`: PRMs to check when the gateway can only answer per PDL.
   */
  covered(ctx: GatewayContext, candidates: string[]): Promise<string[]>;
}

const registry = new Map<GatewayId, GatewayEntry>();

export function registerGateway(entry: GatewayEntry): void {
  if (registry.has(entry.id)) throw new Error(`gateway ${entry.id} is registered twice`);
  registry.set(entry.id, entry);
}

export function gatewayEntry(id: GatewayId): GatewayEntry {
  const e = registry.get(id);
  if (!e) throw new Error(`unknown gateway ${id}`);
  return e;
}

export function gateways(): GatewayEntry[] {
  return [...registry.values()];
}

registerGateway({
  id: "conso-api",
  label: "Conso API (conso.boris.sh)",
  capabilities: CONSO_API_CAPABILITIES,
  create: (ctx) => new ConsoApiSource(ctx),
  covered: async (ctx) => {
    const c = ConsoApiSource.covered(ctx.token, ctx.now());
    if (!c)
      throw new GatewayTokenError("this is not a Conso API token (a JWT from conso.boris.sh is expected)");
    if (c.expired)
      throw new GatewayTokenError("this Conso API token has expired: get a new one on conso.boris.sh");
    return c.prms;
  },
});

registerGateway({
  id: "myelectricaldata",
  label: "MyElectricalData v1 (myelectricaldata.fr)",
  capabilities: MED_V1_CAPABILITIES,
  create: (ctx) => new MyElectricalDataV1Source(ctx),
  // A v1 token is per PDL and can only be asked about one PDL at a time (`/valid_access/{pdl}`).
  covered: async (ctx, candidates) => {
    const s = new MyElectricalDataV1Source(ctx);
    const out: string[] = [];
    for (const c of candidates) if (/^\d{14}$/.test(c) && (await s.covers(c))) out.push(c);
    return out;
  },
});

registerGateway({
  id: "myelectricaldata-v2",
  label: "MyElectricalData v2 (v2.myelectricaldata.fr)",
  capabilities: MED_V2_CAPABILITIES,
  create: (ctx) => new MyElectricalDataV2Source(ctx),
  covered: (ctx) => new MyElectricalDataV2Source(ctx).coveredPdls(),
});

export class GatewayTokenError extends Error {
  override readonly name = "GatewayTokenError";
}

/** The URL of each gateway: the configured one, the simulator's in simulator mode, else the public one. */
export function gatewayUrl(config: Config, id: GatewayId, simulatorUrl: string | null): string {
  const configured =
    id === "conso-api"
      ? config.gateways.consoApi.url
      : id === "myelectricaldata"
        ? config.gateways.myelectricaldata.url
        : config.gateways.myelectricaldataV2.url;
  return configured ?? simulatorUrl ?? DEFAULT_GATEWAY_URLS[id];
}

export interface AccountGatewayStore {
  credential(accountId: number): Promise<{ gateway: string; token: string } | undefined>;
  gatewaysOfAccounts(): Promise<Map<number, string>>;
}

export interface ResolverOptions {
  direct: MeasureSource;
  store: AccountGatewayStore;
  ledger: GatewayLedger;
  config: Config;
  simulatorUrl: string | null;
  now: () => number;
  fetch?: typeof fetch;
  onCall?: GatewayContext["onCall"];
}

export function createSourceResolver(opts: ResolverOptions): SourceResolver {
  return {
    async forAccount(accountId) {
      const cred = await opts.store.credential(accountId);
      if (!cred) return opts.direct;
      const id = cred.gateway as GatewayId;
      const all = await opts.store.gatewaysOfAccounts();
      const sharing = [...all.values()].filter((g) => g === id).length;
      return gatewayEntry(id).create({
        accountId,
        token: cred.token,
        baseUrl: gatewayUrl(opts.config, id, opts.simulatorUrl),
        ledger: opts.ledger,
        accountsOnGateway: Math.max(1, sharing),
        now: opts.now,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.onCall ? { onCall: opts.onCall } : {}),
      });
    },
  };
}
