/**
 * The user's own page, `/user`: who they are, their sessions and their personal API tokens, and the
 * password change page `/user/password`.
 *
 * - Tokens: created with a name, then (POST-redirect-GET) shown once on the page the browser is sent to:
 *   the plaintext waits encrypted in the store for that session's next `GET /user?done=token`, at most
 *   five minutes, and is erased as it is shown (afterwards only its digest is kept); revoked with one
 *   button.
 * - Sessions: every signed-in browser (created, last seen, address, browser; "cette session" marks this
 *   one); each can be ended, or all the others at once, or all including this one.
 * - Password: current, new, confirmation; on success every other session of the user is revoked and this
 *   one continues.
 *
 * Another user's token or session id is a 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { t } from "../../i18n/index.js";
import { hashPassword, passwordProblem, verifyPassword } from "../../auth/password.js";
import type { User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { MAX_TOKENS_PER_USER, newToken } from "../api/tokens.js";
import { field, idParam, notFound } from "../http.js";
import type { Session } from "../session.js";
import { describeUserAgent } from "../user-agent.js";
import { Flash } from "../flash.js";
import { when } from "./dashboard.js";

const NOTICES: Record<string, string> = {
  revoked: "Jeton révoqué : il ne donne plus accès à rien.",
  "session-ended": "Session terminée : ce navigateur-là devra se reconnecter.",
  "others-ended": "Vos autres sessions sont terminées : seul ce navigateur reste connecté.",
  password: "Mot de passe changé. Vos autres sessions sont terminées.",
};

const SESSION_ID_RE = /^[0-9a-f]{64}$/;
/** How long a new token waits for the page that shows it. */
const FLASH_MS = 5 * 60_000;
const flashKey = (session: Session) => `token:${session.id}`;

export function registerProfileRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards, sessions } = deps;
  const { store, now } = deps.ctx;
  const userForm = { preHandler: [guards.user, app.csrfProtection] };
  const flash = new Flash(store, now);

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      created?: { name: string; token: string };
      error?: string | null;
      name?: string;
      notice?: string | null;
    } = {},
    status = 200,
  ) {
    const user = request.user as User;
    const current = request.session as Session;
    const tokens = (await store.apiTokens.listByUser(user.id)).map((tok) => ({
      id: tok.id,
      name: tok.name,
      prefix: tok.prefix,
      created: when(tok.createdAtMs),
      lastUsed: tok.lastUsedAtMs === null ? "jamais" : when(tok.lastUsedAtMs),
    }));
    const list = (await store.webSessions.listActive(user.id, now(), sessions.idleMs)).map((s) => ({
      id: s.id,
      current: s.id === current.id,
      created: when(s.createdMs),
      lastSeen: s.id === current.id ? "maintenant" : when(s.lastSeenMs),
      ip: s.ip,
      browser: describeUserAgent(s.userAgent),
    }));
    // This session first.
    list.sort((a, b) => Number(b.current) - Number(a.current));
    return render.send(
      request,
      reply,
      "profile",
      {
        title: "Mon compte",
        nav: "user",
        username: user.username,
        roles: user.roles.join(", "),
        tokens,
        sessions: list,
        created: extra.created ?? null,
        error: extra.error ?? null,
        name: extra.name ?? "",
        max: MAX_TOKENS_PER_USER,
        notice: extra.notice ? { kind: "ok", text: extra.notice } : null,
      },
      status,
    );
  }

  app.get("/user", { preHandler: guards.user }, async (request, reply) => {
    const done = field(request.query, "done");
    if (done === "token") {
      const text = await flash.get(flashKey(request.session as Session), { once: true });
      if (text !== null) {
        const shown = JSON.parse(text) as { name: string; token: string };
        return page(request, reply, { created: { name: shown.name, token: shown.token } });
      }
    }
    return page(request, reply, { notice: NOTICES[done] ?? null });
  });

  app.post("/user/tokens", userForm, async (request, reply) => {
    const user = request.user as User;
    const name = field(request.body, "name");
    let error: string | null = null;
    if (name === "" || name.length > 60) error = t("form.tokenName");
    else if ((await store.apiTokens.countByUser(user.id)) >= MAX_TOKENS_PER_USER)
      error = t("form.tokenMax", { max: MAX_TOKENS_PER_USER });
    if (error) return page(request, reply, { error, name }, 400);
    const created = newToken();
    await store.apiTokens.create({ userId: user.id, name, tokenHash: created.hash, prefix: created.prefix });
    // Shown by the GET the browser is sent to: reloading that page creates nothing more.
    await flash.put(
      flashKey(request.session as Session),
      JSON.stringify({ name, token: created.token }),
      FLASH_MS,
    );
    return reply.redirect("/user?done=token", 303);
  });

  app.post("/user/tokens/:id/revoke", userForm, async (request, reply) => {
    const user = request.user as User;
    if (!(await store.apiTokens.delete(user.id, idParam(request))))
      throw notFound("Ce jeton n'existe pas, ou il n'est pas à vous.");
    return reply.redirect("/user?done=revoked", 303);
  });

  app.post("/user/sessions/:id/revoke", userForm, async (request, reply) => {
    const user = request.user as User;
    const id = (request.params as { id: string }).id;
    const missing = () =>
      notFound("Cette session n'existe pas, elle est déjà terminée, ou elle n'est pas à vous.");
    if (!SESSION_ID_RE.test(id)) throw missing();
    if (id === request.session?.id) {
      await sessions.logout(request, reply);
      return reply.redirect("/login", 303);
    }
    if (!(await store.webSessions.revoke(user.id, id, now()))) throw missing();
    return reply.redirect("/user?done=session-ended#sessions", 303);
  });

  /** "Se déconnecter partout": `scope=others` keeps this browser signed in, `scope=all` does not. */
  app.post("/user/sessions/revoke-all", userForm, async (request, reply) => {
    const user = request.user as User;
    const current = request.session as Session;
    if (field(request.body, "scope") === "all") {
      await store.webSessions.revokeAll(user.id, now());
      await sessions.logout(request, reply);
      return reply.redirect("/login", 303);
    }
    await store.webSessions.revokeAll(user.id, now(), current.id);
    return reply.redirect("/user?done=others-ended#sessions", 303);
  });

  const passwordPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    errors: Record<string, string>,
    status = 200,
  ) =>
    render.send(
      request,
      reply,
      "password",
      { title: "Changer de mot de passe", nav: "user", username: (request.user as User).username, errors },
      status,
    );

  app.get("/user/password", { preHandler: guards.user }, async (request, reply) =>
    passwordPage(request, reply, {}),
  );

  app.post(
    "/user/password",
    { ...userForm, config: { rateLimit: { max: 10, timeWindow: 60_000 } } },
    async (request, reply) => {
      const user = request.user as User;
      const current = field(request.body, "current", false);
      const password = field(request.body, "password", false);
      const confirm = field(request.body, "confirm", false);
      const errors: Record<string, string> = {};
      if (current === "") errors.current = t("form.currentMissing");
      else if (!(await verifyPassword(current.slice(0, 1024), user.passwordHash)))
        errors.current = t("form.currentWrong");
      if (passwordProblem(password)) errors.password = t("form.newPassword");
      else if (password !== confirm) errors.confirm = t("form.confirm");
      else if (password === current && !errors.current) errors.password = t("form.samePassword");
      if (Object.keys(errors).length > 0) return passwordPage(request, reply, errors, 400);
      const passwordHash = await hashPassword(password);
      const keep = (request.session as Session).id;
      await store.transaction(async (tx) => {
        await tx.users.setPasswordHash(user.id, passwordHash);
        await tx.webSessions.revokeAll(user.id, now(), keep);
      });
      deps.ctx.log(`user ${user.id}: password changed, other sessions revoked`);
      return reply.redirect("/user?done=password", 303);
    },
  );
}
