/**
 * French messages (the reference catalogue: another language copies its shape). Keys are grouped by
 * where people read them; `{{name}}` is filled by `t(key, { name })`.
 */
export const fr = {
  layout: {
    nav: {
      dashboard: "Tableau de bord",
      services: "Services",
      user: "Mon compte",
      senders: "Connecteurs",
      users: "Utilisateurs",
      consents: "Consentements",
      logout: "Déconnexion",
      logoutTitle: "Se déconnecter ({{username}})",
    },
    simulated: "Démonstration : les données affichées sont simulées (simulateur Enedis intégré).",
  },
  error: {
    back: "Retour au tableau de bord",
    backLogin: "Se connecter",
    previous: "Revenir à la page précédente",
    heading: {
      generic: "Erreur",
      notFound: "Introuvable",
      badRequest: "Demande invalide",
      forbidden: "Accès refusé",
      csrf: "Formulaire refusé",
      tooMany: "Trop de tentatives",
      internal: "Erreur interne",
      loginRequired: "Connexion requise",
      suspended: "Accès suspendu",
      setup: "Premier démarrage",
    },
    notFound: "Cette page n'existe pas, ou elle n'est pas à vous.",
    pageNotFound: "Cette page n'existe pas.",
    senderNotFound: "Ce connecteur n'existe pas.",
    meterNotFound: "Ce compteur n'existe pas, ou il n'est pas à vous.",
    badRequest: "La demande est mal formée ou trop volumineuse.",
    csrf: "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
    tooMany: "Trop de tentatives en peu de temps. Patientez une minute avant de réessayer.",
    internal: "Une erreur inattendue s'est produite. Réessayez plus tard.",
    loginRequired: "Votre session a expiré ou vous n'êtes pas connecté. Connectez-vous puis recommencez.",
    adminOnly: "Cette page est réservée aux administrateurs.",
    suspended:
      "L'accès à ce compteur est suspendu le temps qu'un administrateur vérifie un consentement qui le concerne. Vos données sont conservées.",
    page: "Le numéro de page doit être un entier positif.",
  },
  param: {
    invalid: "Le paramètre «\u00a0{{name}}\u00a0» ne peut pas valoir «\u00a0{{value}}\u00a0».",
    accepted: "Valeurs acceptées : {{accepted}}.",
    date: "une date au format AAAA-MM-JJ (par exemple {{example}})",
    dateRange:
      "«\u00a0from\u00a0» doit précéder «\u00a0to\u00a0» (dates au format AAAA-MM-JJ, «\u00a0to\u00a0» exclu).",
    rangeTooLong: "La période demandée dépasse {{max}} jours.",
    dataset: "l'une des séries de ce compteur : {{list}}",
    format: "csv ou json",
    clampedAfter:
      "Le {{asked}} n'est pas encore publié par Enedis : voici le dernier jour publié, le {{shown}}.",
    clampedBefore:
      "L'historique de ce compteur commence le {{shown}} : voici ses premiers jours (le {{asked}} demandé est plus ancien).",
  },
  status: {
    calendar: {
      complete: "complète",
      partial: "partielle : sera demandée à nouveau",
      missing: "manquante : sera demandée à nouveau",
      gap: "manquante pour de bon (Enedis n'en a pas)",
      pending: "en cours de collecte",
      not_published: "pas encore publiée par Enedis",
      not_fetched: "pas collectée (avant l'historique récupéré)",
    },
    sync: {
      ok: "Réussie",
      partial: "Partielle",
      failed: "Échec",
      expired: "Consentement expiré",
      running: "En cours",
    },
    dataset: {
      ok: "Réussie",
      partial: "Partielle",
      no_data_yet: "Pas encore publiée",
      not_applicable: "Sans objet",
      failed: "Échec",
    },
    account: { active: "Actif", expired: "Expiré" },
  },
  sync: {
    reason: {
      error: "La collecte a rencontré une erreur ; elle sera retentée automatiquement.",
      malformed_answer:
        "Enedis a renvoyé une réponse incohérente (points hors de la période, d'un autre compteur, négatifs, page d'erreur…) : rien n'en a été enregistré, la période sera redemandée automatiquement.",
      storage_full:
        "Le disque qui contient la base de données est plein : rien n'a été enregistré à moitié. Libérez de la place ; la collecte reprendra là où elle s'est arrêtée.",
      storage_read_only:
        "La base de données ne peut pas être écrite (disque en lecture seule ou droits insuffisants) : rien n'a été enregistré à moitié. L'administrateur doit vérifier le répertoire de données.",
      consent_expired:
        "Le consentement a expiré ou a été retiré chez Enedis : connectez à nouveau le compteur.",
      api_waiting:
        "L'application n'est pas encore abonnée chez Enedis au service «\u00a0{{api}}\u00a0» : la collecte reprendra dès qu'il sera ouvert.",
      operator_action:
        "Une action de l'administrateur est nécessaire chez Enedis (abonnement au service de mesures).",
      no_service_curve:
        "Pas de service de courbe de charge ({{direction}}) pour ce compteur : la collecte de la courbe est peut-être désactivée dans l'espace client Enedis.",
      no_service: "Pas de service «\u00a0{{measure}}\u00a0» ({{direction}}) pour ce compteur.",
      quota_spent: "Quota d'appels Enedis épuisé jusqu'à {{until}} : la collecte reprendra ensuite.",
      unpublished: "Rien de publié à partir du {{from}} pour le moment (Enedis publie la veille vers 8 h).",
      load_curve_off:
        "Courbe de charge non enregistrée : activez sa collecte dans votre espace client Enedis.",
      wrong_direction: "Enedis ne sert pas de données de {{direction}} pour ce compteur.",
      more_history: "Il reste de l'historique à récupérer lors des prochaines collectes.",
      incomplete_days:
        "{{count}} jour(s) récent(s) incomplet(s), redemandé(s) lors des prochaines collectes.",
      revoked_by_admin: "Accès retiré par l'administrateur après vérification du consentement.",
    },
    direction: { consumption: "consommation", production: "production" },
  },
  cron: {
    invalid: "Expression cron invalide : {{why}}",
    fields:
      "il faut 6 ou 7 champs séparés par des espaces (secondes minutes heures jour-du-mois mois jour-de-la-semaine [année]), il y en a {{count}}.",
    field: "le champ «\u00a0{{field}}\u00a0» ({{position}}e) est incorrect ; valeurs possibles : {{range}}.",
    question:
      "exactement un des champs «\u00a0jour du mois\u00a0» et «\u00a0jour de la semaine\u00a0» doit valoir «\u00a0?\u00a0».",
    generic: "expression non reconnue (exemple : «\u00a00 0/10 * * * ?\u00a0» = toutes les 10 minutes).",
    fieldNames: {
      seconds: "secondes",
      minutes: "minutes",
      hours: "heures",
      "day-of-month": "jour du mois",
      month: "mois",
      "day-of-week": "jour de la semaine",
      year: "année",
    },
  },
  form: {
    username: "1 à 64 caractères : lettres, chiffres, . _ @ -",
    password: "Le mot de passe doit faire au moins 8 caractères (1024 au plus).",
    confirm: "Les deux mots de passe diffèrent.",
    libelleRequired: "Le libellé est obligatoire.",
    libelleLong: "255 caractères au plus.",
    libelleTaken: "Un connecteur porte déjà ce libellé.",
    implRequired: "Choisissez une implémentation.",
    implUnknown: "Implémentation inconnue : «\u00a0{{impl}}\u00a0».",
    role: "Un rôle s'écrit ROLE_NOM (majuscules, chiffres, _).",
    senderId: "Identifiant de connecteur invalide.",
    loginMissing: "Saisissez votre identifiant et votre mot de passe.",
    loginWait: "Trop d'échecs pour cet identifiant depuis votre adresse. Réessayez dans {{wait}}.",
    loginWrong: "Identifiant ou mot de passe incorrect.",
    loginDisabled: "Ce compte est désactivé. Adressez-vous à l'administrateur du portail.",
    usernameTaken: "Cet identifiant existe déjà.",
    tokenName: "Donnez un nom au jeton (60 caractères au plus), par exemple «\u00a0script maison\u00a0».",
    tokenMax: "Vous avez déjà {{max}} jetons : révoquez-en un d'abord.",
    currentMissing: "Saisissez votre mot de passe actuel.",
    currentWrong: "Ce n'est pas votre mot de passe actuel.",
    newPassword: "Le nouveau mot de passe doit faire au moins 8 caractères (1024 au plus).",
    samePassword: "Choisissez un mot de passe différent de l'actuel.",
    date: "Saisissez une date (AAAA-MM-JJ).",
    nothingToResume: "Rien n'a encore été collecté pour cette série : il n'y a rien à reprendre.",
    resumeBefore: "Choisissez une date antérieure au {{day}}.",
    beyondHorizon: "Enedis ne garde pas ces données au-delà du {{day}}.",
    prm: "Saisissez les 14 chiffres du numéro de point de livraison (PRM), sans lettre.",
  },
  firstRun: {
    senderCreated:
      "Le connecteur «\u00a0{{libelle}}\u00a0» a été créé au premier démarrage : il collecte les données des compteurs toutes les 10 minutes. Vous pourrez le modifier dans Connecteurs.",
    senderReady:
      "Le connecteur «\u00a0{{libelle}}\u00a0» est prêt : une fois l'administrateur créé, connectez votre compteur depuis le tableau de bord.",
    senderCreatedList:
      "Créé automatiquement au premier démarrage, avec la planification par défaut (toutes les 10 minutes). Vous pouvez le modifier.",
    simulated:
      "Mode démonstration : aucun identifiant Enedis n'est configuré, le service utilise le simulateur Enedis intégré. Les données sont simulées (un foyer fictif), aucune donnée réelle n'est lue.",
    demoButton: "Connecter un compteur de démonstration",
    demoHint:
      "Un compteur simulé ({{prm}}, chauffage électrique) : le consentement de démonstration s'ouvre en un clic.",
    next: "Étape suivante : connecter votre compteur Linky.",
    connect: "Connecter mon compteur Linky",
    roleMissing:
      "Votre compte n'a pas le rôle nécessaire pour connecter un compteur : demandez-le à l'administrateur.",
    noSenderAdmin:
      "La connexion aux compteurs Linky n'est pas encore configurée : créez le connecteur Enedis DataConnect (la planification par défaut convient).",
    noSender:
      "La connexion aux compteurs Linky n'est pas encore configurée : l'administrateur doit créer le connecteur Enedis DataConnect.",
    createSender: "Créer le connecteur",
  },
  meter: {
    connected: "Compteur connecté.",
    noData: "Pas encore de données pour cette période : la première collecte est peut-être en cours.",
    noDataPeriod: "Aucune donnée pour cette période.",
    lastData: "Dernière donnée : {{when}}",
    kinds: {
      heatmap: "Carte de chaleur",
      weekday: "Profil par jour",
      compare: "Comparaison",
      baseload: "Talon de nuit",
    },
    periods: { day: "Jour", last7: "7 jours", week: "Semaine", month: "Mois", year: "Année" },
    noCurve: "pas de donnée",
    compareRows: { current: "Période choisie", previous: "Période précédente", year: "Un an plus tôt" },
    reference: "référence",
    baseloadStable: "Le talon de nuit est stable sur la période.",
    baseloadUp: "Le talon de nuit a augmenté de {{w}} entre le premier et le dernier mois.",
    baseloadDown: "Le talon de nuit a baissé de {{w}} entre le premier et le dernier mois.",
    baseloadSpan: "De {{from}} à {{to}}",
    views: {
      heatmap: {
        title: "Carte de chaleur de la courbe de charge",
        explain:
          "Chaque ligne est un jour, chaque case une demi-heure : plus la case est foncée, plus la puissance moyenne était forte. On y voit d'un coup d'œil les habitudes (heures creuses, soirées, week-ends) et les écarts.",
      },
      weekday: {
        title: "Profil moyen par jour de la semaine",
        explain:
          "La puissance moyenne à chaque demi-heure, jour par jour de la semaine, sur la période choisie ; puis la semaine (lundi à vendredi) face au week-end.",
      },
      compare: {
        title: "Comparaison",
        explain:
          "L'énergie de la période, face à la période précédente de même durée et à la même période un an plus tôt, en kWh et en pourcentage.",
      },
      baseload: {
        title: "Talon de nuit, mois par mois",
        explain:
          "La consommation de fond (réfrigérateur, box, veilles) : la médiane, sur chaque mois, de la puissance moyenne entre 1 h et 5 h. Un talon qui monte signale un appareil qui ne s'éteint plus.",
      },
    },
  },
  gateway: {
    button: "J'ai un jeton de passerelle",
    title: "Connecter un compteur avec un jeton de passerelle",
    intro:
      "Sans application Enedis, votre compteur peut être lu par une passerelle communautaire qui vous donne un jeton : Conso API (conso.boris.sh) ou MyElectricalData. Collez ce jeton ci-dessous : nous vérifions auprès de la passerelle les compteurs qu'il couvre, puis vous choisissez ceux à connecter.",
    gatewayLabel: "Passerelle",
    tokenLabel: "Jeton",
    tokenHint: "Le jeton que la passerelle vous a donné, tel quel.",
    prmLabel: "Numéro de point de livraison (PRM), pour MyElectricalData v1",
    prmHint:
      "14 chiffres : un jeton MyElectricalData v1 ne vaut que pour un compteur, indiquez lequel. Inutile pour les autres passerelles.",
    check: "Vérifier le jeton",
    back: "Retour au tableau de bord",
    never:
      "Le jeton n'est enregistré qu'après votre confirmation, chiffré ; il n'est plus jamais affiché en entier.",
    pick: "Choisissez une passerelle dans la liste.",
    tokenField: "Collez le jeton donné par la passerelle (sans espace).",
    prmNeeded: "Un jeton MyElectricalData v1 ne vaut que pour un compteur : indiquez son numéro (PRM).",
    notAToken:
      "Ce jeton n'est pas reconnu par cette passerelle : vérifiez la passerelle choisie et copiez à nouveau le jeton.",
    expired: "Ce jeton a expiré : demandez-en un nouveau à la passerelle, puis recommencez.",
    refused:
      "La passerelle a refusé ce jeton (expiré, ou ne couvrant pas ce compteur) : demandez-en un nouveau à la passerelle.",
    banned:
      "Cette passerelle bloque pour l'instant les appels de ce site : réessayez plus tard, l'administrateur est prévenu.",
    unavailable: "La passerelle ne répond pas pour l'instant : réessayez dans quelques minutes.",
    coversNothing:
      "Ce jeton ne couvre aucun compteur : vérifiez auprès de la passerelle que votre compteur y est bien rattaché.",
    covers: "La passerelle {{gateway}} confirme ce jeton. Choisissez les compteurs à connecter.",
    pickPrms: "Compteurs couverts par ce jeton",
    heldNotice:
      "Ce jeton couvre aussi un ou plusieurs compteurs qui ne peuvent pas être connectés directement : un administrateur doit d'abord vérifier la demande.",
    askReview: "Demander cette vérification à l'administrateur",
    confirm: "Connecter",
    cancel: "Annuler",
    stored:
      "En confirmant, le jeton est enregistré chiffré pour ces compteurs ; les données arrivent lors de la prochaine collecte (une fois par jour, le matin).",
    connected:
      "Compteur connecté par la passerelle : les données arriveront lors de la prochaine collecte (une fois par jour, entre 6 h et 10 h).",
    review:
      "Votre demande doit être vérifiée par l'administrateur de ce site : le compteur apparaîtra ici une fois la demande acceptée.",
    connectedAndReview:
      "Compteur connecté par la passerelle. Une partie de votre demande doit encore être vérifiée par l'administrateur.",
    cardExpired:
      "La passerelle n'accepte plus le jeton de ce compteur (expiré ou révoqué) : les données ne sont plus collectées. Saisissez un nouveau jeton pour reprendre.",
    none: "Aucun compteur choisi : rien n'a été connecté, le jeton n'a pas été enregistré.",
    failed: "Le compteur n'a pas pu être connecté : réessayez, ou demandez à l'administrateur.",
    page: {
      bannedTitle: "Passerelle bloquée.",
      banned:
        "{{gateway}} bloque les appels de ce site depuis le {{since}} : aucune donnée n'est collectée par cette passerelle en attendant.",
      bannedTodo:
        "Vous n'avez rien à faire : l'administrateur est prévenu et la collecte reprendra dès que la passerelle lèvera le blocage. Vos données déjà collectées sont conservées.",
      throttledTitle: "Passerelle en pause.",
      throttled: "{{gateway}} demande d'attendre jusqu'au {{until}} avant tout nouvel appel.",
      throttledTodo: "Vous n'avez rien à faire : la collecte reprendra d'elle-même après cette date.",
      refusedTitle: "Jeton refusé.",
      refused:
        "Le {{since}}, {{gateway}} a refusé le jeton de ce compteur : il a expiré, a été révoqué, ou ne couvre plus ce compteur. La collecte est arrêtée.",
      refusedTodo:
        "Demandez un nouveau jeton à la passerelle (sur son site, en renouvelant votre consentement), puis saisissez-le avec « J'ai un jeton de passerelle » : la collecte reprendra là où elle s'était arrêtée.",
      newToken: "Saisir un nouveau jeton",
    },
  },
  // Issue 17: alert channels, the in-app list and the user's alert settings.
  alerts: {
    nav: "Alertes",
    navUnread: "Alertes, {{count}} non lue(s)",
    title: "Mes alertes",
    settingsTitle: "Réglages des alertes",
    notFound: "Cette alerte n'existe pas, ou elle n'est pas à vous.",
    allRead: "Toutes les alertes sont marquées comme lues.",
    saved: "Réglages des alertes enregistrés.",
    quietBoth: "Indiquez le début et la fin des heures calmes, ou laissez les deux vides.",
    quietFormat: "Les heures calmes s'écrivent HH:MM, par exemple 22:00 et 07:00.",
    quietSame: "Le début et la fin des heures calmes doivent être différents.",
    summaryChoice: "Choisissez : pas de résumé, chaque semaine ou chaque mois.",
    recipientMissing: "Complétez ces informations pour recevoir les alertes par « {{channel}} ».",
    senderSaved: "Canal enregistré.",
    senderEnabled: "Canal activé.",
    senderDisabled: "Canal désactivé.",
    keepSecret: "Laisser vide pour garder la valeur enregistrée.",
    secretSet: "enregistré",
    secretUnset: "non renseigné",
    implChannelFixed: "Le type d'un canal ne change pas : créez un autre connecteur.",
    thresholdRange: "Un nombre de {{min}} à {{max}} est attendu, ou vide pour la valeur par défaut.",
  },
  token: {
    created: "Voici votre nouveau jeton : copiez-le maintenant, il ne sera plus jamais affiché.",
  },
  // --- alert kinds and the diagnosis (issue 17: src/alerts/detect, src/diagnosis) ---
  diagnosis: {
    title: "Diagnostic",
    heading: "Diagnostic du compteur",
    intro:
      "Ce que la collecte a fait pour ce compteur : le dernier succès, la dernière erreur et sa cause, ce qui va se passer, et ce que vous pouvez faire.",
    stateLabel: "État",
    state: {
      ok: "Tout va bien",
      incomplete: "Collecte incomplète",
      late: "Données en retard",
      failing: "La collecte échoue",
      consent: "Consentement terminé",
      blocked: "Passerelle bloquée",
    },
    source: {
      enedis: "Enedis (Data Connect)",
      "conso-api": "Conso API",
      myelectricaldata: "MyElectricalData",
      "myelectricaldata-v2": "MyElectricalData v2",
    },
    sourceLabel: "Source",
    newestDay: "Dernier jour reçu",
    lastPublished: "Dernier jour publié par Enedis",
    lastSuccess: "Dernière collecte réussie",
    never: "jamais",
    none: "aucune",
    lastError: "Dernière erreur",
    causeLabel: "Cause",
    detail: "Réponse enregistrée",
    datasetsHeading: "Par série de données",
    datasetCol: "Série",
    sourceCol: "Source",
    successCol: "Dernier succès",
    errorCol: "Dernière erreur",
    nextHeading: "Ce qui va se passer",
    actionsHeading: "Ce que vous pouvez faire",
    consentEnd: "Fin du consentement",
    back: "Retour au compteur",
    link: "Diagnostic",
    dataset: {
      consumption_load_curve: "Courbe de charge (consommation)",
      daily_consumption: "Consommation quotidienne",
      daily_consumption_max_power: "Puissance maximale quotidienne",
      production_load_curve: "Courbe de charge (production)",
      daily_production: "Production quotidienne",
      consumption_index: "Index de consommation",
      production_index: "Index de production",
    },
    notCollected: {
      load_curve_off:
        "Non collectée : l'enregistrement de la courbe de charge est désactivé dans votre espace client Enedis.",
      other: "Non collectée pour ce compteur.",
    },
    cause: {
      enedis_down: "Enedis ne répond pas (panne ou maintenance de son service).",
      enedis_refusing: "Enedis refuse la demande de ce site.",
      gateway: "La passerelle {{gateway}} refuse ou ne répond pas.",
      consent: "Le consentement donné à Enedis est terminé ou a été révoqué.",
      quota: "Le quota d'appels Enedis de ce site est dépassé pour le moment.",
      ours: "Un problème de ce site (stockage, configuration) : l'administrateur en est informé.",
    },
    summary: {
      noData: "Aucune donnée reçue pour ce compteur.",
      upToDate: "Données à jour (dernier jour reçu : {{day}}).",
      behind: "Dernier jour reçu : {{day}}, {{count}} jour(s) de retard sur la publication d'Enedis.",
      curveOff: "La courbe de charge n'est pas enregistrée par le compteur.",
    },
    next: {
      sync: "Prochaine collecte prévue le {{when}}.",
      retry: "Nouvel essai prévu le {{when}}.",
      noSchedule: "Aucune collecte n'est programmée pour ce compteur.",
      consent:
        "Plus aucune collecte tant que le consentement n'est pas redonné ; les données déjà collectées sont conservées.",
      quota: "Le quota Enedis ({{api}}) est en pause jusqu'au {{when}} : la collecte reprendra ensuite.",
      gatewayUntil: "{{gateway}} demande d'attendre jusqu'au {{when}}.",
      gatewayBannedOpen:
        "{{gateway}} bloque ce site sans date de fin : la collecte reprendra quand le blocage sera levé.",
      apiCheck: "Une API Enedis manque à ce site ({{api}}) : nouvelle vérification le {{when}}.",
    },
    action: {
      reconsent: "Redonner votre consentement à Enedis pour ce compteur.",
      renewToken: "Saisir un nouveau jeton de passerelle.",
      enableLoadCurve:
        "Activer l'enregistrement de la courbe de charge dans votre espace client Enedis (« Mes données » → « Gérer l'accès à mes données »), puis attendre le lendemain.",
      waitEnedis:
        "Attendre : Enedis rétablit son service, la collecte reprend d'elle-même et rattrape les jours manqués.",
      waitGateway:
        "Attendre la levée du blocage par {{gateway}} : vos données déjà collectées sont conservées.",
      waitQuota: "Rien à faire : la collecte reprend d'elle-même après la pause du quota.",
      tellOperator: "Rien à faire de votre côté : l'administrateur de ce site doit intervenir.",
      nothing: "Rien à faire.",
    },
  },
  alertKinds: {
    diagnosisLink: "Voir le diagnostic",
    consent_ending: {
      title: "Votre consentement Enedis se termine dans {{days}} jours",
      body: "Le consentement donné à Enedis pour le compteur {{label}} se termine le {{end}} ({{days}} jours). Après cette date, plus aucune donnée ne sera collectée : redonnez votre consentement avant.",
    },
    consent_ended: {
      title: "Votre consentement Enedis est terminé",
      body: "Depuis le {{since}}, Enedis ne donne plus accès aux données du compteur {{label}} (consentement terminé ou révoqué). Redonnez votre consentement pour reprendre la collecte.",
    },
    gateway_token_expiring: {
      title: "Votre jeton {{gateway}} expire dans {{days}} jours",
      body: "Le jeton de la passerelle {{gateway}} du compteur {{label}} expire le {{end}} ({{days}} jours). Demandez-en un nouveau sur le site de la passerelle et saisissez-le ici.",
    },
    stale_data: {
      title: "Plus de nouvelles données depuis {{days}} jours",
      body: "Le compteur {{label}} n'a rien reçu depuis le {{day}} ({{days}} jours), alors qu'Enedis a publié jusqu'au {{published}}{{others}}. {{summary}}",
      others: " pour d'autres compteurs",
    },
    sync_failing: {
      title: "La collecte échoue depuis {{days}} jours",
      body: "Depuis le {{since}}, les {{failures}} dernières collectes du compteur {{label}} ont échoué. {{cause}}",
      never:
        "Aucune collecte du compteur {{label}} n'a réussi depuis son ajout le {{since}} ({{failures}} échecs). {{cause}}",
    },
    api_not_subscribed: {
      title: "Une API Enedis manque à ce site",
      body: "Enedis refuse l'API {{api}} à ce site depuis le {{since}} : les données du compteur {{label}} qui en dépendent ne sont pas collectées. L'administrateur doit la souscrire ; rien à faire de votre côté.",
    },
    gateway_banned: {
      title: "La passerelle {{gateway}} bloque ce site",
      body: "Depuis le {{since}}, {{gateway}} bloque les appels de ce site : le compteur {{label}} n'est plus collecté. {{next}}",
    },
    night_base_load: {
      title: "Consommation de nuit en hausse de {{percent}} %",
      body: "Le {{day}} entre 1 h et 5 h, le compteur {{label}} a consommé {{watts}} W en continu, contre {{median}} W d'habitude (médiane des {{weeks}} semaines précédentes) : +{{percent}} %. Un appareil resté allumé ?",
    },
    unusual_day: {
      title: "Journée inhabituelle : {{kwh}} kWh le {{day}}",
      body: "Le {{day}}, le compteur {{label}} a consommé {{kwh}} kWh, plus que {{percentile}} % des {{weekday}}s des {{weeks}} semaines précédentes (seuil {{limit}} kWh, habituellement {{median}} kWh). Les heures qui ont fait la différence : {{hours}}.",
      noHours: "courbe de charge non disponible",
    },
    power_near_limit: {
      title: "Puissance souscrite presque atteinte : {{kva}} kVA sur {{subscribed}} kVA",
      body: "Le {{day}}, le compteur {{label}} a atteint {{kva}} kVA{{at}}, soit {{percent}} % de la puissance souscrite ({{subscribed}} kVA). Au-delà, le disjoncteur coupe.",
      above: "Puissance souscrite dépassée : {{kva}} kVA sur {{subscribed}} kVA",
      at: " à {{time}}",
    },
    tempo_tomorrow: {
      title: "Demain, jour Tempo {{colour}}",
      body: "Demain {{day}} est un jour Tempo {{colour}} (de 6 h à 6 h le lendemain) : le kWh en heures pleines y coûte {{price}}. Décalez ce qui peut l'être (lave-linge, recharge, chauffage de l'eau) en heures creuses, de 22 h à 6 h.",
      unknownPrice: "plus cher qu'un jour bleu",
      colour: { BLANC: "blanc", ROUGE: "rouge" },
    },
    offpeak_changed: {
      title: "Vos heures creuses ont changé",
      body: "Depuis le {{day}}, les heures creuses du compteur {{label}} sont {{new}} (avant : {{old}}). Adaptez vos programmations (chauffe-eau, recharge).",
    },
  },
} as const;
