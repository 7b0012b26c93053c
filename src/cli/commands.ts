import type { Command } from "commander";
import { CliError, EXIT_USAGE } from "./output.js";
import { registerSimulatorCommand } from "./simulator.js";

function notYet(name: string): () => never {
  return () => {
    throw new CliError(`${name}: not implemented yet`, EXIT_USAGE);
  };
}

/** Registers every command of the contract; those not built yet answer "not implemented yet" (exit 2). */
export function registerCommands(program: Command): void {
  program
    .command("serve")
    .description("web UI + REST API + scheduler (embedded mode: one process)")
    .option("--port <n>", "HTTP port")
    .option("--no-scheduler", "do not run the scheduler in this process")
    .action(notYet("serve"));
  program
    .command("worker")
    .description("scheduler and job worker only (distributed mode, PostgreSQL)")
    .action(notYet("worker"));
  registerSimulatorCommand(program);
  program.command("migrate").description("apply database migrations").action(notYet("migrate"));
  const user = program.command("user").description("local users");
  user
    .command("add <name>")
    .description("create a local user (ROLE_USER, plus ROLE_ADMIN with --admin)")
    .requiredOption("--password <p>", "password")
    .option("--admin", "also grant ROLE_ADMIN")
    .action(notYet("user add"));
  const sender = program.command("sender").description("notification account senders (connectors)");
  sender
    .command("add")
    .description("create a NotificationAccountSender")
    .requiredOption("--libelle <label>", "unique label")
    .requiredOption("--impl <impl>", "implementation (dataconnect)")
    .option("--cron <expr>", "Quartz cron expression, e.g. '0 0/10 * * * ?' (every 10 minutes)")
    .option("--role <role>", "role a user needs to use it")
    .action(notYet("sender add"));
  const account = program.command("account").description("accounts (a user's usage point under a sender)");
  account
    .command("add")
    .description("register a usage point whose consent was already given")
    .requiredOption("--user <name>", "owner")
    .requiredOption("--usage-point <prm>", "14-digit usage point id")
    .option("--sender <label>", "sender label")
    .action(notYet("account add"));
  program
    .command("sync")
    .description("synchronise now, once, and exit when done")
    .option("--usage-point <prm>", "one usage point")
    .option("--all", "every account")
    .action(notYet("sync"));
  program
    .command("status")
    .description("accounts by state, quota use, catch-up estimate")
    .action(notYet("status"));
  program
    .command("export")
    .description("stored data to stdout")
    .requiredOption("--usage-point <prm>", "usage point")
    .requiredOption("--dataset <d>", "dataset name")
    .requiredOption("--from <date>", "first Paris day, inclusive (YYYY-MM-DD)")
    .requiredOption("--to <date>", "last Paris day, exclusive (YYYY-MM-DD)")
    .option("--format <f>", "csv or json", "csv")
    .action(notYet("export"));
}
