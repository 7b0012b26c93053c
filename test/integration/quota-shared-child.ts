/**
 * The acquire loop of quota-shared.test.ts, used by the test process and by its child process
 * (`node --import tsx test/integration/quota-shared-child.ts`, on its own connection to the database).
 *
 * The child's protocol: it opens the store (QUOTA_DB_URL, QUOTA_DATA_DIR), writes "ready\n" on stdout,
 * reads one line on stdin (`{"realOrigin": <epoch ms>}`: the common real instant both sides start at; the
 * clock reads `clockStart` then), runs the loop of QUOTA_RUN and writes the `Side` as JSON on stdout.
 */
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { SharedQuotaLimiter } from "../../src/scheduler/quota-shared.js";
import { openStore, type Store } from "../../src/store/index.js";

export interface Run {
  api: string;
  perSecond: number;
  perHour: number;
  hourMarginMs?: number;
  lateToleranceMs?: number;
  /** The clock: `clockStart + (Date.now() - realOrigin) * speed`; realOrigin is the common start. */
  clockStart: number;
  speed: number;
  /**
   * The child's clock starts at `clockStart` when its loop starts, not at the common start (the pause
   * test: the child asks at a known instant of its clock, however long it took to load).
   */
  clockFromOwnStart?: boolean;
  /** Acquire until the clock reaches `clockStart + forClockMs`, or `count` times (per process). */
  forClockMs?: number;
  count?: number;
  callers: number;
}

/** What one process saw. */
export interface Side {
  /** The clock instants its acquires returned at. */
  got: number[];
  /**
   * The slots it reserved, each with the clock the reservation was asked at (the larger of its `nowMs`
   * and of the clock read under the lock): a slot later than both that and the quotas' bounds would be a
   * slot held back for nothing.
   */
  slots: Array<{ slot: number; askedAt: number }>;
  /** Waits the limiter announced (observeWaits). */
  waits: Array<{ api: string; ms: number }>;
}

/** A SharedQuotaLimiter for `run` on `store`, with the run's clock. */
export function limiterFor(
  run: Run,
  store: Store,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> },
): SharedQuotaLimiter {
  return new SharedQuotaLimiter(store, {
    perSecond: run.perSecond,
    perHour: run.perHour,
    ...(run.hourMarginMs === undefined ? {} : { hourMarginMs: run.hourMarginMs }),
    ...(run.lateToleranceMs === undefined ? {} : { lateToleranceMs: run.lateToleranceMs }),
    ...clock,
  });
}

/**
 * A view of `store` whose `reserveQuotaSlot` records each slot in `side.slots` (the real store does the
 * work; nothing else changes).
 */
export function recordingStore(store: Store, side: Side): Store {
  const scheduler = store.scheduler;
  const reserve = scheduler.reserveQuotaSlot.bind(scheduler);
  const recording = Object.create(scheduler) as typeof scheduler;
  recording.reserveQuotaSlot = async (req) => {
    let askedAt = Math.floor(req.nowMs);
    const now = req.now;
    const slot = await reserve({
      ...req,
      ...(now
        ? {
            now: () => {
              const t = now();
              askedAt = Math.max(askedAt, Math.floor(t));
              return t;
            },
          }
        : {}),
    });
    side.slots.push({ slot, askedAt });
    return slot;
  };
  const view = Object.create(store) as Store;
  Object.defineProperty(view, "scheduler", { value: recording });
  return view;
}

/** Acquires per `run` from `realOrigin` on (waits for it), with a limiter of its own on `store`. */
export async function acquireLoop(run: Run, store: Store, realOrigin: number): Promise<Side> {
  const side: Side = { got: [], slots: [], waits: [] };
  let origin = realOrigin;
  const now = () => run.clockStart + (Date.now() - origin) * run.speed;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms / run.speed));
  const limiter = limiterFor(run, recordingStore(store, side), { now, sleep });
  limiter.observeWaits((api, ms) => side.waits.push({ api, ms }));
  await new Promise((r) => setTimeout(r, Math.max(0, realOrigin - Date.now())));
  if (run.clockFromOwnStart) origin = Date.now();
  let started = 0;
  const more = () =>
    (run.forClockMs === undefined || now() < run.clockStart + run.forClockMs) &&
    (run.count === undefined || started < run.count);
  await Promise.all(
    Array.from({ length: run.callers }, async () => {
      while (more()) {
        started++;
        await limiter.acquire(run.api);
        side.got.push(now());
      }
    }),
  );
  return side;
}

async function child(): Promise<void> {
  const run = JSON.parse(process.env.QUOTA_RUN!) as Run;
  const store = await openStore({ url: process.env.QUOTA_DB_URL!, dataDir: process.env.QUOTA_DATA_DIR! });
  try {
    const lines = createInterface({ input: process.stdin });
    const first = new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      lines.once("close", () => reject(new Error("stdin closed before the start instant")));
    });
    process.stdout.write("ready\n");
    const { realOrigin } = JSON.parse(await first) as { realOrigin: number };
    lines.close();
    const side = await acquireLoop(run, store, realOrigin);
    process.stdout.write(`${JSON.stringify(side)}\n`);
  } finally {
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await child();
