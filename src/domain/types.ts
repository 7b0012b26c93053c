/**
 * Domain types of linky-dataconnect.
 *
 * Glossary
 * - Usage point (PRM, "point de référence mesure", `usage_point_id`, `pointId`, `idPrm`): the 14-digit id
 *   of a delivery point. One Linky meter measures one usage point; a self-consumption site has one PRM
 *   with a consumption (soutirage) and an injection service.
 * - Autorisation (`autorisation_id`): what a customer grants our application on Enedis' consent page
 *   (consent v2). It is resolved to usage points and services through `subscribed_services`.
 * - Service (`serviceSouscrit`): one kind of measure Enedis delivers for a PRM under an autorisation:
 *   its measure type (CDC load curve, ENERGIE daily energy, PMAX max power, IDX indexes, ITC contract
 *   data), direction (soutirage = consumption, injection = production), step and state (ACTIF, DEMANDE,
 *   TERMINE).
 * - Dataset: one series we collect for a PRM (`consumption_load_curve`, `daily_consumption`, …): a
 *   service seen from our side, with its call limits, history horizon and unit.
 * - Interval: what one measure covers, stored as a UTC start instant plus a length in minutes. Enedis
 *   labels load-curve points with the END of their interval in Paris wall-clock time.
 * - Window: the [from, to) range of Paris days asked in one call (`dateDebut` included, `dateFin`
 *   excluded).
 * - Watermark: per account and dataset, the newest point already stored (epoch ms, as the seed's
 *   `last_consumption_load_curve`, `last_daily_consumption`, `last_consumption_max_power`).
 */
import type { LocalDate } from "./time.js";

/** A 14-digit usage point id. */
export type UsagePointId = string;

export const USAGE_POINT_RE = /^\d{14}$/;

export function isUsagePointId(s: string): s is UsagePointId {
  return USAGE_POINT_RE.test(s);
}

export function assertUsagePointId(s: string): UsagePointId {
  if (!isUsagePointId(s)) throw new RangeError(`a usage point id (PRM) has exactly 14 digits, got "${s}"`);
  return s;
}

/** Dataset names of the external contract. */
export const DATASET_KEYS = [
  "consumption_load_curve",
  "daily_consumption",
  "daily_consumption_max_power",
  "production_load_curve",
  "daily_production",
  "consumption_index",
  "production_index",
] as const;
export type DatasetKey = (typeof DATASET_KEYS)[number];

export function isDatasetKey(s: string): s is DatasetKey {
  return (DATASET_KEYS as readonly string[]).includes(s);
}

/** W: mean power over the interval (load curves); Wh: energy (daily, indexes); VA: apparent max power. */
export type Unit = "W" | "Wh" | "VA";

export type Direction = "consumption" | "production";

export type DatasetKind = "curve" | "daily" | "maxPower" | "index";

/** One measure, in the dataset's native unit. */
export interface Reading {
  /** UTC instant the interval starts at (epoch ms). */
  startMs: number;
  /** Interval length in minutes: the curve's step, or the Paris day's length (1380, 1440, 1500). */
  lengthMin: number;
  /** Value in the dataset's unit; null is a measure Enedis reported as missing (never a zero). */
  value: number | null;
  /** Max power only: the instant of the peak (epoch ms). */
  peakAtMs?: number | null;
  /** Index datasets only: the register, `<calendar>:<time class>` (e.g. `DI000001:HC`). */
  register?: string;
}

/** The readings of one call. */
export interface ReadingBatch {
  usagePointId: UsagePointId;
  dataset: DatasetKey;
  unit: Unit;
  from: LocalDate;
  to: LocalDate;
  /** `BRUT` (raw) or `BEST` (corrected) when Enedis says. */
  quality?: string;
  readings: Reading[];
}

/** Measure types of `subscribed_services`. */
export type MeasureTypeCode = "CDC" | "ENERGIE" | "PMAX" | "IDX" | "ITC";
export type ServiceState = "ACTIF" | "DEMANDE" | "TERMINE" | "SUPPRIME";

/** One service a PRM has under an autorisation. */
export interface SubscribedService {
  id: string;
  usagePointId: UsagePointId;
  /** consumption (soutirage) and/or production (injection). */
  consumption: boolean;
  production: boolean;
  measureType: MeasureTypeCode | string;
  /** `PT30M`, `P1D`, `NA`… */
  step: string | null;
  state: ServiceState | string;
  startDate: LocalDate | null;
  endDate: LocalDate | null;
  autorisationId: number | null;
  autorisationType: string | null;
}

/** Contract facts about a PRM, gathered from the ITC (2026) or customers (v5) APIs. */
export interface ContractInfo {
  usagePointId: UsagePointId;
  /** Subscribed power in kVA. */
  subscribedPowerKva: number | null;
  contractType: string | null;
  /** e.g. `C5`, `P4`: one per contract. */
  segments: string[];
  distributionTariff: string | null;
  /** Raw off-peak hours string, e.g. `HC (22H00-6H00)`. */
  offPeakHours: string | null;
  consumptionActivationDate: LocalDate | null;
  productionActivationDate: LocalDate | null;
  contractStart: LocalDate | null;
}

export interface AddressInfo {
  usagePointId: UsagePointId;
  street: string | null;
  postalCode: string | null;
  city: string | null;
  inseeCode: string | null;
}

/** Connection facts (`alimentation_auto`). */
export interface SupplyInfo {
  usagePointId: UsagePointId;
  state: string | null;
  voltage: string | null;
  phases: number | null;
  /** Raw JSON for the fields we do not model. */
  raw: unknown;
}
