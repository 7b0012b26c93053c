import type { Command } from "commander";
import { CliError, EXIT_USAGE } from "./output.js";

/** `linky-dataconnect simulator`: the Data Connect-compatible stand-in for Enedis. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command("simulator")
    .description("the DataConnect simulator (both API generations)")
    .option("--port <n>", "port", "4010")
    .option("--quota-per-second <n>", "calls per second per API", "5")
    .option("--quota-per-hour <n>", "calls per hour per API", "1000")
    .option("--fault-rate <f>", "share of calls that fail (500, 503, stall, truncated body)", "0")
    .option("--seed <s>", "seed of the synthetic data and the faults", "1")
    .option("--client-id <id>", "accepted client id", "simulator-client")
    .option("--client-secret <s>", "accepted client secret", "simulator-secret")
    .action(() => {
      throw new CliError("simulator: not implemented yet", EXIT_USAGE);
    });
}
