/**
 * The 2026 "ITC" contract APIs (PRM in the path; docs/dataconnect-2026.md §1, §5), built from the PRM's
 * profile: `situation_contrat_auto` (a bare array of contracts), `synth_contrat_auto`, `comptage_auto`,
 * `donnees_generales_auto`, `alimentation_auto`.
 */
import { parisMidnightWithOffset } from "./paris.js";
import type { PrmProfile } from "./profile.js";

export const ITC_APIS = [
  "situation_contrat_auto",
  "synth_contrat_auto",
  "comptage_auto",
  "donnees_generales_auto",
  "alimentation_auto",
] as const;
export type ItcApi = (typeof ITC_APIS)[number];

function holderParts(p: PrmProfile) {
  const h = p.holder;
  return {
    customer: {
      customer: {
        adress: {
          line1: `${h.title} ${h.firstname} ${h.lastname.toUpperCase()}`,
          line4: `${p.address.number} ${p.address.street}`,
          line6: `${p.address.postalCode} ${p.address.city}`,
          line7: "FRANCE",
        },
      },
    },
    contact_data: { email: h.email, landline: h.landline, phone: h.phone },
    person: { title: h.title, lastname: h.lastname.toUpperCase(), firstname: h.firstname },
  };
}

function situation(p: PrmProfile): unknown[] {
  const out: unknown[] = [];
  if (p.consumption && p.consumptionActivation) {
    out.push({
      usage_point_id: p.prm,
      contract_start: parisMidnightWithOffset(p.consumptionActivation),
      contract_type: "Contrat GRD-F",
      contractor: p.supplier,
      distribution_tariff: p.distributionTariff.label,
      subscribed_power: { unit: "kVA", value: String(p.subscribedKva) },
      segment: "C5",
      ...holderParts(p),
    });
  }
  if (p.production && p.productionActivation) {
    out.push({
      usage_point_id: p.prm,
      contract_start: parisMidnightWithOffset(p.productionActivation),
      contract_type: "Contrat GRD-A",
      segment: "P4",
      ...holderParts(p),
    });
  }
  return out;
}

function synthesis(p: PrmProfile): unknown {
  return {
    segments: p.segments.map((segment) => ({ segment })),
    ...(p.consumptionActivation
      ? {
          consumption_last_activation_date: parisMidnightWithOffset(p.consumptionActivation),
          last_subscribed_power_change_date: parisMidnightWithOffset(p.consumptionActivation),
        }
      : {}),
    ...(p.productionActivation
      ? { generation_last_activation_date: parisMidnightWithOffset(p.productionActivation) }
      : {}),
    services_level: "Communicant (ouvert aux services)",
  };
}

function metering(p: PrmProfile): unknown {
  return {
    dispositifComptage: { typeComptage: { code: "AMM", libelle: "Compteur Linky" } },
    compteurs: [{ numeroSerie: p.meterSerial, regimePropriete: { code: "LOUE", libelle: "Loué" } }],
    relais: { plageHeuresCreuses: p.offPeak.label },
  };
}

function generalData(p: PrmProfile): unknown {
  return {
    address: {
      number_street_name: `${p.address.number} ${p.address.street}`,
      postal_code_city: `${p.address.postalCode} ${p.address.city}`,
      insee_code: p.address.inseeCode,
    },
  };
}

function supply(p: PrmProfile): unknown {
  return {
    serial_number: Number(p.meterSerial.slice(-8)),
    connection_state: "Alimenté",
    voltage_level: "BTINF",
    phase_count: String(p.phases),
    ...(p.consumption ? { consumption_connection_power: { value: p.subscribedKva, unit: "kVA" } } : {}),
    ...(p.production
      ? { generation_connection_power: { value: Math.ceil(p.productionKwp), unit: "kVA" } }
      : {}),
    nominal_service_voltage: { value: p.phases === 3 ? 400 : 230, unit: "V" },
  };
}

export function itcPayload(api: ItcApi, p: PrmProfile): unknown {
  switch (api) {
    case "situation_contrat_auto":
      return situation(p);
    case "synth_contrat_auto":
      return synthesis(p);
    case "comptage_auto":
      return metering(p);
    case "donnees_generales_auto":
      return generalData(p);
    case "alimentation_auto":
      return supply(p);
  }
}
