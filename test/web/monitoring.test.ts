/**
 * `/metrics` through a Prometheus text-format parser (an independent implementation, which throws on
 * any line that is not valid exposition text), its figures against what happened (the syncs run, the
 * calls counted by the shared quota, the ledger, each account's last success), and `/stats` against the
 * database read here with plain queries.
 */
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { formatDuration, operatorStatus } from "../../src/scheduler/status.js";
import { withoutMeaninglessSamples } from "../../src/web/metrics.js";
import { meterFixture, GAP_PRM, OTHER_PRM, PRM, PROD_PRM, type MeterFixture } from "./meter-fixture.js";

describe("monitoring", () => {
  let m: MeterFixture;
  let families: Map<string, PrometheusFamily>;
  let text: string;

  beforeAll(async () => {
    m = await meterFixture();
    // A call to an API paused for 1.5 s (as after a 429) waits for the end of the pause. (Two calls in a
    // row were not enough: on a loaded machine the second one's transaction can outlast the 210 ms
    // spacing, and then it has nothing left to wait.)
    // The quota runs on real time (Enedis counts real seconds), not on the fixture's clock.
    m.f.ctx.limiter.pause("monitoring-test", Date.now() + 1500);
    await m.f.ctx.limiter.acquire("monitoring-test");
    await m.owner.get(`/devices/${m.devices[PRM]}`);
    const res = await m.f.agent().get("/metrics");
    expect(res.statusCode).toBe(200);
    expect(String(res.headers["content-type"])).toContain("text/plain");
    text = res.body;
    families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  }, 120_000);
  afterAll(() => m?.f.close());

  const values = (name: string) =>
    (families.get(name)?.metrics ?? []).map((x) => ({ labels: x.labels ?? {}, value: Number(x.value) }));
  const sum = (name: string, where: (l: Record<string, string>) => boolean = () => true) =>
    values(name)
      .filter((v) => where(v.labels))
      .reduce((a, v) => a + v.value, 0);

  it("shows no NaN and no absurd value (the event-loop lag before its first sample)", () => {
    for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      const value = Number(line.slice(line.lastIndexOf(" ") + 1));
      expect(Number.isNaN(value), line).toBe(false);
      if (line.includes("eventloop_lag")) expect(value, line).toBeLessThan(1e6);
    }
    expect(
      withoutMeaninglessSamples(
        "# TYPE linky_nodejs_eventloop_lag_min_seconds gauge\nlinky_nodejs_eventloop_lag_min_seconds 9223372036.854776\nlinky_nodejs_eventloop_lag_mean_seconds NaN\nlinky_up 1",
      ),
    ).toBe("# TYPE linky_nodejs_eventloop_lag_min_seconds gauge\nlinky_up 1");
  });

  it("is valid Prometheus text, every family typed and described", () => {
    expect(families.size).toBeGreaterThan(20);
    for (const f of families.values()) {
      expect(f.help.length, f.name).toBeGreaterThan(5);
      expect(["counter", "gauge", "histogram", "summary"], f.name).toContain(f.type.toLowerCase());
    }
    for (const name of [
      "linky_syncs_total",
      "linky_sync_duration_seconds",
      "linky_enedis_calls_total",
      "linky_enedis_call_duration_seconds",
      "linky_quota_waits_total",
      "linky_quota_wait_seconds_total",
      "linky_account_last_success_age_seconds",
      "linky_accounts_by_state",
      "linky_accounts_last_sync",
      "linky_completeness_days",
      "linky_enedis_quota_calls",
      "linky_http_requests_total",
    ]) {
      expect(families.has(name), name).toBe(true);
    }
    // Nothing personal in labels: no usage point, only ids and patterns.
    for (const prm of [PRM, GAP_PRM, PROD_PRM, OTHER_PRM]) expect(text).not.toContain(prm);
    expect(text).toMatch(/route="\/devices\/:id"/);
  });

  it("counts the syncs by outcome, and Enedis calls by endpoint and status as the shared quota does", async () => {
    const accounts = await m.f.ctx.store.accounts.list({ limit: 100 });
    const outcomes = new Map<string, number>();
    for (const a of accounts)
      outcomes.set(a.config.last_sync!.outcome, (outcomes.get(a.config.last_sync!.outcome) ?? 0) + 1);
    for (const [outcome, n] of outcomes)
      expect(
        sum("linky_syncs_total", (l) => l.outcome === outcome),
        outcome,
      ).toBe(n);
    expect(sum("linky_syncs_total")).toBe(accounts.length);
    // Every call this process made went through the shared quota, which the database counts.
    const quota = await m.f.ctx.store.scheduler.quotaRows(m.f.ctx.now());
    for (const q of quota.filter((x) => x.api !== "monitoring-test")) {
      expect(
        sum("linky_enedis_calls_total", (l) => l.api === q.api),
        q.api,
      ).toBe(q.calls);
      expect(
        sum("linky_enedis_quota_calls", (l) => l.api === q.api),
        q.api,
      ).toBe(q.calls);
    }
    expect(sum("linky_enedis_calls_total")).toBeGreaterThan(20);
    const endpoints = values("linky_enedis_calls_total").map((v) => v.labels.endpoint);
    expect(endpoints).toContain("/mesure_synchrone_auto/v2/consommation_quotidienne");
    expect(values("linky_enedis_calls_total").every((v) => /^(\d{3}|none)$/.test(v.labels.status!))).toBe(
      true,
    );
    expect(sum("linky_quota_waits_total", (l) => l.api === "monitoring-test")).toBe(1);
    expect(sum("linky_quota_wait_seconds_total", (l) => l.api === "monitoring-test")).toBeGreaterThan(0);
  });

  it("gives each account's last successful sync age, and the ledger's completeness", async () => {
    const nowMs = m.f.ctx.now();
    const ages = values("linky_account_last_success_age_seconds");
    const accounts = await m.f.ctx.store.accounts.list({ limit: 100 });
    const synced = accounts.filter((a) => a.config.last_success_ms);
    expect(synced.length).toBeGreaterThan(0);
    expect(ages.length).toBe(synced.length);
    for (const a of synced) {
      const age = ages.find((v) => v.labels.account === String(a.id));
      expect(age, `account ${a.id}`).toBeDefined();
      expect(Math.abs(age!.value - (nowMs - a.config.last_success_ms!) / 1000)).toBeLessThan(30);
    }
    const rows = await m.f.ctx.store.database.db
      .selectFrom("completeness")
      .select(["dataset", "status"])
      .execute();
    const expected = new Map<string, number>();
    for (const r of rows)
      expected.set(`${r.dataset}/${r.status}`, (expected.get(`${r.dataset}/${r.status}`) ?? 0) + 1);
    const got = new Map(
      values("linky_completeness_days").map((v) => [`${v.labels.dataset}/${v.labels.status}`, v.value]),
    );
    expect(got).toEqual(expected);
    expect(got.get("consumption_load_curve/partial") ?? 0).toBeGreaterThan(0); // the gap PRM's Tuesdays
  });

  it("answers /stats as the database has it", async () => {
    const stats = (await m.f.agent().get("/stats")).json() as Record<string, unknown>;
    const db = m.f.ctx.store.database.db;
    const accounts = await db.selectFrom("notification_account").select(["config"]).execute();
    const configs = accounts.map(
      (a) =>
        JSON.parse(a.config) as {
          expired?: boolean;
          last_success_ms?: number;
          last_sync?: { outcome: string };
        },
    );
    const nowMs = m.f.ctx.now();
    expect(stats.accounts).toBe(accounts.length);
    expect(stats.expiredAccounts).toBe(configs.filter((c) => c.expired).length);
    expect(stats.syncedLast24h).toBe(
      configs.filter((c) => (c.last_success_ms ?? 0) >= nowMs - 86_400_000).length,
    );
    expect(stats.users).toBe(
      Number(
        (
          await db
            .selectFrom("app_user")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    expect(stats.senders).toBe(1);
    const outcomes: Record<string, number> = {};
    for (const c of configs)
      outcomes[c.last_sync?.outcome ?? "none"] = (outcomes[c.last_sync?.outcome ?? "none"] ?? 0) + 1;
    expect(
      Object.fromEntries(Object.entries(stats.lastSync as Record<string, number>).filter(([, n]) => n > 0)),
    ).toEqual(outcomes);
    // Account states as `linky-dataconnect status` computes them.
    expect(stats.states).toEqual((await operatorStatus(m.f.ctx.store, m.f.ctx.config, nowMs)).states);
    const quota = await db
      .selectFrom("quota_state")
      .select(["api", "calls", "refused"])
      .orderBy("api")
      .execute();
    expect((stats.quota as Array<{ api: string; calls: number }>).map((q) => [q.api, q.calls])).toEqual(
      quota.map((q) => [q.api, Number(q.calls)]),
    );
  });

  it("gives on /stats (and /metrics) the quota plan and the catch-up estimate as `status` computes them", async () => {
    const stats = (await m.f.agent().get("/stats")).json() as { plan: Record<string, unknown> };
    const op = await operatorStatus(m.f.ctx.store, m.f.ctx.config, m.f.ctx.now());
    expect(stats.plan).toEqual({
      ...op.budget,
      backlogCalls: op.backlogCalls,
      catchUpMs: op.catchUpMs === null ? null : Math.round(op.catchUpMs),
      catchUpNever: false,
      catchUp: formatDuration(op.catchUpMs),
    });
    // A handful of meters at 1,000 calls/h: every meter synced daily.
    expect(stats.plan.strideDays).toBe(1);
    expect(stats.plan.sustainable).toBe(true);
    expect(typeof stats.plan.catchUp).toBe("string");
    expect(sum("linky_scheduler_stride_days")).toBe(op.budget.strideDays);
    expect(sum("linky_scheduler_backlog_calls")).toBe(op.backlogCalls);
    expect(families.has("linky_scheduler_catch_up_seconds")).toBe(true);
  });
  it("shows each gateway's budget and use, its ban and its refused tokens, from the database, no PRM in labels", async () => {
    const store = m.f.ctx.store;
    const now = m.f.ctx.now();
    await m.f.user("gw-household");
    const gwPrm = "30001610071843";
    const r = await registerAccount(store, m.f.ctx.config, {
      username: "gw-household",
      usagePointId: gwPrm,
      gateway: { id: "myelectricaldata-v2", token: "secret-token-for-metrics", prms: [gwPrm] },
    });
    await store.gateways.markRefused(r.account.id, "401");
    // Conso API: 7 calls in the last 12 h, one 13 h ago (outside the window); banned.
    for (let i = 0; i < 7; i++) await store.gateways.recordCall("conso-api", ["address"], now - i * 60_000);
    await store.gateways.recordCall("conso-api", ["address"], now - 13 * 3_600_000);
    await store.gateways.block({
      gateway: "conso-api",
      kind: "banned",
      message: "Cloudflare",
      sinceMs: now,
      untilMs: null,
    });
    // MyElectricalData v2: 3 uncached and 2 cached calls today for the account.
    const scope = `account:${r.account.id}`;
    for (let i = 0; i < 3; i++)
      await store.gateways.recordCall("myelectricaldata-v2", [scope], now - i * 1000);
    for (let i = 0; i < 2; i++)
      await store.gateways.recordCall("myelectricaldata-v2", [scope], now - i * 1000, true);
    // The database gauges cache one snapshot per `server.statsCacheMs` (5 s by default).
    await new Promise((resolve) => setTimeout(resolve, m.f.ctx.config.server.statsCacheMs + 100));
    const body = (await m.f.agent().get("/metrics")).body;
    const fams = new Map(parsePrometheusTextFormat(body).map((f) => [f.name, f]));
    const get = (name: string, labels: Record<string, string>) =>
      (fams.get(name)?.metrics ?? [])
        .filter((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v))
        .map((x) => Number(x.value));
    const conso = { gateway: "conso-api", window: "12h", scope: "address", calls: "all" };
    expect(get("linky_gateway_calls", conso)).toEqual([7]);
    expect(get("linky_gateway_budget", conso)).toEqual([90]);
    const v2 = { gateway: "myelectricaldata-v2", window: "utc_day", scope: "account" };
    expect(get("linky_gateway_calls", { ...v2, calls: "uncached" })).toEqual([3]);
    expect(get("linky_gateway_calls", { ...v2, calls: "cached" })).toEqual([2]);
    expect(get("linky_gateway_budget", { ...v2, calls: "uncached" })).toEqual([45]);
    expect(get("linky_gateway_budget", { ...v2, calls: "cached" })).toEqual([900]);
    expect(get("linky_gateway_calls", { gateway: "myelectricaldata", window: "24h" })).toEqual([0]);
    expect(get("linky_gateway_banned", { gateway: "conso-api" })).toEqual([1]);
    expect(get("linky_gateway_banned", { gateway: "myelectricaldata" })).toEqual([0]);
    expect(get("linky_gateway_accounts", { gateway: "myelectricaldata-v2" })).toEqual([1]);
    expect(get("linky_gateway_tokens_refused", { gateway: "myelectricaldata-v2" })).toEqual([1]);
    for (const line of body.split("\n").filter((l) => l.startsWith("linky_gateway_"))) {
      expect(line).not.toMatch(/\d{14}/);
      expect(line).not.toContain("secret-token");
    }
  });
});
