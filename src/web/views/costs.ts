/**
 * "Coûts et comparaison des offres" (a meter's costs page) and the administrators' offers page. The cost
 * bars are inline SVG (widths and colours as attributes: the CSP allows no inline style).
 */
const COLOURS = `{ BASE: '#4c78a8', HP: '#e45756', HC: '#54a24b', HP_BLEU: '#1f4e9c', HC_BLEU: '#7fa7e0', HP_BLANC: '#8c8c8c', HC_BLANC: '#cfcfcf', HP_ROUGE: '#b2182b', HC_ROUGE: '#ef8a8a', SUBSCRIPTION: '#bbbbbb' }`;

export const costTemplates = {
  costs: `<% layout("@layout") %>
<% const colours = ${COLOURS}; %>
<h1>Coûts et comparaison des offres <span class="muted">· <%= it.device.label %> · PRM <%= it.device.prm %></span></h1>
<p><a href="/devices/<%= it.device.id %>">← Retour au compteur</a><% if (it.user && it.user.admin) { %> · <a href="/admin/offers">Gérer les offres</a><% } %></p>

<section class="card" id="tariff">
  <h2>Offre du compteur</h2>
  <% if (it.assignments.length) { %>
  <ul id="assignments"><% for (const a of it.assignments) { %><li><strong><%= a.offerName %></strong> depuis le <%= a.fromDay === '1970-01-01' ? 'début' : a.fromDay %></li><% } %></ul>
  <% } else { %><p class="muted" id="no-tariff">Aucune offre choisie pour ce compteur.</p><% } %>
  <% if (it.offers.length) { %>
  <form method="post" action="/devices/<%= it.device.id %>/tariff" class="inline" id="tariff-form">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <label for="f-offer">Offre</label>
    <select id="f-offer" name="offer"><% for (const o of it.offers) { %><option value="<%= o.name %>"><%= o.name %></option><% } %></select>
    <label for="f-tariff-from">à partir du</label>
    <input id="f-tariff-from" type="date" name="from">
    <button type="submit">Choisir cette offre</button>
  </form>
  <% } %>
</section>

<section class="card" id="compare">
  <h2>Comparer les offres</h2>
  <form method="get" action="/devices/<%= it.device.id %>/costs" id="compare-form">
    <label for="f-from">Du</label> <input id="f-from" type="date" name="from" value="<%= it.from %>">
    <label for="f-to">au (exclu)</label> <input id="f-to" type="date" name="to" value="<%= it.to %>">
    <fieldset><legend>Offres</legend>
    <% for (const o of it.offers) { %><label><input type="checkbox" name="offers" value="<%= o.name %>"<% if (o.checked) { %> checked<% } %>> <%= o.name %></label> <% } %>
    </fieldset>
    <button type="submit" class="secondary">Comparer</button>
  </form>
  <% if (!it.compared) { %><p class="muted">Aucune offre enregistrée : un administrateur les ajoute sur la page Offres.</p><% } else { %>
  <div class="table-wrap"><table class="stack" id="comparison">
    <thead><tr><th>Offre</th><th>kWh</th><th>Énergie</th><th>Abonnement</th><th>Total</th><th>Écart par an</th></tr></thead>
    <tbody>
    <% it.compared.offers.forEach((o, i) => { %>
      <tr data-offer="<%= o.offer %>"<% if (i === 0) { %> class="cheapest"<% } %>>
        <td data-label="Offre"><%= o.offer %><% if (i === 0) { %> <strong>(la moins chère)</strong><% } %><% if (o.estimated_days) { %> <span class="muted">· <%= o.estimated_days %> jour(s) estimé(s)</span><% } %></td>
        <td data-label="kWh"><%= it.fmt(o.kwh, 1) %></td>
        <td data-label="Énergie"><%= it.fmt(o.energy_eur) %> €</td>
        <td data-label="Abonnement"><%= it.fmt(o.subscription_eur) %> €</td>
        <td data-label="Total" class="total"><%= it.fmt(o.total_eur) %> €</td>
        <td data-label="Écart par an"><%= i === 0 ? '—' : '+' + it.fmt(o.difference_per_year_eur) + ' €' %></td>
      </tr>
    <% }) %>
    </tbody>
  </table></div>
  <% for (const o of it.compared.offers) { if (o.tempo) { %>
  <p class="tempo-note"><strong><%= o.offer %></strong> : les <%= o.tempo.red_days %> jour(s) rouge(s) ont coûté <%= it.fmt(o.tempo.red_days_eur) %> € ; reporter 20 % de leur consommation en heures pleines vers les heures creuses économiserait <%= it.fmt(o.tempo.shift_red_hp_20pct_saving_eur) %> €.</p>
  <% } } %>
  <% for (const s of it.compared.skipped) { %><p class="muted">Non chiffrée : <%= s.offer %> (<%= s.reason %>)</p><% } %>
  <% } %>
</section>

<section class="card" id="cost-bars">
  <h2>Coût par jour<% if (it.barsOffer) { %> <span class="muted">· <%= it.barsOffer %></span><% } %></h2>
  <% if (it.barsError) { %><p class="notice error"><%= it.barsError %></p><% } %>
  <% if (it.barsTotals) { %>
  <dl class="facts" id="cost-totals">
    <dt>Total</dt><dd><%= it.fmt(it.barsTotals.total_eur) %> € (dont abonnement <%= it.fmt(it.barsTotals.subscription_eur) %> €)</dd>
    <% for (const p of it.barsTotals.periods) { %><dt><%= p.period %></dt><dd><%= it.fmt(p.kwh, 1) %> kWh · <%= it.fmt(p.eur) %> €</dd><% } %>
    <dt>Prix moyen</dt><dd><%= it.barsTotals.average_eur_per_kwh === null ? '—' : it.fmt(it.barsTotals.average_eur_per_kwh, 4) + ' €/kWh' %></dd>
    <% if (it.barsTotals.off_peak_share !== null) { %><dt>Part en heures creuses</dt><dd><%= it.fmt(100 * it.barsTotals.off_peak_share, 1) %> %</dd><% } %>
  </dl>
  <div class="table-wrap"><table id="cost-days">
    <thead><tr><th>Jour</th><th>Coût par période</th><th>Total</th></tr></thead>
    <tbody>
    <% for (const b of it.bars) { %>
      <tr data-day="<%= b.bucket %>"<% if (b.tempo_colour) { %> data-tempo="<%= b.tempo_colour %>"<% } %>>
        <td><%= b.bucket %><% if (b.tempo_colour) { %> <svg width="12" height="12" role="img" aria-label="jour <%= b.tempo_colour %>"><rect width="12" height="12" fill="<%= b.tempo_colour === 'ROUGE' ? '#b2182b' : b.tempo_colour === 'BLANC' ? '#eeeeee' : '#1f4e9c' %>" stroke="#666"></rect></svg><% } %><% if (b.estimated) { %> <span class="muted">estimé</span><% } %></td>
        <td><svg viewBox="0 0 100 10" width="100%" height="14" preserveAspectRatio="none" role="img" aria-label="<%= b.periods.map((p) => p.period + ' ' + it.fmt(p.eur) + ' €').join(', ') %>">
          <% let x = 0; for (const s of b.segments) { %><rect x="<%= x %>" width="<%= s.pct %>" height="10" fill="<%= colours[s.period] %>"><title><%= s.period %> : <%= it.fmt(s.kwh, 2) %> kWh, <%= it.fmt(s.eur) %> €</title></rect><% x += s.pct; } %><rect x="<%= x %>" width="<%= b.subscriptionPct %>" height="10" fill="<%= colours.SUBSCRIPTION %>"><title>abonnement</title></rect>
        </svg></td>
        <td><%= it.fmt(b.total_eur) %> €</td>
      </tr>
    <% } %>
    </tbody>
  </table></div>
  <% } else if (!it.barsError) { %><p class="muted">Choisissez une offre pour voir le coût par jour.</p><% } %>
</section>

<section class="card" id="power-advice">
  <h2>Puissance souscrite</h2>
  <% if (it.advice.recommendedKva === null) { %><p class="muted">Pas encore de puissance maximale journalière pour conseiller.</p><% } else { %>
  <p>Sur <%= it.advice.days %> jour(s), la puissance maximale a été de <%= it.fmt(it.advice.maxPowerVa / 1000, 2) %> kVA. Avec 10 % de marge, <strong id="recommended-kva"><%= it.advice.recommendedKva %> kVA</strong> suffisent<% if (it.advice.subscribedKva) { %> (souscrite : <%= it.advice.subscribedKva %> kVA)<% } %>.</p>
  <% if (it.advice.closeDays.length) { %><p class="muted"><%= it.advice.closeDays.length %> jour(s) au-delà de 90 % : <%= it.advice.closeDays.slice(0, 8).map((d) => d.date).join(', ') %></p><% } %>
  <% if (it.advice.savingPerYearEur !== null) { %><p>Économie d'abonnement : <%= it.fmt(it.advice.savingPerYearEur) %> € par an.</p><% } %>
  <% } %>
</section>

<section class="card" id="offpeak-history">
  <h2>Heures creuses du contrat</h2>
  <% if (!it.history.length) { %><p class="muted">Pas encore lues dans le contrat (elles le sont à la synchronisation).</p><% } else { %>
  <table><thead><tr><th>Depuis</th><th>Plages</th><th>Chaîne Enedis</th><th>Vue jusqu'au</th></tr></thead><tbody>
  <% for (const h of it.history) { %><tr><td><%= h.fromDay %></td><td><%= h.windows %></td><td><%= h.label %></td><td><%= h.lastSeenDay %></td></tr><% } %>
  </tbody></table>
  <% } %>
</section>`,

  offers: `<% layout("@layout") %>
<h1>Offres</h1>
<section class="card">
  <div class="table-wrap"><table id="offers">
    <thead><tr><th>Nom</th><th>Type</th><th>Heures creuses</th><th>Prix</th><th></th></tr></thead>
    <tbody>
    <% for (const o of it.offers) { %>
      <tr data-offer="<%= o.name %>"><td><%= o.name %></td><td><%= o.kind %></td><td><%= o.offpeak %></td>
        <td><%= o.rows %> ligne(s), la dernière depuis le <%= o.latest.from %> : abonnement <%= o.latest.subscriptionEurPerMonth %> €/mois</td>
        <td><a href="/admin/offers?edit=<%= encodeURIComponent(o.name) %>">Modifier</a>
          <form method="post" action="/admin/offers/delete" class="inline"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="name" value="<%= o.name %>"><button type="submit" class="secondary">Supprimer</button></form></td></tr>
    <% } %>
    </tbody>
  </table></div>
</section>
<section class="card">
  <h2><%= it.editing ? 'Modifier « ' + it.editing + ' »' : 'Ajouter une offre' %></h2>
  <p class="muted">Le format du fichier d'offre (YAML ou JSON) : nom, type (base, hphc, tempo), heures creuses (hphc : « contract » ou une chaîne « HC (22H00-6H00) »), et des lignes de prix datées en euros TTC. Le même nom remplace l'offre.</p>
  <form method="post" action="/admin/offers" id="offer-form">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <div class="field<%= it.error ? ' invalid' : '' %>">
      <label for="f-offer-text">Offre</label>
      <textarea id="f-offer-text" name="offer" rows="14" cols="70"<% if (it.error) { %> aria-invalid="true" aria-describedby="e-offer"<% } %>><%= it.text %></textarea>
      <% if (it.error) { %><div class="error" id="e-offer"><%= it.error %></div><% } %>
    </div>
    <button type="submit">Enregistrer</button>
  </form>
</section>`,
};
