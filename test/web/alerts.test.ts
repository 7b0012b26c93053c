/**
 * Issue 17 on the web: the admin's channel senders (settings validated with plain-French errors, secrets
 * encrypted at rest and never shown back, "laisser vide pour garder", enable/disable, failures shown),
 * the user's alert settings (channels per kind among the enabled senders their role allows, recipient
 * settings, quiet hours, summary cadence) and the in-app list with the unread count in the navigation;
 * and a second user trying to reach the first one's alerts and settings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipientSecretName, secretName } from "../../src/alerts/channels/types.js";
import { registerAccount } from "../../src/accounts/service.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

const LIST = "/notificationAccountSender/notificationAccountSenders";
const SMTP_PASSWORD = "smtp-secret-password-42";
const HOOK_KEY = "hook-signing-key-0123456789";

describe("alert channels and settings on the web", () => {
  let f: Fixture;
  let admin: Agent;
  let alice: Agent;
  let mallory: Agent;
  let aliceId: number;
  let malloryId: number;
  let accountId: number;
  beforeAll(async () => {
    f = await fixture();
    await f.sender();
    admin = (await f.signedIn("admin", { admin: true })).agent;
    const a = await f.signedIn("alice");
    alice = a.agent;
    aliceId = a.user.id;
    const m = await f.signedIn("mallory");
    mallory = m.agent;
    malloryId = m.user.id;
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "alice",
      usagePointId: "09900000000001",
    });
    accountId = r.account.id;
  });
  afterAll(() => f.close());

  const save = (form: Record<string, string>, from = "/notificationAccountSender/create?impl=email") =>
    admin.submit("/notificationAccountSender/save", form, from);

  it("creates an e-mail channel: settings checked in French, the password encrypted and never shown", async () => {
    const page = await admin.get("/notificationAccountSender/create?impl=email");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Nouveau canal : E-mail (SMTP)");
    const bad = await save({
      libelle: "Courriel",
      implClass: "email",
      cfg_host: "",
      cfg_port: "abc",
      cfg_from: "pas-une-adresse",
      secret_password: SMTP_PASSWORD,
      enabled: "on",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Un nombre entier est attendu.");
    expect(bad.body).not.toContain(SMTP_PASSWORD);
    const badFrom = await save({
      libelle: "Courriel",
      implClass: "email",
      cfg_host: "smtp.example.org",
      cfg_port: "587",
      cfg_from: "pas-une-adresse",
      enabled: "on",
    });
    expect(badFrom.body).toContain("L&#39;expéditeur doit être une adresse e-mail.");
    const ok = await save({
      libelle: "Courriel",
      implClass: "email",
      cfg_host: "smtp.example.org",
      cfg_port: "",
      cfg_security: "tls",
      cfg_username: "linky",
      cfg_from: "linky@example.org",
      secret_password: SMTP_PASSWORD,
      enabled: "on",
    });
    expect(ok.statusCode).toBe(303);
    const s = (await f.ctx.store.senders.findByLibelle("Courriel"))!;
    expect(s).toMatchObject({ implClass: "email", enabled: true, cron: null });
    expect(s.config).toEqual({
      host: "smtp.example.org",
      port: 587,
      security: "tls",
      username: "linky",
      from: "linky@example.org",
      allowInvalidCertificate: false,
    });
    // Encrypted at rest: the stored bytes do not hold the password.
    const row = await f.ctx.store.database.db
      .selectFrom("app_secret")
      .select("ciphertext")
      .where("name", "=", secretName(s.id))
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.ciphertext as unknown as Uint8Array).toString("latin1")).not.toContain(
      SMTP_PASSWORD,
    );
    expect(JSON.parse((await f.ctx.store.secrets.get(secretName(s.id)))!)).toEqual({
      password: SMTP_PASSWORD,
    });
    // Never shown back; left empty, kept.
    const edit = await admin.get(`/notificationAccountSender/edit/${s.id}`);
    expect(edit.body).not.toContain(SMTP_PASSWORD);
    expect(edit.body).toContain("Laisser vide pour garder la valeur enregistrée.");
    expect(edit.body).toContain("(enregistré)");
    const again = await save(
      {
        id: String(s.id),
        libelle: "Courriel",
        implClass: "email",
        cfg_host: "smtp2.example.org",
        cfg_port: "465",
        cfg_security: "tls",
        cfg_username: "linky",
        cfg_from: "linky@example.org",
        secret_password: "",
        enabled: "on",
      },
      `/notificationAccountSender/edit/${s.id}`,
    );
    expect(again.statusCode).toBe(303);
    expect((await f.ctx.store.senders.findById(s.id))?.config.host).toBe("smtp2.example.org");
    expect(JSON.parse((await f.ctx.store.secrets.get(secretName(s.id)))!)).toEqual({
      password: SMTP_PASSWORD,
    });
    expect(f.logs.some((l) => l.includes(SMTP_PASSWORD))).toBe(false);
  });

  it("asks for the webhook's signing key, then lists the channel with its state; disable and enable", async () => {
    const from = "/notificationAccountSender/create?impl=webhook";
    const missing = await save(
      { libelle: "Crochet", implClass: "webhook", cfg_url: "https://hooks.example.org/linky", enabled: "on" },
      from,
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain("Ce secret est obligatoire.");
    const ok = await save(
      {
        libelle: "Crochet",
        implClass: "webhook",
        cfg_url: "https://hooks.example.org/linky",
        secret_signingKey: HOOK_KEY,
        enabled: "on",
      },
      from,
    );
    expect(ok.statusCode).toBe(303);
    const hook = (await f.ctx.store.senders.findByLibelle("Crochet"))!;
    const list = await admin.get(LIST);
    expect(list.body).toContain("Actif");
    expect(list.body).toContain("aucun envoi");
    expect(list.body).not.toContain(HOOK_KEY);
    const off = await admin.submit(`/notificationAccountSender/toggle/${hook.id}`, { enabled: "0" }, LIST);
    expect(off.headers.location).toBe(`${LIST}?done=disabled`);
    expect((await f.ctx.store.senders.findById(hook.id))?.enabled).toBe(false);
    // A disabled channel is not offered to users.
    expect((await alice.get("/alerts/settings")).body).not.toContain("Crochet");
    // Disabled by repeated failures: the reason is on the list and on the form.
    await f.ctx.store.senders.update(hook.id, { enabled: true });
    expect(
      await f.ctx.store.senders.recordFailure(
        hook.id,
        1,
        "Désactivé automatiquement : le webhook répond 503.",
      ),
    ).toBe(true);
    expect((await admin.get(LIST)).body).toContain("Désactivé automatiquement : le webhook répond 503.");
    expect((await admin.get(`/notificationAccountSender/edit/${hook.id}`)).body).toContain(
      "Désactivé automatiquement : le webhook répond 503.",
    );
    await admin.submit(`/notificationAccountSender/toggle/${hook.id}`, { enabled: "1" }, LIST);
    expect(await f.ctx.store.senders.findById(hook.id)).toMatchObject({
      enabled: true,
      failures: 0,
      disabledReason: null,
    });
    expect((await alice.get("/alerts/settings")).body).toContain("Crochet");
    // Alice's own pages are not the admin's: a user posting the toggle is refused.
    expect(
      (await alice.submit(`/notificationAccountSender/toggle/${hook.id}`, { enabled: "0" })).statusCode,
    ).toBe(403);
  });

  it("saves a user's channels per kind, their address, quiet hours and summary; refuses bad values in French", async () => {
    const mail = (await f.ctx.store.senders.findByLibelle("Courriel"))!;
    const hook = (await f.ctx.store.senders.findByLibelle("Crochet"))!;
    const page = await alice.get("/alerts/settings");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Adresse e-mail");
    // Picking e-mail without an address: told to give it.
    const noAddress = await alice.submit(
      "/alerts/settings",
      { k_stale_data: String(mail.id), summary: "off" },
      "/alerts/settings",
    );
    expect(noAddress.statusCode).toBe(400);
    expect(noAddress.body).toContain(
      "Complétez ces informations pour recevoir les alertes par « Courriel ».",
    );
    const badQuiet = await alice.submit(
      "/alerts/settings",
      { quietStart: "22:00", quietEnd: "", summary: "weekly" },
      "/alerts/settings",
    );
    expect(badQuiet.statusCode).toBe(400);
    expect(badQuiet.body).toContain("Indiquez le début et la fin des heures calmes");
    const res = await alice.post("/alerts/settings", {
      _csrf: await alice.csrf("/alerts/settings"),
      k_stale_data: String(mail.id),
      k_summary: String(mail.id),
      k_consent_ended: String(hook.id),
      [`r_${mail.id}_address`]: "alice@example.org",
      quietStart: "22:00",
      quietEnd: "07:00",
      summary: "weekly",
    });
    expect(res.statusCode).toBe(303);
    const prefs = await f.ctx.store.alerts.preferences(aliceId);
    expect(prefs.get("stale_data")).toEqual([mail.id]);
    expect(prefs.get("summary")).toEqual([mail.id]);
    expect(prefs.get("consent_ended")).toEqual([hook.id]);
    expect(await f.ctx.store.alerts.settings(aliceId)).toEqual({
      thresholds: {},
      quietHours: { start: "22:00", end: "07:00" },
      summary: "weekly",
    });
    // Per-user thresholds: empty keeps the installation's default; out of range is refused.
    const badThreshold = await alice.submit(
      "/alerts/settings",
      { t_unusual_day: "30", summary: "weekly" },
      "/alerts/settings",
    );
    expect(badThreshold.statusCode).toBe(400);
    expect(badThreshold.body).toContain("Un nombre de 50 à 100 est attendu");
    await alice.submit(
      "/alerts/settings",
      {
        k_stale_data: String(mail.id),
        [`r_${mail.id}_address`]: "alice@example.org",
        t_stale_data: "5",
        t_night_base_load: "",
        quietStart: "22:00",
        quietEnd: "07:00",
        summary: "weekly",
      },
      "/alerts/settings",
    );
    expect((await f.ctx.store.alerts.settings(aliceId)).thresholds).toEqual({ stale_data: 5 });
    expect(JSON.parse((await f.ctx.store.secrets.get(recipientSecretName(mail.id, aliceId)))!)).toEqual({
      address: "alice@example.org",
    });
    const back = await alice.get("/alerts/settings?done=saved");
    expect(back.body).toContain("Réglages des alertes enregistrés.");
    expect(back.body).toMatch(new RegExp(`name="k_stale_data" value="${mail.id}" checked`));
  });

  it("keeps a Free Mobile key write-only for the user", async () => {
    await save(
      { libelle: "SMS", implClass: "freemobile", cfg_baseUrl: "", enabled: "on" },
      "/notificationAccountSender/create?impl=freemobile",
    );
    const sms = (await f.ctx.store.senders.findByLibelle("SMS"))!;
    expect(sms.config).toEqual({ baseUrl: "https://smsapi.free-mobile.fr" });
    const form = {
      k_tempo_tomorrow: String(sms.id),
      [`r_${sms.id}_user`]: "12345678",
      [`r_${sms.id}_pass`]: "free-api-key-abc",
      summary: "weekly",
    };
    expect((await alice.submit("/alerts/settings", form, "/alerts/settings")).statusCode).toBe(303);
    const page = await alice.get("/alerts/settings");
    expect(page.body).not.toContain("free-api-key-abc");
    expect(page.body).toContain('value="12345678"');
    // Empty key: kept.
    await alice.submit("/alerts/settings", { ...form, [`r_${sms.id}_pass`]: "" }, "/alerts/settings");
    expect(JSON.parse((await f.ctx.store.secrets.get(recipientSecretName(sms.id, aliceId)))!)).toEqual({
      user: "12345678",
      pass: "free-api-key-abc",
    });
  });

  it("lists the user's alerts with deliveries and failures, the unread count in the navigation, mark read", async () => {
    const mail = (await f.ctx.store.senders.findByLibelle("Courriel"))!;
    // (The previous form, which had no e-mail pick, replaced the picks.)
    await f.ctx.store.alerts.setPreference(aliceId, "stale_data", [mail.id]);
    const a1 = await f.ctx.store.transaction((tx) =>
      tx.alerts.raise({
        userId: aliceId,
        accountId,
        kind: "stale_data",
        day: "2026-11-27",
        title: "Plus de nouvelles données depuis 3 jours",
        body: "Enedis a publié pour les autres compteurs.",
        link: "/",
      }),
    );
    await f.ctx.store.alerts.raise({
      userId: aliceId,
      accountId,
      kind: "power_near_limit",
      day: "2026-11-27",
      title: "Puissance souscrite presque atteinte",
      body: "8,7 kVA sur 9 kVA.",
      link: null,
    });
    const [d] = await f.ctx.store.alerts.deliveriesOf(a1!.id);
    expect(d?.senderId).toBe(mail.id);
    await f.ctx.store.alertDeliveries.claim(d!.id, "test", f.clock.now() + 60_000);
    await f.ctx.store.alertDeliveries.markFailed(d!.id, "test", {
      error: "Le serveur SMTP est injoignable ou n'a pas répondu à temps ; nouvel essai plus tard.",
      nextAttemptMs: f.clock.now() + 60_000,
    });
    const home = await alice.get("/");
    expect(home.body).toContain('<span class="badge" id="alerts-unread">2</span>');
    const list = await alice.get("/alerts");
    expect(list.body).toContain("Plus de nouvelles données depuis 3 jours");
    expect(list.body).toContain("Courriel");
    expect(list.body).toContain("Le serveur SMTP est injoignable");
    const settings = await alice.get("/alerts/settings");
    expect(settings.body).toContain("Des envois ont échoué récemment");
    const admins = await admin.get(LIST);
    expect(admins.body).toContain("1 en échec");
    expect(admins.body).toContain("Dernière erreur : Le serveur SMTP est injoignable");
    const read = await alice.submit(`/alerts/${a1!.id}/read`, {}, "/alerts");
    expect(read.statusCode).toBe(303);
    expect((await alice.get("/")).body).toContain('<span class="badge" id="alerts-unread">1</span>');
    await alice.submit("/alerts/read-all", {}, "/alerts");
    expect((await alice.get("/")).body).not.toContain('id="alerts-unread"');
  });

  it("never lets another user see, mark or change someone's alerts and settings", async () => {
    const [mine] = await f.ctx.store.alerts.listForUser(aliceId, { limit: 1 });
    const page = await mallory.get("/alerts");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Aucune alerte pour l'instant.");
    expect(page.body).not.toContain(mine!.title);
    // Marking someone else's alert: a 404, like a missing one, and nothing changes.
    const unreadBefore = (await f.ctx.store.alerts.listForUser(aliceId, { unreadOnly: true })).length;
    await f.ctx.store.database.db
      .updateTable("alert")
      .set({ read_at_ms: null })
      .where("id", "=", mine!.id)
      .execute();
    const res = await mallory.submit(`/alerts/${mine!.id}/read`, {}, "/alerts");
    expect(res.statusCode).toBe(404);
    expect((await f.ctx.store.alerts.findById(mine!.id))?.readAtMs).toBeNull();
    expect(unreadBefore).toBeGreaterThanOrEqual(0);
    // Read-all marks only one's own.
    await mallory.submit("/alerts/read-all", {}, "/alerts");
    expect((await f.ctx.store.alerts.findById(mine!.id))?.readAtMs).toBeNull();
    // Mallory's settings page shows none of Alice's recipient settings.
    const settings = await mallory.get("/alerts/settings");
    expect(settings.body).not.toContain("alice@example.org");
    expect(settings.body).not.toContain("12345678");
    // Posting a sender id that is not offered (a role she lacks) is ignored.
    const vip = await f.ctx.store.senders.create({
      libelle: "VIP",
      implClass: "webhook",
      role: "ROLE_VIP",
      config: { url: "https://vip.example.org" },
    });
    await mallory.submit(
      "/alerts/settings",
      { k_stale_data: String(vip.id), summary: "off" },
      "/alerts/settings",
    );
    expect((await f.ctx.store.alerts.preferences(malloryId)).get("stale_data") ?? []).toEqual([]);
    // Without the CSRF token: refused.
    const forged = await mallory.post("/alerts/settings", { summary: "monthly" });
    expect(forged.statusCode).toBe(403);
    // Anonymous: to the sign-in page.
    expect((await f.agent().get("/alerts")).statusCode).toBe(302);
  });
});
