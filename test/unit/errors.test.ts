import { describe, expect, it } from "vitest";
import {
  ApiNotSubscribedError,
  BadRequestError,
  BeforeActivationError,
  BeyondHistoryError,
  LoadCurveOffError,
  NoConsentError,
  NoDataYetError,
  QuotaExceededError,
  TokenRefusedError,
  TransientError,
  WrongDirectionError,
} from "../../src/domain/errors.js";
import { classifyHttpError, readErrorBody, transportError } from "../../src/enedis/errors.js";
import { thresholdTimeOf } from "../../src/enedis/quota-refusal.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0); // 13:00 Paris
const noHeaders: { get(name: string): string | null } = { get: () => null };

function classify(status: number, body: unknown, headers = noHeaders) {
  return classifyHttpError({ status, body, headers, api: "mesure_synchrone_auto", nowMs: NOW });
}

describe("reading Enedis error bodies", () => {
  it("accepts every known shape", () => {
    expect(readErrorBody({ code: "404", message: "Pas de mesure" })).toEqual({
      code: "404",
      message: "Pas de mesure",
    });
    expect(readErrorBody([{ code: "X", message: "first" }, { code: "Y" }])).toEqual({
      code: "X",
      message: "first",
    });
    expect(readErrorBody({ error: "ADAM-ERR0123", error_description: "antérieure" })).toEqual({
      code: "ADAM-ERR0123",
      message: "antérieure",
    });
    expect(readErrorBody({ fault: { code: 900901, message: "Invalid Credentials" } })).toEqual({
      code: "900901",
      message: "Invalid Credentials",
    });
    expect(readErrorBody('{"code":"429","message":"SLA dépassé"}')).toEqual({
      code: "429",
      message: "SLA dépassé",
    });
    expect(readErrorBody("<html>Service unavailable</html>")).toEqual({
      message: "an HTML page (a proxy or an outage?): Service unavailable",
    });
    expect(
      readErrorBody(
        "<!doctype html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
      ),
    ).toEqual({ message: "an HTML page (a proxy or an outage?): 502 Bad Gateway" });
    expect(readErrorBody('{"code": "trunc')).toEqual({ message: '{"code": "trunc' });
    expect(readErrorBody(null)).toEqual({});
  });
});

describe("classification", () => {
  const cases: Array<[string, number, unknown, new (...a: never[]) => Error, boolean]> = [
    [
      "401 WSO2 fault",
      401,
      { fault: { code: 900901, message: "Invalid Credentials" } },
      TokenRefusedError,
      false,
    ],
    [
      "403 900908 not subscribed",
      403,
      { code: "900908", message: "Resource forbidden ", description: "API Subscription validation failed." },
      ApiNotSubscribedError,
      true,
    ],
    [
      "403 not holder (2026)",
      403,
      { code: "403", message: "Le client n'est pas titulaire/autorisé pour le point demandé" },
      NoConsentError,
      true,
    ],
    [
      "403 ADAM-DC-0008",
      403,
      { error: "ADAM-DC-0008", error_description: "No consent can be found" },
      NoConsentError,
      true,
    ],
    [
      "403 ADAM_DC_0008 (underscores)",
      403,
      { error: "ADAM_DC_0008", error_description: "No consent" },
      NoConsentError,
      true,
    ],
    ["403 ADAM-DC-0007", 403, { error: "ADAM-DC-0007" }, NoConsentError, true],
    ["400 ADAM-ERR0069 wrong direction", 400, { error: "ADAM-ERR0069" }, WrongDirectionError, true],
    [
      "400 ADAM-ERR0123 before activation",
      400,
      { error: "ADAM-ERR0123", error_description: "antérieure à la date de dernière mise en service" },
      BeforeActivationError,
      true,
    ],
    ["404 mock with ADAM-ERR0123 code", 404, { code: "ADAM-ERR0123" }, BeforeActivationError, true],
    ["400 ADAM-ERR0125 beyond history", 400, { error: "ADAM-ERR0125" }, BeyondHistoryError, true],
    ["400 ADAM-DC-0016 beyond history", 400, { error: "ADAM-DC-0016" }, BeyondHistoryError, true],
    ["400 ADAM-ERR0075 load curve off", 400, { error: "ADAM-ERR0075" }, LoadCurveOffError, true],
    [
      "404 no data (2026)",
      404,
      { code: "404", message: "Pas de mesure trouvée pour ce point" },
      NoDataYetError,
      false,
    ],
    ["404 no_data_found (v5)", 404, { error: "no_data_found" }, NoDataYetError, false],
    ["429 SLA dépassé", 429, { code: "429", message: "SLA dépassé" }, QuotaExceededError, false],
    [
      "500 SI coeur",
      500,
      { code: "500", message: "Problème technique dans l'interrogation du SI coeur" },
      TransientError,
      false,
    ],
    ["503", 503, "Service unavailable", TransientError, false],
    [
      "400 missing parameter",
      400,
      { code: "400", message: "Le paramètre dateDebut est obligatoire" },
      BadRequestError,
      true,
    ],
  ];
  for (const [name, status, body, cls, permanent] of cases) {
    it(name, () => {
      const e = classify(status, body);
      expect(e).toBeInstanceOf(cls);
      expect(e.permanent).toBe(permanent);
      expect(e.status).toBe(status);
      expect(e.api).toBe("mesure_synchrone_auto");
    });
  }

  it("429 carries the retry time from Retry-After (seconds or date) or v5's threshold message", () => {
    const h = (v: string) => ({ get: (n: string) => (n === "retry-after" ? v : null) });
    expect(classify(429, { code: "429", message: "SLA dépassé" }, h("30")).retryAtMs).toBe(NOW + 30_000);
    expect(classify(429, {}, h(new Date(NOW + 90_000).toUTCString())).retryAtMs).toBe(NOW + 90_000);
    const v5 = classify(429, {
      error: "quota",
      error_description: "Quota Q4 reached. Call threshold allowed on 13:05:00",
    });
    expect(v5.retryAtMs).toBe(NOW + 5 * 60_000);
    expect(classify(429, { code: "429", message: "SLA dépassé" }).retryAtMs).toBeUndefined();
    expect(v5).toMatchObject({ window: "hour" });
    // Read both ways, the nearest future wins: "0:00:01" is a second from now, not 00:00:01 tonight
    // (which paused an API for 16 hours); "12:59:00" at 13:00 is a duration (12 h 59), not tomorrow 12:59.
    expect(thresholdTimeOf("Quota Q3 reached. Call threshold allowed on 0:00:01", NOW)).toBe(NOW + 1000);
    expect(thresholdTimeOf("Call threshold allowed on 12:59:00", NOW)).toBe(
      NOW + 12 * 3_600_000 + 59 * 60_000,
    );
    expect(thresholdTimeOf("SLA dépassé", NOW)).toBeNull();
    expect(classify(429, { error: "quota", error_description: "Quota Q3 reached" })).toMatchObject({
      window: "second",
    });
    expect(classify(429, { code: "429", message: "SLA dépassé" })).toMatchObject({ window: null });
  });

  it("network failures and timeouts are transient and name the cause, not a secret", () => {
    const timeout = Object.assign(new Error("The operation was aborted due to timeout"), {
      name: "TimeoutError",
    });
    expect(transportError("GET /x failed", timeout).message).toBe("GET /x failed: timeout");
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const e = transportError("GET /x failed", reset, "mesure_synchrone_auto");
    expect(e).toBeInstanceOf(TransientError);
    expect(e.message).toContain("ECONNRESET");
  });
});
