/**
 * The `linky-dataconnect` command line. Each command group lives in its own file and registers itself
 * on the program; this file only wires them and turns errors into exit codes.
 */
import { Command, CommanderError } from "commander";
import { withoutPrms } from "../domain/redact.js";
import { describeStorageError } from "../store/errors.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./output.js";
import { registerCommands } from "./commands.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("linky-dataconnect")
    .description("Collects Linky smart-meter data from Enedis Data Connect, keeps it and shows it.")
    .option("--config <file>", "configuration file (JSON or YAML)")
    .option("--json", "machine-readable output on stdout (logs go to stderr)")
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof CliError) {
      process.stderr.write(`linky-dataconnect: ${err.message}\n`);
      return err.exitCode;
    }
    // Not one of our explained failures: its text may come from anywhere (keep PRMs out of the logs).
    const storage = describeStorageError(err);
    const message = storage?.message ?? (err instanceof Error ? err.message : String(err));
    process.stderr.write(`linky-dataconnect: ${withoutPrms(message)}\n`);
    return EXIT_FAILURE;
  }
}

const isEntry = import.meta.url === new URL(process.argv[1] ?? "", "file://").href;
// Run when executed directly (dist/cli/main.js via bin, or `tsx src/cli/main.ts`).
if (
  isEntry ||
  process.argv[1]?.endsWith("linky-dataconnect.js") ||
  process.argv[1]?.endsWith("linky-dataconnect")
) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`linky-dataconnect: ${withoutPrms(String(err))}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
