/**
 * Issue 17, acceptance 3: a delivery process killed with SIGKILL at each step of a delivery, then
 * restarted, ends with every alert delivered exactly once as the receivers see it, and none lost.
 *
 * Six alerts, each through a webhook and an e-mail sender (12 deliveries). A child process
 * (alert-delivery-child.ts) delivers them and is killed: after claiming its 2nd delivery (before
 * sending), after the receiver took its 1st (before `sent` is written), and just after writing `sent` of
 * its 2nd; a last run ends normally. The receivers (a local HTTP server, an SMTP server) drop repeats by
 * the delivery key (`X-Linky-Delivery`, the Message-ID), as the README asks receivers to: each key is
 * seen, and only the delivery killed between "taken" and "written" came twice. SQLite and PostgreSQL.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recipientSecretName, secretName } from "../../src/alerts/channels/types.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { describeEachDatabase, type TestDatabase } from "../helpers/db.js";
import { meter } from "../publish/helpers.js";

const CHILD = `${REPO_ROOT}test/integration/alert-delivery-child.ts`;

/** Every delivery key each receiver got, repeats included. */
const webhookKeys: string[] = [];
const mailIds: string[] = [];
let http: Server;
let smtp: SMTPServer;
let httpUrl = "";
let smtpPort = 0;

beforeAll(async () => {
  http = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      webhookKeys.push(String(req.headers["x-linky-delivery"]));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, cb) {
      void simpleParser(stream).then((m) => {
        mailIds.push(String(m.messageId));
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
});

/** Runs the child; resolves with how it ended. */
function runChild(
  db: TestDatabase,
  crash?: { at: "claimed" | "sent" | "marked"; n: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const target = db.target();
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ALERTS_DB_URL: target.url,
      ALERTS_DATA_DIR: target.dataDir,
      ...(crash ? { ALERTS_CRASH_AT: crash.at, ALERTS_CRASH_N: String(crash.n) } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, out, err }));
  });
}

describeEachDatabase("alert delivery killed and restarted", (db) => {
  it(
    "delivers each alert exactly once as seen by the receivers, none lost",
    { timeout: 120_000 },
    async () => {
      const store = db.getStore();
      const { account } = await meter(store, "09900000000004", `crash-${db.kind}`);
      const hook = await store.senders.create({
        libelle: "hook",
        implClass: "webhook",
        config: { url: httpUrl },
      });
      await store.secrets.put(secretName(hook.id), JSON.stringify({ signingKey: "0123456789abcdef0123" }));
      const mail = await store.senders.create({
        libelle: "mail",
        implClass: "email",
        config: {
          host: "127.0.0.1",
          port: smtpPort,
          security: "none",
          from: "linky@example.org",
          allowInvalidCertificate: false,
        },
      });
      await store.secrets.put(
        recipientSecretName(mail.id, account.userId),
        JSON.stringify({ address: "carol@example.org" }),
      );
      await store.alerts.setPreference(account.userId, "unusual_day", [hook.id, mail.id]);
      const keys: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const a = await store.transaction((tx) =>
          tx.alerts.raise({
            userId: account.userId,
            accountId: account.id,
            kind: "unusual_day",
            day: `2026-11-0${i}`,
            title: `Journée inhabituelle n° ${i}`,
            body: "…",
            link: null,
          }),
        );
        keys.push(`linky-${a!.id}-${hook.id}`, `linky-${a!.id}-${mail.id}`);
      }
      webhookKeys.length = 0;
      mailIds.length = 0;
      const received = () => [
        ...webhookKeys,
        ...mailIds.map((m) => m.replace(/^<|@linky-dataconnect>$/g, "")),
      ];

      const claimed = await runChild(db, { at: "claimed", n: 2 });
      expect(claimed.signal, claimed.err).toBe("SIGKILL");
      expect(received()).toHaveLength(1);

      const sent = await runChild(db, { at: "sent", n: 1 });
      expect(sent.signal, sent.err).toBe("SIGKILL");
      expect(sent.err).toContain("claim of a process that died released");
      expect(received()).toHaveLength(2);

      const marked = await runChild(db, { at: "marked", n: 2 });
      expect(marked.signal, marked.err).toBe("SIGKILL");

      const last = await runChild(db);
      expect(last.code, last.err).toBe(0);
      expect(last.out).toBe("done\n");

      const all = received();
      // None lost: every delivery key reached its receiver.
      expect([...new Set(all)].sort()).toEqual([...keys].sort());
      // Exactly once after the receivers' de-duplication; the one repeat is the delivery whose process was
      // killed after the receiver took it and before `sent` was written.
      const repeats = all.filter((k, i) => all.indexOf(k) !== i);
      expect(repeats).toHaveLength(1);
      const deliveries = await store.database.db
        .selectFrom("alert_delivery")
        .select(["status", "attempts"])
        .where("sender_id", "in", [hook.id, mail.id])
        .execute();
      expect(deliveries.map((d) => d.status)).toEqual(Array(12).fill("sent"));
      // The delivery claimed when the first process died is the oldest due one: the second process takes it
      // first and dies after sending it; the third finds it sent-but-unwritten and sends it again. Three
      // attempts for it, one for every other.
      expect(deliveries.map((d) => Number(d.attempts)).sort()).toEqual([...Array(11).fill(1), 3]);
    },
  );
});
