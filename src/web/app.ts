/**
 * The web application: server-rendered pages for people (sign-in, dashboard, services, admin) and the
 * consent flow, secure by default.
 *
 * - Sessions: server-side records named by signed, httpOnly, SameSite=Lax cookies (`session.ts`); login
 *   attempts rate-limited per address and per user name; a one-time setup page (with a token printed in the
 *   server log) creates the first administrator.
 * - CSRF: every state-changing route checks a token bound to the session (@fastify/csrf-protection).
 * - Roles: admin pages need ROLE_ADMIN; a user only ever sees their own accounts and devices (404 else).
 * - Headers: helmet (strict CSP: no inline script or style, `form-action 'self'`, no referrer).
 * - Errors: a page (or JSON when asked) with a clear message; nothing half-written. Under `/api/`, always
 *   JSON: `{"error": code, "message": text}`.
 * - The REST API (`routes/api.ts`, `/api/openapi.json`): the session cookie or a personal API token.
 *
 * `buildWebApp` only builds; `startWebServer` (server.ts) listens.
 */
import { randomBytes } from "node:crypto";
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { AppContext } from "../app/context.js";
import { SIMULATOR_CLIENT_ID } from "../app/context.js";
import { t } from "../i18n/index.js";
import { BackgroundTasks } from "./background.js";
import { ConsentFlow } from "./consent.js";
import { ConsentStates } from "./consent-state.js";
import { HttpError, makeGuards, wantsJson, type Guards } from "./http.js";
import { InteractiveGate, type InteractiveLimits } from "./interactive.js";
import { deriveWebKeys, masterKeyOf, type WebKeys } from "./keys.js";
import { WebMetrics } from "./metrics.js";
import { Renderer } from "./render.js";
import { ApiError } from "./api/tokens.js";
import { registerAccountRoutes } from "./routes/accounts.js";
import { registerAlertRoutes, registerUnreadCount } from "./routes/alerts.js";
import { registerGatewayRoutes } from "./routes/gateways.js";
import { registerApiRoutes } from "./routes/api.js";
import { registerAuthRoutes, SetupGate } from "./routes/auth.js";
import { LoginThrottle } from "./login-throttle.js";
import { registerDashboardRoutes } from "./routes/dashboard.js";
import { registerConsentReviewRoutes } from "./routes/consents.js";
import { registerCostRoutes } from "./routes/costs.js";
import { registerDataConnectRoutes } from "./routes/dataconnect.js";
import { registerDiagnosisRoutes } from "./routes/diagnosis.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerMeterRoutes } from "./routes/meter.js";
import { registerAnalysisRoutes } from "./routes/analysis.js";
import { registerImportUploadRoutes } from "./routes/import-upload.js";
import { registerSenderRoutes } from "./routes/senders.js";
import { registerStaticRoutes } from "./routes/static.js";
import { registerProfileRoutes } from "./routes/profile.js";
import { registerUserRoutes } from "./routes/users.js";
import { Sessions } from "./session.js";
import { staticAssets } from "./static/assets.js";

/** What the web layer needs from the process context. */
export type WebContext = Pick<
  AppContext,
  "config" | "enedis" | "store" | "client" | "simulator" | "now" | "log" | "events" | "limiter"
>;

export interface WebAppOptions {
  ctx: WebContext;
  /** Master key override (tests); default: the secret key the store uses. */
  masterKey?: Buffer;
  background?: BackgroundTasks;
  /** Waits between subscribed_services attempts after a v2 consent (default 1, 2, 4 s). */
  consentRetryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** Start the first sync after a consent (default true). */
  syncAfterConsent?: boolean;
  /**
   * Consent returns whose state carries another portal's routing marker, forwarded by
   * `/dataconnect-proxy/redirect` to `<url>/dataConnect/redirect?<same query>` (the seed's proxy).
   */
  consentProxy?: Record<string, string>;
  /** Login attempts per address and minute (default 10) and failures per user name per 15 min (default 5). */
  loginRateLimit?: { perAddressPerMinute?: number; freeFailures?: number };
  /** Log one line per request (method, route, status, time; never a query string). */
  accessLog?: boolean;
  /** Limits of the routes that call Enedis for a user, and of failed consent returns. */
  interactiveLimits?: InteractiveLimits;
}

export interface WebDeps {
  ctx: WebContext;
  keys: WebKeys;
  render: Renderer;
  sessions: Sessions;
  guards: Guards;
  consent: ConsentFlow;
  background: BackgroundTasks;
  metrics: WebMetrics;
  setup: SetupGate;
  throttle: LoginThrottle;
  /** Limits of the routes that call Enedis on a user's behalf. */
  interactive: InteractiveGate;
  options: WebAppOptions;
  cssPath: string;
  /** Script paths of the meter page (uPlot, ours). */
  scripts: { uplot: string; meter: string };
}

export interface WebApp {
  app: FastifyInstance;
  background: BackgroundTasks;
  consent: ConsentFlow;
  /** The first-start setup token while no user exists, else null. */
  setupToken(): Promise<string | null>;
  /** Every route the server answers (method + URL pattern), HEAD excepted. */
  routes: { method: string; url: string }[];
}

const API_ERROR_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  500: "internal_error",
  503: "unavailable",
};

/** The proxy trust of `server.trustProxy`: a number of hops becomes the function Fastify types accept. */
function trustProxyOf(
  v: boolean | number | string,
): boolean | string | ((addr: string, hop: number) => boolean) {
  return typeof v === "number" ? (_addr, hop) => hop < v : v;
}

function csrfUserInfo(request: FastifyRequest): string {
  return request.session ? `s:${request.session.sid}` : "anonymous";
}

export async function buildWebApp(options: WebAppOptions): Promise<WebApp> {
  const { ctx } = options;
  const keys = deriveWebKeys(options.masterKey ?? masterKeyOf(ctx.config));
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    trustProxy: trustProxyOf(ctx.config.server.trustProxy),
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
      if (m !== "HEAD") routes.push({ method: m, url: r.url });
    }
  });

  const assets = staticAssets();
  const cssPath = assets.css.path;
  const render = new Renderer({
    appName: ctx.config.enedis.appName,
    cssPath,
    csrfUserInfo,
    simulated: ctx.simulator !== null,
  });
  // The registered redirect URI is the portal's public address: when it is HTTPS, cookies are always
  // Secure (behind a TLS-terminating proxy the request itself looks like plain HTTP).
  const secure = ctx.config.enedis.redirect_uri.startsWith("https:") ? true : ("auto" as const);
  const sessions = new Sessions({ store: ctx.store, now: ctx.now, secure });
  const background = options.background ?? new BackgroundTasks(ctx.log);
  const states = new ConsentStates({
    store: ctx.store,
    key: keys.consentState,
    marker: ctx.config.enedis.state ?? "",
    now: ctx.now,
  });
  const consent = new ConsentFlow({
    config: ctx.config,
    store: ctx.store,
    client: ctx.client,
    now: ctx.now,
    log: ctx.log,
    states,
    background,
    authorizeUrl: ctx.enedis.authorizeUrl,
    clientId: ctx.config.enedis.client_id ?? SIMULATOR_CLIENT_ID,
    events: ctx.events,
    ...(options.consentRetryDelaysMs ? { retryDelaysMs: options.consentRetryDelaysMs } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.syncAfterConsent !== undefined ? { syncAfterConsent: options.syncAfterConsent } : {}),
  });
  const metrics = new WebMetrics(ctx);
  const setup = new SetupGate(ctx.store, randomBytes(18).toString("base64url"));
  const throttle = new LoginThrottle(ctx.now, {
    freeFailures: options.loginRateLimit?.freeFailures ?? 3,
  });
  const guards = makeGuards(render);
  const deps: WebDeps = {
    ctx,
    keys,
    render,
    sessions,
    guards,
    consent,
    background,
    metrics,
    setup,
    throttle,
    interactive: new InteractiveGate(ctx.now, options.interactiveLimits),
    options,
    cssPath,
    scripts: { uplot: assets.uplotJs.path, meter: assets.meterJs.path },
  };

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        // The PRM form answers with a redirect to Enedis' consent page: CSP checks redirects of a form too.
        formAction: ["'self'", new URL(ctx.enedis.authorizeUrl).origin],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
    // The consent state travels in URLs: never let it leak through a Referer header.
    referrerPolicy: { policy: "no-referrer" },
  });
  await app.register(cookie, { secret: keys.cookie, hook: "onRequest" });
  await app.register(formbody);
  await app.register(rateLimit, { global: false });
  await app.register(csrf, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: "ld_csrf",
    cookieOpts: { path: "/", sameSite: "lax", httpOnly: true, secure, signed: true },
    csrfOpts: { hmacKey: keys.csrf, userInfo: true },
    getUserInfo: csrfUserInfo,
  });
  sessions.register(app);
  registerUnreadCount(app, deps);
  metrics.register(app);
  // Pages and API answers are personal (or carry a CSRF token): no browser or proxy may keep a copy.
  // Routes that may be cached say so themselves (static assets, the OpenAPI document).
  app.addHook("onSend", async (_request, reply, payload) => {
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });

  if (options.accessLog) {
    app.addHook("onResponse", async (request, reply) => {
      ctx.log(
        `${request.method} ${request.routeOptions.url ?? "(unmatched)"} ${reply.statusCode} ${reply.elapsedTime.toFixed(0)}ms`,
      );
    });
  }

  app.decorateRequest("apiTokenId", null);
  app.setErrorHandler(async (error: FastifyError | HttpError | ApiError, request, reply) => {
    if (request.url.startsWith("/api/")) return sendApiError(error, request, reply);
    let status = error.statusCode ?? 500;
    let heading = t("error.heading.generic");
    let message: string;
    let detail: string | undefined;
    if (error instanceof HttpError) {
      heading = error.heading;
      message = error.message;
      detail = error.detail;
    } else if ("code" in error && typeof error.code === "string" && error.code.startsWith("FST_CSRF")) {
      status = 403;
      heading = t("error.heading.csrf");
      message = t("error.csrf");
    } else if (status === 429) {
      heading = t("error.heading.tooMany");
      message = t("error.tooMany");
    } else if (status >= 400 && status < 500) {
      heading = t("error.heading.badRequest");
      message = t("error.badRequest");
    } else {
      status = 500;
      heading = t("error.heading.internal");
      message = t("error.internal");
      // The message only: ours never carry secrets; no request data (queries may hold a consent code).
      ctx.log(`error: ${request.method} ${request.routeOptions.url ?? "?"}: ${error.message}`);
    }
    if (wantsJson(request) || request.url.startsWith("/api/")) {
      return reply.code(status).send({ error: heading, message, ...(detail ? { detail } : {}) });
    }
    return render.send(request, reply, "error", { title: heading, heading, message, detail }, status);
  });
  /** API errors: `{"error": code, "message": text}` in English, for scripts. */
  function sendApiError(
    error: FastifyError | HttpError | ApiError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    let status = error.statusCode ?? 500;
    let code = API_ERROR_CODES[status] ?? "error";
    let message: string;
    if (error instanceof ApiError) {
      code = error.code;
      message = error.message;
    } else if (error instanceof HttpError) {
      message = error.message;
    } else if (status === 429) {
      message = "too many requests: wait a minute";
    } else if (status >= 400 && status < 500) {
      message = "validation" in error && error.validation ? error.message : "malformed request";
    } else {
      status = 500;
      code = "internal_error";
      message = "unexpected error; try again later";
      ctx.log(`error: ${request.method} ${request.routeOptions.url ?? "?"}: ${error.message}`);
    }
    return reply.code(status).header("cache-control", "no-store").send({ error: code, message });
  }

  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith("/api/"))
      return reply
        .code(404)
        .send({ error: "not_found", message: "no such API route: see /api/openapi.json" });
    if (wantsJson(request)) return reply.code(404).send({ error: "not_found", message: "no such route" });
    return render.send(
      request,
      reply,
      "error",
      {
        title: t("error.heading.notFound"),
        heading: t("error.heading.notFound"),
        message: t("error.pageNotFound"),
      },
      404,
    );
  });

  registerStaticRoutes(app, deps);
  registerHealthRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  registerMeterRoutes(app, deps);
  registerAnalysisRoutes(app, deps);
  registerImportUploadRoutes(app, deps);
  registerProfileRoutes(app, deps);
  registerApiRoutes(app, deps);
  registerSenderRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerDataConnectRoutes(app, deps);
  registerGatewayRoutes(app, deps);
  registerConsentReviewRoutes(app, deps);
  registerCostRoutes(app, deps);
  registerDiagnosisRoutes(app, deps);
  registerAlertRoutes(app, deps);
  await app.ready();

  return {
    app,
    background,
    consent,
    setupToken: async () => ((await setup.isOpen()) ? setup.token : null),
    routes,
  };
}
