/** The pages of a consent: which meter, connected or why not, and the administrator's reviews. */
export const consentTemplates = {
  /** The PRM form (also included by the dashboard's card): it = { csrf, prm, error, button }. */
  prmForm: `<form method="post" action="/dataConnect/authorize" class="prm-form" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <%~ include("@field", { f: { name: "prm", label: "Numéro de point de livraison (PRM)", value: it.prm, error: it.error, required: true, autocomplete: "off", hint: "14 chiffres, sur votre facture d'électricité (« PRM » ou « point de livraison ») et sur l'écran du compteur Linky (touche +, « numéro de PRM »)." } }) %>
  <button type="submit" id="connect-linky"><%= it.button || "Continuer vers Enedis" %></button>
</form>`,

  consentStart: `<% layout("@layout") %>
<h1>Connecter un compteur</h1>
<div class="card">
  <p>Indiquez le compteur dont vous allez autoriser le partage. Vous serez ensuite dirigé vers la page de consentement d'Enedis,
  puis ramené ici. Seul ce compteur pourra être connecté à votre compte.</p>
  <%~ include("@prmForm", { csrf: it.csrf, prm: it.prm, error: it.error }) %>
</div>`,

  consentDone: `<% layout("@layout") %>
<h1>Compteur connecté</h1>
<div class="card">
  <p>Merci : Enedis partage désormais avec <%= it.appName %> les données de
  <%= it.prms.length > 1 ? 'vos compteurs' : 'votre compteur' %> <strong><%= it.prms.join(', ') %></strong>.
  La première collecte a commencé ; les premières données apparaissent dans quelques instants.</p>
  <div class="actions"><a class="button" href="/">Retour au tableau de bord</a></div>
</div>`,

  consentFailed: `<% layout("@layout") %>
<h1 id="consent-failed" data-code="<%= it.code %>"><%= it.heading %></h1>
<div class="card">
  <p><%= it.message %></p>
  <% if (it.detail) { %><p class="muted"><%= it.detail %></p><% } %>
  <% if (!it.review) { %><p class="muted">Aucun compteur n'a été ajouté.</p><% } %>
  <div class="actions">
    <% if (it.retry) { %>
    <form method="post" action="/dataConnect/retry"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit">Vérifier à nouveau</button></form>
    <% } %>
    <% if (it.restart) { %><a class="button<%= it.retry ? ' secondary' : '' %>" id="restart" href="/dataConnect/authorize">Recommencer</a><% } %>
    <% if (it.login) { %><a class="button" href="/login">Se connecter</a><% } %>
    <a class="button secondary" href="/">Retour au tableau de bord</a>
  </div>
</div>`,

  consentReviews: `<% layout("@layout") %>
<h1>Consentements à vérifier</h1>
<div class="card">
  <p>Un consentement Enedis ne dit pas qui l'a donné. Ce site ne rattache un compteur qu'au compte qui a indiqué ce compteur avant
  de passer chez Enedis, et seulement si le consentement reçu porte sur ce compteur. Il vous demande de trancher :</p>
  <ul>
    <li><strong>Conflit</strong> : un second utilisateur revient d'Enedis avec un consentement ou un compteur déjà rattaché à quelqu'un.
      Rien n'est rattaché au second ; l'accès du premier à ce compteur est suspendu (ses données sont gardées) jusqu'à votre décision.
      Un foyer de deux personnes peut partager un compteur.</li>
    <li><strong>Consentement v1</strong> (<code>enedis.consent = v1</code>) : Enedis confirme seulement que le compteur est partagé avec
      l'application, pas par qui. <% if (it.v1) { %>Ce site est en v1 : d<% } else { %>D<% } %>ès qu'il y a plus d'un utilisateur, chaque nouveau compteur
      attend votre approbation, ainsi que tout compteur déjà détenu par un autre utilisateur (même supprimé).
      Avec un seul utilisateur, aucune approbation n'est demandée.</li>
  </ul>
</div>
<h2>En attente (<%= it.open.length %>)</h2>
<% if (it.open.length === 0) { %><p class="muted">Rien à décider.</p><% } %>
<% for (const r of it.open) { %>
<section class="card review" id="review-<%= r.id %>" data-kind="<%= r.kind %>">
  <h3><%= r.kindLabel %> · PRM <%= r.prm %></h3>
  <p><%= r.reasonLabel %></p>
  <ul>
    <li>Demandé par <strong><%= r.requester %></strong> le <%= r.created %></li>
    <% if (r.holder) { %><li>Détenu par <strong><%= r.holder %></strong><% if (r.suspended) { %> (accès suspendu)<% } %></li><% } %>
    <% if (r.autorisationId) { %><li>Autorisation Enedis n° <%= r.autorisationId %></li><% } %>
  </ul>
  <form method="post" action="/admin/consents/<%= r.id %>/decide" class="actions">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <% for (const d of r.decisions) { %>
    <button type="submit" name="decision" value="<%= d.value %>"<% if (d.secondary) { %> class="secondary"<% } %>><%= d.label %></button>
    <% } %>
  </form>
</section>
<% } %>
<h2>Décisions récentes</h2>
<% if (it.decided.length === 0) { %><p class="muted">Aucune décision pour le moment.</p><% } else { %>
<div class="card table-wrap">
<table class="stack">
<thead><tr><th>PRM</th><th>Demande</th><th>Demandé par</th><th>Le</th><th>Décision</th><th>Par</th><th>Le</th></tr></thead>
<tbody>
<% for (const r of it.decided) { %>
<tr><td data-label="PRM"><%= r.prm %></td><td data-label="Demande"><%= r.kindLabel %></td><td data-label="Demandé par"><%= r.requester %></td><td data-label="Le"><%= r.created %></td><td data-label="Décision"><%= r.decisionLabel %></td><td data-label="Par"><%= r.decidedBy %></td><td data-label="Le"><%= r.decided %></td></tr>
<% } %>
</tbody>
</table>
</div>
<% } %>`,
};
