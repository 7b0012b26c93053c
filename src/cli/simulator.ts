import type { Command } from "commander";
import { startSimulator, type SimulatorOptions } from "../simulator/index.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, log } from "./output.js";

interface SimulatorFlags {
  port: string;
  host: string;
  quotaPerSecond: string;
  quotaPerHour: string;
  faultRate: string;
  seed: string;
  clientId: string;
  clientSecret: string;
  redirectUri?: string;
  autoConsent?: boolean;
  openConsent?: boolean;
  tokenTtl?: string;
  stallMs?: string;
  lateDays: string[];
  octetStreamEvery?: string;
  log?: boolean;
}

function usage(message: string): never {
  throw new CliError(`simulator: ${message}`, EXIT_USAGE);
}

/** A whole number within [min, max], or a usage error naming the flag. */
function integer(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim())) usage(`${flag} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) usage(`${flag} must be between ${min} and ${max}, got ${value}`);
  return n;
}

function rate(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    usage(`${flag} must be a number between 0 and 1, got "${value}"`);
  }
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Turns the flags into simulator options; bad values are usage errors (exit 2) naming the flag. */
export function simulatorOptionsFromFlags(f: SimulatorFlags): SimulatorOptions {
  if (f.clientId.trim() === "") usage("--client-id must not be empty");
  if (f.clientSecret === "") usage("--client-secret must not be empty");
  const lateDays: Record<string, number> = {};
  for (const entry of f.lateDays) {
    const m = /^(\d{14})=(\d+)$/.exec(entry.trim());
    if (!m) usage(`--late-days expects PRM=DAYS (14-digit PRM), got "${entry}"`);
    lateDays[m[1] as string] = Number(m[2]);
  }
  if (f.redirectUri !== undefined) {
    try {
      new URL(f.redirectUri);
    } catch {
      usage(`--redirect-uri must be a URL, got "${f.redirectUri}"`);
    }
  }
  return {
    port: integer("--port", f.port, 0, 65535),
    host: f.host,
    quotaPerSecond: integer("--quota-per-second", f.quotaPerSecond, 1),
    quotaPerHour: integer("--quota-per-hour", f.quotaPerHour, 1),
    faultRate: rate("--fault-rate", f.faultRate),
    seed: f.seed,
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    ...(f.redirectUri !== undefined ? { redirectUri: f.redirectUri } : {}),
    autoConsent: f.autoConsent === true,
    openConsent: f.openConsent === true,
    ...(f.tokenTtl !== undefined ? { tokenTtlSeconds: integer("--token-ttl", f.tokenTtl, 1) } : {}),
    ...(f.stallMs !== undefined ? { stallMs: integer("--stall-ms", f.stallMs, 0) } : {}),
    ...(f.octetStreamEvery !== undefined
      ? { octetStreamEvery: integer("--octet-stream-every", f.octetStreamEvery, 0) }
      : {}),
    lateDays,
    logger: f.log === true,
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** `linky-dataconnect simulator`: the Data Connect-compatible stand-in for Enedis. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command("simulator")
    .description("the DataConnect simulator (both API generations)")
    .option("--port <n>", "port (0: any free port)", "4010")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--quota-per-second <n>", "calls per second per API", "5")
    .option("--quota-per-hour <n>", "calls per hour per API", "1000")
    .option("--fault-rate <f>", "share of calls that fail (500, 503, stall, truncated body)", "0")
    .option("--seed <s>", "seed of the synthetic data and the faults", "1")
    .option("--client-id <id>", "accepted client id", "simulator-client")
    .option("--client-secret <s>", "accepted client secret", "simulator-secret")
    .option("--redirect-uri <url>", "registered redirect URI of the consent pages")
    .option("--auto-consent", "consent pages accept at once, without a page")
    .option("--open-consent", "every valid 14-digit PRM counts as consented")
    .option("--token-ttl <seconds>", "token lifetime (default 12600)")
    .option("--stall-ms <ms>", "how long a stalled fault hangs (default 120000)")
    .option("--late-days <prm=days>", "extra publication delay for a PRM (repeatable)", collect, [])
    .option("--octet-stream-every <n>", "every Nth successful 2026 GET as octet-stream (default 3, 0: never)")
    .option("--log", "log requests (paths only) on stderr")
    .action(async (flags: SimulatorFlags) => {
      const options = simulatorOptionsFromFlags(flags);
      let sim: Awaited<ReturnType<typeof startSimulator>>;
      try {
        sim = await startSimulator(options);
      } catch (err) {
        throw new CliError(
          `simulator: cannot listen on ${String(options.host)}:${String(options.port)}: ${err instanceof Error ? err.message : String(err)}`,
          EXIT_FAILURE,
        );
      }
      log(
        `DataConnect simulator listening on ${sim.url} (simulated data, seed ${String(options.seed)}, ` +
          `client id ${String(options.clientId)}, quotas ${String(options.quotaPerSecond)}/s ` +
          `${String(options.quotaPerHour)}/h per API)`,
      );
      const signal = await untilSignal();
      log(`simulator: ${signal}, stopping`);
      await sim.stop();
    });
}
