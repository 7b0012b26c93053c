/** The pages that end a consent: connected, or why not. */
export const consentTemplates = {
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
  <p class="muted">Aucun compteur n'a été ajouté.</p>
  <div class="actions">
    <% if (it.retry) { %>
    <form method="post" action="/dataConnect/retry"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit">Vérifier à nouveau</button></form>
    <% } %>
    <% if (it.restart) { %><a class="button<%= it.retry ? ' secondary' : '' %>" href="/dataConnect/authorize">Recommencer</a><% } %>
    <% if (it.login) { %><a class="button" href="/login">Se connecter</a><% } %>
    <a class="button secondary" href="/">Retour au tableau de bord</a>
  </div>
</div>`,
};
