/**
 * Request helpers shared by the routes: guards (signed in, admin), error pages, form values, safe redirects.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { t } from "../i18n/index.js";
import type { Renderer } from "./render.js";
import { isAdmin } from "./session.js";

/** A request answered with an error page (or JSON): thrown by routes, rendered by the error handler. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly heading: string,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string = t("error.notFound")) =>
  new HttpError(404, t("error.heading.notFound"), what);

export const badRequest = (message: string, detail?: string) =>
  new HttpError(400, t("error.heading.badRequest"), message, detail);

/** A URL parameter with a value the page cannot show: a 400 page naming it and what it accepts. */
export const badParam = (name: string, value: string, accepted: string) =>
  badRequest(
    t("param.invalid", { name, value: value.length > 40 ? `${value.slice(0, 40)}…` : value }),
    t("param.accepted", { accepted }),
  );

/** True when the client asked for JSON rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

/**
 * A local path to go back to after signing in: never another site (`//host`, `/\\host`, schemes), and only
 * printable ASCII (a control character or a non-ASCII one cannot go into a `Location` header as is, and a
 * full-width solidus could be read as `/` by a browser).
 */
export function safeNext(value: unknown): string {
  if (typeof value !== "string") return "/";
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.length > 512) return "/";
  if (value.startsWith("/login") || value.startsWith("/logout") || value.startsWith("/setup")) return "/";
  return value;
}

/** A form field as one trimmed string ("" when absent; the first of repeated fields). */
export function field(body: unknown, name: string, trim = true): string {
  if (typeof body !== "object" || body === null) return "";
  let v = (body as Record<string, unknown>)[name];
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== "string") return "";
  return trim ? v.trim() : v;
}

/** A positive integer route parameter, or a 404 (ids are never guessable data, but never parsed loosely). */
export function idParam(request: FastifyRequest, name = "id"): number {
  const v = (request.params as Record<string, string | undefined>)[name];
  if (v === undefined || !/^[1-9]\d{0,15}$/.test(v)) throw notFound();
  return Number(v);
}

export interface Guards {
  /** Signed-in users only: others go to the sign-in page (GET) or get a 401 page. */
  user(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** ROLE_ADMIN only. */
  admin(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

export function makeGuards(render: Renderer): Guards {
  // A hook that answers must return the reply, so that Fastify stops there.
  async function user(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (request.user) return undefined;
    if (request.method === "GET" || request.method === "HEAD") {
      const next = safeNext(request.url);
      return reply.redirect(next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`, 302);
    }
    return render.send(
      request,
      reply,
      "error",
      {
        title: t("error.heading.loginRequired"),
        heading: t("error.heading.loginRequired"),
        message: t("error.loginRequired"),
        action: { href: "/login", label: t("error.backLogin") },
      },
      401,
    );
  }
  async function admin(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const answered = await user(request, reply);
    if (answered || isAdmin(request.user)) return answered;
    throw new HttpError(403, t("error.heading.forbidden"), t("error.adminOnly"));
  }
  return { user, admin };
}
