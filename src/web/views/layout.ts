/** The page layout, the error page and shared partials. */
export const layoutTemplates = {
  layout: `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<% if (it.refresh > 0) { %><meta http-equiv="refresh" content="<%= it.refresh %>"><% } %>
<title><%= it.title %> · <%= it.appName %></title>
<link rel="stylesheet" href="<%= it.css %>">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="top">
  <a class="brand" href="/"><%= it.appName %></a>
  <% if (it.user) { %>
  <nav>
    <a href="/" class="<%= it.nav === 'dashboard' ? 'on' : '' %>"><%= it.t("layout.nav.dashboard") %></a>
    <a href="/notificationAccount/notificationAccounts" class="<%= it.nav === 'services' ? 'on' : '' %>"><%= it.t("layout.nav.services") %></a>
    <a href="/alerts" class="<%= it.nav === 'alerts' ? 'on' : '' %>"<% if (it.alertsUnread > 0) { %> aria-label="<%= it.t('alerts.navUnread', { count: it.alertsUnread }) %>"<% } %>><%= it.t("alerts.nav") %><% if (it.alertsUnread > 0) { %> <span class="badge" id="alerts-unread"><%= it.alertsUnread %></span><% } %></a>
    <a href="/user" class="<%= it.nav === 'user' ? 'on' : '' %>"><%= it.t("layout.nav.user") %></a>
    <% if (it.user.admin) { %>
    <a href="/notificationAccountSender/notificationAccountSenders" class="<%= it.nav === 'senders' ? 'on' : '' %>"><%= it.t("layout.nav.senders") %></a>
    <a href="/admin/users" class="<%= it.nav === 'users' ? 'on' : '' %>"><%= it.t("layout.nav.users") %></a>
    <a href="/admin/consents" class="<%= it.nav === 'consents' ? 'on' : '' %>"><%= it.t("layout.nav.consents") %></a>
    <% } %>
    <form method="post" action="/logout"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit" title="<%= it.t('layout.nav.logoutTitle', { username: it.user.username }) %>"><%= it.t("layout.nav.logout") %></button></form>
  </nav>
  <% } %>
</header>
<main>
<% if (it.simulated && it.user) { %><p class="banner-sim" role="note"><%= it.t("layout.simulated") %></p><% } %>
<% if (it.notice) { %><div class="notice <%= it.notice.kind %>" role="status"><%= it.notice.text %></div><% } %>
<%~ it.body %>
</main>
</body>
</html>`,

  error: `<% layout("@layout") %>
<h1><%= it.heading %></h1>
<div class="card">
  <p><%= it.message %></p>
  <% if (it.detail) { %><p class="muted"><%= it.detail %></p><% } %>
  <div class="actions">
    <% if (it.action) { %><a class="button" href="<%= it.action.href %>"><%= it.action.label %></a><% } %>
    <a class="button secondary" href="/"><%= it.t("error.back") %></a>
  </div>
</div>`,

  /** A form field: it = { name, label, value, error, type, hint, attrs }. */
  /** A form field: it.f = { name, label, value, error, type, hint, required, autocomplete } (nested: Eta's
   * include merges the parent's data, so a flat field would inherit the page's \`error\` or \`value\`). */
  field: `<div class="field<%= it.f.error ? ' invalid' : '' %>">
  <label for="f-<%= it.f.name %>"><%= it.f.label %></label>
  <input id="f-<%= it.f.name %>" name="<%= it.f.name %>" type="<%= it.f.type || 'text' %>" value="<%= it.f.value ?? '' %>"<% if (it.f.required) { %> required<% } %><% if (it.f.autocomplete) { %> autocomplete="<%= it.f.autocomplete %>"<% } %><% if (it.f.error) { %> aria-invalid="true" aria-describedby="e-<%= it.f.name %>"<% } %>>
  <% if (it.f.hint) { %><div class="hint"><%= it.f.hint %></div><% } %>
  <% if (it.f.error) { %><div class="error" id="e-<%= it.f.name %>"><%= it.f.error %></div><% } %>
</div>`,
};
