import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, m2026, type Harness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await harness({ tokenTtlSeconds: 600 });
});
afterAll(async () => {
  await h.stop();
});

function form(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${h.sim.url}/oauth2/v3/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}

describe("token v3", () => {
  it("accepts Basic credentials", async () => {
    const basic = Buffer.from("simulator-client:simulator-secret").toString("base64");
    const res = await form({ grant_type: "client_credentials" }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: "600", scope: "" });
    expect(typeof body.access_token).toBe("string");
  });

  it("accepts form credentials, with expires_in as a string (12600 by default)", async () => {
    const other = await harness();
    try {
      const res = await fetch(`${other.sim.url}/oauth2/v3/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=simulator-client&client_secret=simulator-secret",
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ token_type: "Bearer", expires_in: "12600", scope: "" });
    } finally {
      await other.stop();
    }
  });

  it("refuses wrong credentials with 401 invalid_client, and a wrong grant with 400", async () => {
    let res = await form({
      grant_type: "client_credentials",
      client_id: "simulator-client",
      client_secret: "nope",
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
    const basic = Buffer.from("someone:simulator-secret").toString("base64");
    res = await form({ grant_type: "client_credentials" }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(401);
    res = await form({
      grant_type: "authorization_code",
      client_id: "simulator-client",
      client_secret: "simulator-secret",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "unsupported_grant_type" });
    res = await form({ client_id: "simulator-client", client_secret: "simulator-secret" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  it("data calls need a live bearer token (WSO2 401 900901 otherwise), and tokens expire on the clock", async () => {
    const path = m2026("consommation_quotidienne", "22516914714270", "2026-11-01", "2026-11-02");
    let res = await fetch(`${h.sim.url}${path}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ fault: { code: 900901, message: "Invalid Credentials" } });
    res = await fetch(`${h.sim.url}${path}`, { headers: { authorization: "Bearer made-up" } });
    expect(res.status).toBe(401);
    expect((await h.get(path)).status).toBe(200);
    h.clock.advance(601_000);
    const again = await fetch(`${h.sim.url}${path}`, {
      headers: { authorization: `Bearer ${await h.token()}` },
    });
    expect(again.status).toBe(401);
  });
});
