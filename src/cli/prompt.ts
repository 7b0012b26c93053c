/**
 * Secrets typed by the operator: from standard input (`--password-stdin`, for scripts: the first line)
 * or at a prompt on a terminal, without echo. Never from the command line, where the shell history and
 * `ps` would keep them.
 */
import { CliError, EXIT_USAGE } from "./output.js";

const MAX_SECRET_BYTES = 4096;

/** The first line of standard input (without its line end). */
export async function readSecretFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    if (Buffer.byteLength(text) > MAX_SECRET_BYTES)
      throw new CliError(`standard input: more than ${MAX_SECRET_BYTES} bytes, not a password`, EXIT_USAGE);
    if (text.includes("\n")) break;
  }
  const line = text.split("\n")[0] ?? "";
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** What was typed after the line a prompt took (a paste of two lines answers two prompts). */
let typedAhead = "";

/** Asks on the terminal with echo off. Ctrl-C cancels. */
export function promptHidden(question: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo off before the question shows: an answer typed at once is never echoed.
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.setEncoding("utf8");
    let value = "";
    let finished = false;
    const done = (err: Error | null) => {
      finished = true;
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      const text = typedAhead + chunk;
      typedAhead = "";
      for (let i = 0; i < text.length; i++) {
        const ch = text[i] as string;
        if (ch === "\r" || ch === "\n") {
          // "\r\n" is one line end.
          const rest = text.slice(ch === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1);
          typedAhead = rest;
          return done(null);
        }
        if (ch === "\u0003") return done(new CliError("cancelled", EXIT_USAGE));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
        if (value.length > MAX_SECRET_BYTES) return done(new CliError("password too long", EXIT_USAGE));
      }
    };
    stdin.on("data", onData);
    if (typedAhead !== "") onData("");
    if (!finished) stdin.resume();
  });
}

/**
 * The new user's password: `--password-stdin`, else `--password` (kept for old scripts, with a warning),
 * else a prompt (twice) on a terminal; without a terminal, a usage error saying what to do.
 */
export async function newPassword(o: { password?: string; passwordStdin?: boolean }): Promise<string> {
  if (o.passwordStdin && o.password !== undefined)
    throw new CliError(
      "give the password either with --password-stdin or with --password, not both",
      EXIT_USAGE,
    );
  if (o.passwordStdin) return readSecretFromStdin();
  if (o.password !== undefined) {
    process.stderr.write(
      "warning: --password leaves the password in your shell history and in the process list; prefer --password-stdin or the prompt\n",
    );
    return o.password;
  }
  if (!process.stdin.isTTY)
    throw new CliError(
      "no password: pipe it with --password-stdin (e.g. printf '%s\\n' \"$PW\" | linky-dataconnect user add NAME --password-stdin), or run the command in a terminal to be asked",
      EXIT_USAGE,
    );
  const first = await promptHidden("Password: ");
  const again = await promptHidden("Password (again): ");
  if (first !== again) throw new CliError("the two passwords differ", EXIT_USAGE);
  return first;
}
