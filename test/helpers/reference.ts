/**
 * The fault-free reference of the crash and healing tests: the production scheduler in this process
 * (in-process queue, no quota limiter) dispatches one fire time on a copy of the test database and runs
 * every job it leads to (fresh syncs, then the chained backfill jobs) to the end.
 */
import { loadConfig } from "../../src/config/load.js";
import { DataConnectClient } from "../../src/enedis/client.js";
import { MemoryQueue } from "../../src/scheduler/queue/memory.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import type { Store } from "../../src/store/index.js";
import { syncSettingsOf } from "../../src/sync/service.js";
import type { CliEnv } from "./cli.js";

/** Runs the scheduler's first dispatch at `now()` and everything it queues. Returns the page count. */
export async function runReferenceScheduler(opts: {
  store: Store;
  simulatorUrl: string;
  /** The CLI environment the processes under test get (its sync settings apply here too). */
  env: CliEnv;
  now: () => number;
}): Promise<number | null> {
  const config = loadConfig({ env: opts.env as NodeJS.ProcessEnv });
  const queue = new MemoryQueue({ concurrency: 4, now: opts.now });
  const scheduler = new Scheduler(
    {
      store: opts.store,
      client: new DataConnectClient({
        apiUrl: opts.simulatorUrl,
        clientId: "simulator-client",
        clientSecret: "simulator-secret",
        now: opts.now,
        tokenStore: opts.store.secrets.tokenStore(),
        windows: { dailyWindowDays: config.enedis.dailyWindowDays },
      }),
      queue,
      config,
      now: opts.now,
      log: () => undefined,
      syncSettings: syncSettingsOf(config),
    },
    { instanceId: "reference" },
  );
  await queue.start((job) => scheduler.handle(job));
  try {
    const pages = await scheduler.dispatch(Math.floor(opts.now() / 60_000) * 60_000);
    await queue.drain();
    return pages;
  } finally {
    await queue.stop();
  }
}
