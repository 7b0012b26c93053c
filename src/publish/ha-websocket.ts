/**
 * A client of Home Assistant's WebSocket API (`/api/websocket`), as documented: the server sends
 * `auth_required`, the client answers `{"type":"auth","access_token":…}`, the server says `auth_ok` (or
 * `auth_invalid` and closes). Every later command carries an integer `id` that strictly increases on the
 * connection; the reply is `{id, type:"result", success, result | error:{code, message}}`.
 *
 * The connection is kept: commands wait for it (up to `connectTimeoutMs`), a lost connection is opened
 * again with a growing backoff. A refused token is permanent: no retry, every call fails with
 * `HaAuthError` until `stop()`.
 */
import WebSocket from "ws";

export class HaError extends Error {
  override readonly name: string = "HaError";
  /** True when retrying cannot help (a refused token, a command Home Assistant rejects). */
  readonly permanent: boolean = false;
}

/** Home Assistant refused the token. */
export class HaAuthError extends HaError {
  override readonly name = "HaAuthError";
  override readonly permanent = true;
}

/** Home Assistant answered a command with `success: false`. */
export class HaCommandError extends HaError {
  override readonly name = "HaCommandError";
  override readonly permanent = true;
  constructor(
    readonly command: string,
    readonly code: string,
    message: string,
  ) {
    super(`Home Assistant rejected ${command}: ${code}: ${message}`);
  }
}

/** Not connected, connection lost, or no answer in time: retry later. */
export class HaConnectionError extends HaError {
  override readonly name = "HaConnectionError";
}

export interface HaWebSocketOptions {
  /** `ws(s)://…/api/websocket` (see `websocketUrlOf`). */
  url: string;
  token: string;
  log?: (message: string) => void;
  /** How long a command waits for the connection, ms (default 30 s). */
  connectTimeoutMs?: number;
  /** How long a command waits for its result, ms (default 120 s: a large import takes a while). */
  resultTimeoutMs?: number;
  /** Reconnect backoff: first and longest wait, ms (default 1 s and 5 min). */
  backoffMs?: { initial: number; max: number };
}

/** The WebSocket URL of a Home Assistant base URL (`http://host:8123`, or the Supervisor's). */
export function websocketUrlOf(base: string): string {
  const u = new URL(base);
  if (u.protocol === "ws:" || u.protocol === "wss:") return u.toString();
  const scheme = u.protocol === "https:" ? "wss:" : "ws:";
  const path = u.pathname.replace(/\/+$/, "");
  // The Supervisor proxies Core's WebSocket API at /core/websocket (add-ons); Core serves /api/websocket.
  if (u.hostname === "supervisor")
    return `${scheme}//${u.host}${path.endsWith("/core") ? path : "/core"}/websocket`;
  return `${scheme}//${u.host}${path}/api/websocket`;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface ResultMessage {
  id: number;
  type: "result";
  success: boolean;
  result?: unknown;
  error?: { code?: string; message?: string };
}

export class HaWebSocket {
  private ws: WebSocket | null = null;
  private lastId = 0;
  private readonly pending = new Map<number, Pending>();
  private authenticated = false;
  private stopped = true;
  private authError: HaAuthError | null = null;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  /** Home Assistant's version, from `auth_ok`. */
  haVersion: string | null = null;

  constructor(private readonly opts: HaWebSocketOptions) {}

  private log(message: string): void {
    this.opts.log?.(`homeassistant: ${message}`);
  }

  /** Opens the connection (in the background: commands wait for it). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.authError = null;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failAll(new HaConnectionError("the Home Assistant client stopped"));
    const ws = this.ws;
    this.ws = null;
    this.authenticated = false;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.close();
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      });
    }
  }

  get connected(): boolean {
    return this.authenticated;
  }

  /** Resolves once authenticated; rejects on a refused token, or after `timeoutMs`. */
  ready(timeoutMs = this.opts.connectTimeoutMs ?? 30_000): Promise<void> {
    if (this.authError) return Promise.reject(this.authError);
    if (this.authenticated) return Promise.resolve();
    if (this.stopped) return Promise.reject(new HaConnectionError("the Home Assistant client is stopped"));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(
          new HaConnectionError(`Home Assistant not reachable at ${this.opts.url} (waited ${timeoutMs} ms)`),
        );
      }, timeoutMs);
      timer.unref();
      this.waiters.push(w);
    });
  }

  /** Sends a command (`type` plus its fields) and resolves with its `result`. */
  async call<T = unknown>(type: string, fields: Record<string, unknown> = {}): Promise<T> {
    await this.ready();
    const ws = this.ws;
    if (!ws || !this.authenticated) throw new HaConnectionError("connection to Home Assistant lost");
    const id = ++this.lastId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HaConnectionError(`no answer from Home Assistant to ${type} (id ${id})`));
        // A silent server: start over on a fresh connection.
        ws.terminate();
      }, this.opts.resultTimeoutMs ?? 120_000);
      timer.unref();
      this.pending.set(id, { command: type, resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ id, type, ...fields }), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new HaConnectionError(`sending ${type} failed: ${err.message}`));
      });
    });
  }

  private open(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.opts.url, { handshakeTimeout: this.opts.connectTimeoutMs ?? 30_000 });
    this.ws = ws;
    ws.on("message", (data) => this.onMessage(ws, data.toString()));
    ws.on("error", (e) => {
      if (this.failures === 0) this.log(`connection to ${this.opts.url} failed: ${e.message}`);
    });
    ws.on("close", () => this.onClose(ws));
  }

  private onMessage(ws: WebSocket, text: string): void {
    let msg: { type?: string; id?: number; message?: string; ha_version?: string };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.log("ignored a message that is not JSON");
      return;
    }
    switch (msg.type) {
      case "auth_required":
        ws.send(JSON.stringify({ type: "auth", access_token: this.opts.token }));
        return;
      case "auth_ok":
        this.authenticated = true;
        this.failures = 0;
        this.haVersion = msg.ha_version ?? null;
        this.log(`connected to Home Assistant ${this.haVersion ?? ""}`.trimEnd());
        for (const w of this.waiters.splice(0)) w.resolve();
        return;
      case "auth_invalid": {
        const e = new HaAuthError(
          `Home Assistant refused the access token (${msg.message ?? "auth_invalid"}): create a long-lived ` +
            "access token in your Home Assistant profile (Security tab) and set homeassistant.token / HOMEASSISTANT_TOKEN",
        );
        this.authError = e;
        this.log(e.message);
        for (const w of this.waiters.splice(0)) w.reject(e);
        ws.close();
        return;
      }
      case "pong": // the answer to `ping`
      case "result": {
        const r = (msg.type === "pong" ? { ...msg, success: true } : msg) as ResultMessage;
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        clearTimeout(p.timer);
        if (r.success) p.resolve(r.result ?? null);
        else
          p.reject(
            new HaCommandError(p.command, r.error?.code ?? "unknown_error", r.error?.message ?? "no message"),
          );
        return;
      }
      default:
        return; // pong, events: not used
    }
  }

  private onClose(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = null;
    const was = this.authenticated;
    this.authenticated = false;
    this.failAll(new HaConnectionError("connection to Home Assistant closed"));
    if (this.stopped || this.authError) return;
    if (was) this.log("connection closed; reconnecting");
    const b = this.opts.backoffMs ?? { initial: 1000, max: 300_000 };
    const wait = Math.min(b.max, b.initial * 2 ** Math.min(this.failures, 20));
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, wait);
    this.retryTimer.unref();
  }

  private failAll(e: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
    if (this.stopped) for (const w of this.waiters.splice(0)) w.reject(e);
  }
}
