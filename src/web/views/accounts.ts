/** The user's "Services": their accounts per sender, one account's page, an API test's answer. */
export const accountTemplates = {
  accountList: `<% layout("@layout") %>
<h1>Services</h1>
<% if (it.groups.length === 0) { %>
<div class="card"><p>Vous n'avez encore aucun service. <a href="/dataConnect/authorize">Connecter mon compteur Linky</a></p></div>
<% } %>
<% for (const g of it.groups) { %>
<section class="card">
<h2><%= g.sender %> <span class="muted">· <%= g.impl %></span></h2>
<div class="table-wrap">
<table class="stack">
<thead><tr><th>Point de livraison</th><th>État</th><th>Dernière collecte</th></tr></thead>
<tbody>
<% for (const a of g.accounts) { %>
<tr>
  <td data-label="PRM"><a href="/notificationAccount/<%= a.id %>"><%= a.prm %></a></td>
  <td data-label="État"><span class="status <%= a.statusClass %>"><%= a.status %></span></td>
  <td data-label="Dernière collecte"><%= a.lastSync %></td>
</tr>
<% } %>
</tbody>
</table>
</div>
</section>
<% } %>`,

  account: `<% layout("@layout") %>
<h1>Service <%= it.sender %> · <%= it.a.prm %></h1>
<section class="card">
<h2>Consentement</h2>
<dl class="facts">
  <dt>Point de livraison (PRM)</dt><dd><%= it.a.prm %></dd>
  <dt>État</dt><dd><span class="status <%= it.a.statusClass %>"><%= it.a.status %></span><% if (it.a.expiredReason) { %> <span class="muted"><%= it.a.expiredReason %></span><% } %></dd>
  <% if (it.a.autorisationId) { %><dt>Autorisation Enedis</dt><dd><%= it.a.autorisationId %></dd><% } %>
  <dt>Consentement donné le</dt><dd><%= it.a.consentGiven %></dd>
  <dt>Période autorisée</dt><dd><%= it.a.consentPeriod %></dd>
  <% if (it.gateway) { %>
  <dt>Passerelle</dt><dd><%= it.gateway.label %></dd>
  <dt>Jeton de la passerelle</dt><dd><code><%= it.gateway.tokenHint %></code> <span class="muted">(chiffré, jamais affiché en entier)</span></dd>
  <% } else { %>
  <dt>Jeton d'accès</dt><dd><code><%= it.token %></code> <span class="muted">(jeton de l'application, partagé, jamais affiché)</span></dd>
  <% } %>
</dl>
<% if (it.gateway) { for (const p of it.gateway.problems) { %>
<div class="notice error gateway-problem" role="alert"><strong><%= p.title %></strong> <%= p.text %> <%= p.todo %></div>
<% } } %>
<% if (it.gateway && (it.a.expired || it.gateway.problems.length > 0)) { %><div class="actions"><a class="button" href="/gateway/token"><%= it.t("gateway.page.newToken") %></a></div>
<% } else if (it.a.expired) { %><div class="actions"><a class="button" href="/dataConnect/authorize">Reconnecter</a></div><% } %>
</section>

<section class="card">
<h2>Dernière collecte</h2>
<% if (!it.sync) { %><p class="muted">Pas encore de collecte.</p><% } else { %>
<dl class="facts">
  <dt>Résultat</dt><dd><span class="status <%= it.sync.statusClass %>"><%= it.sync.outcome %></span></dd>
  <dt>Début</dt><dd><%= it.sync.started %></dd>
  <dt>Fin</dt><dd><%= it.sync.finished %></dd>
  <% if (it.sync.message) { %><dt>Message</dt><dd><%= it.sync.message %></dd><% } %>
  <dt>Appels à Enedis</dt><dd><%= it.sync.calls %> (dont <%= it.sync.retries %> nouvelles tentatives)</dd>
</dl>
<% if (it.sync.datasets.length > 0) { %>
<div class="table-wrap"><table class="stack">
<thead><tr><th>Données</th><th>Résultat</th><th>Points</th><th>Message</th></tr></thead>
<tbody><% for (const d of it.sync.datasets) { %>
<tr><td data-label="Données"><%= d.label %></td><td data-label="Résultat"><%= d.outcome %></td><td data-label="Points"><%= d.points %></td><td data-label="Message"><%= d.message %></td></tr>
<% } %></tbody>
</table></div>
<% } %>
<% } %>
</section>

<section class="card" id="watermarks">
<h2>Reprise des données</h2>
<p class="muted">Chaque série est collectée à partir de sa dernière date. Reculez-la pour collecter à nouveau depuis une date antérieure (à la prochaine collecte).</p>
<div class="table-wrap"><table class="stack">
<thead><tr><th>Données</th><th>Collectées jusqu'au</th><th>Reprendre depuis le</th></tr></thead>
<tbody>
<% for (const w of it.watermarks) { %>
<tr id="wm-<%= w.dataset %>">
  <td data-label="Données"><%= w.label %> <span class="muted">(<%= w.key %>)</span></td>
  <td data-label="Jusqu'au"><%= w.value %></td>
  <td data-label="Reprendre">
    <% if (w.max) { %>
    <form method="post" action="/notificationAccount/<%= it.a.id %>/watermark" class="inline">
      <input type="hidden" name="_csrf" value="<%= it.csrf %>">
      <input type="hidden" name="dataset" value="<%= w.dataset %>">
      <input type="date" name="date" value="<%= w.input %>" max="<%= w.max %>"<% if (w.min) { %> min="<%= w.min %>"<% } %> aria-label="Nouvelle date de reprise pour <%= w.label %>" required>
      <button type="submit" class="secondary">Reprendre</button>
    </form>
    <% if (w.error) { %><div class="field"><div class="error"><%= w.error %></div></div><% } %>
    <% } else { %><span class="muted">—</span><% } %>
  </td>
</tr>
<% } %>
</tbody>
</table></div>
</section>

<section class="card" id="api-tests">
<h2>Tester les APIs</h2>
<p class="muted">Chaque bouton demande à Enedis un jour de données (le <%= it.testDay %>) et affiche sa réponse brute.</p>
<div class="actions">
<% for (const t of it.tests) { %>
<form method="post" action="/notificationAccount/<%= it.a.id %>/test/<%= t.dataset %>">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <button type="submit" class="secondary"><%= t.label %></button>
</form>
<% } %>
</div>
</section>

<section class="card">
<h2>Arrêter ce service</h2>
<p class="muted">Supprime ce service : la collecte s'arrête ; le compteur et ses données sont conservés.</p>
<a class="button danger" href="/notificationAccount/<%= it.a.id %>/delete">Supprimer le service…</a>
</section>`,

  apiTest: `<% layout("@layout") %>
<h1>Test de l'API : <%= it.label %></h1>
<div class="card">
  <dl class="facts">
    <dt>PRM</dt><dd><%= it.prm %></dd>
    <dt>Période</dt><dd><%= it.from %> → <%= it.to %> (exclu)</dd>
    <% if (it.request) { %><dt>Requête</dt><dd><code><%= it.request %></code></dd><% } %>
    <dt>Résultat</dt><dd><span class="status <%= it.ok ? 'ok' : 'err' %>"><%= it.ok ? 'Réponse reçue' : 'Erreur' %></span></dd>
  </dl>
  <pre id="api-json"><%= it.json %></pre>
  <div class="actions"><a class="button secondary" href="/notificationAccount/<%= it.accountId %>">Retour au service</a></div>
</div>`,

  accountDelete: `<% layout("@layout") %>
<h1>Supprimer le service <%= it.prm %> ?</h1>
<div class="card">
<p>La collecte des données de ce compteur s'arrête.
Pour reprendre plus tard, reconnectez le compteur (il faudra peut-être d'abord retirer l'autorisation dans votre espace client Enedis).</p>
<form method="post" action="/notificationAccount/<%= it.id %>/delete" id="delete-form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <% if (it.shared) { %>
  <p class="notice info" id="shared">Un autre de vos services utilise ce compteur : ses mesures sont conservées tant que cet autre service existe.</p>
  <input type="hidden" name="data" value="keep">
  <% } else { %>
  <fieldset class="field" id="data-choice">
    <legend>Les mesures déjà collectées</legend>
    <label><input type="radio" name="data" value="erase" checked> Effacer aussi le compteur et toutes ses mesures (courbes, relevés journaliers, suivi de complétude, statistiques envoyées à Home Assistant)</label>
    <label><input type="radio" name="data" value="keep"> Garder le compteur et ses mesures</label>
  </fieldset>
  <% } %>
  <div class="actions">
    <button type="submit" class="danger">Supprimer le service</button>
    <a class="button secondary" href="/notificationAccount/<%= it.id %>">Annuler</a>
  </div>
</form>
</div>`,
};
