/** A meter's diagnosis page (routes/diagnosis.ts): state, last success and error, what comes next, what to do. */
export const diagnosisTemplates = {
  diagnosis: `<% layout("@layout") %>
<h1><%= it.t("diagnosis.heading") %> <span class="muted">· <%= it.device.label %> · PRM <%= it.device.prm %></span></h1>
<p><a href="/devices/<%= it.device.id %>">← <%= it.t("diagnosis.back") %></a></p>
<p class="muted"><%= it.t("diagnosis.intro") %></p>
<% if (!it.d) { %>
<p id="diag-none"><%= it.t("diagnosis.summary.noData") %></p>
<% } else { %>
<section class="card diag diag-<%= it.d.state %>" id="diag-state" data-state="<%= it.d.state %>">
  <h2><%= it.text.state %></h2>
  <p id="diag-summary"><%= it.d.summary %></p>
  <dl class="facts">
    <dt><%= it.t("diagnosis.sourceLabel") %></dt><dd id="diag-source"><%= it.text.source %></dd>
    <dt><%= it.t("diagnosis.newestDay") %></dt><dd id="diag-newest"><%= it.text.newestDay %></dd>
    <dt><%= it.t("diagnosis.lastPublished") %></dt><dd><%= it.text.lastPublished %></dd>
    <dt><%= it.t("diagnosis.lastSuccess") %></dt><dd id="diag-success"><%= it.text.lastSuccess %></dd>
    <% if (it.text.consentEnd) { %><dt><%= it.t("diagnosis.consentEnd") %></dt><dd id="diag-consent-end"><%= it.text.consentEnd %></dd><% } %>
  </dl>
</section>
<% if (it.d.lastError) { %>
<section class="card" id="diag-error" data-cause="<%= it.d.lastError.cause %>">
  <h2><%= it.t("diagnosis.lastError") %> <span class="muted">· <%= it.text.lastErrorAt %></span></h2>
  <p><strong><%= it.t("diagnosis.causeLabel") %> :</strong> <%= it.d.lastError.text %></p>
  <p class="muted"><%= it.t("diagnosis.detail") %> : <code><%= it.d.lastError.detail %></code></p>
</section>
<% } %>
<section class="card" id="diag-next">
  <h2><%= it.t("diagnosis.nextHeading") %></h2>
  <ul><% for (const n of it.d.next) { %><li data-key="<%= n.key %>"><%= n.text %></li><% } %></ul>
</section>
<section class="card" id="diag-actions">
  <h2><%= it.t("diagnosis.actionsHeading") %></h2>
  <ul><% for (const a of it.d.actions) { %><li data-key="<%= a.key %>"><% if (a.href) { %><a href="<%= a.href %>"><%= a.text %></a><% } else { %><%= a.text %><% } %></li><% } %></ul>
</section>
<% if (it.datasets.length) { %>
<section class="card" id="diag-datasets">
  <h2><%= it.t("diagnosis.datasetsHeading") %></h2>
  <div class="table-wrap"><table class="stack">
    <thead><tr><th><%= it.t("diagnosis.datasetCol") %></th><th><%= it.t("diagnosis.sourceCol") %></th><th><%= it.t("diagnosis.successCol") %></th><th><%= it.t("diagnosis.errorCol") %></th></tr></thead>
    <tbody><% for (const x of it.datasets) { %><tr data-error="<%= x.errorKey %>"><td data-label="<%= it.t("diagnosis.datasetCol") %>"><%= x.label %></td><td data-label="<%= it.t("diagnosis.sourceCol") %>"><%= x.source %></td><td data-label="<%= it.t("diagnosis.successCol") %>"><%= x.success %></td><td data-label="<%= it.t("diagnosis.errorCol") %>"><%= x.error %></td></tr><% } %></tbody>
  </table></div>
</section>
<% } %>
<% } %>`,
};
