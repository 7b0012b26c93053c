/**
 * The sandbox fixtures Enedis documents, replayed by the simulator (see docs/dataconnect-api.md §8 and
 * docs/dataconnect-2026.md §8).
 *
 * v5-era sandbox PRMs (pre-consented; the last digit of a consent `state` picks the client):
 *   0 22516914714270 consumption, load curve, no gaps, commissioned at the start of the Linky rollout
 *   1 11453290002823 as 0, commissioned on 2019-08-27: earlier starts give ADAM-ERR0123
 *   2 32320647321714 load curve not activated (ADAM-ERR0075; daily data and max power still served)
 *   3 12345678901234 consumption + 10284856584123 production
 *   4 42900589957123 load-curve gaps: Tuesdays 10:00–14:00 Paris missing, Wednesdays missing entirely
 *                    (daily values still present)
 *   5 24880057139941 production only
 *   6 12655648759651 self-consumption: net consumption and net production, one of them 0 at any time
 *   7 64975835695673, 63695879465986, 22315546958763 consumption
 *   8 26584978546985 consents, then revokes at once: 403 on data, TERMINE services
 *   9 (no PRM) always refuses consent
 *
 * 2026 sandbox mock autorisations (subscribed_services):
 *   10 no services
 *   11 five ACTIF services (CDC PT30M, PMAX, IDX, ENERGIE P1D, ITC NA) on C5 PRM 14000000000001
 *   12 fifteen ACTIF services on two PRMs: 14000000000002 (C5 consumption: CDC, ENERGIE, PMAX, IDX, ITC)
 *      and 14000000000003 (self-consumption C5 + P4: the same five on soutirage, and on injection CDC
 *      raw, CDC corrected, ENERGIE, IDX, ITC)
 *   13 five TERMINE services on 14000000000005 (consent over: its data answers 403)
 *
 * Any other 14-digit PRM is a plain consumer once consented (or always, with `openConsent`). Its load
 * curve step comes from its last two digits: `15` → PT15M, `60` → PT60M, `10` → PT10M, else PT30M.
 */
import type { LocalDate } from "../domain/time.js";

export interface SandboxPrm {
  consumption: boolean;
  production: boolean;
  /** Load curve recording activated (false → ADAM-ERR0075 on the curve, no CDC service). */
  loadCurve?: boolean;
  consumptionActivation?: LocalDate;
  productionActivation?: LocalDate;
  /** Load-curve holes on Tuesdays (10:00–14:00) and Wednesdays (all day). */
  gaps?: boolean;
  /** Consent counts as given from the start (sandbox PRMs). */
  preConsented: boolean;
  /** Consent is revoked as soon as it is given (403 on data, TERMINE services). */
  revokes?: boolean;
}

export const SANDBOX_PRMS: Readonly<Record<string, SandboxPrm>> = {
  "22516914714270": {
    consumption: true,
    production: false,
    consumptionActivation: "2015-12-01",
    preConsented: true,
  },
  "11453290002823": {
    consumption: true,
    production: false,
    consumptionActivation: "2019-08-27",
    preConsented: true,
  },
  "32320647321714": { consumption: true, production: false, loadCurve: false, preConsented: true },
  "12345678901234": { consumption: true, production: false, preConsented: true },
  "10284856584123": {
    consumption: false,
    production: true,
    productionActivation: "2019-06-14",
    preConsented: true,
  },
  "42900589957123": { consumption: true, production: false, gaps: true, preConsented: true },
  "24880057139941": {
    consumption: false,
    production: true,
    productionActivation: "2020-04-02",
    preConsented: true,
  },
  "12655648759651": {
    consumption: true,
    production: true,
    consumptionActivation: "2016-10-12",
    productionActivation: "2021-03-15",
    preConsented: true,
  },
  "64975835695673": { consumption: true, production: false, preConsented: true },
  "63695879465986": { consumption: true, production: false, preConsented: true },
  "22315546958763": { consumption: true, production: false, preConsented: true },
  "26584978546985": { consumption: true, production: false, preConsented: false, revokes: true },
  // 2026 mock autorisations 11-13.
  "14000000000001": { consumption: true, production: false, preConsented: true },
  "14000000000002": { consumption: true, production: false, preConsented: true },
  "14000000000003": {
    consumption: true,
    production: true,
    productionActivation: "2022-06-01",
    preConsented: true,
  },
  "14000000000005": { consumption: true, production: false, preConsented: false },
};

/** The sandbox clients of the v1 consent: index = last digit of `state`. Client 9 always refuses. */
export const SANDBOX_CLIENTS: readonly (readonly string[])[] = [
  ["22516914714270"],
  ["11453290002823"],
  ["32320647321714"],
  ["12345678901234", "10284856584123"],
  ["42900589957123"],
  ["24880057139941"],
  ["12655648759651"],
  ["64975835695673", "63695879465986", "22315546958763"],
  ["26584978546985"],
  [],
];

export const REFUSING_CLIENT = 9;
export const DEFAULT_CONSENT_PRM = "22516914714270";

/** The sandbox client a consent `state` picks (its last character, when a digit). */
export function sandboxClientOf(state: string | undefined): number | null {
  const last = state?.slice(-1);
  return last !== undefined && /^\d$/.test(last) ? Number(last) : null;
}

export type MockServiceSet = "consumer" | "producer" | "selfConsumption" | "selfConsumptionCorrected";

export interface MockAutorisation {
  state: "ACTIF" | "TERMINE";
  points: readonly { prm: string; services: MockServiceSet }[];
}

/** 2026 sandbox mock autorisations (documented above). */
export const MOCK_AUTORISATIONS: Readonly<Record<number, MockAutorisation>> = {
  10: { state: "ACTIF", points: [] },
  11: { state: "ACTIF", points: [{ prm: "14000000000001", services: "consumer" }] },
  12: {
    state: "ACTIF",
    points: [
      { prm: "14000000000002", services: "consumer" },
      { prm: "14000000000003", services: "selfConsumptionCorrected" },
    ],
  },
  13: { state: "TERMINE", points: [{ prm: "14000000000005", services: "consumer" }] },
};
