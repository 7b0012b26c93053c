/**
 * Deterministic hashing for the simulator: every synthetic value and every injected fault comes from a
 * hash of its inputs (PRM, seed, instant, call number), never from Math.random, so runs repeat.
 */

/** FNV-1a 32-bit hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Final avalanche of murmur3: spreads every input bit over the whole word. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes 32-bit words (integers; larger numbers are folded) into one 32-bit hash. */
export function hashInts(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    // Fold numbers beyond 32 bits (epoch milliseconds) so that their high part still counts.
    const lo = w >>> 0;
    const hi = Math.floor(w / 4294967296) >>> 0;
    h = fmix(Math.imul(h ^ lo, 0xcc9e2d51) + 0x6b64 + hi);
  }
  return h;
}

/** A uniform number in [0, 1) derived from the words. */
export function unit(...words: number[]): number {
  return hashInts(...words) / 4294967296;
}

/** The seed option as a 32-bit word ("1" and 1 are the same seed). */
export function seedWord(seed: string | number): number {
  return hashString(String(seed));
}

/** A small deterministic generator (mulberry32) for sequences that need many draws. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
