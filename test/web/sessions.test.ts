/**
 * Issue 10, findings 5 and 13, through the web app on SQLite and PostgreSQL: sessions that end (logout,
 * idle and absolute timeouts, password change, "sign out everywhere", ending one session from /user,
 * a disabled user), user administration (disable, re-enable, delete with everything they own), and a
 * service deleted with or without its meter's data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { newToken } from "../../src/web/api/tokens.js";
import { DEFAULT_ABSOLUTE_MS, DEFAULT_IDLE_MS, TOUCH_EVERY_MS } from "../../src/web/session.js";
import { createTarget, probePostgres, REQUIRE_SERVICES, type DbTarget } from "../helpers/db.js";
import { countEveryTable, seedMeterData, SEEDED_ROWS } from "../helpers/meter-data.js";
import { fixture, PASSWORD, type Agent, type Fixture } from "./helpers.js";

const pg = await probePostgres();
const NEW_PASSWORD = "a brand new passphrase";

/** True when the agent's session opens the user page. */
async function signedIn(a: Agent): Promise<boolean> {
  const res = await a.get("/user");
  if (res.statusCode === 200) return true;
  expect(res.statusCode).toBe(302);
  expect(res.headers.location).toMatch(/^\/login/);
  return false;
}

/** An agent that sends exactly this session cookie. */
function replay(f: Fixture, cookie: string): Agent {
  const a = f.agent();
  a.jar.set("ld_session", { value: cookie, attributes: "" });
  return a;
}

for (const kind of ["sqlite", "postgres"] as const) {
  const skip = kind === "postgres" && !pg.ok && !REQUIRE_SERVICES;
  describe.skipIf(skip)(`sessions and user administration [${kind}]`, () => {
    let f: Fixture;
    let target: DbTarget | undefined;
    let n = 0;
    const name = (p: string) => `${p}${++n}`;

    beforeAll(async () => {
      if (kind === "postgres" && !pg.ok) throw new Error(pg.reason);
      target = kind === "postgres" ? await createTarget("postgres") : undefined;
      f = await fixture(target ? { env: { DATABASE_URL: target.url } } : {});
      await f.sender();
    });
    afterAll(async () => {
      await f?.close();
      await target?.cleanup();
    });

    /** Moves the clock for `fn`, then back. */
    async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
      f.clock.advance(ms);
      try {
        return await fn();
      } finally {
        f.clock.advance(-ms);
      }
    }

    it("refuses a cookie copied before logout: neither /user nor /api/v1/me opens with it (finding 5)", async () => {
      const { agent } = await f.signedIn(name("copy"));
      const copy = agent.jar.get("ld_session")!.value;
      expect(await signedIn(replay(f, copy))).toBe(true);
      expect((await replay(f, copy).get("/api/v1/me")).statusCode).toBe(200);
      expect((await agent.submit("/logout")).statusCode).toBe(303);
      expect(await signedIn(replay(f, copy))).toBe(false);
      const api = await replay(f, copy).get("/api/v1/me");
      expect(api.statusCode).toBe(401);
    });

    it("ends a session after the idle time; a request within it keeps it alive, at most one write per few minutes", async () => {
      const { agent, user } = await f.signedIn(name("idle"));
      const [before] = await f.ctx.store.webSessions.listActive(user.id, f.clock.now(), DEFAULT_IDLE_MS);
      // Within TOUCH_EVERY_MS: no write.
      await later(TOUCH_EVERY_MS / 2, async () => expect(await signedIn(agent)).toBe(true));
      expect((await f.ctx.store.webSessions.findById(before!.id))?.lastSeenMs).toBe(before!.lastSeenMs);
      // Just before the idle limit: still open, and now recorded as seen.
      await later(DEFAULT_IDLE_MS - 60_000, async () => {
        expect(await signedIn(agent)).toBe(true);
        const seen = (await f.ctx.store.webSessions.findById(before!.id))?.lastSeenMs ?? 0;
        expect(seen).toBeGreaterThan(before!.lastSeenMs + DEFAULT_IDLE_MS / 2);
        // Another idle period counted from that request, not from the sign-in.
        await later(DEFAULT_IDLE_MS - 60_000, async () => expect(await signedIn(agent)).toBe(true));
      });
      const other = await f.signedIn(name("idle"));
      await later(DEFAULT_IDLE_MS + 1000, async () => expect(await signedIn(other.agent)).toBe(false));
    });

    it("ends a session at its absolute lifetime even when it is used all along", async () => {
      const { agent } = await f.signedIn(name("abs"));
      const step = DEFAULT_IDLE_MS - 3600_000;
      let elapsed = 0;
      try {
        while (elapsed + step < DEFAULT_ABSOLUTE_MS) {
          f.clock.advance(step);
          elapsed += step;
          expect(await signedIn(agent), `after ${elapsed / 3600_000} h`).toBe(true);
        }
        f.clock.advance(DEFAULT_ABSOLUTE_MS - elapsed);
        elapsed = DEFAULT_ABSOLUTE_MS;
        expect(await signedIn(agent)).toBe(false);
      } finally {
        f.clock.advance(-elapsed);
      }
    });

    it("changes the password: checks the form, then signs out the user's other browsers, not this one", async () => {
      const username = name("pw");
      const { agent: here } = await f.signedIn(username);
      const there = f.agent();
      await there.login(username, PASSWORD);
      const from = "/user/password";
      const wrong = await here.submit(
        from,
        { current: "not it at all", password: NEW_PASSWORD, confirm: NEW_PASSWORD },
        from,
      );
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain("Ce n&#39;est pas votre mot de passe actuel");
      const mismatch = await here.submit(
        from,
        { current: PASSWORD, password: NEW_PASSWORD, confirm: "other" },
        from,
      );
      expect(mismatch.body).toContain("Les deux mots de passe diffèrent");
      const short = await here.submit(from, { current: PASSWORD, password: "short", confirm: "short" }, from);
      expect(short.body).toContain("au moins 8 caractères");
      expect(await signedIn(there)).toBe(true);

      const ok = await here.submit(
        from,
        { current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD },
        from,
      );
      expect(ok.statusCode).toBe(303);
      expect(ok.headers.location).toBe("/user?done=password");
      expect((await here.get("/user?done=password")).body).toContain("Mot de passe changé");
      expect(await signedIn(there)).toBe(false);
      expect((await f.agent().login(username, PASSWORD)).statusCode).toBe(401);
      expect((await f.agent().login(username, NEW_PASSWORD)).statusCode).toBe(303);
    });

    it("signs out everywhere: the other sessions, then all of them", async () => {
      const username = name("all");
      const { agent: a } = await f.signedIn(username);
      const b = f.agent();
      const c = f.agent();
      await b.login(username, PASSWORD);
      await c.login(username, PASSWORD);
      const res = await a.submit("/user/sessions/revoke-all", { scope: "others" }, "/user");
      expect(res.headers.location).toBe("/user?done=others-ended#sessions");
      expect([await signedIn(a), await signedIn(b), await signedIn(c)]).toEqual([true, false, false]);
      const d = f.agent();
      await d.login(username, PASSWORD);
      const all = await a.submit("/user/sessions/revoke-all", { scope: "all" }, "/user");
      expect(all.headers.location).toBe("/login");
      expect([await signedIn(a), await signedIn(d)]).toEqual([false, false]);
    });

    it("lists the user's sessions and ends one of them; another user's session id is a 404", async () => {
      const username = name("list");
      const { agent: a } = await f.signedIn(username);
      const b = f.agent();
      await b.login(username, PASSWORD);
      const page = (await a.get("/user")).body;
      const rows = [...page.matchAll(/<tr data-id="([0-9a-f]{64})"( class="current")?>/g)];
      expect(rows).toHaveLength(2);
      expect(rows.filter((r) => r[2]).length).toBe(1);
      expect(page.match(/cette session/g)).toHaveLength(1);
      expect(page).toContain("127.0.0.1");
      const otherId = rows.find((r) => !r[2])![1]!;
      const stranger = await f.signedIn(name("stranger"));
      expect((await stranger.agent.submit(`/user/sessions/${otherId}/revoke`, {}, "/user")).statusCode).toBe(
        404,
      );
      expect(await signedIn(b)).toBe(true);
      const res = await a.submit(`/user/sessions/${otherId}/revoke`, {}, "/user");
      expect(res.headers.location).toBe("/user?done=session-ended#sessions");
      expect(await signedIn(b)).toBe(false);
      expect(await signedIn(a)).toBe(true);
      expect((await a.get("/user")).body.match(/<tr data-id=/g)).toHaveLength(1);
    });

    it("disables a user: no sign-in, their session and API token refused at once; re-enabling gives the token back", async () => {
      const admin = await f.signedIn(name("admin"), { admin: true });
      const username = name("dis");
      const { agent, user } = await f.signedIn(username);
      const t = newToken();
      await f.ctx.store.apiTokens.create({
        userId: user.id,
        name: "script",
        tokenHash: t.hash,
        prefix: t.prefix,
      });
      const bearer = { authorization: `Bearer ${t.token}` };
      expect((await f.agent().get("/api/v1/me", bearer)).statusCode).toBe(200);

      const res = await admin.agent.submit(`/admin/users/${user.id}/disable`, {}, "/admin/users");
      expect(res.headers.location).toBe("/admin/users?done=disabled");
      expect((await admin.agent.get("/admin/users?done=disabled")).body).toContain("Désactivé le");
      expect(await signedIn(agent)).toBe(false);
      expect((await f.agent().get("/api/v1/me", bearer)).statusCode).toBe(401);
      const login = await f.agent().login(username, PASSWORD);
      expect(login.statusCode).toBe(403);
      expect(login.body).toContain("Ce compte est désactivé");
      expect((await f.agent().login(username, "wrong password!")).statusCode).toBe(401);

      // Never oneself.
      const self = await admin.agent.submit(`/admin/users/${admin.user.id}/disable`, {}, "/admin/users");
      expect(self.statusCode).toBe(409);
      expect(self.body).toContain("vous-même");
      expect(
        (
          await admin.agent.submit(
            `/admin/users/${admin.user.id}/delete`,
            { confirm: admin.user.username },
            "/admin/users",
          )
        ).statusCode,
      ).toBe(409);

      await admin.agent.submit(`/admin/users/${user.id}/enable`, {}, "/admin/users");
      expect((await f.agent().get("/api/v1/me", bearer)).statusCode).toBe(200);
      expect(await signedIn(agent)).toBe(false); // sessions ended by the disable stay ended
      expect((await f.agent().login(username, PASSWORD)).statusCode).toBe(303);
    });

    it("deletes a user after a confirmation that says what goes; everything of theirs goes, nothing of others", async () => {
      const admin = await f.signedIn(name("admin"), { admin: true });
      const victim = await f.signedIn(name("gone"));
      const keeper = await f.signedIn(name("kept"));
      const prm = "11453290002823";
      const mine = await registerAccount(f.ctx.store, f.ctx.config, {
        username: victim.user.username,
        usagePointId: prm,
      });
      const theirs = await registerAccount(f.ctx.store, f.ctx.config, {
        username: keeper.user.username,
        usagePointId: prm,
      });
      await seedMeterData(f.ctx.store, mine.device.id, `v${victim.user.id}`);
      await seedMeterData(f.ctx.store, theirs.device.id, `k${keeper.user.id}`);
      const t = newToken();
      await f.ctx.store.apiTokens.create({
        userId: victim.user.id,
        name: "s",
        tokenHash: t.hash,
        prefix: t.prefix,
      });

      const confirm = await admin.agent.get(`/admin/users/${victim.user.id}/delete`);
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain(prm);
      expect(confirm.body).toContain("13 mesure(s)"); // 8 curve + 2 days + 1 month + 2 indexes
      expect(confirm.body).toContain("1 service(s)");
      const from = `/admin/users/${victim.user.id}/delete`;
      const before = await countEveryTable(f.ctx.store);
      expect((await admin.agent.submit(from, { confirm: "someone else" }, from)).statusCode).toBe(409);
      expect(await countEveryTable(f.ctx.store)).toEqual(before);

      const res = await admin.agent.submit(from, { confirm: victim.user.username }, from);
      expect(res.headers.location).toBe("/admin/users?done=deleted");
      const after = await countEveryTable(f.ctx.store);
      const gone = Object.fromEntries(Object.keys(before).map((k) => [k, before[k]! - (after[k] ?? 0)]));
      expect(gone).toMatchObject({
        ...SEEDED_ROWS,
        app_user: 1,
        notification_account: 1,
        device: 1,
        api_token: 1,
        web_session: 1,
      });
      for (const [table, n] of Object.entries(gone)) {
        if (
          !(table in SEEDED_ROWS) &&
          !["app_user", "notification_account", "device", "api_token", "web_session", "app_secret"].includes(
            table,
          )
        )
          expect(n, table).toBe(0);
      }
      expect(await signedIn(victim.agent)).toBe(false);
      expect((await f.agent().get("/api/v1/me", { authorization: `Bearer ${t.token}` })).statusCode).toBe(
        401,
      );
      expect(await f.ctx.store.devices.findById(mine.device.id)).toBeUndefined();
      expect(await f.ctx.store.erasure.countDeviceData([theirs.device.id])).toEqual(SEEDED_ROWS);
      expect(await signedIn(keeper.agent)).toBe(true);
    });

    it("deletes a service keeping its meter's data, or erasing them (the default) (finding 13)", async () => {
      const { agent, user } = await f.signedIn(name("svc"));
      const list = "/notificationAccount/notificationAccounts";
      const keep = await registerAccount(f.ctx.store, f.ctx.config, {
        username: user.username,
        usagePointId: "22516914714270",
      });
      await seedMeterData(f.ctx.store, keep.device.id, `s${user.id}a`);
      const page = await agent.get(`/notificationAccount/${keep.account.id}/delete`);
      expect(page.body).toMatch(/value="erase" checked/);
      const kept = await agent.submit(
        `/notificationAccount/${keep.account.id}/delete`,
        { data: "keep" },
        list,
      );
      expect(kept.headers.location).toBe(`${list}?done=deleted`);
      expect(await f.ctx.store.accounts.findById(keep.account.id)).toBeUndefined();
      expect(await f.ctx.store.erasure.countDeviceData([keep.device.id])).toEqual(SEEDED_ROWS);

      const erase = await registerAccount(f.ctx.store, f.ctx.config, {
        username: user.username,
        usagePointId: "11453290002823",
      });
      await seedMeterData(f.ctx.store, erase.device.id, `s${user.id}b`);
      const before = await countEveryTable(f.ctx.store);
      // No choice sent: erased, as the page proposes.
      const erased = await agent.submit(`/notificationAccount/${erase.account.id}/delete`, {}, list);
      expect(erased.headers.location).toBe(`${list}?done=erased`);
      expect((await agent.get(`${list}?done=erased`)).body).toContain(
        "avec le compteur et toutes ses mesures",
      );
      const after = await countEveryTable(f.ctx.store);
      const gone = Object.fromEntries(Object.keys(before).map((k) => [k, before[k]! - (after[k] ?? 0)]));
      expect(gone).toEqual({
        ...Object.fromEntries(Object.keys(before).map((k) => [k, 0])),
        ...SEEDED_ROWS,
        notification_account: 1,
        device: 1,
      });
      expect(await f.ctx.store.devices.findById(erase.device.id)).toBeUndefined();
      expect(await f.ctx.store.devices.findById(keep.device.id)).toBeDefined();
    });
  });
}
