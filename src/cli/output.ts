/** Exit codes of the contract: 0 success, 1 a failure the message explains, 2 bad usage. */
import { withoutPrms } from "../domain/redact.js";
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure to report to the user with its exit code (no stack trace for expected failures). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

/** Machine-readable output goes to stdout; human logs go to stderr. */
export function printResult(opts: GlobalOptions, human: string, data: unknown): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(data)}\n`);
  else process.stdout.write(`${human}\n`);
}

export function log(message: string): void {
  process.stderr.write(`${withoutPrms(message)}\n`);
}
