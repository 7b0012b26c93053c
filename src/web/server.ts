/**
 * The running web server: the app listening on a port, plus the process's other parts that start and stop
 * with it (the scheduler, later). `stop()` closes the listener, waits for background work, then stops them.
 */
import type { WebApp, WebAppOptions } from "./app.js";
import { ensureDefaultSender } from "../accounts/service.js";
import { buildWebApp } from "./app.js";

/** Something that runs alongside the web server (the scheduler): started after listening, stopped first. */
export interface Lifecycle {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface WebServerOptions extends WebAppOptions {
  port: number;
  host?: string;
  lifecycles?: Lifecycle[];
  /** Called once listening, with the server's URL (the CLI prints it). */
  onStart?: (info: {
    url: string;
    setupUrl: string | null;
    host: string;
    port: number;
  }) => void | Promise<void>;
  /**
   * First start: create the seed's DataConnect sender when none exists (`serve` does; tests that build
   * their own senders leave it off).
   */
  defaultSender?: boolean;
  /** Longest wait for background work (first syncs) at shutdown, ms (default 10 s). */
  drainTimeoutMs?: number;
}

export interface RunningWebServer {
  web: WebApp;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The address to print for a listening host: the host itself, except for the wildcard ones, which are no
 * address to open; there the loopback of the same family (`localhost` may resolve to `::1`, where an
 * IPv4 wildcard does not listen).
 */
export function reachableUrl(host: string, port: number): string {
  const shown =
    host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  if (opts.defaultSender) {
    const created = await ensureDefaultSender(opts.ctx.store, opts.ctx.config);
    if (created)
      opts.ctx.log(
        `first start: sender "${created.libelle}" created (dataconnect, cron ${created.cron ?? ""})`,
      );
  }
  const web = await buildWebApp(opts);
  const host = opts.host ?? "0.0.0.0";
  await web.app.listen({ port: opts.port, host });
  const address = web.app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  const url = reachableUrl(host, port);
  const started: Lifecycle[] = [];
  try {
    for (const l of opts.lifecycles ?? []) {
      await l.start();
      started.push(l);
    }
  } catch (e) {
    for (const l of started.reverse()) await l.stop();
    await web.app.close();
    throw e;
  }
  const token = await web.setupToken();
  await opts.onStart?.({ url, setupUrl: token ? `${url}/setup?token=${token}` : null, host, port });
  let stopping: Promise<void> | null = null;
  return {
    web,
    url,
    port,
    stop() {
      stopping ??= (async () => {
        for (const l of started.reverse()) await l.stop();
        await web.app.close();
        const timeout = new Promise<void>((r) => setTimeout(r, opts.drainTimeoutMs ?? 10_000).unref());
        await Promise.race([web.background.idle(), timeout]);
      })();
      return stopping;
    },
  };
}
