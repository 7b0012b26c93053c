/** The user's alerts: the in-app list and the settings (issue 17). */
export const alertTemplates = {
  alertList: `<% layout("@layout") %>
<h1>Mes alertes</h1>
<div class="card inline">
  <a class="button secondary" href="/alerts/settings">Réglages des alertes</a>
  <% if (it.unread > 0) { %>
  <form method="post" action="/alerts/read-all" class="inline">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <button type="submit">Tout marquer comme lu (<%= it.unread %>)</button>
  </form>
  <% } %>
</div>
<% if (it.alerts.length === 0) { %>
<div class="card"><p class="muted">Aucune alerte pour l'instant. Les alertes apparaissent ici, qu'elles soient aussi envoyées par e-mail, SMS ou autre, ou non.</p></div>
<% } %>
<% for (const a of it.alerts) { %>
<section class="card alert-item<%= a.unread ? ' unread' : '' %>" id="alert-<%= a.id %>">
  <h2><%= a.title %><% if (a.unread) { %> <span class="status warn">non lue</span><% } %></h2>
  <p class="meta"><%= a.kind %> · <%= a.when %></p>
  <p class="body"><%= a.body %></p>
  <div class="inline">
    <% if (a.link) { %><a href="<%= a.link %>">Voir le détail</a><% } %>
    <% if (a.unread) { %>
    <form method="post" action="/alerts/<%= a.id %>/read">
      <input type="hidden" name="_csrf" value="<%= it.csrf %>">
      <button type="submit" class="secondary">Marquer comme lu</button>
    </form>
    <% } %>
  </div>
  <% if (a.deliveries.length > 0) { %>
  <ul class="deliveries">
    <% for (const d of a.deliveries) { %>
    <li><strong><%= d.channel %></strong> : <span class="<%= d.error ? 'err' : '' %>"><%= d.text %></span><% if (d.error) { %> — <%= d.error %><% } %></li>
    <% } %>
  </ul>
  <% } %>
</section>
<% } %>`,

  alertSettings: `<% layout("@layout") %>
<h1>Réglages des alertes</h1>
<% if (it.failures.length > 0) { %>
<div class="notice error" role="alert">
  <p><strong>Des envois ont échoué récemment :</strong></p>
  <ul>
  <% for (const f of it.failures) { %><li><%= f.title %> — <%= f.channel %> (<%= f.status %>)<% if (f.error) { %> : <%= f.error %><% } %></li><% } %>
  </ul>
</div>
<% } %>
<form method="post" action="/alerts/settings" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<div class="card">
  <h2>Canaux par type d'alerte</h2>
  <p class="muted">Chaque alerte figure toujours dans <a href="/alerts">Mes alertes</a>. Cochez en plus les canaux par lesquels la recevoir<% if (it.senders.length === 0) { %> : aucun canal n'est encore proposé par l'administrateur<% } %>.</p>
  <div class="table-wrap">
  <table class="picks" id="picks">
    <thead><tr><th>Alerte</th><th>Application</th><% for (const s of it.senders) { %><th><%= s.label %></th><% } %></tr></thead>
    <tbody>
    <% for (const k of it.kinds) { %>
    <tr>
      <td><%= k.label %></td>
      <td><input type="checkbox" checked disabled aria-label="<%= k.label %> : dans l'application (toujours)"></td>
      <% for (const s of it.senders) { %>
      <td><input type="checkbox" name="k_<%= k.kind %>" value="<%= s.id %>"<% if (k.picked.includes(s.id)) { %> checked<% } %> aria-label="<%= k.label %> : <%= s.label %>"></td>
      <% } %>
    </tr>
    <% } %>
    </tbody>
  </table>
  </div>
</div>
<% for (const r of it.recipients) { %>
<div class="card" id="recipient-<%= r.senderId %>">
  <h2><%= r.label %></h2>
  <% for (const f of r.fields) { %>
  <div class="field<%= f.error ? ' invalid' : '' %>">
    <label for="f-<%= f.name %>"><%= f.label %><% if (f.secret) { %> <span class="muted">(<%= f.set ? it.t("alerts.secretSet") : it.t("alerts.secretUnset") %>)</span><% } %></label>
    <input id="f-<%= f.name %>" name="<%= f.name %>" type="<%= f.type %>" value="<%= f.value %>" autocomplete="<%= f.secret ? 'new-password' : 'off' %>"<% if (f.error) { %> aria-invalid="true" aria-describedby="e-<%= f.name %>"<% } %>>
    <% if (f.secret) { %><div class="hint"><%= it.t("alerts.keepSecret") %></div><% } %>
    <% if (f.error) { %><div class="error" id="e-<%= f.name %>"><%= f.error %></div><% } %>
  </div>
  <% } %>
</div>
<% } %>
<div class="card" id="thresholds">
  <h2>Seuils</h2>
  <p class="muted">Vide : la valeur par défaut de l'installation, indiquée dans le champ.</p>
  <% for (const th of it.thresholds) { %>
  <div class="field<%= th.error ? ' invalid' : '' %>">
    <label for="f-t_<%= th.kind %>"><%= th.label %> (<%= th.unit %>)</label>
    <input id="f-t_<%= th.kind %>" name="t_<%= th.kind %>" type="number" inputmode="decimal" value="<%= th.value %>" placeholder="<%= th.placeholder %>"<% if (th.error) { %> aria-invalid="true" aria-describedby="e-t_<%= th.kind %>"<% } %>>
    <% if (th.error) { %><div class="error" id="e-t_<%= th.kind %>"><%= th.error %></div><% } %>
  </div>
  <% } %>
</div>
<div class="card">
  <h2>Heures calmes et résumé</h2>
  <fieldset class="field<%= it.errors.quiet ? ' invalid' : '' %>">
    <legend>Heures calmes (heure de Paris)</legend>
    <div class="inline">
      <label for="f-quietStart">De</label>
      <input id="f-quietStart" name="quietStart" type="time" value="<%= it.quietStart %>">
      <label for="f-quietEnd">à</label>
      <input id="f-quietEnd" name="quietEnd" type="time" value="<%= it.quietEnd %>">
    </div>
    <div class="hint">Pendant ces heures, les alertes attendent la fin de la période pour partir. Vide : à toute heure.</div>
    <% if (it.errors.quiet) { %><div class="error" role="alert"><%= it.errors.quiet %></div><% } %>
  </fieldset>
  <div class="field<%= it.errors.summary ? ' invalid' : '' %>">
    <label for="f-summary">Résumé par e-mail</label>
    <select id="f-summary" name="summary">
      <option value="off"<% if (it.summary === 'off') { %> selected<% } %>>Pas de résumé</option>
      <option value="weekly"<% if (it.summary === 'weekly') { %> selected<% } %>>Chaque semaine (le lundi)</option>
      <option value="monthly"<% if (it.summary === 'monthly') { %> selected<% } %>>Chaque mois (le 1er)</option>
    </select>
    <div class="hint">Énergie de la période, coût si une offre est choisie, comparaison avec la période précédente et un petit graphique. Cochez un canal pour « Résumé hebdomadaire ou mensuel » ci-dessus.</div>
    <% if (it.errors.summary) { %><div class="error"><%= it.errors.summary %></div><% } %>
  </div>
</div>
<div class="actions">
  <button type="submit">Enregistrer</button>
  <a class="button secondary" href="/alerts">Retour aux alertes</a>
</div>
</form>`,
};
