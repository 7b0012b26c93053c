/**
 * Issue 17, delivery by the real processes: `serve` delivers on SQLite (embedded mode); two `worker`
 * processes share the deliveries on PostgreSQL (distributed mode) and never send one twice (each is
 * claimed before it is sent). The receiver is a local webhook that answers slowly, so that both workers
 * are at it at the same time.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { secretName } from "../../src/alerts/channels/types.js";
import { spawnCli, type RunningCli } from "../helpers/cli.js";
import { describeEachDatabase } from "../helpers/db.js";
import { meter } from "../publish/helpers.js";

const received: string[] = [];
let http: Server;
let hookUrl = "";

beforeAll(async () => {
  http = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(String(req.headers["x-linky-delivery"]));
      // Slow enough for two workers to overlap.
      setTimeout(() => res.writeHead(200).end(), 25);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
});

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachDatabase("alert delivery by serve and worker processes", (db) => {
  it(
    db.kind === "sqlite" ? "serve delivers the alerts" : "two workers share the deliveries, none sent twice",
    { timeout: 120_000 },
    async () => {
      const store = db.getStore();
      const target = db.target();
      const { account } = await meter(store, "09900000000005", `proc-${db.kind}`);
      const hook = await store.senders.create({
        libelle: "hook",
        implClass: "webhook",
        config: { url: hookUrl },
      });
      await store.secrets.put(secretName(hook.id), JSON.stringify({ signingKey: "0123456789abcdef-proc" }));
      await store.alerts.setPreference(account.userId, "unusual_day", [hook.id]);
      const n = db.kind === "sqlite" ? 3 : 40;
      const keys: string[] = [];
      for (let i = 0; i < n; i++) {
        const day = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
        const a = await store.transaction((tx) =>
          tx.alerts.raise({
            userId: account.userId,
            accountId: account.id,
            kind: "unusual_day",
            day,
            title: `Journée inhabituelle le ${day}`,
            body: "…",
            link: null,
          }),
        );
        keys.push(`linky-${a!.id}-${hook.id}`);
      }
      const configFile = join(target.dataDir, "alerts.json");
      await writeFile(configFile, JSON.stringify({ alerts: { delivery: { pollSeconds: 1, batchSize: 5 } } }));
      const env = {
        DATABASE_URL: target.url,
        DATA_DIR: target.dataDir,
        ENEDIS_ENV: "simulator",
        MQTT_URL: undefined,
        HOMEASSISTANT_URL: undefined,
      };
      received.length = 0;
      const procs: RunningCli[] =
        db.kind === "sqlite"
          ? [spawnCli(["serve", "--port", "0", "--host", "127.0.0.1", "--config", configFile], env)]
          : [
              spawnCli(["worker", "--config", configFile], env),
              spawnCli(["worker", "--config", configFile], env),
            ];
      try {
        await until(() => new Set(received).size === n, `${n} deliveries (got ${new Set(received).size})`);
      } finally {
        for (const p of procs) p.child.kill("SIGTERM");
        for (const p of procs) await p.done;
      }
      expect([...received].sort()).toEqual([...keys].sort());
      const statuses = await store.database.db
        .selectFrom("alert_delivery")
        .select("status")
        .where("sender_id", "=", hook.id)
        .execute();
      expect(statuses.every((s) => s.status === "sent")).toBe(true);
      const sentBy = procs.map((p) => (p.stderr().match(/^alerts: delivery \d+ .* sent$/gm) ?? []).length);
      expect(sentBy.reduce((a, b) => a + b, 0)).toBe(n);
    },
  );
});
