/**
 * The diagnosis' classes of errors (diagnosis/diagnose.ts, `causeOf`), from the kinds the sync records
 * (domain/errors.ts), and the Conso API token's expiry read from its JWT. Each case says why.
 */
import { describe, expect, it } from "vitest";
import { jwtExpiryMs } from "../../src/alerts/detect/gateway.js";
import { causeOf } from "../../src/diagnosis/diagnose.js";

describe("causeOf", () => {
  it.each([
    ["a 500 from Enedis: Enedis is down", "transient", 500, false, "enedis_down"],
    ["a timeout (no status): Enedis is down", "transient", undefined, false, "enedis_down"],
    ["the same through a gateway: the gateway did not answer", "transient", 500, true, "gateway"],
    ["a 403 for the consent: the consent", "no_consent", 403, false, "consent"],
    ["a 429 from Enedis: the quota", "quota", 429, false, "quota"],
    ["a gateway's 409 quota: the gateway", "quota", 409, true, "gateway"],
    ["the ban page: the gateway", "gateway_banned", 403, true, "gateway"],
    [
      "our Enedis credentials refused: our side (the operator's configuration)",
      "token_refused",
      401,
      false,
      "ours",
    ],
    ["a household's token refused by the gateway: the gateway", "token_refused", 401, true, "gateway"],
    ["a request Enedis will not serve: Enedis refusing", "bad_request", 400, false, "enedis_refusing"],
    ["an API the application lacks: Enedis refusing", "api_not_subscribed", 403, false, "enedis_refusing"],
    ["a storage or programming error: our side", "internal", undefined, false, "ours"],
  ] as const)("%s", (_why, kind, status, gateway, cause) => {
    expect(causeOf({ kind, ...(status === undefined ? {} : { status }) }, gateway)).toBe(cause);
  });
});

describe("jwtExpiryMs", () => {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  it("reads `exp` (seconds) of a JWT's payload, as ms", () => {
    expect(jwtExpiryMs(`${b({ alg: "HS256" })}.${b({ sub: ["x"], exp: 1_800_000_000 })}.sig`)).toBe(
      1_800_000_000_000,
    );
  });
  it("is null for an opaque token (MyElectricalData), a JWT without exp, or garbage", () => {
    expect(jwtExpiryMs("opaque-token-123")).toBeNull();
    expect(jwtExpiryMs(`${b({ alg: "HS256" })}.${b({ sub: ["x"] })}.sig`)).toBeNull();
    expect(jwtExpiryMs("a.%%%.c")).toBeNull();
  });
});
