/**
 * The composition root: the one place that builds the objects of a process (config, store, Enedis
 * client, quota limiter, embedded simulator) and wires them. Constructors elsewhere only store their
 * dependencies; side effects start here and `close()` releases them all.
 */
import { loadConfig, resolveEnedis, type ResolvedEnedis } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { DataConnectClient } from "../enedis/client.js";
import type { CallEvent } from "../enedis/http.js";
import { withoutPrms } from "../domain/redact.js";
import { EventBus } from "./events.js";
import { SharedQuotaLimiter } from "../scheduler/quota-shared.js";
import { startSimulator, type RunningSimulator } from "../simulator/index.js";
import { ensurePrivateDir, permissionWarnings } from "../store/files.js";
import { openStore, type Store } from "../store/index.js";
import type { SourceResolver } from "../sources/port.js";
import { createSourceResolver } from "../sources/registry.js";

export const SIMULATOR_CLIENT_ID = "simulator-client";
export const SIMULATOR_CLIENT_SECRET = "simulator-secret";

export interface AppContext {
  config: Config;
  enedis: ResolvedEnedis & { apiUrl: string; authorizeUrl: string };
  store: Store;
  client: DataConnectClient;
  /** Each account's source: `client` for direct accounts, its gateway for the others. */
  sources: SourceResolver;
  /** Enedis' quotas, shared by every process through the database. */
  limiter: SharedQuotaLimiter;
  /** The simulator started in this process (embedded simulator mode), if any. */
  simulator: RunningSimulator | null;
  now: () => number;
  log: (message: string) => void;
  /** The process's event bus (`sync.finished` → publishers). */
  events: EventBus;
  close(): Promise<void>;
}

export interface ContextOptions {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  onCall?: (e: CallEvent) => void;
  /** Clock override (tests); else `LINKY_NOW` (an ISO instant, tests and demos only), else real time. */
  now?: () => number;
}

/**
 * `LINKY_NOW=2026-11-28T10:00:00Z` starts the process's clock at that instant (tests and demos, never
 * production). The clock still runs, so that timeouts, quotas and backoffs behave as in real time.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): (() => number) | null {
  const v = env.LINKY_NOW;
  if (!v) return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new Error(`LINKY_NOW must be an ISO 8601 instant, got "${v}"`);
  const started = Date.now();
  return () => t + (Date.now() - started);
}

export interface StoreContext {
  config: Config;
  store: Store;
  now: () => number;
  log: (message: string) => void;
  close(): Promise<void>;
}

/** Config + store only (commands that do not talk to Enedis). */
export async function createStoreContext(opts: ContextOptions = {}): Promise<StoreContext> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${withoutPrms(m)}\n`));
  const config = loadConfig({ ...(opts.configFile ? { file: opts.configFile } : {}), env });
  const now = opts.now ?? clockFromEnv(env) ?? Date.now;
  ensurePrivateDir(config.data.dir);
  const store = await openStore({
    url: config.database.url,
    dataDir: config.data.dir,
    secretKey: config.security.secretKey,
    now,
  });
  for (const w of permissionWarnings(config.data.dir)) log(`warning: ${w}`);
  return { config, store, now, log, close: () => store.close() };
}

export async function createAppContext(opts: ContextOptions = {}): Promise<AppContext> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${withoutPrms(m)}\n`));
  const config = loadConfig({ ...(opts.configFile ? { file: opts.configFile } : {}), env });
  const now = opts.now ?? clockFromEnv(env) ?? Date.now;
  const resolved = resolveEnedis(config);
  ensurePrivateDir(config.data.dir);

  let simulator: RunningSimulator | null = null;
  let apiUrl = resolved.apiUrl;
  let authorizeUrl = resolved.authorizeUrl;
  let clientId = config.enedis.client_id;
  let clientSecret = config.enedis.client_secret;
  if (resolved.env === "simulator" && !apiUrl) {
    simulator = await startSimulator({
      port: 0,
      now,
      // A demo of one process: every PRM counts as consented, quotas as Enedis' own.
      openConsent: true,
      redirectUri: config.enedis.redirect_uri,
      quotaPerSecond: config.enedis.quota.perSecond,
      quotaPerHour: config.enedis.quota.perHour,
    });
    apiUrl = simulator.url;
    authorizeUrl = simulator.url;
    clientId = SIMULATOR_CLIENT_ID;
    clientSecret = SIMULATOR_CLIENT_SECRET;
    log(`warning: using the built-in DataConnect simulator at ${simulator.url}: the data are simulated`);
  }
  if (!apiUrl || !authorizeUrl || !clientId || !clientSecret) {
    throw new Error(
      "enedis: no API URL or credentials (set ENEDIS_CLIENT_ID/ENEDIS_CLIENT_SECRET, or use the simulator)",
    );
  }

  let store: Store;
  try {
    store = await openStore({
      url: config.database.url,
      dataDir: config.data.dir,
      secretKey: config.security.secretKey,
      now,
    });
  } catch (e) {
    await simulator?.stop();
    throw e;
  }
  for (const w of permissionWarnings(config.data.dir)) log(`warning: ${w}`);
  const limiter = new SharedQuotaLimiter(store, {
    perSecond: config.enedis.quota.perSecond,
    perHour: config.enedis.quota.perHour,
    interactiveShare: config.enedis.quota.interactiveShare,
    log,
  });
  const client = new DataConnectClient({
    apiUrl,
    clientId,
    clientSecret,
    generation: config.enedis.api,
    credentials: config.enedis.credentials,
    timeoutMs: config.enedis.timeoutMs,
    maxBodyBytes: config.enedis.maxBodyBytes,
    quotaUse: (api) => limiter.use(api),
    now,
    limiter,
    // One application token for every account and process, kept encrypted in the database.
    tokenStore: store.secrets.tokenStore(),
    windows: { dailyWindowDays: config.enedis.dailyWindowDays },
    ...(opts.onCall ? { onCall: opts.onCall } : {}),
  });
  const sources = createSourceResolver({
    direct: client,
    store: store.gateways,
    ledger: store.gateways,
    config,
    // In simulator mode the gateways are the simulator's own stand-ins.
    simulatorUrl: resolved.env === "simulator" ? apiUrl : null,
    now,
  });
  return {
    config,
    enedis: { ...resolved, apiUrl, authorizeUrl },
    store,
    client,
    sources,
    limiter,
    simulator,
    now,
    log,
    events: new EventBus(log),
    async close() {
      await store.close();
      await simulator?.stop();
    },
  };
}
