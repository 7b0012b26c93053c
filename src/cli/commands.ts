import type { Command } from "commander";
import { registerAdminCommands } from "./admin.js";
import { registerCostsCommands } from "./costs.js";
import { registerDataCommands } from "./data.js";
import { registerImportCommands, registerImportSeedCommand } from "./import.js";
import { registerServeCommand } from "./serve.js";
import { registerSimulatorCommand } from "./simulator.js";
import { registerWorkerCommand } from "./worker.js";

/** Registers every command of the contract. */
export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerSimulatorCommand(program);
  registerAdminCommands(program);
  registerDataCommands(program);
  registerCostsCommands(program);
  registerImportCommands(program);
  registerImportSeedCommand(program);
}
