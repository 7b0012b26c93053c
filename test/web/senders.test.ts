/** Admin "Connecteurs": list, search, paging, the form's checks, and deletion with its confirmation. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateQuartzCron } from "../../src/scheduler/cron.js";
import { SENDERS_PER_PAGE } from "../../src/web/routes/senders.js";
import { fixture, type Agent, type Fixture } from "./helpers.js";

const LIST = "/notificationAccountSender/notificationAccountSenders";

describe("admin senders", () => {
  let f: Fixture;
  let admin: Agent;
  beforeAll(async () => {
    f = await fixture();
    admin = (await f.signedIn("admin", { admin: true })).agent;
  });
  afterAll(() => f.close());

  const save = (form: Record<string, string>) =>
    admin.submit("/notificationAccountSender/save", form, "/notificationAccountSender/create");

  it("creates a sender with an implementation from the registry and a validated cron", async () => {
    const form = await admin.get("/notificationAccountSender/create");
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="dataconnect"');
    const res = await save({
      libelle: "Enedis DataConnect",
      implClass: "dataconnect",
      role: "",
      cron: "0 0/10 * * * ?",
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${LIST}?done=created`);
    const s = await f.ctx.store.senders.findByLibelle("Enedis DataConnect");
    expect(s).toMatchObject({ implClass: "dataconnect", role: null, cron: "0 0/10 * * * ?" });
    const list = await admin.get(`${LIST}?done=created`);
    expect(list.body).toContain("Connecteur créé.");
    expect(list.body).toContain("Enedis DataConnect");
  });

  it("accepts the seed's class name as the implementation and stores the registry key", async () => {
    const res = await save({
      libelle: "Legacy",
      implClass: "smarthome.automation.datasource.DataConnectDataSourceProvider",
      role: "ROLE_USER",
      cron: "",
    });
    expect(res.statusCode).toBe(303);
    expect(await f.ctx.store.senders.findByLibelle("Legacy")).toMatchObject({
      implClass: "dataconnect",
      role: "ROLE_USER",
      cron: null,
    });
  });

  it("puts each bad input's message beside its field and writes nothing", async () => {
    const before = await f.ctx.store.senders.count();
    const cases: [Record<string, string>, string, string][] = [
      [
        { libelle: "", implClass: "dataconnect", role: "", cron: "" },
        "libelle",
        "Le libellé est obligatoire.",
      ],
      [{ libelle: "X", implClass: "", role: "", cron: "" }, "implClass", "Choisissez une implémentation."],
      [{ libelle: "X", implClass: "smtp", role: "", cron: "" }, "implClass", "Implémentation inconnue"],
      [{ libelle: "X", implClass: "dataconnect", role: "admin", cron: "" }, "role", "ROLE_NOM"],
      [
        { libelle: "X", implClass: "dataconnect", role: "", cron: "0 0/10 * * *" },
        "cron",
        "Expression cron invalide",
      ],
      [
        { libelle: "X", implClass: "dataconnect", role: "", cron: "0 0 25 * * ?" },
        "cron",
        "Expression cron invalide",
      ],
      [
        { libelle: "Enedis DataConnect", implClass: "dataconnect", role: "", cron: "" },
        "libelle",
        "Un connecteur porte déjà ce libellé.",
      ],
    ];
    for (const [form, fieldName, message] of cases) {
      const res = await save(form);
      expect(res.statusCode, JSON.stringify(form)).toBe(400);
      const errorBlock = new RegExp(`id="e-${fieldName}">([^<]*)<`).exec(res.body)?.[1] ?? "";
      expect(errorBlock.replace(/&#39;/g, "'"), JSON.stringify(form)).toContain(message);
    }
    // The cron message is French: it names the field at fault and its values, never the engine's English.
    const res = await save({ libelle: "X", implClass: "dataconnect", role: "", cron: "0 0 25 * * ?" });
    const english = validateQuartzCron("0 0 25 * * ?") as string;
    const shown = res.body.replace(/&#39;/g, "'").replace(/&quot;/g, '"');
    expect(shown).toContain("le champ «\u00a0heures\u00a0» (3e) est incorrect ; valeurs possibles : 0 à 23.");
    expect(shown).not.toContain(english);
    const fields = await save({ libelle: "X", implClass: "dataconnect", role: "", cron: "0 0/10 * * *" });
    expect(fields.body).toContain("il faut 6 ou 7 champs");
    expect(fields.body).not.toContain("expected 6 or 7 fields");
    // Values typed are kept in the form.
    expect(res.body).toContain('value="0 0 25 * * ?"');
    expect(await f.ctx.store.senders.count()).toBe(before);
  });

  it("edits a sender, and refuses to take another sender's label", async () => {
    const legacy = (await f.ctx.store.senders.findByLibelle("Legacy"))!;
    const page = await admin.get(`/notificationAccountSender/edit/${legacy.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('value="Legacy"');
    const taken = await admin.submit(
      "/notificationAccountSender/save",
      { id: String(legacy.id), libelle: "Enedis DataConnect", implClass: "dataconnect", role: "", cron: "" },
      `/notificationAccountSender/edit/${legacy.id}`,
    );
    expect(taken.statusCode).toBe(400);
    const ok = await admin.submit(
      "/notificationAccountSender/save",
      { id: String(legacy.id), libelle: "Legacy 2", implClass: "dataconnect", role: "", cron: "0 0 6 * * ?" },
      `/notificationAccountSender/edit/${legacy.id}`,
    );
    expect(ok.statusCode).toBe(303);
    expect(await f.ctx.store.senders.findById(legacy.id)).toMatchObject({
      libelle: "Legacy 2",
      cron: "0 0 6 * * ?",
    });
    expect((await admin.get("/notificationAccountSender/edit/99999")).statusCode).toBe(404);
    expect((await admin.get("/notificationAccountSender/edit/abc")).statusCode).toBe(404);
    const unknown = await admin.submit(
      "/notificationAccountSender/save",
      { id: "99999", libelle: "Z", implClass: "dataconnect", role: "", cron: "" },
      "/notificationAccountSender/create",
    );
    expect(unknown.statusCode).toBe(404);
  });

  it("pages the list and searches the label without regard to case or wildcards", async () => {
    for (let i = 0; i < SENDERS_PER_PAGE + 3; i++) {
      await f.ctx.store.senders.create({
        libelle: `Bulk ${String(i).padStart(2, "0")}`,
        implClass: "dataconnect",
      });
    }
    await f.ctx.store.senders.create({ libelle: "100% solar_", implClass: "dataconnect" });
    const first = await admin.get(LIST);
    const rows = (html: string) => (html.match(/<tr>\s*<td data-label="Libellé">/g) ?? []).length;
    expect(rows(first.body)).toBe(SENDERS_PER_PAGE);
    expect(first.body).toContain("page=2");
    const second = await admin.get(`${LIST}?page=2`);
    expect(rows(second.body)).toBe((await f.ctx.store.senders.count()) - SENDERS_PER_PAGE);
    const search = await admin.get(`${LIST}?q=bULK%201`);
    expect(rows(search.body)).toBe(10);
    const literal = await admin.get(`${LIST}?q=${encodeURIComponent("0% s")}`);
    expect(rows(literal.body)).toBe(1);
    const wildcard = await admin.get(`${LIST}?q=${encodeURIComponent("_")}`);
    expect(rows(wildcard.body)).toBe(1);
    expect((await admin.get(`${LIST}?page=0`)).statusCode).toBe(400);
    expect((await admin.get(`${LIST}?page=x`)).statusCode).toBe(400);
  });

  it("says what happens to a sender's accounts and deletes them only once confirmed", async () => {
    const sender = await f.ctx.store.senders.create({ libelle: "Doomed", implClass: "dataconnect" });
    const owner = await f.user("owner");
    for (const prm of ["22516914714270", "11453290002823"]) {
      await f.ctx.store.accounts.create({ senderId: sender.id, userId: owner.id, usagePointId: prm });
    }
    const confirm = await admin.get(`/notificationAccountSender/delete/${sender.id}`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain("2 comptes utilisent ce connecteur");
    expect(confirm.body).toContain("Les compteurs et les mesures déjà collectées sont conservés");
    // The count confirmed no longer matches: ask again, delete nothing.
    await f.ctx.store.accounts.create({
      senderId: sender.id,
      userId: owner.id,
      usagePointId: "32320647321714",
    });
    const stale = await admin.submit(
      `/notificationAccountSender/delete/${sender.id}`,
      { accounts: "2" },
      `/notificationAccountSender/delete/${sender.id}`,
    );
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain("3 comptes");
    expect(await f.ctx.store.senders.findById(sender.id)).toBeDefined();
    const done = await admin.submit(
      `/notificationAccountSender/delete/${sender.id}`,
      { accounts: "3" },
      `/notificationAccountSender/delete/${sender.id}`,
    );
    expect(done.statusCode).toBe(303);
    expect(await f.ctx.store.senders.findById(sender.id)).toBeUndefined();
    expect(await f.ctx.store.accounts.list({ userId: owner.id })).toHaveLength(0);
  });

  it("deletes a sender without accounts after a plain confirmation", async () => {
    const sender = await f.ctx.store.senders.create({ libelle: "Unused", implClass: "dataconnect" });
    const confirm = await admin.get(`/notificationAccountSender/delete/${sender.id}`);
    expect(confirm.body).toContain("Aucun compte n'utilise ce connecteur");
    const done = await admin.submit(
      `/notificationAccountSender/delete/${sender.id}`,
      { accounts: "0" },
      `/notificationAccountSender/delete/${sender.id}`,
    );
    expect(done.statusCode).toBe(303);
    expect(await f.ctx.store.senders.findById(sender.id)).toBeUndefined();
  });
});
