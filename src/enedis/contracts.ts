/**
 * Contract, address and supply answers -> domain facts. Data Connect 2026 "ITC" APIs (PRM in the path,
 * English snake_case) and the legacy v5 customers APIs give the same facts in different shapes.
 */
import type {
  AddressInfo,
  ContractInfo,
  SubscribedService,
  SupplyInfo,
  UsagePointId,
} from "../domain/types.js";
import { arr, datePart, isRecord, kva, str } from "./values.js";

export function emptyContract(usagePointId: UsagePointId): ContractInfo {
  return {
    usagePointId,
    subscribedPowerKva: null,
    contractType: null,
    segments: [],
    distributionTariff: null,
    offPeakHours: null,
    consumptionActivationDate: null,
    productionActivationDate: null,
    contractStart: null,
  };
}

/** `situation_contrat_auto`: a bare array of contracts (a `{contracts: […]}` wrapper is accepted too). */
export function applySituationContrat(info: ContractInfo, body: unknown): ContractInfo {
  const list = Array.isArray(body) ? body : isRecord(body) ? arr(body.contracts ?? body.contrats) : [];
  const contracts = list.filter(isRecord);
  // The consumption contract (GRD-F) carries the subscribed power; an injection one (GRD-A) may follow.
  const main =
    contracts.find((c) => /GRD-F/i.test(str(c.contract_type) ?? "")) ??
    contracts.find((c) => c.subscribed_power !== undefined) ??
    contracts[0];
  const out: ContractInfo = { ...info, segments: [...info.segments] };
  if (main) {
    out.subscribedPowerKva = kva(main.subscribed_power) ?? out.subscribedPowerKva;
    out.contractType = str(main.contract_type) ?? out.contractType;
    out.distributionTariff = str(main.distribution_tariff) ?? out.distributionTariff;
    out.contractStart = datePart(main.contract_start) ?? out.contractStart;
    out.offPeakHours = str(main.offpeak_hours) ?? out.offPeakHours;
  }
  for (const c of contracts) {
    const seg = str(c.segment);
    if (seg && !out.segments.includes(seg)) out.segments.push(seg);
  }
  return out;
}

/** `synth_contrat_auto`: segments (objects or strings) and activation dates. */
export function applySynthese(info: ContractInfo, body: unknown): ContractInfo {
  if (!isRecord(body)) return info;
  const out: ContractInfo = { ...info, segments: [...info.segments] };
  for (const s of arr(body.segments)) {
    const seg = isRecord(s) ? str(s.segment) : str(s);
    if (seg && !out.segments.includes(seg)) out.segments.push(seg);
  }
  out.consumptionActivationDate =
    datePart(body.consumption_last_activation_date) ?? out.consumptionActivationDate;
  out.productionActivationDate =
    datePart(body.generation_last_activation_date) ?? out.productionActivationDate;
  return out;
}

/** `comptage_auto`: the off-peak hours string of the relay, e.g. `HC (22H00-6H00)`. */
export function applyComptage(info: ContractInfo, body: unknown): ContractInfo {
  if (!isRecord(body)) return info;
  const relais = isRecord(body.relais) ? body.relais : {};
  const offPeak = str(relais.plageHeuresCreuses);
  return offPeak ? { ...info, offPeakHours: offPeak } : info;
}

/** Legacy `customers_upc/v5/usage_points/contracts`. */
export function contractFromV5(usagePointId: UsagePointId, body: unknown): ContractInfo {
  const info = emptyContract(usagePointId);
  const customer = isRecord(body) && isRecord(body.customer) ? body.customer : {};
  const ups = arr(customer.usage_points).filter(isRecord);
  const up =
    ups.find((u) => isRecord(u.usage_point) && u.usage_point.usage_point_id === usagePointId) ?? ups[0] ?? {};
  const c = isRecord(up.contracts) ? up.contracts : {};
  const seg = str(c.segment);
  return {
    ...info,
    subscribedPowerKva: kva(c.subscribed_power),
    contractType: str(c.contract_type),
    segments: seg ? [seg] : [],
    distributionTariff: str(c.distribution_tariff),
    offPeakHours: str(c.offpeak_hours),
    consumptionActivationDate: datePart(c.last_activation_date),
  };
}

/** `donnees_generales_auto` (2026) or `customers_upa/v5/usage_points/addresses` (v5). */
export function parseAddress(usagePointId: UsagePointId, body: unknown): AddressInfo {
  const out: AddressInfo = { usagePointId, street: null, postalCode: null, city: null, inseeCode: null };
  if (!isRecord(body)) return out;
  if (isRecord(body.address)) {
    const a = body.address;
    out.street = str(a.number_street_name) ?? str(a.street);
    const pcc = str(a.postal_code_city);
    const m = pcc ? /^(\d{5})\s*(.*)$/.exec(pcc) : null;
    out.postalCode = m?.[1] ?? str(a.postal_code);
    out.city = m?.[2] || (str(a.city) ?? null);
    out.inseeCode = str(a.insee_code);
    return out;
  }
  const customer = isRecord(body.customer) ? body.customer : {};
  const up = arr(customer.usage_points).filter(isRecord)[0] ?? {};
  const upa =
    isRecord(up.usage_point) && isRecord(up.usage_point.usage_point_addresses)
      ? up.usage_point.usage_point_addresses
      : {};
  out.street = str(upa.street);
  out.postalCode = str(upa.postal_code);
  out.city = str(upa.city);
  out.inseeCode = str(upa.insee_code);
  return out;
}

/** `alimentation_auto`: kept raw apart from the few fields we show. */
export function parseSupply(usagePointId: UsagePointId, body: unknown): SupplyInfo {
  const b = isRecord(body) ? body : {};
  const phasesRaw = str(b.nombre_phases ?? b.phases ?? b.nb_phases);
  const phases = phasesRaw && /^\d+$/.test(phasesRaw) ? Number(phasesRaw) : null;
  return {
    usagePointId,
    state: str(b.etat ?? b.state ?? b.connection_state),
    voltage: str(b.tension ?? b.voltage),
    phases,
    raw: body,
  };
}

/** `subscribed_services/v1` answer -> services (an empty or `null` list gives none). */
export function parseSubscribedServices(body: unknown): SubscribedService[] {
  if (!isRecord(body)) return [];
  return arr(body.serviceSouscrit)
    .filter(isRecord)
    .map((s) => {
      const auth = isRecord(s.autorisation) ? s.autorisation : {};
      const authId = str(auth.autorisationId);
      return {
        id: str(s.id) ?? "",
        usagePointId: str(s.pointId) ?? "",
        consumption: s.soutirage === true || s.soutirage === "true",
        production: s.injection === true || s.injection === "true",
        measureType: str(s.mesuresTypeCode) ?? "",
        step: str(s.mesuresPas),
        state: str(s.etatCode) ?? "",
        startDate: datePart(s.dateDebut),
        endDate: datePart(s.dateFin),
        autorisationId: authId !== null && /^\d+$/.test(authId) ? Number(authId) : null,
        autorisationType: str(auth.autorisationType),
      };
    })
    .filter((s) => s.usagePointId !== "");
}
