import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, type Harness } from "./helpers.js";

const REDIRECT = "http://localhost:3000/dataconnect-proxy/redirect";
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

function authorizeUrl(version: "v1" | "v2", params: Record<string, string>): string {
  const q = new URLSearchParams({
    client_id: "simulator-client",
    response_type: "code",
    duration: "P3Y",
    ...params,
  });
  return `${h.sim.url}/dataconnect/${version}/oauth2/authorize?${q.toString()}`;
}

async function decide(version: "v1" | "v2", fields: Record<string, string>): Promise<URL> {
  const res = await fetch(`${h.sim.url}/dataconnect/${version}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "simulator-client",
      response_type: "code",
      duration: "P3Y",
      ...fields,
    }),
    redirect: "manual",
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

describe("consent v2", () => {
  it("round trip: page → accept → redirect with autorisation_id + state → subscribed_services → data", async () => {
    const page = await fetch(authorizeUrl("v2", { state: "abc123", sim_prm: "55555555555555" }));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('value="55555555555555"');
    expect(html).toContain('value="accept"');
    expect(html).toContain('value="refuse"');
    expect(html).toContain('action="/dataconnect/v2/oauth2/authorize"');

    const loc = await decide("v2", { state: "abc123", prm: "55555555555555", decision: "accept" });
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect([...loc.searchParams.keys()].sort()).toEqual(["autorisation_id", "state"]);
    expect(loc.searchParams.get("state")).toBe("abc123");
    const id = Number(loc.searchParams.get("autorisation_id"));
    expect(Number.isInteger(id) && id > 13).toBe(true);

    const r = await h.post("/subscribed_services/v1", { autorisationId: id, comptage: false });
    const list = (r.body as { serviceSouscrit: { pointId: string; etatCode: string }[] }).serviceSouscrit;
    expect(new Set(list.map((s) => s.pointId))).toEqual(new Set(["55555555555555"]));
    expect(list.map((s) => s.etatCode).every((e) => e === "ACTIF")).toBe(true);
    expect(list).toHaveLength(5);
    const data = await h.get(
      `/mesure_synchrone_auto/v2/consommation_quotidienne?pointId=55555555555555&dateDebut=2026-11-01&dateFin=2026-11-02`,
    );
    expect(data.status).toBe(200);

    // Sharing the same PRM again gives the same autorisation id.
    const again = await decide("v2", { state: "other", prm: "55555555555555", decision: "accept" });
    expect(Number(again.searchParams.get("autorisation_id"))).toBe(id);
  });

  it("refusal, and sandbox client 9 always refuses", async () => {
    const loc = await decide("v2", { state: "xyz", prm: "55555555555555", decision: "refuse" });
    expect(Object.fromEntries(loc.searchParams)).toEqual({
      error: "access_denied",
      error_description: "authorization_request_refused",
      state: "xyz",
    });
    const nine = await decide("v2", { state: "test9", prm: "22516914714270", decision: "accept" });
    expect(nine.searchParams.get("error")).toBe("access_denied");
  });

  it("the last digit of state picks the sandbox client; default 22516914714270", async () => {
    expect(await (await fetch(authorizeUrl("v2", { state: "s5" }))).text()).toContain(
      'value="24880057139941"',
    );
    expect(await (await fetch(authorizeUrl("v2", { state: "nodigit" }))).text()).toContain(
      'value="22516914714270"',
    );
    expect(await (await fetch(authorizeUrl("v1", { state: "x7" }))).text()).toContain(
      'value="64975835695673;63695879465986;22315546958763"',
    );
  });

  it("sim_auto=1 and the autoConsent option accept without a page; redirect_uri overrides", async () => {
    let res = await fetch(
      authorizeUrl("v2", { state: "q1", sim_auto: "1", redirect_uri: "http://app.test/cb?x=1" }),
      { redirect: "manual" },
    );
    expect(res.status).toBe(302);
    let loc = new URL(res.headers.get("location") ?? "");
    expect(`${loc.origin}${loc.pathname}`).toBe("http://app.test/cb");
    expect(loc.searchParams.get("x")).toBe("1");
    expect(loc.searchParams.get("state")).toBe("q1");
    expect(loc.searchParams.get("autorisation_id")).toMatch(/^\d+$/);
    const auto = await harness({ autoConsent: true, redirectUri: "http://registered.test/back" });
    try {
      res = await fetch(
        `${auto.sim.url}/dataconnect/v2/oauth2/authorize?client_id=simulator-client&response_type=code&duration=P1Y&state=st0`,
        { redirect: "manual" },
      );
      loc = new URL(res.headers.get("location") ?? "");
      expect(loc.host).toBe("registered.test");
      expect(loc.searchParams.get("autorisation_id")).toMatch(/^\d+$/);
    } finally {
      await auto.stop();
    }
  });

  it("validates client_id, state length and duration (≤ 3 years)", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ client_id: "other" }, "invalid_client_id"],
      [{ state: "x".repeat(101) }, "invalid_state"],
      [{ duration: "P4Y" }, "maximum_duration_exceeded"],
      [{ duration: "P1097D" }, "maximum_duration_exceeded"],
      [{ duration: "3 years" }, "invalid_duration_format"],
      [{ duration: "PT5H" }, "invalid_duration_format"],
      [{ response_type: "token" }, "unsupported_response_type"],
    ];
    for (const [params, description] of cases) {
      const res = await fetch(authorizeUrl("v2", params));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "invalid_request", error_description: description });
    }
    const missing = await fetch(`${h.sim.url}/dataconnect/v2/oauth2/authorize?client_id=simulator-client`);
    expect(await missing.json()).toMatchObject({ error_description: "missing_parameter" });
    for (const ok of ["P3Y", "P36M", "P1095D", "P1Y4M", "P6M", "P52W"]) {
      expect((await fetch(authorizeUrl("v2", { duration: ok }))).status).toBe(200);
    }
  });

  it("escapes everything it echoes", async () => {
    const html = await (await fetch(authorizeUrl("v2", { state: `"><script>alert(1)</script>` }))).text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("a bad PRM re-renders the page with an error; v2 takes a single PRM", async () => {
    for (const prm of ["123", "22516914714270;64975835695673"]) {
      const res = await fetch(`${h.sim.url}/dataconnect/v2/oauth2/authorize`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: "simulator-client",
          response_type: "code",
          duration: "P3Y",
          prm,
          decision: "accept",
        }),
        redirect: "manual",
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('class="err"');
    }
  });
});

describe("consent v1", () => {
  it("accept → code, state and usage_point_id (several joined by ;)", async () => {
    const loc = await decide("v1", {
      state: "v1state3",
      prm: "12345678901234;10284856584123",
      decision: "accept",
    });
    expect(loc.searchParams.get("code")).toMatch(/^[0-9a-f]+$/);
    expect(loc.searchParams.get("state")).toBe("v1state3");
    expect(loc.searchParams.get("usage_point_id")).toBe("12345678901234;10284856584123");
  });

  it("refusal → code=403 and no state", async () => {
    const loc = await decide("v1", { state: "v1state", prm: "22516914714270", decision: "refuse" });
    expect(Object.fromEntries(loc.searchParams)).toEqual({
      code: "403",
      error: "access_denied",
      error_description: "authorization_request_refused",
    });
  });

  it("accepting grants the consent", async () => {
    const prm = "44444444444444";
    const path = `/metering_data_dc/v5/daily_consumption?usage_point_id=${prm}&start=2026-11-01&end=2026-11-02`;
    expect((await h.get(path)).status).toBe(403);
    await decide("v1", { state: "s", prm, decision: "accept" });
    expect((await h.get(path)).status).toBe(200);
  });
});
