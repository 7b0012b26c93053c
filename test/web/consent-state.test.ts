/** The consent state: shape, length, signature, and the single-use record (unit tests). */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeState, markerOf, verifyState } from "../../src/web/consent-state.js";
import { deriveWebKeys } from "../../src/web/keys.js";

const key = deriveWebKeys(Buffer.alloc(32, 7)).consentState;
const otherKey = deriveWebKeys(Buffer.alloc(32, 8)).consentState;

describe("consent state", () => {
  it("round-trips, fits in 100 characters with the longest marker, and never ends with a digit", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.-]{0,40}$/),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1_700_000_000_000, max: 4_000_000_000_000 }),
        (marker, nonceBytes, expMs) => {
          const nonce = Buffer.from(nonceBytes).toString("base64url");
          const state = encodeState(key, { marker, nonce, expMs });
          expect(state.length).toBeLessThanOrEqual(100);
          // The Enedis sandbox reads a trailing digit as a test-client number.
          expect(state).not.toMatch(/\d$/);
          const v = verifyState(key, state);
          expect(v.ok).toBe(true);
          if (v.ok) {
            expect(v.claims.marker).toBe(marker);
            expect(v.claims.nonce).toBe(nonce);
            expect(Math.abs(v.claims.expMs - expMs)).toBeLessThan(1000);
          }
          expect(markerOf(state)).toBe(marker);
        },
      ),
    );
  });

  it("refuses another key, any changed character, and malformed text", () => {
    const nonce = randomBytes(12).toString("base64url");
    const state = encodeState(key, { marker: "bmhs", nonce, expMs: 2_000_000_000_000 });
    expect(verifyState(otherKey, state)).toEqual({ ok: false, reason: "bad_signature" });
    for (let i = 0; i < state.length; i++) {
      const c = state[i] === "A" ? "B" : "A";
      const changed = `${state.slice(0, i)}${c}${state.slice(i + 1)}`;
      expect(verifyState(key, changed).ok, `change at ${i}`).toBe(false);
    }
    expect(verifyState(key, null)).toEqual({ ok: false, reason: "missing" });
    expect(verifyState(key, "")).toEqual({ ok: false, reason: "missing" });
    expect(verifyState(key, "forged")).toEqual({ ok: false, reason: "malformed" });
    expect(verifyState(key, "a.b.c")).toEqual({ ok: false, reason: "malformed" });
    expect(verifyState(key, `${"x".repeat(60)}.${state}`)).toEqual({ ok: false, reason: "malformed" });
  });

  it("binds the marker: moving the signed part under another marker fails", () => {
    const nonce = randomBytes(12).toString("base64url");
    const state = encodeState(key, { marker: "portal-a", nonce, expMs: 2_000_000_000_000 });
    expect(verifyState(key, state.replace("portal-a", "portal-b")).ok).toBe(false);
    expect(verifyState(key, state.replace("portal-a.", "")).ok).toBe(false);
  });
});

describe("web keys", () => {
  it("derives one distinct key per purpose, none equal to the master key", () => {
    const master = randomBytes(32);
    const k = deriveWebKeys(master);
    const all = [k.cookie, k.csrf, k.consentState, k.session].map((b) => b.toString("hex"));
    expect(new Set([...all, master.toString("hex")]).size).toBe(5);
    expect(deriveWebKeys(master).consentState.equals(k.consentState)).toBe(true);
    expect(() => deriveWebKeys(Buffer.alloc(16))).toThrow(RangeError);
  });
});
