import { describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  parseConsentRedirect,
  validateConsentDuration,
} from "../../src/enedis/authorize.js";

const NOW = Date.UTC(2026, 10, 28);

describe("consent URLs", () => {
  it("v2 by default, v1 on demand, with client_id, response_type, state and duration", () => {
    const u = new URL(
      buildAuthorizeUrl({
        authorizeUrl: "https://mon-compte-particulier.enedis.fr",
        clientId: "abc",
        state: "s1",
        nowMs: NOW,
      }),
    );
    expect(u.pathname).toBe("/dataconnect/v2/oauth2/authorize");
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_id: "abc",
      response_type: "code",
      state: "s1",
      duration: "P3Y",
    });
    const v1 = new URL(
      buildAuthorizeUrl({
        authorizeUrl: "http://127.0.0.1:4010/",
        clientId: "abc",
        state: "s",
        version: "v1",
        duration: "P6M",
        nowMs: NOW,
      }),
    );
    expect(v1.pathname).toBe("/dataconnect/v1/oauth2/authorize");
    expect(v1.searchParams.get("duration")).toBe("P6M");
  });

  it("durations: at most 3 years, ISO 8601 in Y/M/W/D", () => {
    for (const ok of ["P3Y", "P36M", "P1095D", "P1Y4M", "P6M", "P2W"])
      expect(validateConsentDuration(ok, NOW)).toBeNull();
    expect(validateConsentDuration("P3Y1D", NOW)).toMatch(/longer than the 3 years/);
    expect(validateConsentDuration("P4Y", NOW)).toMatch(/longer than the 3 years/);
    expect(validateConsentDuration("PT5H", NOW)).toMatch(/years, months, weeks or days/);
    expect(validateConsentDuration("3 years", NOW)).toMatch(/ISO 8601/);
    expect(validateConsentDuration("P0D", NOW)).toMatch(/positive/);
    expect(() =>
      buildAuthorizeUrl({ authorizeUrl: "http://x", clientId: "a", state: "s", duration: "P5Y" }),
    ).toThrow(/3 years/);
    expect(() =>
      buildAuthorizeUrl({ authorizeUrl: "http://x", clientId: "a", state: "x".repeat(101) }),
    ).toThrow(/100/);
  });
});

describe("consent redirects", () => {
  it("v2 carries autorisation_id and state", () => {
    expect(parseConsentRedirect({ autorisation_id: "58249", state: "abc" })).toEqual({
      kind: "v2",
      autorisationId: 58249,
      state: "abc",
    });
    expect(parseConsentRedirect({ autorisation_id: "12x", state: "abc" }).kind).toBe("invalid");
  });
  it("v1 carries one or several usage points (; or ,)", () => {
    expect(parseConsentRedirect({ code: "x", state: "s", usage_point_id: "09775542606818" })).toEqual({
      kind: "v1",
      usagePointIds: ["09775542606818"],
      state: "s",
    });
    expect(
      parseConsentRedirect({ usage_point_id: "12345678901234;10284856584123,12345678901234" }),
    ).toMatchObject({
      usagePointIds: ["12345678901234", "10284856584123"],
    });
    expect(parseConsentRedirect({ usage_point_id: "1234;abc" }).kind).toBe("invalid");
  });
  it("refusals and errors", () => {
    expect(
      parseConsentRedirect({
        code: "403",
        error: "access_denied",
        error_description: "authorization_request_refused",
      }),
    ).toEqual({
      kind: "error",
      error: "access_denied",
      description: "authorization_request_refused",
      state: null,
    });
    expect(parseConsentRedirect({ state: "s" })).toMatchObject({ kind: "invalid" });
  });
});
