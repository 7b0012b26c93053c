/**
 * Server-side rendering with Eta. The templates live in `views/*.ts` as strings, so that they are compiled
 * into the package with the code (no files to copy next to `dist/`). `<%= %>` escapes, and is the only
 * form used for data; `<%~ %>` is kept for the layout's body and for includes.
 */
import { Eta } from "eta";
import type { FastifyReply, FastifyRequest } from "fastify";
import { t } from "../i18n/index.js";
import { isAdmin } from "./session.js";
import { accountTemplates } from "./views/accounts.js";
import { alertTemplates } from "./views/alerts.js";
import { analysisTemplates } from "./views/analysis.js";
import { authTemplates } from "./views/auth.js";
import { consentTemplates } from "./views/consent.js";
import { costTemplates } from "./views/costs.js";
import { dashboardTemplates } from "./views/dashboard.js";
import { diagnosisTemplates } from "./views/diagnosis.js";
import { gatewayTemplates } from "./views/gateways.js";
import { layoutTemplates } from "./views/layout.js";
import { meterTemplates } from "./views/meter.js";
import { profileTemplates } from "./views/profile.js";
import { senderTemplates } from "./views/senders.js";

export interface Notice {
  kind: "ok" | "info" | "error";
  text: string;
}

/** What every page gets besides its own data. */
export interface BaseView {
  title: string;
  appName: string;
  user: { username: string; admin: boolean } | null;
  /** CSRF token for the page's forms. */
  csrf: string;
  /** Menu entry to highlight. */
  nav: "dashboard" | "services" | "senders" | "users" | "consents" | "user" | "alerts" | "login" | "";
  /** The signed-in user's unread alerts (the navigation's badge). */
  alertsUnread: number;
  notice: Notice | null;
  /** Seconds before the page reloads itself (first sync in progress), or 0. */
  refresh: number;
  css: string;
  /** The message catalogue (`it.t("layout.nav.dashboard")`). */
  t: typeof t;
  /** True when the data come from the built-in simulator: every page says so. */
  simulated: boolean;
}

export type ViewData = Partial<BaseView> & Record<string, unknown>;

const ALL = {
  ...layoutTemplates,
  ...authTemplates,
  ...dashboardTemplates,
  ...gatewayTemplates,
  ...senderTemplates,
  ...accountTemplates,
  ...consentTemplates,
  ...meterTemplates,
  ...analysisTemplates,
  ...profileTemplates,
  ...costTemplates,
  ...diagnosisTemplates,
  ...alertTemplates,
};

export type ViewName = keyof typeof ALL;

export class Renderer {
  private readonly eta = new Eta({ autoEscape: true, cache: true, useWith: false, autoTrim: false });

  constructor(
    private readonly opts: {
      appName: string;
      cssPath: string;
      /** The built-in simulator serves the data (a banner says so). */
      simulated?: boolean;
      /** Binds CSRF tokens to the session (or to "anonymous"). */
      csrfUserInfo: (request: FastifyRequest) => string;
    },
  ) {
    for (const [name, text] of Object.entries(ALL)) this.eta.loadTemplate(`@${name}`, text);
  }

  /** Renders a page into the reply (status, content type, no caching of personal pages). */
  send(
    request: FastifyRequest,
    reply: FastifyReply,
    view: ViewName,
    data: ViewData,
    status = 200,
  ): FastifyReply {
    const user = request.user;
    const base: BaseView = {
      title: "",
      appName: this.opts.appName,
      user: user ? { username: user.username, admin: isAdmin(user) } : null,
      csrf: reply.generateCsrf({ userInfo: this.opts.csrfUserInfo(request) }),
      nav: "",
      alertsUnread: user ? request.alertsUnread : 0,
      notice: null,
      refresh: 0,
      css: this.opts.cssPath,
      t,
      simulated: this.opts.simulated === true,
    };
    const body = this.eta.render(`@${view}`, { ...base, ...data });
    return reply.code(status).header("cache-control", "no-store").type("text/html; charset=utf-8").send(body);
  }
}
