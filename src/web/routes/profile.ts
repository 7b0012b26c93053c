/**
 * The user's own page, `/user`: who they are and their personal API tokens. A token is created with a
 * name, shown once on the page that answers the creation (never again: only its digest is kept), and
 * revoked with one button. Another user's token id is a 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { MAX_TOKENS_PER_USER, newToken } from "../api/tokens.js";
import { field, idParam, notFound } from "../http.js";
import { when } from "./dashboard.js";

export function registerProfileRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store } = deps.ctx;
  const userForm = { preHandler: [guards.user, app.csrfProtection] };

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
    const tokens = (await store.apiTokens.listByUser(user.id)).map((t) => ({
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      created: when(t.createdAtMs),
      lastUsed: t.lastUsedAtMs === null ? "jamais" : when(t.lastUsedAtMs),
    }));
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
        created: extra.created ?? null,
        error: extra.error ?? null,
        name: extra.name ?? "",
        max: MAX_TOKENS_PER_USER,
        notice: extra.notice ? { kind: "ok", text: extra.notice } : null,
      },
      status,
    );
  }

  app.get("/user", { preHandler: guards.user }, async (request, reply) =>
    page(request, reply, {
      notice:
        field(request.query, "done") === "revoked" ? "Jeton révoqué : il ne donne plus accès à rien." : null,
    }),
  );

  app.post("/user/tokens", userForm, async (request, reply) => {
    const user = request.user as User;
    const name = field(request.body, "name");
    let error: string | null = null;
    if (name === "" || name.length > 60)
      error = "Donnez un nom au jeton (60 caractères au plus), par exemple « script maison ».";
    else if ((await store.apiTokens.countByUser(user.id)) >= MAX_TOKENS_PER_USER)
      error = `Vous avez déjà ${MAX_TOKENS_PER_USER} jetons : révoquez-en un d'abord.`;
    if (error) return page(request, reply, { error, name }, 400);
    const t = newToken();
    await store.apiTokens.create({ userId: user.id, name, tokenHash: t.hash, prefix: t.prefix });
    return page(request, reply, { created: { name, token: t.token } }, 201);
  });

  app.post("/user/tokens/:id/revoke", userForm, async (request, reply) => {
    const user = request.user as User;
    if (!(await store.apiTokens.delete(user.id, idParam(request))))
      throw notFound("Ce jeton n'existe pas, ou il n'est pas à vous.");
    return reply.redirect("/user?done=revoked", 303);
  });
}
