/**
 * `/stats` (JSON counters for a monitoring probe, like the seed's StatsController) and `/metrics`
 * (Prometheus text). Both count from the database when asked; the HTTP counters are this process's.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FastifyInstance } from "fastify";
import { findImplementation } from "../senders/registry.js";
import type { Store } from "../store/index.js";

const DAY_MS = 24 * 3600_000;

export interface Stats {
  /** DataConnect accounts. */
  accounts: number;
  /** Of which whose consent expired or was revoked. */
  expiredAccounts: number;
  /** Of which with a successful sync in the last 24 hours. */
  syncedLast24h: number;
  users: number;
  senders: number;
  at: string;
}

export async function computeStats(store: Store, nowMs: number): Promise<Stats> {
  const senders = await store.senders.list({ limit: 10_000 });
  const dataConnect = new Set(
    senders.filter((s) => findImplementation(s.implClass)?.key === "dataconnect").map((s) => s.id),
  );
  let accounts = 0;
  let expired = 0;
  let synced = 0;
  // One page at a time: a large installation never loads every account at once.
  for (let offset = 0; ; offset += 500) {
    const page = await store.accounts.list({ offset, limit: 500 });
    for (const a of page) {
      if (!dataConnect.has(a.senderId)) continue;
      accounts++;
      if (a.config.expired) expired++;
      const last = a.config.last_success_ms ?? null;
      if (last !== null && last >= nowMs - DAY_MS) synced++;
    }
    if (page.length < 500) break;
  }
  return {
    accounts,
    expiredAccounts: expired,
    syncedLast24h: synced,
    users: await store.users.count(),
    senders: senders.length,
    at: new Date(nowMs).toISOString(),
  };
}

export class WebMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;

  constructor(store: Store, now: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: "linky_" });
    this.requests = new Counter({
      name: "linky_http_requests_total",
      help: "HTTP requests answered, by route pattern and status",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "linky_http_request_duration_seconds",
      help: "Time to answer an HTTP request, in seconds",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    // The gauges read the database once per scrape (they are collected concurrently).
    let cached: { atMs: number; stats: Promise<Stats> } | null = null;
    const stats = (): Promise<Stats> => {
      const t = Date.now();
      if (!cached || t - cached.atMs > 1000) cached = { atMs: t, stats: computeStats(store, now()) };
      return cached.stats;
    };
    new Gauge({
      name: "linky_accounts",
      help: "DataConnect accounts, by consent state",
      labelNames: ["state"],
      registers: [this.registry],
      async collect() {
        const s = await stats();
        this.set({ state: "active" }, s.accounts - s.expiredAccounts);
        this.set({ state: "expired" }, s.expiredAccounts);
      },
    });
    new Gauge({
      name: "linky_accounts_synced_24h",
      help: "DataConnect accounts with a successful sync in the last 24 hours",
      registers: [this.registry],
      async collect() {
        this.set((await stats()).syncedLast24h);
      },
    });
    new Gauge({
      name: "linky_users",
      help: "Local users",
      registers: [this.registry],
      async collect() {
        this.set((await stats()).users);
      },
    });
  }

  /** Counts every answered request under its route pattern (never the raw URL: no ids, no query). */
  register(app: FastifyInstance): void {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }
}
