/**
 * Admin (ROLE_ADMIN): the local users, a form to add one, and for each user: disable / re-enable, and
 * delete after a confirmation page that says what goes.
 *
 * - Disabling revokes the user's sessions at once and makes their API tokens refused (kept, so that
 *   re-enabling gives them back); a disabled user cannot sign in.
 * - Deleting erases the user and everything keyed by them in one transaction (`eraseUser`).
 * - An administrator can neither disable nor delete themselves, nor the last active administrator.
 */
import { t } from "../../i18n/index.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hashPassword, passwordProblem } from "../../auth/password.js";
import {
  describeUserErasure,
  eraseUser,
  ROLE_ADMIN,
  ROLE_USER,
  UniqueViolationError,
  type User,
} from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { field, HttpError, idParam, notFound } from "../http.js";
import type { Notice } from "../render.js";
import { USERNAME_RE } from "./auth.js";
import { when } from "./dashboard.js";

const DONE: Record<string, string> = {
  disabled: "Utilisateur désactivé : ses sessions sont terminées et ses jetons d'API refusés.",
  enabled: "Utilisateur réactivé : il peut se reconnecter, ses jetons d'API fonctionnent à nouveau.",
  deleted: "Utilisateur supprimé, avec ses services, ses compteurs et leurs mesures.",
  created: "Utilisateur créé.",
};

export function registerUserRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store, now } = deps.ctx;
  const adminForm = { preHandler: [guards.admin, app.csrfProtection] };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    values: { username: string; admin: boolean },
    errors: Record<string, string>,
    status = 200,
    notice: Notice | null = null,
  ) {
    const me = request.user as User;
    const users = (await store.users.list()).map((u) => ({
      id: u.id,
      username: u.username,
      roles: u.roles.join(", "),
      created: when(u.createdAtMs),
      disabled: u.disabledAtMs !== null,
      status: u.disabledAtMs === null ? "Actif" : `Désactivé le ${when(u.disabledAtMs)}`,
      self: u.id === me.id,
    }));
    return render.send(
      request,
      reply,
      "users",
      { title: "Utilisateurs", nav: "users", users, values, errors, notice },
      status,
    );
  }

  app.get("/admin/users", { preHandler: guards.admin }, async (request, reply) => {
    const done = DONE[field(request.query, "done")];
    return page(
      request,
      reply,
      { username: "", admin: false },
      {},
      200,
      done ? { kind: "ok", text: done } : null,
    );
  });

  app.post("/admin/users", adminForm, async (request, reply) => {
    const username = field(request.body, "username");
    const password = field(request.body, "password", false);
    const admin = field(request.body, "admin") === "1";
    const errors: Record<string, string> = {};
    if (!USERNAME_RE.test(username)) errors.username = t("form.username");
    if (passwordProblem(password)) errors.password = t("form.password");
    if (Object.keys(errors).length === 0) {
      try {
        await store.users.create({
          username,
          passwordHash: await hashPassword(password),
          roles: admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER],
        });
        // POST-redirect-GET: a reload of the list creates nothing.
        return reply.redirect("/admin/users?done=created", 303);
      } catch (e) {
        if (!(e instanceof UniqueViolationError)) throw e;
        errors.username = t("form.usernameTaken");
      }
    }
    return page(request, reply, { username, admin }, errors, 400);
  });

  /** The target user, unless it is the administrator themselves or the last active administrator. */
  async function target(request: FastifyRequest, action: "désactiver" | "supprimer"): Promise<User> {
    const me = request.user as User;
    const user = await store.users.findById(idParam(request));
    if (!user) throw notFound("Cet utilisateur n'existe pas.");
    if (user.id === me.id)
      throw new HttpError(409, "Action refusée", `Vous ne pouvez pas vous ${action} vous-même.`);
    const admins = await store.users.activeAdminIds();
    if (admins.includes(user.id) && admins.length <= 1)
      throw new HttpError(
        409,
        "Action refusée",
        `Impossible de ${action} le dernier administrateur actif : nommez-en d'abord un autre.`,
      );
    return user;
  }

  app.post("/admin/users/:id/disable", adminForm, async (request, reply) => {
    const user = await target(request, "désactiver");
    if (user.disabledAtMs === null) {
      await store.transaction(async (tx) => {
        await tx.users.setDisabled(user.id, now());
        await tx.webSessions.revokeAll(user.id, now());
      });
      deps.ctx.log(`user ${user.id} disabled by user ${(request.user as User).id}`);
    }
    return reply.redirect("/admin/users?done=disabled", 303);
  });

  app.post("/admin/users/:id/enable", adminForm, async (request, reply) => {
    if (!(await store.users.setDisabled(idParam(request), null)))
      throw notFound("Cet utilisateur n'existe pas.");
    return reply.redirect("/admin/users?done=enabled", 303);
  });

  async function confirmPage(request: FastifyRequest, reply: FastifyReply, user: User, status = 200) {
    const plan = await describeUserErasure(store, user.id);
    if (!plan) throw notFound("Cet utilisateur n'existe pas.");
    return render.send(
      request,
      reply,
      "userDelete",
      {
        title: `Supprimer ${user.username}`,
        nav: "users",
        id: user.id,
        username: user.username,
        accounts: plan.accounts.map((a) => a.usagePointId),
        devices: plan.devices.map((d) => d.usagePointId),
        measures: plan.measures.toLocaleString("fr-FR"),
        ledger: plan.rows.completeness.toLocaleString("fr-FR"),
        apiTokens: plan.apiTokens,
        notice:
          status === 409
            ? { kind: "error", text: "Confirmez en recopiant l'identifiant de l'utilisateur." }
            : null,
      },
      status,
    );
  }

  app.get("/admin/users/:id/delete", { preHandler: guards.admin }, async (request, reply) => {
    const user = await target(request, "supprimer");
    return confirmPage(request, reply, user);
  });

  app.post("/admin/users/:id/delete", adminForm, async (request, reply) => {
    const user = await target(request, "supprimer");
    // The name typed again: a stray click or a replayed form does not erase someone.
    if (field(request.body, "confirm") !== user.username) return confirmPage(request, reply, user, 409);
    const meters = (await describeUserErasure(store, user.id))?.devices ?? [];
    const report = await eraseUser(store, user.id);
    for (const d of meters) deps.ctx.events.emit("meter.erased", { usagePointId: d.usagePointId });
    deps.ctx.log(
      `user ${user.id} erased by user ${(request.user as User).id}: ${Object.entries(report ?? {})
        .filter(([, n]) => n > 0)
        .map(([t, n]) => `${t} ${n}`)
        .join(", ")}`,
    );
    return reply.redirect("/admin/users?done=deleted", 303);
  });
}
