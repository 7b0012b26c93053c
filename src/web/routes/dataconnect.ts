/**
 * The consent routes kept from the seed:
 * - `GET /dataConnect/authorize` (signed in): asks which meter (the PRM); `POST /dataConnect/authorize`
 *   (CSRF): to Enedis' consent page, with a fresh state whose server-side record keeps that PRM.
 * - `GET /dataconnect-proxy/redirect` (the URI registered with Enedis) and `GET /dataConnect/redirect`
 *   (and the seed's lower-case `/dataconnect/redirect`): the return. The proxy route forwards returns
 *   whose state carries another portal's routing marker when `consentProxy` names that portal.
 * - `POST /dataConnect/retry` (signed in): resolves again a v2 consent Enedis had not listed yet.
 * Returns and retries call Enedis for the user: `InteractiveGate` limits them (per user, per address, one
 * at a time, the quota share) and throttles failed returns. No page shows a PRM the user did not type.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { t } from "../../i18n/index.js";
import type { User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import type { ConsentFailure, ConsentFailureCode, ConsentOutcome } from "../consent.js";
import { normalisePrm } from "../consent.js";
import { markerOf } from "../consent-state.js";
import { field } from "../http.js";
import type { Session } from "../session.js";

interface FailureText {
  heading: string;
  message: string;
  restart?: boolean;
  login?: boolean;
}

const FAILURES: Record<ConsentFailureCode, FailureText> = {
  refused: {
    heading: "Partage refusé",
    message:
      "Vous avez refusé le partage de vos données sur la page d'Enedis. Vous pouvez recommencer quand vous le souhaitez.",
    restart: true,
  },
  enedis_error: {
    heading: "Enedis a signalé une erreur",
    message: "La page de consentement d'Enedis est revenue avec une erreur. Réessayez dans quelques minutes.",
    restart: true,
  },
  invalid_redirect: {
    heading: "Retour d'Enedis incomplet",
    message: "Le retour de la page d'Enedis ne contient pas les informations attendues.",
    restart: true,
  },
  state_missing: {
    heading: "Lien de retour invalide",
    message: "Ce lien de retour ne vient pas d'un consentement commencé ici (aucun état de sécurité).",
    restart: true,
  },
  state_forged: {
    heading: "Lien de retour refusé",
    message: "Ce lien de retour n'a pas été émis par ce site (état de sécurité invalide). Il a été ignoré.",
    restart: true,
  },
  state_expired: {
    heading: "Lien de retour expiré",
    message:
      "Le consentement a pris trop de temps : ce lien de retour a expiré. Recommencez depuis le tableau de bord.",
    restart: true,
  },
  state_used: {
    heading: "Lien de retour déjà utilisé",
    message: "Ce lien de retour a déjà servi : un lien de consentement ne sert qu'une fois.",
    restart: true,
  },
  state_foreign: {
    heading: "Lien de retour d'une autre session",
    message:
      "Ce consentement a été commencé dans une autre session ou par un autre utilisateur. Il n'a pas été pris en compte ici.",
    restart: true,
  },
  not_signed_in: {
    heading: "Connexion requise",
    message:
      "Vous n'êtes plus connecté à ce site : connectez-vous, puis recommencez la connexion de votre compteur.",
    login: true,
  },
  no_sender: {
    heading: "Connexion indisponible",
    message:
      "La connexion aux compteurs Linky n'est pas encore configurée : l'administrateur doit créer le connecteur Enedis DataConnect.",
  },
  role_missing: {
    heading: "Accès refusé",
    message:
      "Votre compte n'a pas le rôle nécessaire pour connecter un compteur. Demandez-le à l'administrateur.",
  },
  no_service: {
    heading: "Autorisation pas encore visible",
    message:
      "Enedis a bien enregistré votre accord mais ne le publie pas encore. Réessayez dans quelques minutes avec le bouton ci-dessous (inutile de repasser par la page d'Enedis).",
  },
  bad_prm: {
    heading: "Numéro de compteur invalide",
    message: "Le numéro de point de livraison (PRM) compte exactement 14 chiffres.",
    restart: true,
  },
  mismatch: {
    heading: "Consentement non reconnu",
    message:
      "Le consentement reçu d'Enedis ne correspond pas au compteur que vous avez indiqué. Il n'a pas été pris en compte. Vérifiez le numéro de votre compteur et recommencez.",
    restart: true,
  },
  review: {
    heading: "Demande en cours de vérification",
    message:
      "Votre demande a bien été reçue. Elle doit être vérifiée par l'administrateur de ce site avant que le compteur soit connecté : vous la verrez sur votre tableau de bord.",
  },
  quota_share: {
    heading: "Enedis très sollicité",
    message:
      "La part des appels à Enedis réservée aux demandes des utilisateurs est épuisée pour cette heure (la collecte des données passe avant). Réessayez dans une heure.",
  },
  throttled: {
    heading: "Trop de tentatives",
    message:
      "Trop de retours de consentement refusés en peu de temps depuis votre compte ou votre adresse. Patientez quelques minutes avant de recommencer.",
  },
  service_ended: {
    heading: "Partage déjà terminé",
    message:
      "Enedis indique que ce partage est terminé ou révoqué. Vérifiez l'accès à vos données dans votre espace client Enedis, puis recommencez.",
    restart: true,
  },
  not_fresh: {
    heading: "Autorisation refusée",
    message:
      "Cette autorisation ne correspond pas à un partage que vous venez de faire. Elle n'a pas été prise en compte.",
    restart: true,
  },
  verify_failed: {
    heading: "Compteur non confirmé par Enedis",
    message:
      "Enedis ne confirme pas le partage de ce compteur avec notre application. Aucun compteur n'a été ajouté.",
    restart: true,
  },
  enedis_unavailable: {
    heading: "Enedis ne répond pas",
    message: "Enedis n'a pas répondu correctement. Réessayez dans quelques minutes.",
    restart: true,
  },
  nothing_pending: {
    heading: "Rien à vérifier",
    message: "Aucune autorisation n'attend d'être vérifiée pour votre compte.",
    restart: true,
  },
};

export function registerDataConnectRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards, consent, interactive } = deps;
  const { ctx } = deps;
  const ourMarker = ctx.config.enedis.state ?? "";
  const proxies = Object.entries(deps.options.consentProxy ?? {}).filter(
    ([m]) => m !== "" && m !== ourMarker,
  );

  function failure(request: FastifyRequest, reply: FastifyReply, f: ConsentFailure) {
    const text = FAILURES[f.code];
    // Never a PRM: the only PRM a page may show is the one the user typed (the form keeps it).
    const detail =
      f.code === "enedis_error" || f.code === "enedis_unavailable"
        ? `Code : ${f.detail ?? "?"}`
        : f.code === "role_missing"
          ? `Rôle requis : ${f.detail ?? "?"}`
          : null;
    return render.send(
      request,
      reply,
      "consentFailed",
      {
        title: text.heading,
        code: f.code,
        heading: text.heading,
        message: text.message,
        detail,
        restart: text.restart === true && request.user !== null,
        login: text.login === true,
        retry: f.retryable === true,
        review: f.code === "review",
      },
      f.status,
    );
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, outcome: ConsentOutcome) {
    if (!outcome.ok) return failure(request, reply, outcome);
    const ids = outcome.accounts.map((a) => a.account.id).join(",");
    ctx.log(`consent: user ${(request.user as User).id} connected account ${ids}`);
    // Back to the dashboard, which shows the card connected (and leaves the state out of the history).
    return reply.redirect("/?done=connected", 303);
  }

  /** The form that asks which meter, with the PRM as typed and what is wrong with it. */
  async function startForm(request: FastifyRequest, reply: FastifyReply, prm: string, error: string | null) {
    const sender = await consent.sender(request.user as User);
    if ("ok" in sender) return failure(request, reply, sender);
    return render.send(
      request,
      reply,
      "consentStart",
      { title: "Connecter un compteur", nav: "dashboard", prm, error },
      error ? 400 : 200,
    );
  }

  // No HEAD twin, like the returns (a link checker has no business here).
  app.get(
    "/dataConnect/authorize",
    { preHandler: guards.user, exposeHeadRoute: false },
    async (request, reply) => startForm(request, reply, "", null),
  );

  app.post(
    "/dataConnect/authorize",
    {
      preHandler: [guards.user, app.csrfProtection],
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const typed = field(request.body, "prm").slice(0, 40);
      if (!normalisePrm(typed)) {
        return startForm(request, reply, typed, t("form.prm"));
      }
      const hint = ctx.simulator
        ? `${request.protocol}://${request.host}/dataconnect-proxy/redirect`
        : undefined;
      const r = await consent.start(request.user as User, request.session as Session, {
        prm: typed,
        ...(hint ? { redirectUriHint: hint } : {}),
      });
      if (!r.ok) return failure(request, reply, r);
      return reply.header("cache-control", "no-store").redirect(r.url, 303);
    },
  );

  /** Counted failures: the ones a guessing attacker would produce (not refusals, reviews or outages). */
  const COUNTED: ReadonlySet<ConsentFailureCode> = new Set<ConsentFailureCode>([
    "state_missing",
    "state_forged",
    "state_expired",
    "state_used",
    "state_foreign",
    "invalid_redirect",
    "mismatch",
    "not_fresh",
    "verify_failed",
    "service_ended",
  ]);

  const back = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = request.user;
    if (interactive.failuresExceeded(request, user?.id ?? null))
      return failure(request, reply, { ok: false, code: "throttled", status: 429 });
    const complete = () => consent.complete(request.query as Record<string, unknown>, user, request.session);
    const outcome = user ? await interactive.run(request, user.id, complete) : await complete();
    if (!outcome.ok && COUNTED.has(outcome.code)) interactive.recordFailure(request, user?.id ?? null);
    return answer(request, reply, outcome);
  };

  // No HEAD twins: a link checker's HEAD must not use up (or act on) a consent return.
  const redirectOpts = { config: { rateLimit: { max: 30, timeWindow: 60_000 } }, exposeHeadRoute: false };
  app.get("/dataconnect-proxy/redirect", redirectOpts, async (request, reply) => {
    const state = (request.query as Record<string, unknown>).state;
    if (typeof state === "string" && proxies.length > 0 && !consent.ownsState(state)) {
      const marker = markerOf(state);
      const target = proxies.find(([m]) => m === marker) ?? proxies.find(([m]) => state.includes(m));
      if (target) {
        const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
        return reply.redirect(`${target[1].replace(/\/+$/, "")}/dataConnect/redirect${query}`, 302);
      }
    }
    return back(request, reply);
  });
  app.get("/dataConnect/redirect", redirectOpts, back);
  app.get("/dataconnect/redirect", redirectOpts, back);

  app.post(
    "/dataConnect/retry",
    { preHandler: [guards.user, app.csrfProtection] },
    async (request, reply) => {
      const user = request.user as User;
      if (!(await consent.hasPending(user))) return answer(request, reply, await consent.retryPending(user));
      return answer(
        request,
        reply,
        await interactive.run(request, user.id, () => consent.retryPending(user)),
      );
    },
  );
}
