/** Admin: the list of local users and a form to add one (ROLE_ADMIN). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hashPassword, passwordProblem } from "../../auth/password.js";
import { ROLE_ADMIN, ROLE_USER, UniqueViolationError } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { field } from "../http.js";
import { USERNAME_RE } from "./auth.js";
import { when } from "./dashboard.js";

export function registerUserRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store } = deps.ctx;

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    values: { username: string; admin: boolean },
    errors: Record<string, string>,
    status = 200,
    notice: string | null = null,
  ) {
    const users = (await store.users.list()).map((u) => ({
      username: u.username,
      roles: u.roles.join(", "),
      created: when(u.createdAtMs),
    }));
    return render.send(
      request,
      reply,
      "users",
      {
        title: "Utilisateurs",
        nav: "users",
        users,
        values,
        errors,
        notice: notice ? { kind: "ok", text: notice } : null,
      },
      status,
    );
  }

  app.get("/admin/users", { preHandler: guards.admin }, async (request, reply) =>
    page(request, reply, { username: "", admin: false }, {}),
  );

  app.post("/admin/users", { preHandler: [guards.admin, app.csrfProtection] }, async (request, reply) => {
    const username = field(request.body, "username");
    const password = field(request.body, "password", false);
    const admin = field(request.body, "admin") === "1";
    const errors: Record<string, string> = {};
    if (!USERNAME_RE.test(username)) errors.username = "1 à 64 caractères : lettres, chiffres, . _ @ -";
    if (passwordProblem(password))
      errors.password = "Le mot de passe doit faire au moins 8 caractères (1024 au plus).";
    if (Object.keys(errors).length === 0) {
      try {
        await store.users.create({
          username,
          passwordHash: await hashPassword(password),
          roles: admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER],
        });
        return page(
          request,
          reply,
          { username: "", admin: false },
          {},
          200,
          `Utilisateur « ${username} » créé.`,
        );
      } catch (e) {
        if (!(e instanceof UniqueViolationError)) throw e;
        errors.username = "Cet identifiant existe déjà.";
      }
    }
    return page(request, reply, { username, admin }, errors, 400);
  });
}
