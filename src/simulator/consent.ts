/**
 * The consent pages (`/dataconnect/v1|v2/oauth2/authorize`), where the "customer" shares a PRM with the
 * application, like Enedis' mon-compte-particulier pages (docs/dataconnect-2026.md §3,
 * docs/dataconnect-api.md §2 and §8).
 *
 * - Parameters: `client_id` (must be the simulator's), `response_type=code`, `state` (≤ 100 characters;
 *   its last digit picks the sandbox client whose PRMs prefill the form), `duration` (ISO 8601 in
 *   years/months/weeks/days, ≤ 3 years). Errors: 400 `{error:"invalid_request", error_description}`
 *   with `missing_parameter`, `invalid_client_id`, `unsupported_response_type`, `invalid_state`,
 *   `invalid_duration_format` or `maximum_duration_exceeded`.
 * - Simulator-only hints: `sim_prm` (prefilled PRM), `redirect_uri` (instead of the registered URI),
 *   `sim_auto=1` (accept at once, as the `autoConsent` option does).
 * - v2 accept → `<redirect>?autorisation_id=<int>&state=<state>` (one PRM per share); v1 accept →
 *   `?code=<random>&state=<state>&usage_point_id=<prm[;prm…]>`. Refusal → v2
 *   `?error=access_denied&error_description=authorization_request_refused&state=<state>`, v1
 *   `?code=403&error=access_denied&error_description=authorization_request_refused` (no state).
 *   Sandbox client 9 always refuses.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { addDays, addMonths, type LocalDate } from "../domain/time.js";
import type { ConsentDuration } from "./autorisations.js";
import type { SimContext } from "./context.js";
import { esc, page } from "./html.js";
import { DEFAULT_CONSENT_PRM, REFUSING_CLIENT, SANDBOX_CLIENTS, sandboxClientOf } from "./sandbox.js";

type Version = "v1" | "v2";
type Params = Record<string, string | undefined>;

interface ConsentRequest {
  version: Version;
  clientId: string;
  state: string | undefined;
  duration: ConsentDuration;
  durationText: string;
  redirectBase: string;
}

/** ISO 8601 duration with calendar units only (`P1Y4M`, `P36M`, `P1095D`, `P52W`). */
export function parseConsentDuration(s: string): ConsentDuration | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(s);
  if (!m || s === "P") return null;
  return {
    years: Number(m[1] ?? 0),
    months: Number(m[2] ?? 0),
    days: Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0),
  };
}

/** True when the duration is positive and at most 3 years from `today`. */
export function durationAllowed(d: ConsentDuration, today: LocalDate): boolean {
  const end = addDays(addMonths(today, d.years * 12 + d.months), d.days);
  return end > today && end <= addMonths(today, 36);
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : undefined;
  return typeof v === "string" ? v : undefined;
}

function params(source: unknown): Params {
  const out: Params = {};
  if (typeof source === "object" && source !== null) {
    for (const [k, v] of Object.entries(source)) out[k] = one(v);
  }
  return out;
}

function invalid(reply: FastifyReply, description: string): void {
  reply
    .code(400)
    .type("application/json")
    .send(JSON.stringify({ error: "invalid_request", error_description: description }));
}

function validate(ctx: SimContext, version: Version, p: Params): ConsentRequest | string {
  const clientId = p.client_id;
  const responseType = p.response_type;
  const duration = p.duration;
  if (!clientId || !responseType || !duration) return "missing_parameter";
  if (clientId !== ctx.opts.clientId) return "invalid_client_id";
  if (responseType !== "code") return "unsupported_response_type";
  if (p.state !== undefined && p.state.length > 100) return "invalid_state";
  const d = parseConsentDuration(duration);
  if (!d) return "invalid_duration_format";
  if (!durationAllowed(d, ctx.today())) return "maximum_duration_exceeded";
  let redirectBase = ctx.opts.redirectUri;
  if (p.redirect_uri) {
    try {
      const u = new URL(p.redirect_uri);
      if (u.protocol !== "http:" && u.protocol !== "https:") return "invalid_redirect_uri";
      redirectBase = p.redirect_uri;
    } catch {
      return "invalid_redirect_uri";
    }
  }
  return { version, clientId, state: p.state, duration: d, durationText: duration, redirectBase };
}

function withQuery(base: string, entries: [string, string][]): string {
  const u = new URL(base);
  for (const [k, v] of entries) u.searchParams.append(k, v);
  return u.toString();
}

function redirect(reply: FastifyReply, url: string): void {
  reply
    .code(302)
    .header("location", url)
    .type("text/html; charset=utf-8")
    .send(`<a href="${esc(url)}">${esc(url)}</a>`);
}

function refusal(req: ConsentRequest): string {
  if (req.version === "v1") {
    return withQuery(req.redirectBase, [
      ["code", "403"],
      ["error", "access_denied"],
      ["error_description", "authorization_request_refused"],
    ]);
  }
  return withQuery(req.redirectBase, [
    ["error", "access_denied"],
    ["error_description", "authorization_request_refused"],
    ...(req.state !== undefined ? ([["state", req.state]] as [string, string][]) : []),
  ]);
}

function acceptance(ctx: SimContext, req: ConsentRequest, prms: string[]): string {
  const grants = prms.map((prm) => ctx.autorisations.grant(prm, ctx.today(), req.duration));
  const stateEntry: [string, string][] = req.state !== undefined ? [["state", req.state]] : [];
  if (req.version === "v2") {
    return withQuery(req.redirectBase, [
      ["autorisation_id", String(grants[0]?.autorisationId)],
      ...stateEntry,
    ]);
  }
  return withQuery(req.redirectBase, [
    ["code", randomBytes(12).toString("hex")],
    ...stateEntry,
    ["usage_point_id", prms.join(";")],
  ]);
}

/** The PRMs the form proposes: the `sim_prm` hint, else the sandbox client picked by `state`. */
function prefill(p: Params): string[] {
  if (p.sim_prm && /^\d{14}$/.test(p.sim_prm)) return [p.sim_prm];
  const client = sandboxClientOf(p.state);
  if (client !== null) return [...(SANDBOX_CLIENTS[client] ?? [])];
  return [DEFAULT_CONSENT_PRM];
}

function splitPrms(s: string | undefined): string[] {
  return (s ?? "").split(/[;,\s]+/).filter((x) => x.length > 0);
}

function renderForm(req: ConsentRequest, prms: string[], error: string | null): string {
  const action = `/dataconnect/${req.version}/oauth2/authorize`;
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? "" : `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;
  const client = sandboxClientOf(req.state);
  const clients = SANDBOX_CLIENTS.map(
    (list, i) =>
      `<tr><td>${i}</td><td>${list.length ? list.map((x) => `<code>${esc(x)}</code>`).join(" ") : "—"}</td></tr>`,
  ).join("");
  return page(
    "Enedis — partage de vos données (simulateur)",
    `<h1>Partage de vos données Linky</h1>
<p class="warn">Simulateur Data Connect : aucune donnée réelle, aucun compte Enedis.</p>
<div class="box">
<p>L'application <code>${esc(req.clientId)}</code> demande l'accès aux données de votre compteur
pour une durée de <code>${esc(req.durationText)}</code> (consentement ${esc(req.version)}).</p>
${client !== null ? `<p>Client de test n° ${esc(client)} (dernier chiffre de <code>state</code>).</p>` : ""}
${client === REFUSING_CLIENT ? `<p class="warn">Ce client de test refuse toujours.</p>` : ""}
${error ? `<p class="err">${esc(error)}</p>` : ""}
<form method="post" action="${esc(action)}">
${hidden("client_id", req.clientId)}${hidden("response_type", "code")}${hidden("state", req.state)}
${hidden("duration", req.durationText)}${req.redirectBase ? hidden("redirect_uri", req.redirectBase) : ""}
<p><label for="prm">Point de livraison (PRM, 14 chiffres${req.version === "v1" ? ", plusieurs séparés par ;" : ""})</label><br>
<input id="prm" name="prm" size="48" value="${esc(req.version === "v2" ? (prms[0] ?? "") : prms.join(";"))}"></p>
<p><button type="submit" name="decision" value="accept">Accepter</button>
<button type="submit" name="decision" value="refuse">Refuser</button></p>
</form>
</div>
<details><summary>Clients de test du bac à sable</summary><table><tr><th>n°</th><th>PRM</th></tr>${clients}</table></details>`,
  );
}

function handleGet(ctx: SimContext, version: Version, request: FastifyRequest, reply: FastifyReply): void {
  const p = params(request.query);
  const req = validate(ctx, version, p);
  if (typeof req === "string") return invalid(reply, req);
  const prms = prefill(p);
  if (ctx.opts.autoConsent || p.sim_auto === "1") {
    if (sandboxClientOf(req.state) === REFUSING_CLIENT || prms.length === 0)
      return redirect(reply, refusal(req));
    return redirect(reply, acceptance(ctx, req, version === "v2" ? prms.slice(0, 1) : prms));
  }
  reply.type("text/html; charset=utf-8").send(renderForm(req, prms, null));
}

function handlePost(ctx: SimContext, version: Version, request: FastifyRequest, reply: FastifyReply): void {
  const p = params(request.body);
  const req = validate(ctx, version, p);
  if (typeof req === "string") return invalid(reply, req);
  if (p.decision !== "accept" || sandboxClientOf(req.state) === REFUSING_CLIENT) {
    return redirect(reply, refusal(req));
  }
  const prms = splitPrms(p.prm);
  let error: string | null = null;
  if (prms.length === 0) error = "Saisissez un PRM.";
  else if (prms.some((x) => !/^\d{14}$/.test(x))) error = "Un PRM a exactement 14 chiffres.";
  else if (version === "v2" && prms.length > 1) error = "Un partage porte sur un seul PRM.";
  if (error) {
    reply
      .code(400)
      .type("text/html; charset=utf-8")
      .send(renderForm(req, prms, error));
    return;
  }
  redirect(reply, acceptance(ctx, req, [...new Set(prms)]));
}

export function registerConsentRoutes(app: FastifyInstance, ctx: SimContext): void {
  for (const version of ["v1", "v2"] as const) {
    const url = `/dataconnect/${version}/oauth2/authorize`;
    app.get(url, (request, reply) => {
      ctx.meta.set(request.raw, { api: "consent", endpoint: `GET ${url}` });
      handleGet(ctx, version, request, reply);
    });
    app.post(url, (request, reply) => {
      ctx.meta.set(request.raw, { api: "consent", endpoint: `POST ${url}` });
      handlePost(ctx, version, request, reply);
    });
  }
}
