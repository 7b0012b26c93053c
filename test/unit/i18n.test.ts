/**
 * The message catalogue (issue 12): every reason the sync stores has its French sentence, parameters are
 * worded for people (dates dd/mm/yyyy, instants in Paris time, directions in French), an unknown key (a
 * newer version's) falls back to a French sentence, never to the key or to English.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hasMessage, reasonText, t } from "../../src/i18n/index.js";

describe("message catalogue", () => {
  it("has a sentence for every reason key the sync writes", () => {
    const source = readFileSync(new URL("../../src/sync/account-sync.ts", import.meta.url), "utf8");
    const keys = new Set([...source.matchAll(/key: "([a-z_]+)"/g)].map((m) => m[1]!));
    for (const k of ["load_curve_off", "wrong_direction", "consent_expired", "unpublished"])
      expect(keys).toContain(k);
    for (const k of keys) expect(hasMessage(`sync.reason.${k}`), k).toBe(true);
    expect(hasMessage("sync.reason.revoked_by_admin")).toBe(true);
  });

  it("words parameters for people", () => {
    expect(reasonText({ key: "unpublished", params: { from: "2026-11-27" } })).toBe(
      "Rien de publié à partir du 27/11/2026 pour le moment (Enedis publie la veille vers 8 h).",
    );
    expect(reasonText({ key: "no_service_curve", params: { direction: "production" } })).toContain(
      "(production)",
    );
    expect(reasonText({ key: "wrong_direction", params: { direction: "consumption" } })).toBe(
      "Enedis ne sert pas de données de consommation pour ce compteur.",
    );
    // 2026-11-28T13:00Z is 14:00 in Paris.
    expect(
      reasonText({ key: "quota_spent", params: { until: Date.parse("2026-11-28T13:00:00Z") } }),
    ).toContain("28/11/2026 14:00");
    expect(reasonText({ key: "incomplete_days", params: { count: 2 } })).toMatch(/^2 jour/);
  });

  it("falls back to French for a key it does not know", () => {
    expect(reasonText({ key: "from_the_future" })).toBe(t("sync.reason.error"));
    expect(reasonText(null)).toBe("");
    expect(t("layout.nav.dashboard")).toBe("Tableau de bord");
  });
});
