/**
 * The DataConnect simulator: a Data Connect-compatible HTTP server standing in for Enedis, so the
 * project runs, is tested and is demoed without an Enedis account. It serves Data Connect 2026 and the
 * legacy v5 generation from one synthetic, deterministic data model (data.ts), with Enedis' limits,
 * errors, quotas, consent pages and sandbox behaviours (sandbox.ts).
 */
import { resolveOptions, type SimulatorOptions } from "./options.js";
import { createContext } from "./context.js";
import type { QuotaRefusalForm } from "./context.js";
import type { RequestLogSnapshot } from "./log.js";
import { buildApp } from "./server.js";

export type { SimulatorOptions } from "./options.js";
export type { RequestLogEntry, RequestLogSnapshot } from "./log.js";
export {
  curvePoints,
  dailyEnergyWh,
  dailyMaxPower,
  indexRegisters,
  type CurvePoint,
  type DailyMaxPower,
  type IndexClass,
  type IndexRegisters,
} from "./data.js";
export { profileOf, stepMinutesOf, parseOffPeak, type PrmProfile } from "./profile.js";
export { lastPublishedDay, historyStart, maxSpanDays } from "./measures.js";
export { SANDBOX_PRMS, SANDBOX_CLIENTS, MOCK_AUTORISATIONS } from "./sandbox.js";

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4010`. */
  url: string;
  port: number;
  /** Stops listening, drops stalled responses and open connections. */
  stop(): Promise<void>;
  requestLog(): RequestLogSnapshot;
  resetLog(): void;
  /** The customer shares the PRM (as on the consent page); returns the autorisation id. */
  grantConsent(prm: string): number;
  revokeConsent(prm: string): void;
  /** The operator subscribes (or unsubscribes) APIs on DataHub: replaces `unsubscribedApis`. */
  setUnsubscribedApis(apis: string[]): void;
  /** The next `count` API calls are refused with this 429 form, whatever the quota (tests). */
  refuseNext(form: QuotaRefusalForm, count?: number): void;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveOptions(opts);
  const ctx = createContext(resolved);
  let url = "";
  const app = buildApp(ctx, () => url);
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : resolved.port;
  const host = resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host;
  url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    stop() {
      stopping ??= (async () => {
        ctx.stalls.releaseAll();
        await app.close();
      })();
      return stopping;
    },
    requestLog: () => ctx.log.snapshot(),
    resetLog: () => ctx.log.reset(),
    grantConsent(prm: string): number {
      if (!/^\d{14}$/.test(prm)) throw new RangeError(`a PRM has 14 digits, got "${prm}"`);
      return ctx.autorisations.grant(prm, ctx.today()).autorisationId;
    },
    revokeConsent(prm: string): void {
      ctx.autorisations.revoke(prm, ctx.today());
    },
    setUnsubscribedApis(apis: string[]): void {
      ctx.opts.unsubscribedApis.splice(0, ctx.opts.unsubscribedApis.length, ...apis);
    },
    refuseNext(form: QuotaRefusalForm, count = 1): void {
      for (let i = 0; i < count; i++) ctx.forcedRefusals.push(form);
    },
  };
}
