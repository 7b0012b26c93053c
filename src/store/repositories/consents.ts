/**
 * Who consented to what (migration 008): the v2 autorisations claimed (each once, ever), the PRMs each
 * user ever held, and the reviews an administrator decides (conflicts, consent v1 approvals).
 *
 * Glossary:
 * - claim: an autorisation attached to a user's meter; a second claim of the same id by someone else is
 *   refused by the primary key, whatever the number of processes.
 * - holding: a (PRM, user) pair that was once attached; never forgotten, so that a PRM is not handed to
 *   another user silently after the first deleted her service or her account.
 * - review: a conflict (a second user's return named a claimed autorisation or a held PRM: the holder's
 *   account is suspended while it is open) or an approval (consent v1 on a multi-user installation).
 */
import type { Selectable } from "kysely";
import type { ConsentReviewKind, ConsentReviewStatus, ConsentReviewTable } from "../schema.js";
import type { Scope } from "../scope.js";

export type ConflictDecision = "first" | "second" | "share" | "refuse";
export type ApprovalDecision = "approve" | "refuse";
export type ReviewDecision = ConflictDecision | ApprovalDecision;

export interface ConsentReview {
  id: number;
  kind: ConsentReviewKind;
  reason: string;
  usagePointId: string;
  requesterUserId: number;
  holderUserId: number | null;
  holderAccountId: number | null;
  autorisationId: number | null;
  /** The account configuration to attach if the requester gets the meter (parsed JSON). */
  grant: Record<string, unknown>;
  status: ConsentReviewStatus;
  decision: ReviewDecision | null;
  decidedByUserId: number | null;
  createdAtMs: number;
  decidedAtMs: number | null;
}

export interface NewConsentReview {
  kind: ConsentReviewKind;
  reason: string;
  usagePointId: string;
  requesterUserId: number;
  holderUserId?: number | null;
  holderAccountId?: number | null;
  autorisationId?: number | null;
  grant?: Record<string, unknown>;
  nowMs: number;
}

export type ClaimResult = { ok: true } | { ok: false; userId: number; usagePointId: string };

function toReview(r: Selectable<ConsentReviewTable>): ConsentReview {
  return {
    id: r.id,
    kind: r.kind,
    reason: r.reason,
    usagePointId: r.usage_point_id,
    requesterUserId: r.requester_user_id,
    holderUserId: r.holder_user_id,
    holderAccountId: r.holder_account_id === null ? null : Number(r.holder_account_id),
    autorisationId: r.autorisation_id === null ? null : Number(r.autorisation_id),
    grant: JSON.parse(r.grant) as Record<string, unknown>,
    status: r.status,
    decision: r.decision as ReviewDecision | null,
    decidedByUserId: r.decided_by_user_id,
    createdAtMs: Number(r.created_at_ms),
    decidedAtMs: r.decided_at_ms === null ? null : Number(r.decided_at_ms),
  };
}

/** Decisions after which the holder's account stays out of reach (the meter went to someone else). */
const WITHDRAWN: ReviewDecision[] = ["second", "refuse"];

export class ConsentsRepository {
  constructor(private readonly scope: Scope) {}

  /**
   * Claims a v2 autorisation for a user's PRM. Refused when someone else claimed it, or when it was
   * claimed for another PRM; the same user reconnecting the same PRM (Enedis gives the same id back on a
   * new share) is not a second claim.
   */
  async claimAutorisation(c: {
    autorisationId: number;
    usagePointId: string;
    userId: number;
    nowMs: number;
  }): Promise<ClaimResult> {
    const inserted = await this.scope.db
      .insertInto("consent_autorisation")
      .values({
        autorisation_id: c.autorisationId,
        usage_point_id: c.usagePointId,
        user_id: c.userId,
        claimed_at_ms: Math.floor(c.nowMs),
      })
      .onConflict((oc) => oc.column("autorisation_id").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { ok: true };
    const existing = await this.autorisationClaim(c.autorisationId);
    if (!existing) return { ok: false, userId: -1, usagePointId: "" };
    if (existing.userId === c.userId && existing.usagePointId === c.usagePointId) return { ok: true };
    return { ok: false, ...existing };
  }

  async autorisationClaim(
    autorisationId: number,
  ): Promise<{ userId: number; usagePointId: string } | undefined> {
    const r = await this.scope.db
      .selectFrom("consent_autorisation")
      .select(["user_id", "usage_point_id"])
      .where("autorisation_id", "=", autorisationId)
      .executeTakeFirst();
    return r && { userId: r.user_id, usagePointId: r.usage_point_id };
  }

  /** Remembers that a user holds a PRM (idempotent). */
  async recordHolding(usagePointId: string, userId: number, nowMs: number): Promise<void> {
    await this.scope.db
      .insertInto("consent_holding")
      .values({ usage_point_id: usagePointId, user_id: userId, first_at_ms: Math.floor(nowMs) })
      .onConflict((oc) => oc.columns(["usage_point_id", "user_id"]).doNothing())
      .execute();
  }

  /** Every user who ever held the PRM (deleted users included). */
  async holdersEver(usagePointId: string): Promise<number[]> {
    const rows = await this.scope.db
      .selectFrom("consent_holding")
      .select("user_id")
      .where("usage_point_id", "=", usagePointId)
      .orderBy("first_at_ms")
      .execute();
    return rows.map((r) => r.user_id);
  }

  async openReview(n: NewConsentReview): Promise<ConsentReview> {
    const r = await this.scope.db
      .insertInto("consent_review")
      .values({
        kind: n.kind,
        reason: n.reason,
        usage_point_id: n.usagePointId,
        requester_user_id: n.requesterUserId,
        holder_user_id: n.holderUserId ?? null,
        holder_account_id: n.holderAccountId ?? null,
        autorisation_id: n.autorisationId ?? null,
        grant: JSON.stringify(n.grant ?? {}),
        created_at_ms: Math.floor(n.nowMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toReview(r);
  }

  /** The open review of this requester for this PRM, if any (a second return does not open another). */
  async findOpen(requesterUserId: number, usagePointId: string): Promise<ConsentReview | undefined> {
    const r = await this.scope.db
      .selectFrom("consent_review")
      .selectAll()
      .where("requester_user_id", "=", requesterUserId)
      .where("usage_point_id", "=", usagePointId)
      .where("status", "=", "open")
      .executeTakeFirst();
    return r && toReview(r);
  }

  async findById(id: number): Promise<ConsentReview | undefined> {
    const r = await this.scope.db
      .selectFrom("consent_review")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toReview(r);
  }

  /** Open reviews first (oldest first), then the latest decided ones. */
  async list(opts: { status?: ConsentReviewStatus; limit?: number } = {}): Promise<ConsentReview[]> {
    let q = this.scope.db.selectFrom("consent_review").selectAll();
    if (opts.status) q = q.where("status", "=", opts.status);
    const rows = await q
      .orderBy(
        opts.status === "decided" ? "decided_at_ms" : "created_at_ms",
        opts.status === "decided" ? "desc" : "asc",
      )
      .limit(opts.limit ?? 200)
      .execute();
    return rows.map(toReview);
  }

  /** Records a decision; false when the review was decided already (by another admin, another tab). */
  async decide(id: number, decision: ReviewDecision, byUserId: number, nowMs: number): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("consent_review")
      .set({
        status: "decided",
        decision,
        decided_by_user_id: byUserId,
        decided_at_ms: Math.floor(nowMs),
      })
      .where("id", "=", id)
      .where("status", "=", "open")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Accounts whose holder may not see the meter: an open conflict names them (suspended pending review),
   * or a decision gave the meter to someone else or to no one.
   */
  async suspendedAccountIds(): Promise<Set<number>> {
    const rows = await this.scope.db
      .selectFrom("consent_review")
      .select(["holder_account_id", "status", "decision"])
      .where("kind", "=", "conflict")
      .where("holder_account_id", "is not", null)
      .where((eb) => eb.or([eb("status", "=", "open"), eb("decision", "in", WITHDRAWN)]))
      .execute();
    return new Set(rows.map((r) => Number(r.holder_account_id)));
  }

  async isSuspended(accountId: number): Promise<boolean> {
    return (await this.suspendedAccountIds()).has(accountId);
  }
}
