/** Admin "Connecteurs": the senders (the seed's NotificationAccountSender pages). */
export const senderTemplates = {
  senderList: `<% layout("@layout") %>
<h1>Connecteurs</h1>
<div class="card">
<form method="get" action="/notificationAccountSender/notificationAccountSenders" class="inline" role="search">
  <label for="q" class="muted">Libellé</label>
  <input type="search" id="q" name="q" value="<%= it.q %>" placeholder="Rechercher">
  <button type="submit" class="secondary">Rechercher</button>
  <a class="button" href="/notificationAccountSender/create">Nouveau connecteur</a>
</form>
<p class="inline"><span class="muted">Nouveau canal d'alertes :</span>
<% for (const c of it.channels) { %><a class="button secondary" href="/notificationAccountSender/create?impl=<%= c.key %>"><%= c.label %></a><% } %></p>
</div>
<div class="card table-wrap">
<% if (it.senders.length === 0) { %>
<p class="muted">Aucun connecteur<%= it.q ? ' pour cette recherche' : '' %>.</p>
<% } else { %>
<table class="stack" id="senders">
<thead><tr><th>Libellé</th><th>Implémentation</th><th>Rôle</th><th>Cron</th><th>Comptes</th><th>État</th><th></th></tr></thead>
<tbody>
<% for (const s of it.senders) { %>
<tr>
  <td data-label="Libellé"><a href="/notificationAccountSender/edit/<%= s.id %>"><%= s.libelle %></a><% if (s.firstRun) { %><div class="hint muted first-run-note"><%= it.t("firstRun.senderCreatedList") %></div><% } %></td>
  <td data-label="Implémentation"><%= s.impl %></td>
  <td data-label="Rôle"><%= s.role || '—' %></td>
  <td data-label="Cron"><code><%= s.cron || '—' %></code></td>
  <td data-label="Comptes"><%= s.accounts %></td>
  <td data-label="État"><% if (s.channel) { %>
    <span class="status <%= s.enabled ? 'ok' : 'off' %>"><%= s.enabled ? 'Actif' : 'Désactivé' %></span>
    <% if (!s.enabled && s.disabledReason) { %><div class="hint error"><%= s.disabledReason %></div><% } %>
    <div class="hint muted"><%= s.deliveries %></div>
    <% if (s.lastError) { %><div class="hint error">Dernière erreur : <%= s.lastError %></div><% } %>
    <form method="post" action="/notificationAccountSender/toggle/<%= s.id %>">
      <input type="hidden" name="_csrf" value="<%= it.csrf %>">
      <input type="hidden" name="enabled" value="<%= s.enabled ? '0' : '1' %>">
      <button type="submit" class="secondary"><%= s.enabled ? 'Désactiver' : 'Activer' %></button>
    </form>
  <% } else { %>—<% } %></td>
  <td><a href="/notificationAccountSender/delete/<%= s.id %>">Supprimer</a></td>
</tr>
<% } %>
</tbody>
</table>
<% } %>
<div class="pager">
  <% if (it.prev) { %><a class="button secondary" href="<%= it.prev %>">‹ Précédents</a><% } %>
  <span class="muted"><%= it.range %></span>
  <% if (it.next) { %><a class="button secondary" href="<%= it.next %>">Suivants ›</a><% } %>
</div>
</div>`,

  senderForm: `<% layout("@layout") %>
<h1><%= it.sender ? 'Modifier le connecteur' : 'Nouveau connecteur' %></h1>
<div class="card">
<form method="post" action="/notificationAccountSender/save" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <% if (it.sender) { %><input type="hidden" name="id" value="<%= it.sender.id %>"><% } %>
  <% if (it.errors._form) { %><div class="notice error" role="alert"><%= it.errors._form %></div><% } %>
  <%~ include("@field", { f: { name: "libelle", label: "Libellé", value: it.values.libelle, error: it.errors.libelle, required: true } }) %>
  <div class="field<%= it.errors.implClass ? ' invalid' : '' %>">
    <label for="f-implClass">Implémentation</label>
    <select id="f-implClass" name="implClass" required<% if (it.errors.implClass) { %> aria-invalid="true" aria-describedby="e-implClass"<% } %>>
      <option value="">—</option>
      <% for (const i of it.implementations) { %><option value="<%= i.key %>"<% if (i.key === it.values.implClass) { %> selected<% } %>><%= i.label %> (<%= i.key %>)</option><% } %>
    </select>
    <% if (it.errors.implClass) { %><div class="error" id="e-implClass"><%= it.errors.implClass %></div><% } %>
  </div>
  <%~ include("@field", { f: { name: "role", label: "Rôle requis", value: it.values.role, error: it.errors.role, hint: "Facultatif, par exemple ROLE_USER : seuls les utilisateurs qui ont ce rôle peuvent l'utiliser." } }) %>
  <%~ include("@field", { f: { name: "cron", label: "Cron (Quartz)", value: it.values.cron, error: it.errors.cron, hint: "Facultatif, heure de Paris : « 0 0/10 * * * ? » = toutes les 10 minutes. Vide : jamais planifié." } }) %>
  <div class="actions">
    <button type="submit">Enregistrer</button>
    <a class="button secondary" href="/notificationAccountSender/notificationAccountSenders">Annuler</a>
  </div>
</form>
</div>`,

  channelForm: `<% layout("@layout") %>
<h1><%= it.sender ? 'Modifier le canal' : 'Nouveau canal' %> : <%= it.channel.label %></h1>
<div class="card">
<p class="muted"><%= it.channel.description %></p>
<% if (it.recipientFields.length > 0) { %><p class="hint">Chaque utilisateur indique dans ses réglages d'alertes : <%= it.recipientFields.join(", ") %>.</p><% } %>
<% if (it.sender && !it.sender.enabled && it.sender.disabledReason) { %><div class="notice error" role="alert"><%= it.sender.disabledReason %></div><% } %>
<form method="post" action="/notificationAccountSender/save" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="implClass" value="<%= it.channel.key %>">
  <% if (it.sender) { %><input type="hidden" name="id" value="<%= it.sender.id %>"><% } %>
  <% if (it.errors.implClass) { %><div class="notice error" role="alert"><%= it.errors.implClass %></div><% } %>
  <%~ include("@field", { f: { name: "libelle", label: "Libellé", value: it.values.libelle, error: it.errors.libelle, required: true } }) %>
  <%~ include("@field", { f: { name: "role", label: "Rôle requis", value: it.values.role, error: it.errors.role, hint: "Facultatif : seuls les utilisateurs qui ont ce rôle peuvent choisir ce canal." } }) %>
  <% for (const f of it.fields) { %>
  <div class="field<%= f.error ? ' invalid' : '' %>">
    <% if (f.type === 'checkbox') { %>
    <label><input type="checkbox" id="f-cfg_<%= f.name %>" name="cfg_<%= f.name %>"<% if (f.value === 'on') { %> checked<% } %>> <%= f.label %></label>
    <% } else if (f.type === 'select') { %>
    <label for="f-cfg_<%= f.name %>"><%= f.label %></label>
    <select id="f-cfg_<%= f.name %>" name="cfg_<%= f.name %>">
      <% for (const o of f.options) { %><option value="<%= o.value %>"<% if (o.value === f.value) { %> selected<% } %>><%= o.label %></option><% } %>
    </select>
    <% } else { %>
    <label for="f-cfg_<%= f.name %>"><%= f.label %></label>
    <input id="f-cfg_<%= f.name %>" name="cfg_<%= f.name %>" type="<%= f.type === 'number' ? 'number' : f.type === 'email' ? 'email' : f.type === 'url' ? 'url' : 'text' %>" value="<%= f.value %>"<% if (f.placeholder) { %> placeholder="<%= f.placeholder %>"<% } %><% if (f.error) { %> aria-invalid="true" aria-describedby="e-cfg_<%= f.name %>"<% } %>>
    <% } %>
    <% if (f.hint) { %><div class="hint"><%= f.hint %></div><% } %>
    <% if (f.error) { %><div class="error" id="e-cfg_<%= f.name %>"><%= f.error %></div><% } %>
  </div>
  <% } %>
  <% for (const f of it.secrets) { %>
  <div class="field<%= f.error ? ' invalid' : '' %>">
    <label for="f-secret_<%= f.name %>"><%= f.label %> <span class="muted">(<%= f.set ? it.t("alerts.secretSet") : it.t("alerts.secretUnset") %>)</span></label>
    <input id="f-secret_<%= f.name %>" name="secret_<%= f.name %>" type="password" value="" autocomplete="new-password"<% if (f.error) { %> aria-invalid="true" aria-describedby="e-secret_<%= f.name %>"<% } %>>
    <div class="hint"><%= f.set ? it.t("alerts.keepSecret") : '' %><%= f.hint ? ' ' + f.hint : '' %> Chiffré, jamais réaffiché.</div>
    <% if (f.error) { %><div class="error" id="e-secret_<%= f.name %>"><%= f.error %></div><% } %>
  </div>
  <% } %>
  <div class="field"><label><input type="checkbox" name="enabled"<% if (it.values.enabled) { %> checked<% } %>> Actif : les utilisateurs peuvent le choisir et les alertes partent</label></div>
  <div class="actions">
    <button type="submit">Enregistrer</button>
    <a class="button secondary" href="/notificationAccountSender/notificationAccountSenders">Annuler</a>
  </div>
</form>
</div>`,

  senderDelete: `<% layout("@layout") %>
<h1>Supprimer « <%= it.sender.libelle %> » ?</h1>
<div class="card">
<% if (it.accounts > 0) { %>
  <p class="notice error"><strong><%= it.accounts %> compte<%= it.accounts > 1 ? 's utilisent' : ' utilise' %> ce connecteur.</strong>
  Ils seront supprimés avec lui : leur collecte s'arrête et leurs utilisateurs devront connecter à nouveau leur compteur.
  Les compteurs et les mesures déjà collectées sont conservés.</p>
<% } else { %>
  <p>Aucun compte n'utilise ce connecteur.</p>
<% } %>
<form method="post" action="/notificationAccountSender/delete/<%= it.sender.id %>" class="actions">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="accounts" value="<%= it.accounts %>">
  <button type="submit" class="danger">Supprimer<%= it.accounts > 0 ? ' le connecteur et ses comptes' : '' %></button>
  <a class="button secondary" href="/notificationAccountSender/notificationAccountSenders">Annuler</a>
</form>
</div>`,
};
