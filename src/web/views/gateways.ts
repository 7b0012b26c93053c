/** "J'ai un jeton de passerelle": the token form and the choice of PRMs (routes: `routes/gateways.ts`). */
export const gatewayTemplates = {
  gatewayToken: `<% layout("@layout") %>
<h1><%= it.t("gateway.title") %></h1>
<div class="card">
  <p><%= it.t("gateway.intro") %></p>
  <form method="post" action="/gateway/token" class="gateway-form" novalidate autocomplete="off">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <div class="field">
      <label for="f-gateway"><%= it.t("gateway.gatewayLabel") %></label>
      <select id="f-gateway" name="gateway" required><% for (const g of it.gateways) { %><option value="<%= g.value %>"<% if (g.selected) { %> selected<% } %>><%= g.label %></option><% } %></select>
    </div>
    <%~ include("@field", { f: { name: "token", label: it.t("gateway.tokenLabel"), value: "", type: "password", error: it.error, required: true, autocomplete: "off", hint: it.t("gateway.tokenHint") } }) %>
    <%~ include("@field", { f: { name: "prm", label: it.t("gateway.prmLabel"), value: it.prm, error: null, autocomplete: "off", hint: it.t("gateway.prmHint") } }) %>
    <button type="submit" id="check-gateway-token"><%= it.t("gateway.check") %></button>
  </form>
  <p class="muted"><%= it.t("gateway.never") %></p>
  <div class="actions"><a class="button secondary" href="/"><%= it.t("gateway.back") %></a></div>
</div>`,

  gatewayChoose: `<% layout("@layout") %>
<h1><%= it.t("gateway.title") %></h1>
<div class="card">
  <p><%= it.t("gateway.covers", { gateway: it.gatewayLabel }) %></p>
  <form method="post" action="/gateway/choose" class="gateway-choose">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <% if (it.prms.length > 0) { %>
    <fieldset><legend><%= it.t("gateway.pickPrms") %></legend>
    <% for (const p of it.prms) { %>
      <label><input type="checkbox" name="prm" value="<%= p %>" checked> PRM <%= p %></label><br>
    <% } %>
    </fieldset>
    <% } %>
    <% if (it.held > 0) { %>
    <p><%= it.t("gateway.heldNotice", { count: it.held }) %></p>
    <label><input type="checkbox" name="review" value="1"> <%= it.t("gateway.askReview") %></label>
    <% } %>
    <div class="actions"><button type="submit" id="confirm-gateway"><%= it.t("gateway.confirm") %></button>
      <a class="button secondary" href="/"><%= it.t("gateway.cancel") %></a></div>
  </form>
  <p class="muted"><%= it.t("gateway.stored") %></p>
</div>`,
};
