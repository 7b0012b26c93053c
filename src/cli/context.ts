/** Opens the process context for a command from the global options, and always closes it. */
import type { Command } from "commander";
import { ConfigError } from "../config/load.js";
import { createAppContext, createStoreContext, type AppContext, type StoreContext } from "../app/context.js";
import { CliError, EXIT_USAGE, type GlobalOptions } from "./output.js";

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

async function open<T extends { close(): Promise<void> }>(make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

export async function withStore<R>(
  cmd: Command,
  fn: (ctx: StoreContext, g: GlobalOptions) => Promise<R>,
): Promise<R> {
  const g = globalOptions(cmd);
  const ctx = await open(() => createStoreContext(g.config ? { configFile: g.config } : {}));
  try {
    return await fn(ctx, g);
  } finally {
    await ctx.close();
  }
}

export async function withApp<R>(
  cmd: Command,
  fn: (ctx: AppContext, g: GlobalOptions) => Promise<R>,
): Promise<R> {
  const g = globalOptions(cmd);
  const ctx = await open(() => createAppContext(g.config ? { configFile: g.config } : {}));
  try {
    return await fn(ctx, g);
  } finally {
    await ctx.close();
  }
}
