/** Test helpers: an in-process simulator on a free port, with a clock the test moves by hand. */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../src/simulator/index.js";

/** 2026-11-28 12:00 Paris (11:00 UTC): after the 08:00 publication, so data run to 2026-11-27. */
export const NOW = Date.parse("2026-11-28T11:00:00Z");

export interface Clock {
  ms: number;
  advance(ms: number): void;
}

export function clock(start = NOW): Clock {
  return {
    ms: start,
    advance(ms: number) {
      this.ms += ms;
    },
  };
}

export interface Harness {
  sim: RunningSimulator;
  clock: Clock;
  token(): Promise<string>;
  /** GET with a fresh bearer token; the body is parsed as JSON whatever the content type. */
  get(path: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  post(path: string, body: unknown): Promise<{ status: number; body: unknown; headers: Headers }>;
  stop(): Promise<void>;
}

export async function harness(opts: SimulatorOptions = {}, start = NOW): Promise<Harness> {
  const c = clock(start);
  const sim = await startSimulator({
    port: 0,
    quotaPerSecond: 1000,
    quotaPerHour: 100_000,
    now: () => c.ms,
    ...opts,
  });
  let cached: string | null = null;
  const token = async () => {
    if (cached) return cached;
    const res = await fetch(`${sim.url}/oauth2/v3/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: opts.clientId ?? "simulator-client",
        client_secret: opts.clientSecret ?? "simulator-secret",
      }),
    });
    const body = (await res.json()) as { access_token: string };
    cached = body.access_token;
    return cached;
  };
  const parse = async (res: Response) => {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Non-JSON bodies (HTML pages) stay text.
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    sim,
    clock: c,
    token,
    async get(path) {
      const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${await token()}` } });
      return parse(res);
    },
    async post(path, body) {
      const res = await fetch(`${sim.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return parse(res);
    },
    stop: () => sim.stop(),
  };
}

/** A 2026 measure path. */
export function m2026(ressource: string, prm: string, from: string, to: string, extra = ""): string {
  return `/mesure_synchrone_auto/v2/${ressource}?pointId=${prm}&dateDebut=${from}&dateFin=${to}${extra}`;
}

export interface Point {
  v: string;
  d: string;
  p?: string;
}

export interface Envelope {
  idPrm: string;
  grandeur: { grandeurMetier: string; grandeurPhysique: string; unite: string; points: Point[] }[];
}

export function points(body: unknown): Point[] {
  return (body as Envelope).grandeur.flatMap((g) => g.points);
}
