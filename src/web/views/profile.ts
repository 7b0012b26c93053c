/** The user's own page: identity and personal API tokens. */
export const profileTemplates = {
  profile: `<% layout("@layout") %>
<h1>Mon compte</h1>
<div class="card">
  <dl class="facts">
    <dt>Identifiant</dt><dd id="username"><%= it.username %></dd>
    <dt>Rôles</dt><dd><%= it.roles %></dd>
  </dl>
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
};
