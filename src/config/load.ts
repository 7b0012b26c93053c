/** Loads the configuration: defaults, then the file (JSON or YAML), then environment variables. */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ZodError } from "zod";
import { configSchema, ENEDIS_ENDPOINTS, ENV_KEYS, type Config } from "./schema.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function describe(err: ZodError, source: string): string {
  const lines = err.issues.map((i) => {
    const path = i.path.join(".") || "(root)";
    if (i.code === "unrecognized_keys") {
      const keys = (i as { keys: string[] }).keys.map((k) => (path === "(root)" ? k : `${path}.${k}`));
      return `unknown key ${keys.join(", ")}`;
    }
    return `${path}: ${i.message}`;
  });
  return `invalid configuration (${source}): ${lines.join("; ")}`;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(
      `cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let data: unknown;
  try {
    data = extname(file).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(
      `config file ${file} is not valid ${extname(file) === ".json" ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new ConfigError(`config file ${file} must hold an object`);
  return data as Record<string, unknown>;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const raw: Record<string, unknown> = opts.file ? readConfigFile(opts.file) : {};
  const env = opts.env ?? process.env;
  for (const { env: name, path, type } of ENV_KEYS) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    if (type === "number") {
      const n = Number(v);
      if (!Number.isFinite(n))
        throw new ConfigError(`environment ${name} (${path}) must be a number, got "${v}"`);
      setPath(raw, path, n);
    } else setPath(raw, path, v);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, opts.file ?? "defaults and environment"));
  // Everything the service keeps lives in `data.dir` unless a database URL says otherwise: two instances
  // started with two data directories share nothing (neither the database nor the key).
  const url = parsed.data.database.url ?? `sqlite:${parsed.data.data.dir.replace(/\/+$/, "")}/linky.db`;
  return { ...parsed.data, database: { ...parsed.data.database, url } };
}

export interface ResolvedEnedis {
  env: "prod" | "sandbox" | "simulator";
  /** Null in simulator mode without an explicit URL: the caller starts the embedded simulator. */
  apiUrl: string | null;
  authorizeUrl: string | null;
}

/** Effective Enedis environment and endpoints. */
export function resolveEnedis(config: Config): ResolvedEnedis {
  const e = config.enedis;
  const env = e.env ?? (e.client_id ? "prod" : "simulator");
  if (env !== "simulator" && (!e.client_id || !e.client_secret)) {
    throw new ConfigError(`enedis.env = ${env} needs enedis.client_id and enedis.client_secret`);
  }
  if (env === "simulator") {
    return { env, apiUrl: e.apiUrl ?? null, authorizeUrl: e.authorizeUrl ?? e.apiUrl ?? null };
  }
  return {
    env,
    apiUrl: e.apiUrl ?? ENEDIS_ENDPOINTS[env].apiUrl,
    authorizeUrl: e.authorizeUrl ?? ENEDIS_ENDPOINTS[env].authorizeUrl,
  };
}

/** A copy of the config safe to print: secrets masked. */
export function redactConfig(config: Config): Config {
  const mask = (s: string | undefined) => (s ? `${s.slice(0, 2)}…(${s.length})` : s);
  // A URL's password (postgres://user:pw@…, mqtt://user:pw@…) is masked too.
  const maskUrl = (u: string | undefined) => u?.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1…@");
  return {
    ...config,
    database: { ...config.database, url: maskUrl(config.database.url) ?? config.database.url },
    mqtt: { ...config.mqtt, url: maskUrl(config.mqtt.url) },
    enedis: { ...config.enedis, client_secret: mask(config.enedis.client_secret) },
    security: { ...config.security, secretKey: config.security.secretKey ? "…" : undefined },
    homeassistant: { ...config.homeassistant, token: mask(config.homeassistant.token) },
  };
}
