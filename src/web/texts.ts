/**
 * Words of the pages built from stored records: sync outcomes, dataset outcomes and the reasons beside
 * them, all through the message catalogue. Stored records carry a reason key (`reason`, `expired_code`,
 * `not_applicable_code`); their English `message` is for logs and the API, never shown on a page.
 */
import { hasMessage, reasonText, t, type Reason } from "../i18n/index.js";
import type { AccountConfig, DatasetOutcome, SyncOutcome } from "../store/index.js";

export function syncStatusLabel(outcome: string): string {
  const key = `status.sync.${outcome}`;
  return hasMessage(key)
    ? t(key)
    : outcome === "running"
      ? t("status.sync.running")
      : t("status.sync.failed");
}

export function datasetStatusLabel(outcome: string): string {
  const key = `status.dataset.${outcome}`;
  return hasMessage(key) ? t(key) : t("status.dataset.failed");
}

function reasonOf(value: unknown): Reason | null {
  if (typeof value !== "object" || value === null) return null;
  const r = value as { key?: unknown; params?: unknown };
  if (typeof r.key !== "string") return null;
  const params = typeof r.params === "object" && r.params !== null ? r.params : undefined;
  return { key: r.key, params: params as Record<string, string | number> | undefined };
}

/** A dataset's line of the last sync, in French ("" when there is nothing to say). */
export function datasetReasonText(d: DatasetOutcome): string {
  const reason = reasonOf((d as { reason?: unknown }).reason);
  if (reason) return reasonText(reason);
  // Records written before reasons existed: say what the outcome means, never the stored English.
  if (!d.message) return "";
  return d.outcome === "failed" ? t("sync.reason.error") : "";
}

/** The account-level message of the last sync, in French. */
export function syncReasonText(s: SyncOutcome): string {
  const reason = reasonOf((s as { reason?: unknown }).reason);
  if (reason) return reasonText(reason);
  if (s.outcome === "expired") return t("sync.reason.consent_expired");
  if (s.outcome === "failed") return t("sync.reason.error");
  return "";
}

/** Why an account is expired, in French (null when it is not). */
export function expiredReasonText(c: AccountConfig): string | null {
  if (!c.expired) return null;
  const code = (c as { expired_code?: unknown }).expired_code;
  if (typeof code === "string" && hasMessage(`sync.reason.${code}`)) return t(`sync.reason.${code}`);
  return t("sync.reason.consent_expired");
}
