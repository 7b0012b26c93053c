/**
 * Issue 17, channels against real local servers, through the delivery runner on SQLite and PostgreSQL:
 * - e-mail: an SMTP server started here (smtp-server, STARTTLS with its self-signed certificate, AUTH)
 *   receives the alert, parsed with mailparser (subject, stable Message-ID, link); the summary e-mail
 *   carries its PNG chart inline (cid) with the energy, the cost on the meter's offer and the change;
 *   a wrong password is abandoned with a plain-French reason;
 * - webhook: a local HTTP server checks the HMAC signature over `<timestamp>.<body>` and the delivery id;
 *   a failing endpoint gets retries with doubling waits (controlled clock), then is disabled;
 * - Free Mobile: a local stand-in answers 200, 400, 402, 403, 500 and the runner sends, retries or gives
 *   up as documented, with the message shown.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { PNG } from "pngjs";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recipientSecretName, secretName } from "../../src/alerts/channels/types.js";
import { backoffMs, DeliveryRunner } from "../../src/alerts/delivery.js";
import type { AlertCandidate, AlertKind } from "../../src/alerts/kinds.js";
import type { Config } from "../../src/config/schema.js";
import { validateOffer } from "../../src/tariffs/offers.js";
import { eraseUser, type Store } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";
import { config as baseConfig, meter, writeDaily } from "../publish/helpers.js";

/** The controlled clock of the store and the runner. */
let clock = Date.UTC(2026, 10, 30, 9, 30); // Monday 30 November 2026, 10:30 Paris

function configWith(delivery: Partial<Config["alerts"]["delivery"]> = {}): Config {
  return {
    ...baseConfig,
    enedis: { ...baseConfig.enedis, redirect_uri: "https://linky.example.org/dataconnect-proxy/redirect" },
    alerts: {
      ...baseConfig.alerts,
      delivery: { ...baseConfig.alerts.delivery, baseBackoffSeconds: 60, ...delivery },
      summary: { enabled: true, hour: 9 },
    },
  };
}

const logs: string[] = [];
const runner = (store: Store, config = configWith()) =>
  new DeliveryRunner({ store, config, now: () => clock, log: (m) => logs.push(m), summaries: false });

// --- the SMTP server --------------------------------------------------------------------------------
const mails: { raw: Buffer; parsed: ParsedMail; auth: string | null }[] = [];
let smtp: SMTPServer;
let smtpPort = 0;
// --- the webhook receiver and the Free Mobile stand-in --------------------------------------------
interface Hook {
  headers: IncomingMessage["headers"];
  body: string;
  signatureOk: boolean;
}
const hooks: Hook[] = [];
let hookStatus = 200;
const SIGNING_KEY = "a-signing-key-of-32-characters!!";
const sms: URLSearchParams[] = [];
let http: Server;
let httpUrl = "";

function verify(headers: IncomingMessage["headers"], body: string): boolean {
  const ts = String(headers["x-linky-timestamp"] ?? "");
  const sig = String(headers["x-linky-signature"] ?? "");
  const expected = `sha256=${createHmac("sha256", SIGNING_KEY).update(`${ts}.${body}`).digest("hex")}`;
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

beforeAll(async () => {
  smtp = new SMTPServer({
    // STARTTLS with smtp-server's own self-signed certificate; AUTH required.
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (auth.username === "linky" && auth.password === "smtp-password") cb(null, { user: auth.username });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw, { keepCidLinks: true }).then((parsed) => {
          mails.push({ raw, parsed, auth: session.user ? String(session.user) : null });
          cb();
        });
      });
    },
    logger: false,
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/sendmsg") {
        sms.push(url.searchParams);
        // The stand-in answers by login: 10000<code>.
        const code = Number(url.searchParams.get("user")?.slice(-3));
        res.writeHead([200, 400, 402, 403, 500].includes(code) ? code : 200).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      hooks.push({ headers: req.headers, body, signatureOk: verify(req.headers, body) });
      res.writeHead(hookStatus, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

describeEachDatabase(
  "alert channels",
  (db) => {
    let n = 0;
    async function setup(
      kind: AlertKind,
      impl: string,
      config: Record<string, unknown>,
      secrets: Record<string, string> | null,
      recipient: Record<string, string> | null,
    ) {
      const store = db.getStore();
      const username = `u${++n}-${db.kind}`;
      const prm = `099000000${String(10000 + n).slice(-5)}`;
      const { account, deviceId } = await meter(store, prm, username);
      const sender = await store.senders.create({ libelle: `${username} ${impl}`, implClass: impl, config });
      if (secrets) await store.secrets.put(secretName(sender.id), JSON.stringify(secrets));
      if (recipient)
        await store.secrets.put(recipientSecretName(sender.id, account.userId), JSON.stringify(recipient));
      await store.alerts.setPreference(account.userId, kind, [sender.id]);
      const candidate: AlertCandidate = {
        userId: account.userId,
        accountId: account.id,
        kind,
        day: "2026-11-30",
        title: "Plus de nouvelles données depuis 3 jours",
        body: "Enedis a publié les données d'hier pour les autres compteurs, pas pour le vôtre.",
        link: `/devices/${deviceId}`,
        data: { days: 3 },
      };
      return { store, account, deviceId, prm, sender, candidate, userId: account.userId };
    }
    const smtpConfig = (over: Record<string, unknown> = {}) => ({
      host: "127.0.0.1",
      port: smtpPort,
      security: "starttls",
      username: "linky",
      from: "linky@example.org",
      allowInvalidCertificate: true,
      ...over,
    });

    it("e-mails an alert over STARTTLS with AUTH, with a Message-ID stable per delivery", async () => {
      const s = await setup(
        "stale_data",
        "email",
        smtpConfig(),
        { password: "smtp-password" },
        {
          address: "alice@example.org",
        },
      );
      const alert = await s.store.transaction((tx) => tx.alerts.raise(s.candidate));
      const before = mails.length;
      const out = await runner(s.store).runOnce();
      expect(out.map((o) => o.status)).toEqual(["sent"]);
      expect(mails).toHaveLength(before + 1);
      const m = mails.at(-1)!;
      expect(m.auth).toBe("linky");
      expect(m.parsed.subject).toBe(s.candidate.title);
      expect(m.parsed.messageId).toBe(`<linky-${alert!.id}-${s.sender.id}@linky-dataconnect>`);
      expect(m.parsed.headers.get("x-linky-delivery")).toBe(`linky-${alert!.id}-${s.sender.id}`);
      expect(m.parsed.to && "text" in m.parsed.to ? m.parsed.to.text : "").toBe("alice@example.org");
      expect(m.parsed.text).toContain("pas pour le vôtre");
      expect(m.parsed.text).toContain(`https://linky.example.org/devices/${s.deviceId}`);
      const [d] = await s.store.alerts.deliveriesOf(alert!.id);
      expect(d).toMatchObject({ status: "sent", attempts: 1, sentAtMs: clock });
      // Nothing is due any more: a second look sends nothing.
      expect(await runner(s.store).runOnce()).toEqual([]);
      expect(mails).toHaveLength(before + 1);
    });

    it("gives up on a refused SMTP password at once, saying why, and counts it against the sender", async () => {
      const s = await setup(
        "stale_data",
        "email",
        smtpConfig(),
        { password: "wrong" },
        {
          address: "alice@example.org",
        },
      );
      const alert = await s.store.transaction((tx) => tx.alerts.raise(s.candidate));
      const out = await runner(s.store).runOnce();
      expect(out).toEqual([
        {
          deliveryId: expect.any(Number),
          status: "abandoned",
          error: "Le serveur SMTP refuse l'identifiant ou le mot de passe du connecteur.",
        },
      ]);
      const [d] = await s.store.alerts.deliveriesOf(alert!.id);
      expect(d).toMatchObject({ status: "abandoned", lastError: out[0]!.error });
      expect((await s.store.senders.findById(s.sender.id))?.failures).toBe(1);
    });

    it("sends the weekly summary with its chart inline, the cost on the meter's offer and the change", async () => {
      const s = await setup(
        "summary",
        "email",
        smtpConfig(),
        { password: "smtp-password" },
        {
          address: "bob@example.org",
        },
      );
      await writeDaily(s.store, s.deviceId, s.prm, "2026-11-16", "2026-11-30");
      await s.store.tariffs.saveOffers([
        validateOffer({
          name: `base-${s.prm}`,
          kind: "base",
          prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, base: 0.2 }],
        }),
      ]);
      await s.store.tariffs.assign(s.deviceId, "2026-01-01", `base-${s.prm}`);
      await s.store.alerts.setSettings(s.userId, { summary: "weekly" });
      const before = mails.length;
      const r = new DeliveryRunner({
        store: s.store,
        config: configWith(),
        now: () => clock,
        log: (m) => logs.push(m),
      });
      const out = await r.runOnce();
      expect(out.map((o) => o.status)).toContain("sent");
      const summary = (await s.store.alerts.listForUser(s.userId)).find((a) => a.kind === "summary")!;
      expect(summary.day).toBe("2026-11-23");
      expect(summary.title).toBe("Votre semaine du 23 au 29 novembre 2026");
      const meter = (
        summary.data.meters as { energyWh: number; previousEnergyWh: number; eur: number; daily: number[] }[]
      )[0]!;
      expect(meter.daily).toHaveLength(7);
      expect(meter.energyWh).toBe(meter.daily.reduce((a, b) => a + b, 0));
      // Base at 0.20 €/kWh plus 7 days of a 15 €/month subscription (30 days in November).
      expect(meter.eur).toBeCloseTo((meter.energyWh / 1000) * 0.2 + 7 * (15 / 30), 2);
      expect(meter.previousEnergyWh).toBeGreaterThan(0);
      expect(summary.body).toMatch(
        /kWh \([+−±]\d+ % par rapport à la semaine précédente\), \d+,\d\d € abonnement compris\./,
      );
      await r.runOnce();
      expect(mails).toHaveLength(before + 1);
      const m = mails.at(-1)!.parsed;
      const chart = m.attachments.find((a) => a.cid === "chart@linky");
      expect(chart?.contentType).toBe("image/png");
      const png = PNG.sync.read(chart!.content);
      expect([png.width, png.height]).toEqual([480, 160]);
      expect(String(m.html)).toContain('src="cid:chart@linky"');
      // A second look the same week raises nothing more.
      await r.runOnce();
      expect((await s.store.alerts.listForUser(s.userId)).filter((a) => a.kind === "summary")).toHaveLength(
        1,
      );
    });

    it("posts a signed webhook with a stable delivery id", async () => {
      const s = await setup(
        "stale_data",
        "webhook",
        { url: `${httpUrl}/hook` },
        { signingKey: SIGNING_KEY },
        null,
      );
      const alert = await s.store.transaction((tx) => tx.alerts.raise(s.candidate));
      hookStatus = 200;
      const before = hooks.length;
      expect((await runner(s.store).runOnce()).map((o) => o.status)).toEqual(["sent"]);
      const h = hooks.at(-1)!;
      expect(hooks).toHaveLength(before + 1);
      expect(h.signatureOk).toBe(true);
      expect(h.headers["x-linky-delivery"]).toBe(`linky-${alert!.id}-${s.sender.id}`);
      expect(h.headers["idempotency-key"]).toBe(`linky-${alert!.id}-${s.sender.id}`);
      expect(h.headers["x-linky-timestamp"]).toBe(String(Math.floor(clock / 1000)));
      const body = JSON.parse(h.body) as { alert: { id: number; kind: string; usage_point_id: string } };
      expect(body.alert).toMatchObject({ id: alert!.id, kind: "stale_data", usage_point_id: s.prm });
      // A signature made with another key does not verify (the check can fail).
      expect(verify({ ...h.headers, "x-linky-timestamp": "1" }, h.body)).toBe(false);
    });

    it("retries a failing webhook with doubling waits, then disables the sender with its reason", async () => {
      const s = await setup(
        "stale_data",
        "webhook",
        { url: `${httpUrl}/hook` },
        { signingKey: SIGNING_KEY },
        null,
      );
      const config = configWith({ maxAttempts: 3, disableAfterFailures: 5 });
      const alert = await s.store.transaction((tx) => tx.alerts.raise(s.candidate));
      const second = await s.store.transaction((tx) =>
        tx.alerts.raise({ ...s.candidate, day: "2026-12-01" }),
      );
      hookStatus = 503;
      const start = clock;
      try {
        const r = runner(s.store, config);
        expect((await r.runOnce()).map((o) => o.status)).toEqual(["failed", "failed"]);
        let [d] = await s.store.alerts.deliveriesOf(alert!.id);
        expect(d).toMatchObject({ status: "failed", attempts: 1, nextAttemptMs: start + 60_000 });
        expect(d!.lastError).toBe("Le webhook répond 503 ; nouvel essai plus tard.");
        // Not due yet: nothing is sent before the wait is over.
        clock = start + 59_999;
        expect(await r.runOnce()).toEqual([]);
        clock = start + 60_000;
        expect((await r.runOnce()).map((o) => o.status)).toEqual(["failed", "failed"]);
        [d] = await s.store.alerts.deliveriesOf(alert!.id);
        expect(d).toMatchObject({ attempts: 2, nextAttemptMs: clock + backoffMs(2, config.alerts.delivery) });
        expect(backoffMs(2, config.alerts.delivery)).toBe(120_000);
        // The third attempt is the last: abandoned. The fifth failure in a row disables the sender.
        clock += 120_000;
        const third = await r.runOnce();
        expect(third.map((o) => o.status)).toEqual(["abandoned", "abandoned"]);
        expect((await s.store.alerts.deliveriesOf(second!.id))[0]?.status).toBe("abandoned");
        const sender = await s.store.senders.findById(s.sender.id);
        expect(sender?.enabled).toBe(false);
        expect(sender?.disabledReason).toMatch(
          /^Désactivé automatiquement après 5 échecs d'envoi de suite ; dernier : Le webhook répond 503/,
        );
        // A disabled sender gets no new delivery; switched on again, it starts afresh.
        const later = await s.store.transaction((tx) =>
          tx.alerts.raise({ ...s.candidate, day: "2026-12-02" }),
        );
        expect(await s.store.alerts.deliveriesOf(later!.id)).toEqual([]);
        await s.store.senders.update(s.sender.id, { enabled: true });
        expect(await s.store.senders.findById(s.sender.id)).toMatchObject({
          enabled: true,
          failures: 0,
          disabledReason: null,
        });
        expect(logs.some((l) => l.includes(SIGNING_KEY))).toBe(false);
      } finally {
        clock = start;
        hookStatus = 200;
      }
    });

    it("sends through Free Mobile's API and follows its answers 200, 400, 402, 403 and 500", async () => {
      const expected: Record<number, { status: string; error?: string }> = {
        200: { status: "sent" },
        400: {
          status: "abandoned",
          error: "Free Mobile répond qu'un paramètre manque (400) : l'identifiant ou la clé est vide.",
        },
        402: {
          status: "failed",
          error:
            "Free Mobile refuse pour l'instant : trop de SMS envoyés en peu de temps (402) ; nouvel essai plus tard.",
        },
        403: {
          status: "abandoned",
          error:
            "Free Mobile refuse (403) : l'option « Notifications par SMS » n'est pas activée dans l'espace abonné, ou l'identifiant ou la clé est faux.",
        },
        500: { status: "failed", error: "Erreur du serveur de Free Mobile (500) ; nouvel essai plus tard." },
      };
      for (const [code, want] of Object.entries(expected)) {
        const s = await setup("stale_data", "freemobile", { baseUrl: httpUrl }, null, {
          user: `10000${code}`,
          pass: "free-key",
        });
        const alert = await s.store.transaction((tx) => tx.alerts.raise(s.candidate));
        const before = sms.length;
        const out = await runner(s.store).runOnce();
        expect(out, `answer ${code}`).toEqual([{ deliveryId: expect.any(Number), ...want }]);
        expect(sms).toHaveLength(before + 1);
        const q = sms.at(-1)!;
        expect(q.get("user")).toBe(`10000${code}`);
        expect(q.get("pass")).toBe("free-key");
        expect(q.get("msg")).toContain(s.candidate.title);
        const [d] = await s.store.alerts.deliveriesOf(alert!.id);
        expect(d?.status).toBe(want.status);
        // A recipient's refusal never counts against the channel itself; a server error does.
        expect((await s.store.senders.findById(s.sender.id))?.failures).toBe(code === "500" ? 1 : 0);
      }
      expect(logs.some((l) => l.includes("free-key"))).toBe(false);
    });

    it("erases a user's recipient settings with the user, and a sender's secrets with the sender", async () => {
      const s = await setup(
        "stale_data",
        "email",
        smtpConfig(),
        { password: "p" },
        { address: "x@example.org" },
      );
      const other = await meter(s.store, "09900000000099", `keeper-${db.kind}`);
      await s.store.secrets.put(
        recipientSecretName(s.sender.id, other.account.userId),
        '{"address":"k@example.org"}',
      );
      // A user id that is a prefix of another's must not take the other's settings with it.
      await eraseUser(s.store, s.userId);
      expect(await s.store.secrets.get(recipientSecretName(s.sender.id, s.userId))).toBeUndefined();
      expect(await s.store.secrets.get(recipientSecretName(s.sender.id, other.account.userId))).toBeDefined();
      await s.store.transaction(async (tx) => {
        await tx.alertDeliveries.deleteSenderSecrets(s.sender.id);
        await tx.senders.delete(s.sender.id);
      });
      expect(
        (await s.store.secrets.names()).filter((n) => n.startsWith(`sender.secret:${s.sender.id}`)),
      ).toEqual([]);
    });
  },
  { now: () => clock },
);
