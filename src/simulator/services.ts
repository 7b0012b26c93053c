/**
 * `POST /subscribed_services/v1` (Swagger `services_souscrits_actifs`, docs/dataconnect-2026.md §3):
 * the services a PRM has under an autorisation, found by `autorisationId` and/or `pointId[]`.
 *
 * A consumer has CDC (its step), ENERGIE P1D, PMAX P1D, IDX P1D and ITC NA on soutirage; a producer CDC,
 * ENERGIE, IDX and ITC on injection; a self-consumption PRM both; no CDC without load-curve recording.
 * A revoked or expired consent reads TERMINE. Default filter: ACTIF and DEMANDE.
 */
import { isLocalDate, type LocalDate } from "../domain/time.js";
import type { Autorisation } from "./autorisations.js";
import { mockAutorisationOf } from "./autorisations.js";
import type { SimContext } from "./context.js";
import { hashString } from "./hash.js";
import { profileOf } from "./profile.js";
import type { ApiResult } from "./result.js";
import { MOCK_AUTORISATIONS, type MockServiceSet } from "./sandbox.js";
import { codeMessage, siCoeur } from "./wire2026.js";

const FIELDS = new Set([
  "pointId",
  "siren",
  "dateDebut",
  "dateFin",
  "etatCode",
  "serviceType",
  "mesureTypeCode",
  "soutirage",
  "injection",
  "page",
  "comptage",
  "autorisationId",
  "autorisation",
]);
const STATES = ["DEMANDE", "ACTIF", "TERMINE", "SUPPRIME"] as const;
const TYPES = ["CDC", "PMAX", "ENERGIE", "IDX", "ITC"] as const;
const SERVICE_TYPES = ["ACCES", "CCDC", "TRANSREC", "OPPENR"] as const;
const PAGE_SIZE = 100;

const STATE_LABELS: Record<string, string> = {
  ACTIF: "Actif",
  DEMANDE: "Demandé",
  TERMINE: "Terminé",
  SUPPRIME: "Supprimé",
};

interface ServiceSpec {
  type: (typeof TYPES)[number];
  pas: string;
  soutirage: boolean;
  corrected?: boolean;
}

/** The services a PRM has, by kind of site. */
function serviceSpecs(prm: string, set: MockServiceSet | null): ServiceSpec[] {
  const p = profileOf(prm);
  const step = `PT${p.stepMin}M`;
  const consumer: ServiceSpec[] = [
    ...(p.loadCurve ? [{ type: "CDC" as const, pas: step, soutirage: true }] : []),
    { type: "ENERGIE", pas: "P1D", soutirage: true },
    { type: "PMAX", pas: "P1D", soutirage: true },
    { type: "IDX", pas: "P1D", soutirage: true },
    { type: "ITC", pas: "NA", soutirage: true },
  ];
  const producer: ServiceSpec[] = [
    ...(p.loadCurve ? [{ type: "CDC" as const, pas: step, soutirage: false }] : []),
    ...(set === "selfConsumptionCorrected"
      ? [{ type: "CDC" as const, pas: step, soutirage: false, corrected: true }]
      : []),
    { type: "ENERGIE", pas: "P1D", soutirage: false },
    { type: "IDX", pas: "P1D", soutirage: false },
    { type: "ITC", pas: "NA", soutirage: false },
  ];
  switch (set) {
    case "consumer":
      return consumer;
    case "producer":
      return producer;
    case "selfConsumption":
    case "selfConsumptionCorrected":
      return [...consumer, ...producer];
    case null:
      return [...(p.consumption ? consumer : []), ...(p.production ? producer : [])];
  }
}

export interface ServiceItem {
  id: string;
  pointId: string;
  soutirage: boolean;
  injection: boolean;
  serviceCode: string;
  mesuresTypeCode: string;
  mesuresPas: string;
  mesuresCorrigees: boolean;
  periodiciteTransmission?: string;
  espaceDynamique: boolean;
  publicationDonnees: boolean;
  etatCode: string;
  etatLibelle: string;
  dateDebut: LocalDate;
  dateFin: LocalDate;
  autorisation?: { autorisationId: number; autorisationLibelle: string; autorisationType: "EXPLICITE" };
}

function stateOf(a: Autorisation, today: LocalDate): { state: string; end: LocalDate } {
  if (a.revokedOn !== null) return { state: "TERMINE", end: a.revokedOn };
  if (a.endDate < today) return { state: "TERMINE", end: a.endDate };
  return { state: "ACTIF", end: a.endDate };
}

/** Every service of an autorisation's PRM (before filters). */
export function servicesOf(a: Autorisation, today: LocalDate, clientId: string): ServiceItem[] {
  const mockId = mockAutorisationOf(a.prm);
  const mockSet =
    mockId !== null && mockId === a.autorisationId
      ? (MOCK_AUTORISATIONS[mockId]?.points.find((pt) => pt.prm === a.prm)?.services ?? null)
      : null;
  const { state, end } = stateOf(a, today);
  return serviceSpecs(a.prm, mockSet).map((s) => ({
    id: String(
      100_000 +
        (hashString(`service:${a.autorisationId}:${a.prm}:${s.type}:${s.soutirage}:${s.corrected === true}`) %
          900_000),
    ),
    pointId: a.prm,
    soutirage: s.soutirage,
    injection: !s.soutirage,
    serviceCode: "ACCES",
    mesuresTypeCode: s.type,
    mesuresPas: s.pas,
    mesuresCorrigees: s.corrected === true,
    ...(s.type === "ITC" ? {} : { periodiciteTransmission: "P1D" }),
    espaceDynamique: false,
    publicationDonnees: false,
    etatCode: state,
    etatLibelle: STATE_LABELS[state] ?? state,
    dateDebut: a.startDate,
    dateFin: end,
    autorisation: {
      autorisationId: a.autorisationId,
      autorisationLibelle: `Autorisation ${clientId}`,
      autorisationType: "EXPLICITE",
    },
  }));
}

type Body = Record<string, unknown>;

/** A refused request body: carries Enedis' answer. */
class Refused extends Error {
  constructor(readonly result: ApiResult) {
    super("refused");
  }
}

function bad(message: string): never {
  throw new Refused(codeMessage(400, message));
}

function stringList(body: Body, key: string, allowed?: readonly string[]): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) bad(`Le paramètre ${key} est invalide`);
  const list = v as string[];
  if (list.length > 1000) bad(`Le paramètre ${key} ne peut pas contenir plus de 1000 valeurs`);
  if (allowed && list.some((x) => !allowed.includes(x))) bad(`Le paramètre ${key} est invalide`);
  return list;
}

function bool(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === "boolean" ? v : bad(`Le paramètre ${key} est invalide`);
}

export function subscribedServices(ctx: SimContext, raw: unknown): ApiResult {
  try {
    return query(ctx, raw);
  } catch (err) {
    if (err instanceof Refused) return err.result;
    throw err;
  }
}

function query(ctx: SimContext, raw: unknown): ApiResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    bad("La syntaxe de la requête est erronée.");
  const body = raw as Body;
  // Anything outside the Swagger makes Enedis' back end fail.
  if (Object.keys(body).some((k) => !FIELDS.has(k))) return siCoeur();

  const comptage = bool(body, "comptage");
  if (comptage === undefined) bad("Le paramètre comptage est obligatoire");
  const pointIds = stringList(body, "pointId");
  const sirens = stringList(body, "siren");
  const etats = stringList(body, "etatCode", STATES);
  const types = stringList(body, "mesureTypeCode", TYPES);
  const soutirage = bool(body, "soutirage");
  const injection = bool(body, "injection");
  const withAutorisation = bool(body, "autorisation");
  const serviceType = body.serviceType ?? "ACCES";
  if (typeof serviceType !== "string" || !(SERVICE_TYPES as readonly string[]).includes(serviceType)) {
    bad("Le paramètre serviceType est invalide");
  }
  let autorisationId: number | undefined;
  if (body.autorisationId !== undefined && body.autorisationId !== null) {
    const v = body.autorisationId;
    autorisationId = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(autorisationId)) bad("Le paramètre autorisationId est invalide");
  }
  for (const key of ["dateDebut", "dateFin"]) {
    const v = body[key];
    if (v !== undefined && v !== null && (typeof v !== "string" || !isLocalDate(v))) {
      bad(`Le paramètre ${key} est invalide (format attendu : YYYY-MM-DD)`);
    }
  }
  const page = body.page ?? 0;
  if (typeof page !== "number" || !Number.isInteger(page) || page < 0) bad("Le paramètre page est invalide");
  if (autorisationId === undefined && pointIds === undefined && sirens === undefined) {
    bad("Au moins un des paramètres pointId, siren ou autorisationId est obligatoire");
  }

  const today = ctx.today();
  const found: Autorisation[] = [];
  if (autorisationId !== undefined) {
    const mock = MOCK_AUTORISATIONS[autorisationId];
    if (mock) {
      for (const pt of mock.points) {
        const a = ctx.autorisations.get(pt.prm);
        if (a && a.autorisationId === autorisationId) found.push(a);
      }
    } else {
      const a = ctx.autorisations.byAutorisationId(autorisationId);
      if (a) found.push(a);
    }
    if (pointIds) found.splice(0, found.length, ...found.filter((a) => pointIds.includes(a.prm)));
  } else if (pointIds) {
    for (const prm of new Set(pointIds)) {
      const a = ctx.autorisations.get(prm);
      if (a) found.push(a);
    }
  }
  // No SIREN is known to the simulator: a SIREN-only query finds nothing.

  const wantedStates = etats ?? ["ACTIF", "DEMANDE"];
  const dateDebut = body.dateDebut as string | undefined;
  const dateFin = body.dateFin as string | undefined;
  let items = found
    .flatMap((a) => servicesOf(a, today, ctx.opts.clientId))
    .filter((s) => serviceType === "ACCES" && s.serviceCode === serviceType)
    .filter((s) => wantedStates.includes(s.etatCode))
    .filter((s) => types?.includes(s.mesuresTypeCode) ?? true)
    .filter((s) => (soutirage === undefined ? true : s.soutirage === soutirage))
    .filter((s) => (injection === undefined ? true : s.injection === injection))
    .filter((s) => (dateDebut === undefined ? true : s.dateFin >= dateDebut))
    .filter((s) => (dateFin === undefined ? true : s.dateDebut <= dateFin));
  const total = items.length;
  if (comptage === true) return { status: 200, body: { nbTotalServices: total, serviceSouscrit: null } };
  items = items.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  if (withAutorisation === false) items = items.map(({ autorisation: _a, ...rest }) => rest);
  return { status: 200, body: { nbTotalServices: total, serviceSouscrit: items.length > 0 ? items : null } };
}
