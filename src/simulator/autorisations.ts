/**
 * Who consented to what: the simulator's side of Enedis' consent records.
 *
 * - Sandbox PRMs are pre-consented (except the one that revokes at once); other PRMs need a consent
 *   given on the consent page (or `grantConsent`), unless `openConsent` makes every valid PRM count.
 * - An autorisation id is stable per (client, PRM): sharing the same PRM again gives the same id, as
 *   Enedis does. Ids are ints from a hash, kept clear of the mock autorisations 10–13.
 * - A revoked consent stays known: its services read TERMINE and its data answer 403.
 */
import { addDays, addMonths, type LocalDate } from "../domain/time.js";
import { hashString } from "./hash.js";
import { MOCK_AUTORISATIONS } from "./sandbox.js";
import { profileOf } from "./profile.js";

export interface Autorisation {
  autorisationId: number;
  prm: string;
  /** Paris date the consent starts. */
  startDate: LocalDate;
  /** Last day covered (inclusive), from the consent's duration. */
  endDate: LocalDate;
  /** Paris date the consent was revoked, or null. */
  revokedOn: LocalDate | null;
}

export interface ConsentDuration {
  years: number;
  months: number;
  days: number;
}

const THREE_YEARS: ConsentDuration = { years: 3, months: 0, days: 0 };

export function endDateOf(start: LocalDate, d: ConsentDuration): LocalDate {
  return addDays(addMonths(start, d.years * 12 + d.months), d.days - 1);
}

/** The mock autorisation (11–13) a sandbox PRM belongs to, or null. */
export function mockAutorisationOf(prm: string): number | null {
  for (const [id, m] of Object.entries(MOCK_AUTORISATIONS)) {
    if (m.points.some((pt) => pt.prm === prm)) return Number(id);
  }
  return null;
}

export class AutorisationRegistry {
  private readonly byPrm = new Map<string, Autorisation>();
  private readonly byId = new Map<number, Autorisation>();

  constructor(
    private readonly clientId: string,
    private readonly openConsent: boolean,
    /** Date pre-consented sandbox PRMs count as shared since. */
    private readonly sandboxSince: LocalDate,
  ) {}

  private newId(prm: string): number {
    // The PRMs of a mock autorisation (11-13) share its id.
    const mock = mockAutorisationOf(prm);
    if (mock !== null) return mock;
    let id = 10_000 + (hashString(`autorisation:${this.clientId}:${prm}`) % 89_990_000);
    while (this.byId.has(id) || MOCK_AUTORISATIONS[id] !== undefined) id++;
    return id;
  }

  private implicit(prm: string): Autorisation | null {
    if (!/^\d{14}$/.test(prm)) return null;
    const sandbox = profileOf(prm).sandbox;
    const mock = mockAutorisationOf(prm);
    if (sandbox?.revokes || (mock !== null && MOCK_AUTORISATIONS[mock]?.state === "TERMINE")) {
      return this.create(prm, this.sandboxSince, THREE_YEARS, this.sandboxSince);
    }
    if (sandbox?.preConsented || (this.openConsent && !sandbox)) {
      return this.create(prm, this.sandboxSince, THREE_YEARS, null);
    }
    return null;
  }

  private create(
    prm: string,
    start: LocalDate,
    d: ConsentDuration,
    revokedOn: LocalDate | null,
  ): Autorisation {
    const a: Autorisation = {
      autorisationId: this.newId(prm),
      prm,
      startDate: start,
      endDate: endDateOf(start, d),
      revokedOn,
    };
    this.byPrm.set(prm, a);
    // Mock ids cover several PRMs: subscribed_services resolves them from the sandbox table.
    if (MOCK_AUTORISATIONS[a.autorisationId] === undefined) this.byId.set(a.autorisationId, a);
    return a;
  }

  /** The PRM's autorisation, known or implicit (sandbox, open consent), or null when none exists. */
  get(prm: string): Autorisation | null {
    return this.byPrm.get(prm) ?? this.implicit(prm);
  }

  byAutorisationId(id: number): Autorisation | null {
    return this.byId.get(id) ?? null;
  }

  /**
   * The customer shares the PRM (consent page, admin endpoint). Re-sharing keeps the id and renews the
   * dates. The sandbox PRM that revokes at once is recorded as revoked straight away.
   */
  grant(prm: string, today: LocalDate, duration: ConsentDuration = THREE_YEARS): Autorisation {
    const existing = this.get(prm);
    const revokes = profileOf(prm).sandbox?.revokes === true;
    if (existing) {
      existing.startDate = today;
      existing.endDate = endDateOf(today, duration);
      existing.revokedOn = revokes ? today : null;
      return existing;
    }
    return this.create(prm, today, duration, revokes ? today : null);
  }

  revoke(prm: string, today: LocalDate): void {
    const a = this.get(prm);
    if (a && a.revokedOn === null) a.revokedOn = today;
  }

  /** Consent in force for the PRM today: data calls may proceed. */
  isActive(prm: string, today: LocalDate): boolean {
    const a = this.get(prm);
    return a !== null && a.revokedOn === null && a.startDate <= today && today <= a.endDate;
  }
}
