/** `serve`: the web application, in one process with the (embedded) simulator and the scheduler. */
import type { Command } from "commander";
import { createAppContext } from "../app/context.js";
import { ConfigError } from "../config/load.js";
import { publishersFor } from "../publish/index.js";
import { startWebServer, type Lifecycle } from "../web/server.js";
import { globalOptions } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, log } from "./output.js";
import { alertsLifecycle, deliveryLifecycle, schedulerLifecycle, tempoLifecycle } from "./worker.js";

interface ServeFlags {
  port?: string;
  host: string;
  scheduler: boolean;
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

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw new CliError(`serve: --port must be a number from 0 to 65535, got "${text}"`, EXIT_USAGE);
  }
  return Number(text);
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("web UI + REST API + scheduler (embedded mode: one process)")
    .option("--port <n>", "HTTP port (default: server.port, 3000)")
    .option(
      "--host <host>",
      "interface to listen on (0.0.0.0: every IPv4 one; 127.0.0.1: this machine only)",
      "0.0.0.0",
    )
    .option("--no-scheduler", "do not run the scheduler in this process")
    .action(async (flags: ServeFlags, cmd: Command) => {
      const port = flags.port !== undefined ? parsePort(flags.port) : undefined;
      const g = globalOptions(cmd);
      let ctx;
      try {
        ctx = await createAppContext(g.config ? { configFile: g.config } : {});
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
        throw e;
      }
      // The scheduler (issue "Scheduling"): in-process queue on SQLite, the PostgreSQL queue shared with
      // `worker` processes on PostgreSQL; --no-scheduler leaves it out.
      const lifecycles: Lifecycle[] = [];
      // On PostgreSQL, a job queue that cannot rebuild its runner stops the process (exit 1), so that a
      // supervisor restarts it, rather than leaving a web server whose syncs never run.
      let fatal: (() => void) | null = null;
      const failed = new Promise<"fatal">((resolve) => (fatal = () => resolve("fatal")));
      if (flags.scheduler) {
        lifecycles.push(schedulerLifecycle(ctx, { onFatal: () => fatal?.() }));
        // Tomorrow's Tempo colour once published (tempo.provider), with the scheduler's other fetches.
        try {
          const tempo = tempoLifecycle(ctx);
          if (tempo) lifecycles.push(tempo);
        } catch (e) {
          await ctx.close();
          throw new CliError(`serve: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE);
        }
        // Alert deliveries go with the scheduler: a `--no-scheduler` web front sends none either.
        lifecycles.push(deliveryLifecycle(ctx));
      } else log("serve: scheduler disabled (--no-scheduler)");
      // Alerts (issue 17): evaluated after each sync of this process and daily.
      lifecycles.push(alertsLifecycle(ctx));
      // Publishers (issue "Home Assistant and MQTT"): MQTT discovery with `mqtt.url`, the statistics import
      // with `homeassistant.url`/`token`; started after the scheduler, stopped before it.
      try {
        lifecycles.push(...publishersFor(ctx));
      } catch (e) {
        await ctx.close();
        throw new CliError(`serve: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE);
      }
      let server;
      try {
        server = await startWebServer({
          ctx,
          port: port ?? ctx.config.server.port,
          host: flags.host,
          lifecycles,
          accessLog: true,
          defaultSender: true,
          onStart: ({ url, setupUrl, host, port }) => {
            const wildcard = host === "0.0.0.0" || host === "::";
            log(
              `linky-dataconnect: listening on ${url}${wildcard ? ` (every interface, ${host === "::" ? `[::]` : host}:${port}; choose one with --host)` : ""}`,
            );
            if (setupUrl) log(`first start: create the administrator at ${setupUrl}`);
          },
        });
      } catch (e) {
        await ctx.close();
        throw new CliError(
          `serve: cannot start: ${e instanceof Error ? e.message : String(e)}`,
          EXIT_FAILURE,
        );
      }
      // The URL on stdout too, for scripts (`--json` gives it as JSON).
      if (g.json) process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
      else process.stdout.write(`${server.url}\n`);
      const signal = await Promise.race([untilSignal(), failed]);
      if (signal === "fatal") {
        log("serve: the job queue stopped on an error; exiting so that a supervisor restarts serve");
        process.exitCode = EXIT_FAILURE;
      } else log(`serve: ${signal}, stopping`);
      await server.stop();
      await ctx.close();
    });
}
