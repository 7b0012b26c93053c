/**
 * Web test harness: the real app (real SQLite store, real Enedis client) against the embedded simulator,
 * driven through `fastify.inject` with a cookie jar per visitor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import { hashPassword } from "../../src/auth/password.js";
import { ROLE_ADMIN, ROLE_USER, type User } from "../../src/store/index.js";
import { buildWebApp, type WebApp, type WebAppOptions } from "../../src/web/app.js";

/** 2026-11-28 12:00 Paris: after the 08:00 publication, so data run to 2026-11-27. */
export const NOW = Date.parse("2026-11-28T11:00:00Z");

/** A clock that runs from `NOW` and that a test can move forward. */
export class TestClock {
  private readonly started = Date.now();
  offsetMs = 0;
  now = (): number => NOW + this.offsetMs + (Date.now() - this.started);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface Fixture {
  ctx: AppContext;
  web: WebApp;
  clock: TestClock;
  dir: string;
  logs: string[];
  agent(): Agent;
  user(username: string, opts?: { admin?: boolean; password?: string }): Promise<User>;
  /** An agent signed in as a new user. */
  signedIn(username: string, opts?: { admin?: boolean }): Promise<{ agent: Agent; user: User }>;
  /** The DataConnect sender the consent flow uses. */
  sender(opts?: { role?: string | null }): Promise<number>;
  close(): Promise<void>;
}

export const PASSWORD = "correct horse battery";

const hashes = new Map<string, Promise<string>>();
/**
 * One real hash per password per test process (a scrypt hash at today's cost takes most of a second;
 * reusing it across test users is harmless, as the salt only matters against precomputed tables).
 */
export function cachedHash(password: string): Promise<string> {
  let h = hashes.get(password);
  if (!h) {
    h = hashPassword(password);
    hashes.set(password, h);
  }
  return h;
}

export async function fixture(
  opts: { env?: Record<string, string>; web?: Partial<WebAppOptions> } = {},
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "linky-web-"));
  const clock = new TestClock();
  const logs: string[] = [];
  const ctx = await createAppContext({
    env: {
      DATA_DIR: join(dir, "data"),
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      ENEDIS_ENV: "simulator",
      ENEDIS_QUOTA_PER_SECOND: "1000",
      ENEDIS_QUOTA_PER_HOUR: "1000000",
      SYNC_BACKFILL_MONTHS_CURVE: "1",
      SYNC_BACKFILL_MONTHS_DAILY: "1",
      ...opts.env,
    },
    now: clock.now,
    log: (m) => logs.push(m),
  });
  const web = await buildWebApp({
    ctx,
    consentRetryDelaysMs: [0, 0, 0],
    loginRateLimit: { perAddressPerMinute: 1000 },
    ...opts.web,
  });
  const f: Fixture = {
    ctx,
    web,
    clock,
    dir,
    logs,
    agent: () => new Agent(web),
    async user(username, o = {}) {
      return ctx.store.users.create({
        username,
        passwordHash: await cachedHash(o.password ?? PASSWORD),
        roles: o.admin ? [ROLE_USER, ROLE_ADMIN] : [ROLE_USER],
      });
    },
    async signedIn(username, o = {}) {
      const user = await f.user(username, o);
      const agent = f.agent();
      const res = await agent.login(username, PASSWORD);
      if (res.statusCode !== 303) throw new Error(`login of ${username} answered ${res.statusCode}`);
      return { agent, user };
    },
    async sender(o = {}) {
      const existing = await ctx.store.senders.findByLibelle(ctx.config.enedis.appName);
      if (existing) return existing.id;
      const s = await ctx.store.senders.create({
        libelle: ctx.config.enedis.appName,
        implClass: "dataconnect",
        cron: "0 0/10 * * * ?",
        role: o.role ?? null,
      });
      return s.id;
    },
    async close() {
      await web.background.idle();
      await web.app.close();
      await ctx.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return f;
}

export interface Cookie {
  value: string;
  attributes: string;
}

/** One browser: a cookie jar in front of `inject`. */
export class Agent {
  readonly jar = new Map<string, Cookie>();

  constructor(private readonly web: WebApp) {}

  private cookieHeader(): string | undefined {
    if (this.jar.size === 0) return undefined;
    return [...this.jar.entries()].map(([k, c]) => `${k}=${c.value}`).join("; ");
  }

  private keep(res: LightMyRequestResponse): void {
    const raw = res.headers["set-cookie"];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attributes = attrs.join(";");
      const expired = /Max-Age=0/i.test(attributes) || /Expires=Thu, 01 Jan 1970/i.test(attributes);
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, { value, attributes });
    }
  }

  async request(o: {
    method?: "GET" | "POST" | "HEAD" | "PUT" | "DELETE";
    url: string;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    const res = await this.web.app.inject({
      method: o.method ?? (o.form ? "POST" : "GET"),
      url: o.url,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(o.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...o.headers,
      },
      ...(o.form ? { payload: new URLSearchParams(o.form).toString() } : {}),
    });
    this.keep(res);
    return res;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request({ url, ...(headers ? { headers } : {}) });
  }

  post(url: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request({ url, form, ...(headers ? { headers } : {}) });
  }

  /** A CSRF token for this visitor, from a page that has a form. */
  async csrf(from = "/"): Promise<string> {
    const res = await this.get(from);
    const token = csrfOf(res.body);
    if (!token) throw new Error(`no CSRF token on ${from} (status ${res.statusCode})`);
    return token;
  }

  /** POST with a fresh CSRF token. */
  async submit(url: string, form: Record<string, string> = {}, from = "/") {
    return this.post(url, { ...form, _csrf: await this.csrf(from) });
  }

  async login(username: string, password: string) {
    const token = await this.csrf("/login");
    return this.post("/login", { username, password, _csrf: token });
  }
}

export function csrfOf(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

/** Follows the authorize redirect to the simulator's consent page and answers it; returns our return URL. */
export async function consentAtSimulator(
  authorizeLocation: string,
  answer: { decision: "accept" | "refuse"; prm?: string },
): Promise<string> {
  const page = new URL(authorizeLocation);
  const form = new URLSearchParams();
  for (const k of ["client_id", "response_type", "state", "duration", "redirect_uri"]) {
    const v = page.searchParams.get(k);
    if (v !== null) form.set(k, v);
  }
  form.set("decision", answer.decision);
  if (answer.prm) form.set("prm", answer.prm);
  const res = await fetch(new URL(page.pathname, page.origin), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location)
    throw new Error(`consent page answered ${res.status}: ${await res.text()}`);
  return location;
}

/** The path + query of a URL (to replay an absolute redirect through inject). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
