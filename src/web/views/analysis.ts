/**
 * A meter's analysis page (`routes/analysis.ts`): the choice of view and period, a plain-French
 * explanation, then the view itself. No script: heatmap cells are coloured by class (`h0`…`h8`), bars
 * are `<meter>` elements (the CSP forbids inline styles).
 */
export const analysisTemplates = {
  heatGrid: `<div class="heat-hours" aria-hidden="true"><span></span><% for (const h of it.hours) { %><span><%= h %></span><% } %></div>
<% for (const r of it.rows) { %><div class="heat-row" data-day="<%= r.day || '' %>" data-cells="<%= r.cells.length %>"><span class="heat-label"><%= r.label %></span><span class="heat-cells"><% for (const c of r.cells) { %><i class="h<%= c.c %>" title="<%= c.title %>"></i><% } %></span></div>
<% } %>`,

  analysis: `<% layout("@layout") %>
<h1><%= it.device.label %> <span class="muted">· PRM <%= it.device.prm %></span></h1>
<p><a href="/devices/<%= it.device.id %>?view=<%= it.view %>&date=<%= it.date %>">← Graphiques et tableaux du compteur</a></p>
<nav class="periods" aria-label="Analyse">
  <% for (const k of it.kinds) { %><a href="<%= k.href %>" class="<%= k.on ? 'on' : '' %>" id="kind-<%= k.key %>"><%= k.label %></a><% } %>
</nav>
<% if (it.kind !== "baseload") { %>
<nav class="periods" aria-label="Période">
  <% for (const p of it.periods) { %><a href="<%= p.href %>" class="<%= p.on ? 'on' : '' %>"><%= p.label %></a><% } %>
</nav>
<% } %>
<div class="period-bar">
  <a class="button secondary" id="prev" href="<%= it.prevHref %>" rel="prev">← Précédent</a>
  <form method="get" action="/devices/<%= it.device.id %>/analysis" class="inline">
    <input type="hidden" name="kind" value="<%= it.kind %>">
    <input type="hidden" name="view" value="<%= it.view %>">
    <label for="f-date" class="muted">Date</label>
    <input id="f-date" type="date" name="date" value="<%= it.date %>" max="<%= it.lastPublished %>">
    <button type="submit" class="secondary">Afficher</button>
  </form>
  <% if (it.nextHref) { %><a class="button secondary" id="next" href="<%= it.nextHref %>" rel="next">Suivant →</a><% } %>
</div>
<h2 id="analysis-title"><%= it.heading %> <span class="muted">· <%= it.periodTitle %></span></h2>
<p class="explain" id="explain"><%= it.explain %></p>

<% if (it.heatmap) { %>
<section class="card">
  <% if (it.heatmap.empty) { %><p class="muted" id="no-data">Aucune donnée de courbe de charge pour cette période.</p><% } else { %>
  <div class="heatmap<%= it.heatmap.compact ? ' compact' : '' %>" id="heatmap">
    <%~ include("@heatGrid", { rows: it.heatmap.rows, hours: it.heatmap.hours }) %>
  </div>
  <p class="heat-scale muted"><span>0 W</span><% for (let i = 0; i <= 8; i++) { %><i class="h<%= i %>"></i><% } %><span><%= it.heatmap.max %></span></p>
  <% } %>
</section>
<% } %>

<% if (it.weekday) { %>
<section class="card">
  <% if (it.weekday.empty) { %><p class="muted" id="no-data">Aucune donnée de courbe de charge pour cette période.</p><% } else { %>
  <h3>Courbes moyennes <span class="muted">· W par demi-heure ; un clic sur un jour de la légende l&#39;affiche</span></h3>
  <div class="chart" id="chart-weekday" data-profile="<%= it.weekday.json %>"></div>
  <h3>Jour par jour</h3>
  <div class="heatmap" id="weekday-profile"><%~ include("@heatGrid", { rows: it.weekday.rows, hours: it.weekday.hours }) %></div>
  <h3>Semaine et week-end</h3>
  <div class="heatmap" id="weekday-groups"><%~ include("@heatGrid", { rows: it.weekday.groups, hours: it.weekday.hours }) %></div>
  <dl class="facts">
    <dt>Un jour de semaine</dt><dd id="workday-kwh"><%= it.weekday.workdayKwh %></dd>
    <dt>Un jour de week-end</dt><dd id="weekend-kwh"><%= it.weekday.weekendKwh %></dd>
    <% if (it.weekday.peak) { %><dt>Demi-heure la plus chargée</dt><dd><%= it.weekday.peak %></dd><% } %>
  </dl>
  <% } %>
</section>
<script src="<%= it.uplotJs %>"></script>
<script src="<%= it.meterJs %>"></script>
<% } %>

<% if (it.compare) { %>
<section class="card">
  <% if (it.compare.empty) { %><p class="muted" id="no-data">Aucune consommation journalière pour cette période.</p><% } %>
  <table class="stack" id="comparison">
    <thead><tr><th></th><th>Dates</th><th>Énergie</th><th>Écart</th></tr></thead>
    <tbody>
    <% for (const r of it.compare.rows) { %>
    <tr>
      <th scope="row" data-label=""><%= r.label %></th>
      <td data-label="Dates"><%= r.period %> <span class="muted">(<%= r.days %> j)</span></td>
      <td data-label="Énergie"><meter min="0" max="<%= r.max %>" value="<%= r.value %>"></meter> <%= r.kwh %></td>
      <td data-label="Écart"><%= r.diffKwh %><% if (r.diffPct) { %> <span class="muted">(<%= r.diffPct %>)</span><% } %></td>
    </tr>
    <% } %>
    </tbody>
  </table>
  <p class="muted">L'écart est celui de la période choisie par rapport à chaque ligne : positif, elle a consommé davantage.</p>
</section>
<% } %>

<% if (it.baseload) { %>
<section class="card">
  <% if (it.baseload.empty) { %><p class="muted" id="no-data">Aucune donnée de courbe de charge sur ces mois.</p><% } else { %>
  <% if (it.baseload.trend) { %><p id="baseload-trend"><%= it.baseload.trend %></p><% } %>
  <table class="stack" id="baseload">
    <thead><tr><th>Mois</th><th>Talon de nuit</th><th>Nuits</th></tr></thead>
    <tbody>
    <% for (const r of it.baseload.rows) { %>
    <tr><td data-label="Mois"><%= r.label %></td><td data-label="Talon"><meter min="0" max="<%= r.max %>" value="<%= r.value %>"></meter> <%= r.text %></td><td data-label="Nuits"><%= r.nights %></td></tr>
    <% } %>
    </tbody>
  </table>
  <% } %>
</section>
<% } %>`,
};
