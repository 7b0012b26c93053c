/** Sign-in, first-start setup, and the administrator's list of users. */
export const authTemplates = {
  login: `<% layout("@layout") %>
<h1>Connexion</h1>
<div class="card">
<form method="post" action="/login" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="next" value="<%= it.next %>">
  <% if (it.error) { %><div class="notice error" role="alert"><%= it.error %></div><% } %>
  <%~ include("@field", { f: { name: "username", label: "Identifiant", value: it.username, required: true, autocomplete: "username" } }) %>
  <%~ include("@field", { f: { name: "password", label: "Mot de passe", type: "password", value: "", required: true, autocomplete: "current-password" } }) %>
  <button type="submit">Se connecter</button>
</form>
</div>`,

  setup: `<% layout("@layout") %>
<h1>Premier démarrage</h1>
<div class="card">
<p>Aucun utilisateur n'existe encore. Créez le compte administrateur : il gère les connecteurs et peut connecter son propre compteur.</p>
<% if (it.senderNote) { %><p class="notice info" id="setup-sender"><%= it.senderNote %></p><% } %>
<% if (it.demo) { %><p class="notice info" id="setup-simulated"><%= it.t("firstRun.simulated") %></p><% } %>
<form method="post" action="/setup" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="token" value="<%= it.token %>">
  <%~ include("@field", { f: { name: "username", label: "Identifiant", value: it.values.username, error: it.errors.username, required: true, autocomplete: "username", hint: "1 à 64 caractères : lettres, chiffres, . _ @ -" } }) %>
  <%~ include("@field", { f: { name: "password", label: "Mot de passe", type: "password", value: "", error: it.errors.password, required: true, autocomplete: "new-password", hint: "8 caractères au moins" } }) %>
  <%~ include("@field", { f: { name: "confirm", label: "Confirmation du mot de passe", type: "password", value: "", error: it.errors.confirm, required: true, autocomplete: "new-password" } }) %>
  <% if (it.demo) { %>
  <div class="field"><label><input type="checkbox" name="demo" id="f-demo" value="1"<% if (it.values.demo) { %> checked<% } %>> <%= it.t("firstRun.demoButton") %></label>
    <div class="hint"><%= it.t("firstRun.demoHint", { prm: it.demo.prm }) %></div></div>
  <% } %>
  <button type="submit">Créer l'administrateur</button>
</form>
</div>`,

  users: `<% layout("@layout") %>
<h1>Utilisateurs</h1>
<div class="card table-wrap">
<table class="stack">
<thead><tr><th>Identifiant</th><th>Rôles</th><th>Créé le</th><th>État</th><th></th></tr></thead>
<tbody id="users">
<% for (const u of it.users) { %>
<tr data-username="<%= u.username %>">
  <td data-label="Identifiant"><%= u.username %><% if (u.self) { %> <span class="muted">(vous)</span><% } %></td>
  <td data-label="Rôles"><%= u.roles %></td>
  <td data-label="Créé le"><%= u.created %></td>
  <td data-label="État"><span class="status <%= u.disabled ? 'err' : 'ok' %>"><%= u.status %></span></td>
  <td><% if (!u.self) { %><div class="actions">
    <form method="post" action="/admin/users/<%= u.id %>/<%= u.disabled ? 'enable' : 'disable' %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit" class="secondary"><%= u.disabled ? "Réactiver" : "Désactiver" %></button></form>
    <a class="button danger" href="/admin/users/<%= u.id %>/delete">Supprimer…</a>
  </div><% } %></td>
</tr>
<% } %>
</tbody>
</table>
</div>
<h2>Nouvel utilisateur</h2>
<div class="card">
<form method="post" action="/admin/users" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <%~ include("@field", { f: { name: "username", label: "Identifiant", value: it.values.username, error: it.errors.username, required: true, autocomplete: "off", hint: "1 à 64 caractères : lettres, chiffres, . _ @ -" } }) %>
  <%~ include("@field", { f: { name: "password", label: "Mot de passe", type: "password", value: "", error: it.errors.password, required: true, autocomplete: "new-password", hint: "8 caractères au moins" } }) %>
  <div class="field"><label><input type="checkbox" name="admin" value="1"<% if (it.values.admin) { %> checked<% } %>> Administrateur (ROLE_ADMIN)</label></div>
  <button type="submit">Créer</button>
</form>
</div>`,

  userDelete: `<% layout("@layout") %>
<h1>Supprimer l'utilisateur «\u00a0<%= it.username %>\u00a0» ?</h1>
<div class="card">
<p>La suppression est définitive. Elle efface, en une seule fois :</p>
<ul id="erasure-summary">
  <li>le compte «\u00a0<%= it.username %>\u00a0», ses sessions et ses <%= it.apiTokens %> jeton(s) d'API ;</li>
  <li><%= it.accounts.length %> service(s)<% if (it.accounts.length > 0) { %> : <%= it.accounts.join(", ") %><% } %> ;</li>
  <li><%= it.devices.length %> compteur(s)<% if (it.devices.length > 0) { %> (<%= it.devices.join(", ") %>)<% } %> et leurs <strong><%= it.measures %> mesure(s)</strong>, leur suivi de complétude (<%= it.ledger %> jour(s)) et ce qui a été envoyé à Home Assistant.</li>
</ul>
<p>Pour garder ces données mais empêcher l'accès, désactivez plutôt l'utilisateur.</p>
<form method="post" action="/admin/users/<%= it.id %>/delete" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <%~ include("@field", { f: { name: "confirm", label: "Pour confirmer, recopiez l'identifiant «\u00a0" + it.username + "\u00a0»", value: "", required: true, autocomplete: "off" } }) %>
  <div class="actions">
    <button type="submit" class="danger">Supprimer définitivement</button>
    <a class="button secondary" href="/admin/users">Annuler</a>
  </div>
</form>
</div>`,
};
