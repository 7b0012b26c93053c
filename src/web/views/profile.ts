/** The user's own page: identity, sessions, personal API tokens; the password change page. */
export const profileTemplates = {
  profile: `<% layout("@layout") %>
<h1>Mon compte</h1>
<div class="card">
  <dl class="facts">
    <dt>Identifiant</dt><dd id="username"><%= it.username %></dd>
    <dt>Rôles</dt><dd><%= it.roles %></dd>
  </dl>
  <div class="actions"><a class="button secondary" href="/user/password" id="change-password">Changer de mot de passe</a></div>
</div>

<h2 id="sessions">Sessions</h2>
<div class="card">
  <p>Les navigateurs connectés à votre compte. Terminez une session que vous ne reconnaissez pas, puis changez de mot de passe.</p>
  <div class="table-wrap"><table class="stack" id="session-list">
  <thead><tr><th>Navigateur</th><th>Adresse</th><th>Connexion</th><th>Dernière activité</th><th></th></tr></thead>
  <tbody>
  <% for (const s of it.sessions) { %>
  <tr data-id="<%= s.id %>"<% if (s.current) { %> class="current"<% } %>>
    <td data-label="Navigateur"><%= s.browser %><% if (s.current) { %> <span class="status ok">cette session</span><% } %></td>
    <td data-label="Adresse"><code><%= s.ip %></code></td>
    <td data-label="Connexion"><%= s.created %></td>
    <td data-label="Dernière activité"><%= s.lastSeen %></td>
    <td><form method="post" action="/user/sessions/<%= s.id %>/revoke"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button class="danger" type="submit"><%= s.current ? "Se déconnecter" : "Terminer" %></button></form></td>
  </tr>
  <% } %>
  </tbody></table></div>
  <form method="post" action="/user/sessions/revoke-all" class="actions" id="revoke-all">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <button type="submit" name="scope" value="others" class="danger"<% if (it.sessions.length < 2) { %> disabled<% } %>>Déconnecter mes autres sessions</button>
    <button type="submit" name="scope" value="all" class="danger">Se déconnecter partout</button>
  </form>
</div>

<h2>Jetons d'API</h2>
<% if (it.created) { %>
<div class="notice ok" role="status" id="new-token">
  <p>Jeton « <%= it.created.name %> » créé. Copiez-le maintenant : <strong>il ne sera plus jamais affiché</strong>.</p>
  <code class="token" id="token-value"><%= it.created.token %></code>
  <p class="muted">Utilisation : <code>curl -H "Authorization: Bearer ldc_…" https://…/api/v1/usage-points</code></p>
</div>
<% } %>
<div class="card">
  <p>Un jeton permet à vos scripts de lire vos données par l'<a href="/api/openapi.json">API REST</a>, comme vous depuis ce site.
    Il ne permet rien d'autre, et vous pouvez le révoquer à tout moment.</p>
  <% if (it.tokens.length === 0) { %><p class="muted" id="no-tokens">Aucun jeton pour le moment.</p><% } else { %>
  <div class="table-wrap"><table class="stack" id="tokens">
  <thead><tr><th>Nom</th><th>Début</th><th>Créé le</th><th>Dernière utilisation</th><th></th></tr></thead>
  <tbody>
  <% for (const t of it.tokens) { %>
  <tr data-id="<%= t.id %>">
    <td data-label="Nom"><%= t.name %></td>
    <td data-label="Début"><code><%= t.prefix %>…</code></td>
    <td data-label="Créé le"><%= t.created %></td>
    <td data-label="Dernière utilisation"><%= t.lastUsed %></td>
    <td><form method="post" action="/user/tokens/<%= t.id %>/revoke"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button class="danger" type="submit">Révoquer</button></form></td>
  </tr>
  <% } %>
  </tbody></table></div>
  <% } %>
  <form method="post" action="/user/tokens" id="token-form">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <%~ include("@field", { f: { name: "name", label: "Nom du nouveau jeton", value: it.name, error: it.error, required: true, hint: "Pour vous y retrouver : « Home Assistant », « script de sauvegarde »… (" + it.max + " jetons au plus)" } }) %>
    <button type="submit">Créer un jeton</button>
  </form>
</div>`,

  password: `<% layout("@layout") %>
<h1>Changer de mot de passe</h1>
<div class="card">
<p>Après le changement, vos autres sessions sont terminées : les autres navigateurs connectés à « <%= it.username %> » devront se reconnecter avec le nouveau mot de passe.</p>
<form method="post" action="/user/password" novalidate id="password-form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="text" name="username" value="<%= it.username %>" autocomplete="username" hidden>
  <%~ include("@field", { f: { name: "current", label: "Mot de passe actuel", type: "password", value: "", error: it.errors.current, required: true, autocomplete: "current-password" } }) %>
  <%~ include("@field", { f: { name: "password", label: "Nouveau mot de passe", type: "password", value: "", error: it.errors.password, required: true, autocomplete: "new-password", hint: "8 caractères au moins" } }) %>
  <%~ include("@field", { f: { name: "confirm", label: "Confirmation du nouveau mot de passe", type: "password", value: "", error: it.errors.confirm, required: true, autocomplete: "new-password" } }) %>
  <div class="actions">
    <button type="submit">Changer le mot de passe</button>
    <a class="button secondary" href="/user">Annuler</a>
  </div>
</form>
</div>`,
};
