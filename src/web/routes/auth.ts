/**
 * Sign-in, sign-out, and the first-start setup page.
 *
 * Login attempts are limited per address (rate-limit plugin) and, per (user name, address), by growing
 * waits after a few failures (`login-throttle.ts`); an unknown user name costs as much time as a wrong
 * password. A hash made with older, weaker parameters is replaced at the next successful sign-in. The setup page exists only while no
 * user does, and needs the token the server prints at start-up: whoever reaches a fresh server first
 * does not become its administrator.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { verifyStoredPassword } from "../../auth/legacy-password.js";
import { hashPassword, MAX_PASSWORD_LENGTH, needsRehash, passwordProblem } from "../../auth/password.js";
import { defaultSenderId } from "../../accounts/service.js";
import { t } from "../../i18n/index.js";
import { findImplementation } from "../../senders/registry.js";
import { DEMO_PRM } from "../../simulator/households.js";
import { ROLE_ADMIN, ROLE_USER, UniqueViolationError, type Store } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { field, HttpError, safeNext } from "../http.js";
import { frenchWait } from "../login-throttle.js";

export const USERNAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;

/** The one-time setup: open while there is no user, and only with the token. */
export class SetupGate {
  private creating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    readonly token: string,
  ) {}

  async isOpen(): Promise<boolean> {
    return (await this.store.users.count()) === 0;
  }

  tokenMatches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Runs `fn` alone (two setup forms posted at once create one administrator). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.creating.then(fn, fn);
    this.creating = run.catch(() => undefined);
    return run;
  }
}

/** A hash to compare against when the user does not exist, so that both cases take as long. */
let dummyHash: Promise<string> | undefined;

export function registerAuthRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, sessions, throttle, setup } = deps;
  const { store } = deps.ctx;
  const perMinute = deps.options.loginRateLimit?.perAddressPerMinute ?? 10;

  app.get("/login", async (request, reply) => {
    if (request.user) return reply.redirect(safeNext((request.query as Record<string, unknown>).next), 303);
    if (await setup.isOpen()) return reply.redirect("/setup", 303);
    return render.send(request, reply, "login", {
      title: "Connexion",
      nav: "login",
      next: safeNext((request.query as Record<string, unknown>).next),
      username: "",
      error: null,
    });
  });

  app.post(
    "/login",
    {
      config: { rateLimit: { max: perMinute, timeWindow: 60_000 } },
      preHandler: app.csrfProtection,
    },
    async (request, reply) => {
      const username = field(request.body, "username");
      const password = field(request.body, "password", false);
      const next = safeNext(field(request.body, "next"));
      const again = (error: string, status: number) =>
        render.send(
          request,
          reply,
          "login",
          { title: "Connexion", nav: "login", next, username, error },
          status,
        );
      if (!username || !password) return again(t("form.loginMissing"), 400);
      const wait = throttle.waitMs(username, request.ip);
      if (wait > 0) {
        reply.header("retry-after", String(Math.ceil(wait / 1000)));
        return again(t("form.loginWait", { wait: frenchWait(wait) }), 429);
      }
      let user = USERNAME_RE.test(username) ? await store.users.findByUsername(username) : undefined;
      dummyHash ??= hashPassword("not the password of anyone");
      const given = password.slice(0, MAX_PASSWORD_LENGTH);
      const ok = await verifyStoredPassword(given, user?.passwordHash ?? (await dummyHash));
      if (!user || !ok) {
        throttle.fail(username, request.ip);
        return again(t("form.loginWrong"), 401);
      }
      throttle.succeed(username, request.ip);
      if (user.disabledAtMs !== null) {
        // Said only to whoever knows the password: it tells them why, and nothing to anyone else.
        return again(t("form.loginDisabled"), 403);
      }
      if (needsRehash(user.passwordHash)) {
        await store.users.setPasswordHash(user.id, await hashPassword(given));
        user = (await store.users.findById(user.id)) ?? user;
      }
      await sessions.login(request, reply, user);
      return reply.redirect(next, 303);
    },
  );

  app.post("/logout", { preHandler: app.csrfProtection }, async (request, reply) => {
    await sessions.logout(request, reply);
    return reply.redirect("/login", 303);
  });

  const simulated = deps.ctx.simulator !== null;
  /** What the setup page says about the connector: created at this first start, or already there. */
  async function senderNote(): Promise<string | null> {
    const senders = (await store.senders.list({ limit: 1000 })).filter(
      (s) => findImplementation(s.implClass)?.key === "dataconnect",
    );
    const first = senders[0];
    if (!first) return null;
    const created = await defaultSenderId(store);
    return created === first.id
      ? t("firstRun.senderCreated", { libelle: first.libelle })
      : t("firstRun.senderReady", { libelle: first.libelle });
  }
  const setupPage = async (
    values: { username: string; demo: boolean },
    errors: Record<string, string>,
    token: string,
  ) => ({
    title: t("error.heading.setup"),
    values,
    errors,
    token,
    senderNote: await senderNote(),
    demo: simulated ? { prm: DEMO_PRM } : null,
  });

  app.get("/setup", async (request, reply) => {
    if (!(await setup.isOpen())) return reply.redirect("/login", 303);
    const token = field(request.query, "token");
    if (!setup.tokenMatches(token)) {
      throw new HttpError(
        403,
        "Premier démarrage",
        "Ouvrez l'adresse de premier démarrage affichée par le serveur à son lancement (elle contient un jeton), " +
          "ou créez l'administrateur en ligne de commande : linky-dataconnect user add NOM --password … --admin",
      );
    }
    return render.send(request, reply, "setup", await setupPage({ username: "", demo: false }, {}, token));
  });

  app.post(
    "/setup",
    { config: { rateLimit: { max: perMinute, timeWindow: 60_000 } }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const token = field(request.body, "token");
      if (!(await setup.isOpen())) return reply.redirect("/login", 303);
      if (!setup.tokenMatches(token))
        throw new HttpError(403, t("error.heading.setup"), "Jeton de premier démarrage invalide.");
      const username = field(request.body, "username");
      const password = field(request.body, "password", false);
      const confirm = field(request.body, "confirm", false);
      const demo = simulated && field(request.body, "demo") === "1";
      const errors: Record<string, string> = {};
      if (!USERNAME_RE.test(username)) errors.username = t("form.username");
      const problem = passwordProblem(password);
      if (problem) errors.password = t("form.password");
      else if (password !== confirm) errors.confirm = t("form.confirm");
      if (Object.keys(errors).length > 0) {
        return render.send(request, reply, "setup", await setupPage({ username, demo }, errors, token), 400);
      }
      const user = await setup.exclusive(async () => {
        if (!(await setup.isOpen())) return null;
        const passwordHash = await hashPassword(password);
        try {
          return await store.users.create({ username, passwordHash, roles: [ROLE_USER, ROLE_ADMIN] });
        } catch (e) {
          if (e instanceof UniqueViolationError) return null;
          throw e;
        }
      });
      if (!user) return reply.redirect("/login", 303);
      deps.ctx.log(`setup: administrator "${user.username}" created`);
      const session = await sessions.login(request, reply, user);
      if (demo) {
        // One click to the demo: the consent of the simulated meter starts at once (the PRM is ours to
        // name here, as if the administrator had typed it in the dashboard's form).
        const started = await deps.consent.start(user, session, {
          prm: DEMO_PRM,
          redirectUriHint: `${request.protocol}://${request.host}/dataconnect-proxy/redirect`,
        });
        if (started.ok) return reply.header("cache-control", "no-store").redirect(started.url, 303);
      }
      return reply.redirect("/", 303);
    },
  );
}
