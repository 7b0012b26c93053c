/** The simulator's options, their defaults and their validation. */

export interface SimulatorOptions {
  /** 0 = any free port (the CLI defaults to 4010). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Calls per second per API, default 5. */
  quotaPerSecond?: number;
  /** Calls per hour per API, default 1000. */
  quotaPerHour?: number;
  /** Share (0..1) of API calls answered with a fault (500, 503, stall, truncated body), default 0. */
  faultRate?: number;
  /** Seed of the synthetic data and of the fault picker, default 1. */
  seed?: string | number;
  /** Accepted credentials, default `simulator-client` / `simulator-secret`. */
  clientId?: string;
  clientSecret?: string;
  /** Clock (epoch ms), default Date.now. */
  now?: () => number;
  /** The "registered" redirect URI, default `http://localhost:3000/dataconnect-proxy/redirect`. */
  redirectUri?: string;
  /** Consent pages accept at once, without a page (scripts). */
  autoConsent?: boolean;
  /** Every valid 14-digit PRM counts as consented (default: sandbox PRMs only, others need a consent). */
  openConsent?: boolean;
  /** Token lifetime, default 12600 s. */
  tokenTtlSeconds?: number;
  /** How long a stalled fault hangs before a 504, default 120000 ms (or until the client disconnects). */
  stallMs?: number;
  /** Per PRM: extra days of publication delay (simulated late publication). */
  lateDays?: Record<string, number>;
  /** Every Nth successful 2026 GET answers `Content-Type: application/octet-stream` (JSON body), as
   * Enedis' gateway was seen doing; default 3, 0 = never. */
  octetStreamEvery?: number;
  /** APIs (quota scopes, e.g. `comptage_auto`) not subscribed for the application: 403 / 900908. */
  unsubscribedApis?: string[];
  /** Fastify request logging on stderr (paths only: queries and bodies, which may hold secrets, are not logged). */
  logger?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  quotaPerSecond: number;
  quotaPerHour: number;
  faultRate: number;
  seed: string | number;
  clientId: string;
  clientSecret: string;
  now: () => number;
  redirectUri: string;
  autoConsent: boolean;
  openConsent: boolean;
  tokenTtlSeconds: number;
  stallMs: number;
  lateDays: Record<string, number>;
  octetStreamEvery: number;
  unsubscribedApis: string[];
  logger: boolean;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`simulator: ${message}`);
}

function isInt(n: number): boolean {
  return Number.isInteger(n);
}

export function resolveOptions(o: SimulatorOptions = {}): ResolvedOptions {
  const r: ResolvedOptions = {
    port: o.port ?? 0,
    host: o.host ?? "127.0.0.1",
    quotaPerSecond: o.quotaPerSecond ?? 5,
    quotaPerHour: o.quotaPerHour ?? 1000,
    faultRate: o.faultRate ?? 0,
    seed: o.seed ?? 1,
    clientId: o.clientId ?? "simulator-client",
    clientSecret: o.clientSecret ?? "simulator-secret",
    now: o.now ?? Date.now,
    redirectUri: o.redirectUri ?? "http://localhost:3000/dataconnect-proxy/redirect",
    autoConsent: o.autoConsent ?? false,
    openConsent: o.openConsent ?? false,
    tokenTtlSeconds: o.tokenTtlSeconds ?? 12600,
    stallMs: o.stallMs ?? 120_000,
    lateDays: { ...(o.lateDays ?? {}) },
    octetStreamEvery: o.octetStreamEvery ?? 3,
    unsubscribedApis: [...(o.unsubscribedApis ?? [])],
    logger: o.logger ?? false,
  };
  check(isInt(r.port) && r.port >= 0 && r.port <= 65535, `port must be an integer 0-65535, got ${r.port}`);
  check(isInt(r.quotaPerSecond) && r.quotaPerSecond >= 1, `quotaPerSecond must be an integer >= 1`);
  check(isInt(r.quotaPerHour) && r.quotaPerHour >= 1, `quotaPerHour must be an integer >= 1`);
  check(
    Number.isFinite(r.faultRate) && r.faultRate >= 0 && r.faultRate <= 1,
    `faultRate must be within 0..1`,
  );
  check(r.clientId.length > 0 && r.clientSecret.length > 0, "clientId and clientSecret must not be empty");
  check(isInt(r.tokenTtlSeconds) && r.tokenTtlSeconds >= 1, "tokenTtlSeconds must be an integer >= 1");
  check(Number.isFinite(r.stallMs) && r.stallMs >= 0, "stallMs must be >= 0");
  check(isInt(r.octetStreamEvery) && r.octetStreamEvery >= 0, "octetStreamEvery must be an integer >= 0");
  for (const [prm, days] of Object.entries(r.lateDays)) {
    check(isInt(days) && days >= 0, `lateDays[${prm}] must be an integer >= 0`);
  }
  try {
    new URL(r.redirectUri);
  } catch {
    check(false, `redirectUri is not a URL: ${r.redirectUri}`);
  }
  return r;
}
