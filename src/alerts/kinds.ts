/**
 * The alert kinds (issue 17): what each tells, its default threshold, and the page that explains it.
 * Detectors (alerts/detect/…) raise them through `AlertsRepository.raise`; channels deliver them.
 *
 * Glossary
 * - subject: what an alert is about, `account:<id>` (a meter) or `user:<id>` (a summary); with the kind
 *   and the Paris day, the unique key of an alert: at most one alert per kind and meter per day.
 * - threshold: a number a detector compares with (days, percent); the config gives the defaults
 *   (`alerts.thresholds.<kind>`), each user may set their own (`AlertSettings.thresholds`).
 */

export const ALERT_KINDS = [
  "consent_ending_30",
  "consent_ending_7",
  "consent_ended",
  "gateway_token_expiring",
  "stale_data",
  "sync_failing",
  "api_not_subscribed",
  "gateway_banned",
  "night_base_load",
  "unusual_day",
  "power_near_limit",
  "tempo_tomorrow",
  "offpeak_changed",
  "summary",
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export function isAlertKind(s: string): s is AlertKind {
  return (ALERT_KINDS as readonly string[]).includes(s);
}

export interface AlertKindInfo {
  /** Short French label (settings page, admin). */
  label: string;
  /** The default threshold, when the kind has one, with its unit. */
  threshold?: { value: number; unit: "days" | "percent" };
}

export const ALERT_KIND_INFO: Record<AlertKind, AlertKindInfo> = {
  consent_ending_30: {
    label: "Consentement Enedis : fin dans 30 jours",
    threshold: { value: 30, unit: "days" },
  },
  consent_ending_7: {
    label: "Consentement Enedis : fin dans 7 jours",
    threshold: { value: 7, unit: "days" },
  },
  consent_ended: { label: "Consentement Enedis terminé" },
  gateway_token_expiring: {
    label: "Jeton de passerelle bientôt expiré",
    threshold: { value: 7, unit: "days" },
  },
  stale_data: { label: "Plus de nouvelles données", threshold: { value: 3, unit: "days" } },
  sync_failing: { label: "Synchronisation en échec répété", threshold: { value: 3, unit: "days" } },
  api_not_subscribed: { label: "API Enedis non souscrite" },
  gateway_banned: { label: "Passerelle bloquée" },
  night_base_load: { label: "Consommation de nuit en hausse", threshold: { value: 20, unit: "percent" } },
  unusual_day: { label: "Journée inhabituelle", threshold: { value: 95, unit: "percent" } },
  power_near_limit: {
    label: "Puissance souscrite presque atteinte",
    threshold: { value: 10, unit: "percent" },
  },
  tempo_tomorrow: { label: "Demain, jour Tempo rouge ou blanc" },
  offpeak_changed: { label: "Heures creuses modifiées" },
  summary: { label: "Résumé hebdomadaire ou mensuel" },
};

/** A user's alert settings (`alert_settings.settings`). */
export interface AlertSettings {
  /** Per-kind thresholds overriding the config's defaults. */
  thresholds?: Partial<Record<AlertKind, number>>;
  /** Quiet hours, Paris wall clock `HH:MM`; deliveries falling inside wait for `end`. */
  quietHours?: { start: string; end: string } | null;
  /** The summary e-mail's cadence. */
  summary?: "off" | "weekly" | "monthly";
  /** Tempo alert for white days too (red days always). */
  tempoWhite?: boolean;
}

/** What a detector raises. */
export interface AlertCandidate {
  userId: number;
  /** Null for a user-level alert (the summary). */
  accountId: number | null;
  kind: AlertKind;
  /** Paris day `YYYY-MM-DD` the alert is for (the unique key's day). */
  day: string;
  /** Plain French, one line. */
  title: string;
  /** Plain French, a few lines; the numbers it was made from are in `data`. */
  body: string;
  /** A local path of the web app that explains it (`/compteur/…`), or null. */
  link: string | null;
  data?: Record<string, unknown>;
}

export function alertSubject(c: Pick<AlertCandidate, "userId" | "accountId">): string {
  return c.accountId === null ? `user:${c.userId}` : `account:${c.accountId}`;
}
