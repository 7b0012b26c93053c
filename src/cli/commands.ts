import type { Command } from "commander";
import { registerAdminCommands } from "./admin.js";
import { registerDataCommands } from "./data.js";
import { CliError, EXIT_USAGE } from "./output.js";
import { registerServeCommand } from "./serve.js";
import { registerSimulatorCommand } from "./simulator.js";

function notYet(name: string): () => never {
  return () => {
    throw new CliError(`${name}: not implemented yet`, EXIT_USAGE);
  };
}

/** Registers every command of the contract; those not built yet answer "not implemented yet" (exit 2). */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  program
    .command("worker")
    .description("scheduler and job worker only (distributed mode, PostgreSQL)")
    .action(notYet("worker"));
  registerSimulatorCommand(program);
  registerAdminCommands(program);
  registerDataCommands(program);
}
