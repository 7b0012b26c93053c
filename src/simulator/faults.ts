/**
 * Fault injection: a seeded, repeatable picker chooses a share `faultRate` of API calls (after auth and
 * quota) to answer 500 (SI coeur), 503, a stalled response (nothing for `stallMs`, then a gateway 504;
 * cleaned up on client disconnect and on stop) or a truncated body (200, headers, half the JSON, then the
 * socket is destroyed). The choice depends only on the seed and the call's rank, so a run repeats.
 */
import type { FastifyReply } from "fastify";
import { seedWord, unit } from "./hash.js";

export type FaultKind = "500" | "503" | "stall" | "truncate";
const KINDS: readonly FaultKind[] = ["500", "503", "stall", "truncate"];

export class FaultPicker {
  private rank = 0;
  private readonly seed: number;

  constructor(
    private readonly rate: number,
    seed: string | number,
  ) {
    this.seed = seedWord(`faults:${String(seed)}`);
  }

  /** The fault for the next API call, or null. Every call advances the sequence. */
  next(): FaultKind | null {
    const i = this.rank++;
    if (this.rate <= 0 || unit(this.seed, i, 1) >= this.rate) return null;
    return KINDS[Math.floor(unit(this.seed, i, 2) * KINDS.length)] as FaultKind;
  }
}

/** The gateway's answer when the back end does not answer in time. */
export const GATEWAY_TIMEOUT_BODY = JSON.stringify({
  fault: { code: 101504, message: "Runtime Error", description: "Send timeout" },
});

/** Pending stalled responses, so that stop() and client disconnects release them. */
export class StallRegistry {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; reply: FastifyReply }>();

  /** Holds the response for `ms`, then answers 504. `done` gets the status the client saw (499: gone). */
  stall(reply: FastifyReply, ms: number, done: (status: number) => void): void {
    reply.hijack();
    const res = reply.raw;
    let finished = false;
    const entry = {
      reply,
      timer: setTimeout(() => {
        finished = true;
        this.pending.delete(entry);
        if (res.destroyed) return;
        res.writeHead(504, { "content-type": "application/json" });
        res.end(GATEWAY_TIMEOUT_BODY);
        done(504);
      }, ms),
    };
    this.pending.add(entry);
    res.on("close", () => {
      if (finished) return;
      finished = true;
      clearTimeout(entry.timer);
      this.pending.delete(entry);
      done(499);
    });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Drops every stalled response (their sockets are destroyed). */
  releaseAll(): void {
    for (const e of [...this.pending]) {
      clearTimeout(e.timer);
      this.pending.delete(e);
      e.reply.raw.destroy();
    }
  }
}

/** Status 200, the headers, half of the body, then the connection is cut. */
export function sendTruncated(reply: FastifyReply, body: string, contentType: string): void {
  reply.hijack();
  const res = reply.raw;
  const buf = Buffer.from(body, "utf8");
  res.writeHead(200, { "content-type": contentType, "content-length": String(buf.length) });
  res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => {
    res.destroy();
  });
}
