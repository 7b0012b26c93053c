/**
 * The consent `state`: what we hand to Enedis' consent page and get back on the redirect.
 *
 *   [<marker>.]<nonce>.<exp>.<mac>
 *
 * - `marker`: the configured routing marker (`enedis.state`), so that one redirect URI registered with
 *   Enedis can serve several portals (a proxy forwards by marker, as the seed's dataconnect-proxy did).
 * - `nonce`: 12 random bytes (base64url); its record, stored server-side in the database (encrypted,
 *   under `web.consent.<exp>.<nonce>`), names the user and the session that started the consent, and the
 *   PRM the user said they were connecting (the return must resolve to exactly that one).
 *   Deleting that record is how a state is used: the delete succeeds once, so a state is single-use even
 *   across processes.
 * - `exp`: expiry, epoch seconds in base 36 (short-lived: minutes).
 * - `mac`: HMAC-SHA256 of the rest with a key derived from the secret key, truncated to 128 bits
 *   (22 base64url characters; the last one is always a letter, so the state never ends in a digit, which
 *   the Enedis sandbox would read as a test-client number).
 *
 * At most 40 + 1 + 16 + 1 + 7 + 1 + 22 = 88 characters: within Enedis' 100.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/index.js";

export const STATE_TTL_MS = 20 * 60_000;
const NONCE_RECORD_PREFIX = "web.consent.";
const NONCE_RE = /^[A-Za-z0-9_-]{16}$/;
const EXP_RE = /^[0-9a-z]{1,10}$/;
const MAC_RE = /^[A-Za-z0-9_-]{22}$/;

export interface StateClaims {
  marker: string;
  nonce: string;
  expMs: number;
}

export type StateCheck =
  { ok: true; claims: StateClaims } | { ok: false; reason: "missing" | "malformed" | "bad_signature" };

function mac(key: Buffer, marker: string, nonce: string, exp: string): string {
  return createHmac("sha256", key)
    .update(`consent-state|${marker}|${nonce}|${exp}`)
    .digest()
    .subarray(0, 16)
    .toString("base64url");
}

export function encodeState(key: Buffer, claims: StateClaims): string {
  const exp = Math.ceil(claims.expMs / 1000).toString(36);
  const body = `${claims.nonce}.${exp}.${mac(key, claims.marker, claims.nonce, exp)}`;
  return claims.marker ? `${claims.marker}.${body}` : body;
}

/** Checks the shape and the signature only: expiry, session binding and single use are checked after. */
export function verifyState(key: Buffer, state: string | null | undefined): StateCheck {
  if (!state) return { ok: false, reason: "missing" };
  if (state.length > 100) return { ok: false, reason: "malformed" };
  const parts = state.split(".");
  if (parts.length < 3) return { ok: false, reason: "malformed" };
  const [nonce, exp, sig] = parts.slice(-3) as [string, string, string];
  const marker = parts.slice(0, -3).join(".");
  if (!NONCE_RE.test(nonce) || !EXP_RE.test(exp) || !MAC_RE.test(sig))
    return { ok: false, reason: "malformed" };
  const expected = Buffer.from(mac(key, marker, nonce, exp));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "bad_signature" };
  }
  return { ok: true, claims: { marker, nonce, expMs: parseInt(exp, 36) * 1000 } };
}

/** The routing marker of a state, if it has our shape (signature not checked: for routing only). */
export function markerOf(state: string): string | null {
  const parts = state.split(".");
  return parts.length > 3 ? parts.slice(0, -3).join(".") : parts.length === 3 ? "" : null;
}

/** Who started a consent. */
export interface NonceRecord {
  userId: number;
  sid: string;
  /** The 14-digit PRM the user typed before going to Enedis (absent: a record from an older version). */
  prm?: string;
}

export type ConsumeResult =
  { ok: true; record: NonceRecord } | { ok: false; reason: "expired" | "used" | "foreign" };

/** Issues states and keeps their nonces in the database (`app_secret`, encrypted). */
export class ConsentStates {
  constructor(
    private readonly deps: {
      store: Store;
      key: Buffer;
      marker: string;
      now: () => number;
      ttlMs?: number;
    },
  ) {
    if (deps.marker.length > 40) throw new RangeError("enedis.state may not exceed 40 characters");
  }

  /** How long a state lives. */
  get ttlMs(): number {
    return this.deps.ttlMs ?? STATE_TTL_MS;
  }

  private recordName(claims: StateClaims): string {
    return `${NONCE_RECORD_PREFIX}${Math.ceil(claims.expMs / 1000).toString(36)}.${claims.nonce}`;
  }

  /** A new state for this user's session; its nonce is recorded before the state is handed out. */
  async issue(record: NonceRecord): Promise<{ state: string; expMs: number }> {
    await this.purgeExpired();
    const claims: StateClaims = {
      marker: this.deps.marker,
      nonce: randomBytes(12).toString("base64url"),
      expMs: this.deps.now() + this.ttlMs,
    };
    await this.deps.store.secrets.put(
      this.recordName(claims),
      JSON.stringify({ u: record.userId, s: record.sid, ...(record.prm ? { p: record.prm } : {}) }),
    );
    return { state: encodeState(this.deps.key, claims), expMs: claims.expMs };
  }

  verify(state: string | null | undefined): StateCheck {
    return verifyState(this.deps.key, state);
  }

  /**
   * Uses a verified state for this session: refused when expired, already used, or started by another
   * user or session (then the record is left alone, so that a stranger cannot spoil someone's consent).
   */
  async consume(claims: StateClaims, session: NonceRecord): Promise<ConsumeResult> {
    const name = this.recordName(claims);
    if (claims.expMs <= this.deps.now()) {
      await this.deps.store.secrets.delete(name);
      return { ok: false, reason: "expired" };
    }
    const text = await this.deps.store.secrets.get(name);
    if (text === undefined) return { ok: false, reason: "used" };
    const parsed = JSON.parse(text) as { u: number; s: string; p?: string };
    if (parsed.u !== session.userId || parsed.s !== session.sid) return { ok: false, reason: "foreign" };
    // The delete succeeds exactly once, even with several processes racing on the same state.
    if (!(await this.deps.store.secrets.delete(name))) return { ok: false, reason: "used" };
    return {
      ok: true,
      record: { userId: parsed.u, sid: parsed.s, ...(parsed.p ? { prm: parsed.p } : {}) },
    };
  }

  /** Forgets the nonces whose state has expired. */
  async purgeExpired(): Promise<number> {
    const nowS = this.deps.now() / 1000;
    let n = 0;
    for (const name of await this.deps.store.secrets.names()) {
      if (!name.startsWith(NONCE_RECORD_PREFIX)) continue;
      const exp = parseInt(name.slice(NONCE_RECORD_PREFIX.length).split(".")[0] ?? "", 36);
      if (!Number.isFinite(exp) || exp <= nowS) {
        if (await this.deps.store.secrets.delete(name)) n++;
      }
    }
    return n;
  }
}
