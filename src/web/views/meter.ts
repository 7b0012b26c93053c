/**
 * A meter's page: period navigation (day, week, month, year; a date picker; previous / next), the charts
 * (drawn by `/static/meter-*.js` with uPlot from the view's JSON in `data-view`: no inline script), the
 * summary table, the completeness calendar, the tables behind the charts and the downloads form.
 * Everything but the charts works without JavaScript.
 */
export const meterTemplates = {
  meter: `<% layout("@layout") %>
<h1><%= it.device.label %> <span class="muted">· PRM <%= it.device.prm %></span></h1>
<div class="card">
  <dl class="facts">
    <% if (it.device.power) { %><dt>Puissance souscrite</dt><dd><%= it.device.power %></dd><% } %>
    <% if (it.offPeak.current) { %><dt>Heures creuses</dt><dd id="offpeak-now"><%= it.offPeak.current.windows %> <span class="muted">(<%= it.offPeak.current.label %><% if (it.offPeak.current.since) { %>, depuis <%= it.offPeak.current.since %><% } %>)</span></dd><% } %>
    <dt>Dernières données</dt><dd id="last-data"><%= it.lastData ? it.lastData : "aucune pour le moment" %><% if (it.device.lastValue) { %> <span class="muted">(dernière puissance moyenne : <%= it.device.lastValue %>)</span><% } %></dd>
    <dt>Publiées par Enedis jusqu'au</dt><dd><%= it.lastPublished %></dd>
  </dl>
  <% if (it.offPeak.history.length) { %>
  <details id="offpeak-history"<% if (it.offPeak.history.length > 1) { %> open<% } %>>
    <summary>Historique des heures creuses du contrat (<%= it.offPeak.history.length %>)</summary>
    <div class="table-wrap"><table class="stack">
      <thead><tr><th>Depuis</th><th>Plages</th><th>Chaîne Enedis</th><th>Vue jusqu'au</th></tr></thead>
      <tbody><% for (const h of it.offPeak.history) { %><tr><td data-label="Depuis"><%= h.from %></td><td data-label="Plages"><%= h.windows %></td><td data-label="Chaîne Enedis"><%= h.label %></td><td data-label="Vue jusqu'au"><%= h.lastSeen %></td></tr><% } %></tbody>
    </table></div>
    <p class="hint muted">Chaque jour est chiffré avec les plages en vigueur ce jour-là.</p>
  </details>
  <% } %>
  <p><a href="/devices/<%= it.device.id %>/costs" id="costs-link">Coûts et comparaison des offres</a></p>
</div>

<nav class="periods" aria-label="Période">
  <% for (const p of it.periods) { %><a href="<%= p.href %>" class="<%= p.on ? 'on' : '' %>" id="period-<%= p.key %>"><%= p.label %></a><% } %>
</nav>
<div class="period-bar">
  <a class="button secondary" id="prev" href="<%= it.prevHref %>" rel="prev">← Précédent</a>
  <form method="get" action="/devices/<%= it.device.id %>" class="inline" id="date-form">
    <input type="hidden" name="view" value="<%= it.view.period %>">
    <label for="f-date" class="muted">Date</label>
    <input id="f-date" type="date" name="date" value="<%= it.view.date %>" max="<%= it.view.last_published_day %>">
    <button type="submit" class="secondary">Afficher</button>
  </form>
  <% if (it.nextHref) { %><a class="button secondary" id="next" href="<%= it.nextHref %>" rel="next">Suivant →</a><% } else { %><span class="button secondary disabled" aria-disabled="true">Suivant →</span><% } %>
</div>

<h2 id="period-label"><%= it.periodTitle %></h2>
<% if (it.dstNote) { %><p class="notice info" id="dst-note"><%= it.dstNote %></p><% } %>

<div id="meter-view" data-view="<%= it.viewJson %>" data-period="<%= it.view.period %>" data-hours="<%= it.view.hours %>" data-from-s="<%= it.fromS %>" data-to-s="<%= it.toS %>"></div>
<noscript><p class="muted">Les graphiques ont besoin de JavaScript ; les tableaux ci-dessous donnent les mêmes valeurs.</p></noscript>

<% if (it.view.charts.power) { %>
<section class="card chart-card">
  <h3>Puissance moyenne (W)<% if (it.view.charts.power.resolution === 'hour') { %> <span class="muted">· par heure</span><% } else { %> <span class="muted">· par <%= it.stepLabel %></span><% } %></h3>
  <div class="chart" id="chart-power" data-expected="<%= it.view.charts.power.x.length %>"></div>
</section>
<% } %>
<section class="card chart-card">
  <h3><%= it.energyTitle %></h3>
  <div class="chart" id="chart-energy" data-expected="<%= it.view.charts.energy.x.length %>"></div>
</section>
<% if (it.view.charts.max_power) { %>
<section class="card chart-card">
  <h3>Puissance maximale journalière (kVA)<% if (it.view.subscribed_power_kva) { %> <span class="muted">· souscrite : <%= it.view.subscribed_power_kva %> kVA</span><% } %></h3>
  <div class="chart" id="chart-max-power" data-expected="<%= it.view.charts.max_power.x.length %>"></div>
</section>
<% } %>
<% if (it.view.charts.compare) { %>
<section class="card chart-card">
  <h3>Consommation mensuelle : <%= it.view.charts.compare.year %> et <%= it.view.charts.compare.previous_year %> (kWh)</h3>
  <div class="chart" id="chart-compare" data-expected="12"></div>
</section>
<% } %>

<% if (it.costs) { %>
<section class="card" id="year-costs">
  <h3>Coût par mois (€) <span class="muted">· <%= it.costs.offers %></span></h3>
  <% if (it.costs.error) { %><p class="notice error" id="year-costs-error">Les coûts de cette période ne peuvent pas être calculés : une offre n'a pas de prix pour l'un de ses jours, ou les heures creuses du contrat ne sont pas encore connues. <a href="/devices/<%= it.device.id %>/costs">Voir les offres</a></p><% } %>
  <% if (it.costs.totals) { %>
  <dl class="facts" id="year-cost-totals">
    <dt>Total de la période</dt><dd data-key="total"><%= it.costs.totals.total %> <span class="muted">(énergie <%= it.costs.totals.energy %>, abonnement <%= it.costs.totals.subscription %>)</span></dd>
    <% for (const p of it.costs.totals.periods) { %><dt><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="<%= p.colour %>"></rect></svg> <%= p.label %></dt><dd data-period="<%= p.key %>"><%= p.text %></dd><% } %>
    <dt>Prix moyen du kWh</dt><dd data-key="average"><%= it.costs.totals.average %></dd>
    <% if (it.costs.totals.offPeakShare) { %><dt>Part en heures creuses</dt><dd data-key="off-peak-share"><%= it.costs.totals.offPeakShare %></dd><% } %>
  </dl>
  <div class="table-wrap"><table class="stack" id="year-cost-months">
    <thead><tr><th>Mois</th><th>Coût par période</th><th>Total</th><th>Prix moyen</th><th>Heures creuses</th></tr></thead>
    <tbody>
    <% for (const mo of it.costs.months) { %>
      <tr data-month="<%= mo.month %>">
        <td data-label="Mois"><%= mo.label %><% if (mo.estimated) { %> <span class="muted">estimé</span><% } %></td>
        <td data-label="Coût par période" class="cost-bar"><svg viewBox="0 0 100 10" width="100%" height="14" preserveAspectRatio="none" role="img" aria-label="<%= mo.aria %>"><% for (const sg of mo.segments) { %><rect x="<%= sg.x %>" width="<%= sg.pct %>" height="10" fill="<%= sg.colour %>" data-period="<%= sg.period %>"><title><%= sg.title %></title></rect><% } %></svg></td>
        <td data-label="Total" class="num"><%= mo.total %></td>
        <td data-label="Prix moyen" class="num"><%= mo.average %></td>
        <td data-label="Heures creuses" class="num"><%= mo.offPeakShare %></td>
      </tr>
    <% } %>
    </tbody>
  </table></div>
  <ul class="legend" id="year-cost-legend"><% for (const l of it.costs.legend) { %><li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="<%= l.colour %>"></rect></svg> <%= l.label %></li><% } %></ul>
  <% } %>
  <% if (it.costs.tempo) { %>
  <h4>Jours Tempo</h4>
  <div class="tempo-days" id="tempo-days">
  <% for (const mo of it.costs.tempo.months) { %>
    <div class="tempo-month" data-month="<%= mo.month %>"><span class="muted"><%= mo.label %></span>
    <svg viewBox="0 0 372 12" width="100%" height="14" preserveAspectRatio="xMinYMid meet" role="img" aria-label="jours Tempo de <%= mo.label %>"><% for (const d of mo.days) { %><rect x="<%= d.x %>" width="11" height="11" fill="<%= d.fill %>" stroke="#888" stroke-width="0.5" data-day="<%= d.n %>" data-colour="<%= d.colour %>"><title><%= d.title %></title></rect><% } %></svg></div>
  <% } %>
  </div>
  <ul class="legend"><% for (const c of it.costs.tempo.counts) { %><li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="<%= c.fill %>" stroke="#888"></rect></svg> <%= c.text %></li><% } %></ul>
  <% } %>
  <p><a href="/devices/<%= it.device.id %>/costs">Comparer les offres sur ma consommation</a></p>
</section>
<% } %>

<h2>Analyses</h2>
<div class="card">
  <p class="muted">Pour aller plus loin sur cette période :</p>
  <ul class="analyses" id="analyses">
    <li><a href="/devices/<%= it.device.id %>/analysis?kind=heatmap&view=<%= it.analysisView %>&date=<%= it.view.date %>">Carte de chaleur</a> : les habitudes, demi-heure par demi-heure.</li>
    <li><a href="/devices/<%= it.device.id %>/analysis?kind=weekday&view=<%= it.analysisView %>&date=<%= it.view.date %>">Profil par jour de la semaine</a> : la semaine face au week-end.</li>
    <li><a href="/devices/<%= it.device.id %>/analysis?kind=compare&view=<%= it.view.period %>&date=<%= it.view.date %>">Comparaison</a> : avec la période précédente et un an plus tôt.</li>
    <li><a href="/devices/<%= it.device.id %>/analysis?kind=baseload&date=<%= it.view.date %>">Talon de nuit</a> : son évolution mois par mois.</li>
  </ul>
</div>
<p id="diagnosis-link"><a href="/devices/<%= it.device.id %>/diagnostic">Diagnostic de la collecte</a> : dernier succès, dernière erreur et sa cause, et ce que vous pouvez faire.</p>

<h2>Résumé</h2>
<div class="card table-wrap">
<table id="summary">
<thead><tr><th></th><th>Consommation</th><% if (it.production) { %><th>Production</th><% } %></tr></thead>
<tbody>
<% for (const r of it.summaryRows) { %>
<tr data-key="<%= r.key %>"><th scope="row"><%= r.label %></th><td class="num"><%= r.consumption %></td><% if (it.production) { %><td class="num"><%= r.production %></td><% } %></tr>
<% } %>
</tbody>
</table>
</div>

<h2>Complétude des données</h2>
<div class="card">
  <p class="muted">Par jour, ce qui est collecté pour : <strong><%= it.calendar.label %></strong>.
    <% for (const o of it.calendar.others) { %> <a href="<%= o.href %>"><%= o.label %></a><% } %></p>
  <div class="calendars" id="calendar" data-dataset="<%= it.calendar.dataset %>">
  <% for (const m of it.calendar.months) { %>
    <table class="calendar" data-month="<%= m.month %>">
      <caption><%= m.label %></caption>
      <thead><tr><th>L</th><th>M</th><th>M</th><th>J</th><th>V</th><th>S</th><th>D</th></tr></thead>
      <tbody>
      <% for (const w of m.weeks) { %><tr><% for (const c of w) { %><% if (c) { %><td class="cal s-<%= c.status %>" data-day="<%= c.day %>" data-status="<%= c.status %>" title="<%= c.title %>"><%= c.n %></td><% } else { %><td></td><% } %><% } %></tr><% } %>
      </tbody>
    </table>
  <% } %>
  </div>
  <ul class="legend">
  <% for (const l of it.calendar.legend) { %><li><span class="cal s-<%= l.status %>"></span> <%= l.label %><% if (l.count !== null) { %> <span class="muted">(<%= l.count %>)</span><% } %></li><% } %>
  </ul>
</div>

<% if (!it.hasData) { %>
<div class="card"><p class="muted" id="no-data">Aucune donnée pour cette période<% if (it.firstSync) { %> : la première collecte est peut-être en cours<% } %>.</p></div>
<% } %>
<% if (it.dailyRows.length > 0) { %>
<h2><%= it.tableTitle %></h2>
<div class="card table-wrap">
<table id="<%= it.tableId %>" class="stack">
<thead><tr><th><%= it.tableFirst %></th><th>Consommation</th><% if (it.showMaxPower) { %><th>Puissance max.</th><% } %><% if (it.production) { %><th>Production</th><% } %></tr></thead>
<tbody>
<% for (const d of it.dailyRows) { %>
<tr><td class="num" data-label="<%= it.tableFirst %>"><%= d.label %></td><td class="num" data-label="Consommation"><%= d.consumption %></td><% if (it.showMaxPower) { %><td class="num" data-label="Puissance max."><%= d.maxPower %></td><% } %><% if (it.production) { %><td class="num" data-label="Production"><%= d.production %></td><% } %></tr>
<% } %>
</tbody>
</table>
</div>
<% } %>

<h2>Télécharger</h2>
<div class="card">
<form method="get" action="/devices/<%= it.device.id %>/export" id="export-form" class="export">
  <div class="field"><label for="f-dataset">Données</label>
    <select id="f-dataset" name="dataset"><% for (const d of it.exportDatasets) { %><option value="<%= d.key %>"<% if (d.selected) { %> selected<% } %>><%= d.label %></option><% } %></select></div>
  <div class="inline">
    <div class="field"><label for="f-from">Du</label><input id="f-from" type="date" name="from" value="<%= it.view.from %>" required></div>
    <div class="field"><label for="f-to">Au (non inclus)</label><input id="f-to" type="date" name="to" value="<%= it.view.to %>" required></div>
    <div class="field"><label for="f-format">Format</label><select id="f-format" name="format"><option value="csv">CSV</option><option value="json">JSON</option></select></div>
  </div>
  <button type="submit" id="export-button">Télécharger</button>
  <p class="hint muted">Une ligne par mesure : début, fin (UTC, ISO 8601), valeur, unité — le même fichier que <code>linky-dataconnect export</code>.
    Pour vos scripts : l'<a href="/api/openapi.json">API REST</a> avec un <a href="/user">jeton d'API personnel</a>.</p>
</form>
</div>
<h2>Importer un fichier Enedis</h2>
<div class="card">
<form method="post" action="/devices/<%= it.device.id %>/import" id="import-form" data-csrf="<%= it.csrf %>" data-max="<%= it.upload.maxBytes %>" data-max-label="<%= it.upload.maxLabel %>">
  <div class="field"><label for="import-file">Fichier (<%= it.upload.maxLabel %> au plus)</label><input id="import-file" type="file" name="file" accept=".csv,.xlsx,text/csv"></div>
  <button type="submit" id="import-button">Importer</button>
  <progress id="import-progress" max="100" value="0" hidden></progress>
  <p id="import-status" class="hint" role="status" aria-live="polite"></p>
  <p class="hint muted">Les exports de votre espace client Enedis (Heure, Jour, Pmax, l'export XLSX hebdomadaire), Conso Downloader ou R63 : l'historique au-delà de ce que l'API garde. Les données déjà reçues d'Enedis ne sont jamais remplacées.</p>
</form>
</div>
<script src="<%= it.upload.js %>"></script>
<script src="<%= it.uplotJs %>"></script>
<script src="<%= it.meterJs %>"></script>`,
};
