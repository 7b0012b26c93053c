/**
 * Guards of the routes that call Enedis on a user's behalf (consent returns, "check again", "test the
 * API"): a sliding-window limit per user and per address, one call at a time per user (a second one
 * while the first runs is refused), and every Enedis call inside counted against the interactive share of
 * the quota (`onBehalfOf`, enforced across processes by the shared limiter). Failed consent returns are
 * counted too, per user and per address: past the limit, returns are refused for a while.
 *
 * The windows live in this process (a few counters per user and address); the quota share is the part
 * that must hold across processes, and it does, in the database.
 */
import type { FastifyRequest } from "fastify";
import { onBehalfOf } from "../scheduler/interactive.js";
import { HttpError } from "./http.js";

export interface InteractiveLimits {
  /** Enedis-calling requests per user and per window (default 10). */
  callsPerUser?: number;
  /** Enedis-calling requests per address and per window (default 30). */
  callsPerAddress?: number;
  /** Failed consent returns per user and per window (default 5). */
  failuresPerUser?: number;
  /** Failed consent returns per address and per window (default 20). */
  failuresPerAddress?: number;
  /** Window length in ms (default 10 minutes). */
  windowMs?: number;
}

/** Sliding windows of instants, per key. */
class Windows {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs: number,
  ) {}

  count(key: string): number {
    const since = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list.length;
  }

  add(key: string): void {
    this.count(key);
    const list = this.hits.get(key) ?? [];
    list.push(this.now());
    this.hits.set(key, list);
    // Bounded memory: a flood of addresses forgets the oldest keys first.
    if (this.hits.size > 10_000) {
      const first = this.hits.keys().next().value;
      if (first !== undefined) this.hits.delete(first);
    }
  }
}

export const tooMany = (message: string) => new HttpError(429, "Trop de demandes", message);

export class InteractiveGate {
  private readonly calls: Windows;
  private readonly failures: Windows;
  private readonly running = new Set<number>();
  private readonly limits: Required<InteractiveLimits>;

  constructor(now: () => number, limits: InteractiveLimits = {}) {
    this.limits = {
      callsPerUser: limits.callsPerUser ?? 10,
      callsPerAddress: limits.callsPerAddress ?? 30,
      failuresPerUser: limits.failuresPerUser ?? 5,
      failuresPerAddress: limits.failuresPerAddress ?? 20,
      windowMs: limits.windowMs ?? 10 * 60_000,
    };
    this.calls = new Windows(now, this.limits.windowMs);
    this.failures = new Windows(now, this.limits.windowMs);
  }

  /**
   * Runs `fn` (which may call Enedis) for this user: refused with a 429 page when the user or the address
   * made too many such requests lately, or when the user already has one running.
   */
  async run<T>(request: FastifyRequest, userId: number, fn: () => Promise<T>): Promise<T> {
    const u = `u:${userId}`;
    const a = `a:${request.ip}`;
    if (this.running.has(userId)) {
      throw tooMany(
        "Une demande à Enedis est déjà en cours pour votre compte : attendez qu'elle se termine.",
      );
    }
    if (
      this.calls.count(u) >= this.limits.callsPerUser ||
      this.calls.count(a) >= this.limits.callsPerAddress
    ) {
      throw tooMany(
        "Trop de demandes à Enedis en peu de temps. Patientez quelques minutes avant de réessayer.",
      );
    }
    this.calls.add(u);
    this.calls.add(a);
    this.running.add(userId);
    try {
      return await onBehalfOf(userId, fn);
    } finally {
      this.running.delete(userId);
    }
  }

  /** True when failed consent returns from this user or address reached the limit. */
  failuresExceeded(request: FastifyRequest, userId: number | null): boolean {
    if (this.failures.count(`a:${request.ip}`) >= this.limits.failuresPerAddress) return true;
    return userId !== null && this.failures.count(`u:${userId}`) >= this.limits.failuresPerUser;
  }

  recordFailure(request: FastifyRequest, userId: number | null): void {
    this.failures.add(`a:${request.ip}`);
    if (userId !== null) this.failures.add(`u:${userId}`);
  }
}
