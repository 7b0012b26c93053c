/** The simulator's shared state, built once by server.ts and handed to every route module. */
import type { IncomingMessage } from "node:http";
import { minDate, parisToday, type LocalDate } from "../domain/time.js";
import { AutorisationRegistry } from "./autorisations.js";
import { FaultPicker, StallRegistry } from "./faults.js";
import { RequestLog } from "./log.js";
import type { ResolvedOptions } from "./options.js";
import { QuotaLimiter } from "./quota.js";
import { TokenStore } from "./tokens.js";

/** What the request log needs to know about a call beyond its status. */
export interface RequestMeta {
  api: string;
  endpoint: string;
  fault?: string;
  /** Admin calls are not logged. */
  admin?: boolean;
}

/**
 * The 429 forms Enedis has been seen to answer: v5 "Quota Q3 reached. Call threshold allowed on 0:00:01"
 * (a duration that reads like a time of day), Q3 with no time, Q4 with the Paris time the hour frees up,
 * and Data Connect 2026's bare "SLA dépassé". None of them carries a Retry-After header.
 */
export type QuotaRefusalForm = "q3-duration" | "q3-bare" | "q4" | "sla";

export interface SimContext {
  opts: ResolvedOptions;
  tokens: TokenStore;
  quota: QuotaLimiter;
  faults: FaultPicker;
  stalls: StallRegistry;
  log: RequestLog;
  autorisations: AutorisationRegistry;
  /** Successful 2026 GETs so far (every Nth answers octet-stream). */
  octet: { served: number };
  meta: WeakMap<IncomingMessage, RequestMeta>;
  /** 429s to answer next, whatever the quota (tests of each refusal form), oldest first. */
  forcedRefusals: QuotaRefusalForm[];
  now(): number;
  today(): LocalDate;
}

/** The 2026 switchover: sandbox PRMs count as shared since then (or since today, on an earlier clock). */
const SANDBOX_SHARED_SINCE: LocalDate = "2026-09-28";

export function createContext(opts: ResolvedOptions): SimContext {
  const now = () => opts.now();
  return {
    opts,
    tokens: new TokenStore(opts.clientId, opts.clientSecret, opts.tokenTtlSeconds),
    quota: new QuotaLimiter(opts.quotaPerSecond, opts.quotaPerHour),
    faults: new FaultPicker(opts.faultRate, opts.seed),
    stalls: new StallRegistry(),
    forcedRefusals: [],
    log: new RequestLog(),
    autorisations: new AutorisationRegistry(
      opts.clientId,
      opts.openConsent,
      minDate(SANDBOX_SHARED_SINCE, parisToday(now())),
    ),
    octet: { served: 0 },
    meta: new WeakMap(),
    now,
    today: () => parisToday(now()),
  };
}
