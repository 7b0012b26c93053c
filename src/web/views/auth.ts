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
<form method="post" action="/setup" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="token" value="<%= it.token %>">
  <%~ include("@field", { f: { name: "username", label: "Identifiant", value: it.values.username, error: it.errors.username, required: true, autocomplete: "username", hint: "1 à 64 caractères : lettres, chiffres, . _ @ -" } }) %>
  <%~ include("@field", { f: { name: "password", label: "Mot de passe", type: "password", value: "", error: it.errors.password, required: true, autocomplete: "new-password", hint: "8 caractères au moins" } }) %>
  <%~ include("@field", { f: { name: "confirm", label: "Confirmation du mot de passe", type: "password", value: "", error: it.errors.confirm, required: true, autocomplete: "new-password" } }) %>
  <button type="submit">Créer l'administrateur</button>
</form>
</div>`,

  users: `<% layout("@layout") %>
<h1>Utilisateurs</h1>
<div class="card table-wrap">
<table class="stack">
<thead><tr><th>Identifiant</th><th>Rôles</th><th>Créé le</th></tr></thead>
<tbody>
<% for (const u of it.users) { %>
<tr><td data-label="Identifiant"><%= u.username %></td><td data-label="Rôles"><%= u.roles %></td><td data-label="Créé le"><%= u.created %></td></tr>
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
};
