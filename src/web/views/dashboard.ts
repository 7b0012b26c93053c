/** The dashboard with the "Compteur électrique (Linky)" card (a meter's page: `meter.ts`). */
export const dashboardTemplates = {
  deadEnds: `<details>
  <summary>En cas de problème chez Enedis</summary>
  <ul>
    <li><strong>« Une erreur est survenue lors du partage de vos données »</strong> sur la page d'Enedis, sans retour ici :
      ce compteur est déjà partagé avec <%= it.appName %>. Enedis refuse un second partage du même compteur.
      Si le compteur apparaît ici comme expiré, retirez d'abord l'autorisation dans votre espace client Enedis
      (« Gérer l'accès à mes données »), puis reconnectez-le.</li>
    <li><strong>Pas de courbe de charge</strong> (consommation par demi-heure) : l'enregistrement de la courbe de charge doit être
      activé dans votre espace client Enedis. Les consommations journalières arrivent sans cela ; la courbe suit le lendemain de l'activation.</li>
    <li>Les données d'une journée sont publiées par Enedis le lendemain matin.</li>
  </ul>
</details>`,

  dashboard: `<% layout("@layout") %>
<h1>Tableau de bord</h1>
<% for (const c of it.cards) { %>
<section class="card linky-card" data-state="<%= c.state %>">
  <h2><%= it.compteurLabel %><% if (c.prm) { %> <span class="muted">· PRM <%= c.prm %></span><% } %></h2>
  <% if (c.state === "unavailable") { %>
    <p><span class="status off">Indisponible</span></p>
    <p><%= c.message %></p>
    <div class="actions"><% if (c.action) { %><a class="button" id="next-step" href="<%= c.action.href %>"><%= c.action.label %></a><% } %>
      <a class="button secondary" id="gateway-token" href="/gateway/token"><%= it.t("gateway.button") %></a></div>
  <% } else if (c.state === "not_connected") { %>
    <p><span class="status off">Non connecté</span></p>
    <p>Autorisez Enedis à partager avec <%= it.appName %> les données de votre compteur Linky
      (consommation journalière, puissance maximale, courbe de charge). Indiquez son numéro, puis vous serez dirigé vers la page
      de consentement d'Enedis et ramené ici.</p>
    <%~ include("@prmForm", { csrf: it.csrf, prm: c.demoPrm || "", error: null, button: it.t("firstRun.connect") }) %>
    <% if (c.demoPrm) { %>
    <p class="muted"><%= it.t("firstRun.demoHint", { prm: c.demoPrm }) %></p>
    <% } %>
    <div class="actions">
      <a class="button secondary" id="gateway-token" href="/gateway/token"><%= it.t("gateway.button") %></a>
      <% if (c.pending) { %>
      <form method="post" action="/dataConnect/retry"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button class="secondary" type="submit">Vérifier à nouveau mon autorisation</button></form>
      <% } %>
    </div>
    <%~ include("@deadEnds", it) %>
  <% } else if (c.state === "connected") { %>
    <p><span class="status ok">Connecté</span>
      <% if (c.consentEnd) { %><span class="muted">Vous avez autorisé le partage de vos données jusqu'au <%= c.consentEnd %>.</span><% } %></p>
    <% if (c.syncing) { %><p class="muted">Première collecte des données en cours… cette page se met à jour toute seule.</p><% } %>
    <% if (c.lastSync) { %><p class="muted">Dernière collecte : <%= c.lastSync %></p><% } %>
    <div class="actions">
      <a class="button" id="open-linky" href="/devices/<%= c.deviceId %>">Voir mon compteur</a>
      <a class="button secondary" href="/notificationAccount/<%= c.accountId %>">Détails du service</a>
    </div>
  <% } else if (c.state === "expired") { %>
    <p><span class="status err">Expiré</span></p>
    <% if (c.gateway) { %>
    <p><%= it.t("gateway.cardExpired") %></p>
    <% } else { %>
    <p>La connexion à Enedis pour ce compteur a expiré ou a été révoquée : les données ne sont plus collectées.</p>
    <% } %>
    <% if (c.reason) { %><p class="muted"><%= c.reason %></p><% } %>
    <div class="actions">
      <% if (c.gateway) { %>
      <a class="button" id="reconnect-linky" href="/gateway/token"><%= it.t("gateway.page.newToken") %></a>
      <% } else { %>
      <form method="post" action="/dataConnect/authorize"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="prm" value="<%= c.prm %>"><button type="submit" id="reconnect-linky">Reconnecter</button></form>
      <% } %>
      <% if (c.deviceId) { %><a class="button secondary" href="/devices/<%= c.deviceId %>">Données déjà collectées</a><% } %>
    </div>
    <%~ include("@deadEnds", it) %>
  <% } else if (c.state === "requested") { %>
    <p><span class="status warn">En attente</span></p>
    <p>Votre demande de connexion de ce compteur doit être vérifiée par l'administrateur de ce site. Le compteur apparaîtra ici une fois la demande acceptée.</p>
  <% } else if (c.state === "suspended") { %>
    <p><span class="status warn">Suspendu</span></p>
    <p>L'accès à ce compteur est suspendu le temps qu'un administrateur vérifie un consentement qui le concerne. Vos données sont conservées ;
      elles seront de nouveau visibles si l'administrateur vous le confirme.</p>
  <% } %>
</section>
<% } %>
<% if (it.canAddMeter) { %><p class="muted">Un autre compteur ? <a href="/dataConnect/authorize">Connecter un autre compteur</a> ou <a href="/gateway/token"><%= it.t("gateway.button").toLowerCase() %></a>.</p><% } %>`,
};
