/**
 * The administrator's consent reviews (`/admin/consents`): conflicts (a second user came back from Enedis
 * with an autorisation or a PRM already attached to someone; the holder is suspended meanwhile) and, for
 * consent v1, the PRMs waiting for approval, with who asked and when.
 *
 * - `GET /admin/consents` (ROLE_ADMIN): what waits, then the latest decisions.
 * - `POST /admin/consents/:id/decide` (ROLE_ADMIN, CSRF): `decision` = `first` | `second` | `share` |
 *   `refuse` (conflicts) or `approve` | `refuse` (approvals); then back to the list (POST-redirect-GET).
 */
import type { FastifyInstance } from "fastify";
import type { User } from "../../store/index.js";
import type { ConsentReview, ReviewDecision } from "../../store/repositories/consents.js";
import type { WebDeps } from "../app.js";
import { badRequest, field, HttpError, idParam, notFound } from "../http.js";
import { when } from "./dashboard.js";

const REASONS: Record<string, string> = {
  autorisation_claimed: "Cette autorisation Enedis est déjà rattachée au compte d'un autre utilisateur.",
  prm_held: "Ce compteur est déjà rattaché au compte d'un autre utilisateur.",
  v1_multi_user:
    "Consentement v1 sur un site à plusieurs utilisateurs : Enedis ne dit pas qui a donné ce consentement.",
  v1_held_before: "Consentement v1 pour un compteur qu'un autre utilisateur a détenu auparavant.",
};

const DECISIONS: Record<ReviewDecision, string> = {
  first: "Laisser au premier",
  second: "Donner au second",
  share: "Partager entre les deux",
  refuse: "Refuser",
  approve: "Approuver",
};

const CONFLICT: ReviewDecision[] = ["first", "second", "share", "refuse"];
const APPROVAL: ReviewDecision[] = ["approve", "refuse"];

export function registerConsentReviewRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards, consent } = deps;
  const { store, config, now } = deps.ctx;
  const admin = { preHandler: [guards.user, guards.admin] };
  const adminForm = { preHandler: [guards.user, guards.admin, app.csrfProtection] };

  async function name(id: number | null): Promise<string | null> {
    if (id === null) return null;
    return (await store.users.findById(id))?.username ?? `utilisateur supprimé (n° ${id})`;
  }

  app.get("/admin/consents", admin, async (request, reply) => {
    const suspended = await store.consents.suspendedAccountIds();
    const open = [];
    for (const r of await store.consents.list({ status: "open" })) {
      open.push({
        id: r.id,
        kind: r.kind,
        kindLabel: r.kind === "conflict" ? "Conflit" : "Approbation (consentement v1)",
        reasonLabel: REASONS[r.reason] ?? r.reason,
        prm: r.usagePointId,
        requester: await name(r.requesterUserId),
        holder: await name(r.holderUserId),
        suspended: r.holderAccountId !== null && suspended.has(r.holderAccountId),
        autorisationId: r.autorisationId,
        created: when(r.createdAtMs),
        decisions: (r.kind === "conflict" ? CONFLICT : APPROVAL).map((d, i) => ({
          value: d,
          label: r.kind === "approval" && d === "refuse" ? "Refuser" : DECISIONS[d],
          secondary: i > 0,
        })),
      });
    }
    const decided = [];
    for (const r of await store.consents.list({ status: "decided", limit: 50 })) {
      decided.push({
        prm: r.usagePointId,
        kindLabel: r.kind === "conflict" ? "Conflit" : "Approbation",
        requester: await name(r.requesterUserId),
        created: when(r.createdAtMs),
        decisionLabel: r.decision ? DECISIONS[r.decision] : "—",
        decidedBy: (await name(r.decidedByUserId)) ?? "—",
        decided: when(r.decidedAtMs),
      });
    }
    return render.send(request, reply, "consentReviews", {
      title: "Consentements",
      nav: "consents",
      open,
      decided,
      v1: config.enedis.consent === "v1",
      notice:
        field(request.query, "done") === "decided" ? { kind: "ok", text: "Décision enregistrée." } : null,
    });
  });

  app.post("/admin/consents/:id/decide", adminForm, async (request, reply) => {
    const review: ConsentReview | undefined = await store.consents.findById(idParam(request));
    if (!review) throw notFound("Cette demande n'existe pas.");
    const decision = field(request.body, "decision") as ReviewDecision;
    const allowed = review.kind === "conflict" ? CONFLICT : APPROVAL;
    if (!allowed.includes(decision)) throw badRequest("Décision inconnue pour cette demande.");
    if (review.status !== "open")
      throw new HttpError(409, "Déjà décidé", "Un administrateur a déjà décidé de cette demande.");
    await consent.decideReview(review, decision, request.user as User, now());
    return reply.redirect("/admin/consents?done=decided", 303);
  });
}
