/**
 * Issue 17, the alerts' store: at most one alert per kind, meter and day (a second raise is a no-op and
 * queues nothing), deliveries queued with the alert for the channels the user picked (enabled senders
 * only), the in-app list only the owner can mark read, and erasure removing it all; SQLite and PostgreSQL.
 */
import { expect, it } from "vitest";
import type { AlertCandidate } from "../../src/alerts/kinds.js";
import { eraseUser } from "../../src/store/index.js";
import { describeEachDatabase } from "../helpers/db.js";

describeEachDatabase("alerts store", (db) => {
  async function setup(name: string) {
    const store = db.getStore();
    const user = await store.users.create({ username: name, passwordHash: "x" });
    const other = await store.users.create({ username: `${name}-other`, passwordHash: "x" });
    const source = await store.senders.create({ libelle: `${name} enedis`, implClass: "dataconnect" });
    const mail = await store.senders.create({ libelle: `${name} mail`, implClass: "email" });
    const hook = await store.senders.create({ libelle: `${name} hook`, implClass: "webhook" });
    const account = await store.accounts.create({
      senderId: source.id,
      userId: user.id,
      usagePointId: "09900000000001",
    });
    const candidate: AlertCandidate = {
      userId: user.id,
      accountId: account.id,
      kind: "stale_data",
      day: "2026-11-30",
      title: "Plus de données depuis 3 jours",
      body: "Enedis a publié pour les autres compteurs.",
      link: `/compteur/${account.id}/diagnostic`,
      data: { days: 3 },
    };
    return { store, user, other, mail, hook, account, candidate };
  }

  it("raises once per kind, meter and day, with a delivery per chosen enabled channel", async () => {
    const { store, user, mail, hook, candidate } = await setup("a1");
    await store.alerts.setPreference(user.id, "stale_data", [mail.id, hook.id, mail.id]);
    await store.database.db
      .updateTable("notification_account_sender")
      .set({ enabled: 0, disabled_reason: "test" })
      .where("id", "=", hook.id)
      .execute();
    const first = await store.transaction((tx) => tx.alerts.raise(candidate, { notBeforeMs: 1234 }));
    expect(first).not.toBeNull();
    expect(first?.data).toEqual({ days: 3 });
    const again = await store.transaction((tx) => tx.alerts.raise({ ...candidate, title: "autre" }));
    expect(again).toBeNull();
    const deliveries = await store.alerts.deliveriesOf(first!.id);
    expect(deliveries.map((d) => [d.senderId, d.status, d.nextAttemptMs])).toEqual([
      [mail.id, "pending", 1234],
    ]);
    const next = await store.alerts.raise({ ...candidate, day: "2026-12-01" });
    expect(next?.id).not.toBe(first?.id);
    expect((await store.alerts.listForUser(user.id)).map((a) => a.day)).toEqual(["2026-12-01", "2026-11-30"]);
  });

  it("lets only the owner mark an alert read", async () => {
    const { store, user, other, candidate } = await setup("a2");
    const a = await store.alerts.raise(candidate);
    expect(await store.alerts.markRead(other.id, a!.id)).toBe(false);
    expect(await store.alerts.listForUser(other.id)).toEqual([]);
    expect(await store.alerts.markRead(user.id, a!.id)).toBe(true);
    expect(await store.alerts.listForUser(user.id, { unreadOnly: true })).toEqual([]);
  });

  it("keeps settings and preferences per user, and erasure removes alerts, deliveries and choices", async () => {
    const { store, user, other, mail, candidate } = await setup("a3");
    await store.alerts.setSettings(user.id, { summary: "weekly", thresholds: { stale_data: 5 } });
    await store.alerts.setSettings(user.id, { summary: "monthly" });
    expect(await store.alerts.settings(user.id)).toEqual({ summary: "monthly" });
    expect(await store.alerts.settings(other.id)).toEqual({});
    await store.alerts.setPreference(user.id, "stale_data", [mail.id]);
    await store.alerts.setPreference(other.id, "stale_data", [mail.id]);
    expect([...(await store.alerts.preferences(user.id))]).toEqual([["stale_data", [mail.id]]]);
    const a = await store.alerts.raise(candidate);
    expect(await store.alerts.deliveriesOf(a!.id)).toHaveLength(1);
    await eraseUser(store, user.id);
    const deliveries = await store.database.db
      .selectFrom("alert_delivery")
      .select("id")
      .where("alert_id", "=", a!.id)
      .execute();
    expect(await store.alerts.findById(a!.id)).toBeUndefined();
    expect(deliveries).toEqual([]);
    expect(await store.alerts.settings(user.id)).toEqual({});
    expect([...(await store.alerts.preferences(user.id))]).toEqual([]);
    expect([...(await store.alerts.preferences(other.id))]).toEqual([["stale_data", [mail.id]]]);
  });
});
