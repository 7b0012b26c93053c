/**
 * A meter's diagnosis: where it broke, what happens next and what the person can do. Read from what
 * the sync already records (the account's per-dataset state and last error, its consent, the gateway's
 * token and blocks, the shared quota's pauses, the sender's cron); nothing is called.
 *
 * Glossary
 * - source: who answers for this meter, `enedis` (the operator's Data Connect application) or a
 *   community gateway (`conso-api`, `myelectricaldata`, `myelectricaldata-v2`).
 * - cause: the class of the last error, in the words a person can act on: Enedis down (5xx, timeouts)
 *   or refusing (a request it will not serve), the gateway, the consent, the quota, or our side (this
 *   installation: storage, configuration, a bug).
 * - next: what will happen by itself, and when (the next scheduled sync, a quota pause's end, a gateway
 *   ban's end; null when nobody knows).
 * - action: what the person can do (re-consent, switch on load-curve collection in their Enedis space,
 *   renew a gateway token, wait for Enedis, nothing).
 */
import { allDatasets } from "../domain/datasets.js";
import { addDays, daysBetween, parisDateOf, type LocalDate } from "../domain/time.js";
import type { DatasetKey } from "../domain/types.js";
import { t } from "../i18n/index.js";
import { parseQuartzCron } from "../scheduler/cron.js";
import type { Repositories } from "../store/index.js";
import type { Account, SyncErrorRecord } from "../store/repositories/accounts.js";
import type { Device } from "../store/repositories/devices.js";
import type { GatewayBlock } from "../store/repositories/gateways.js";
import { publishedUntil } from "../sync/planner.js";
import { DateTime } from "luxon";
import { PARIS } from "../domain/time.js";
import { dayText, whenText } from "./format.js";

export const CAUSES = ["enedis_down", "enedis_refusing", "gateway", "consent", "quota", "ours"] as const;
export type Cause = (typeof CAUSES)[number];

export type DiagnosisState = "ok" | "incomplete" | "late" | "failing" | "consent" | "blocked";

export type ActionKey =
  | "reconsent"
  | "enable_load_curve"
  | "renew_gateway_token"
  | "wait_enedis"
  | "wait_gateway"
  | "wait_quota"
  | "tell_operator"
  | "nothing";

export interface DatasetDiagnosis {
  dataset: DatasetKey;
  /** French label of the dataset. */
  label: string;
  source: string;
  lastSuccessMs: number | null;
  lastError: { atMs: number; cause: Cause; message: string } | null;
  /** Why the dataset is not collected (load curve off, wrong direction…), French; null when it is. */
  notCollected: string | null;
  notCollectedKey: string | null;
}

export interface NextStep {
  key: "sync" | "retry" | "quota_resumes" | "gateway_unblocked" | "api_check" | "consent";
  text: string;
  atMs: number | null;
}

export interface Action {
  key: ActionKey;
  text: string;
  href: string | null;
}

export interface Diagnosis {
  accountId: number;
  deviceId: number;
  source: string;
  state: DiagnosisState;
  /** One or two French sentences: the stale-data alert carries it. */
  summary: string;
  /** Newest Paris day with data stored, or null. */
  newestDay: LocalDate | null;
  /** The last day Enedis has published by now (D-1 after 08:00). */
  lastPublishedDay: LocalDate;
  /** Days the meter's data are behind the publication (0 = up to date). */
  daysBehind: number | null;
  lastSuccessMs: number | null;
  lastError: {
    atMs: number;
    cause: Cause;
    /** French, for people. */
    text: string;
    /** As recorded (English, for support); never a secret. */
    detail: string;
    status: number | null;
    code: string | null;
  } | null;
  consent: { endDate: LocalDate | null; expired: boolean; expiredAtMs: number | null };
  datasets: DatasetDiagnosis[];
  next: NextStep[];
  actions: Action[];
}

const DATASET_LABEL_KEYS = (k: DatasetKey) => `diagnosis.dataset.${k}`;

/** The class of a recorded error, on a direct or a gateway account. */
export function causeOf(e: Pick<SyncErrorRecord, "kind" | "status">, gateway: boolean): Cause {
  switch (e.kind) {
    case "no_consent":
      return "consent";
    case "quota":
      return gateway ? "gateway" : "quota";
    case "gateway_banned":
      return "gateway";
    case "transient":
      // A gateway forwards Enedis' 5xx as its own: from here, the gateway did not answer.
      return gateway ? "gateway" : "enedis_down";
    case "token_refused":
      // A gateway's 401: the household's token; Enedis' 401: this installation's credentials.
      return gateway ? "gateway" : "ours";
    case "api_not_subscribed":
    case "bad_request":
    case "wrong_direction":
    case "load_curve_off":
    case "before_activation":
    case "beyond_history":
    case "no_data_yet":
      return gateway ? "gateway" : "enedis_refusing";
    default:
      return "ours";
  }
}

export interface DiagnoseDeps {
  store: Repositories;
  now: () => number;
}

/** The diagnosis of one meter (its account and device). */
export async function diagnose(deps: DiagnoseDeps, account: Account, device: Device): Promise<Diagnosis> {
  const { store } = deps;
  const now = deps.now();
  const c = account.config;
  const gateway = typeof c.gateway === "string" ? c.gateway : null;
  const source = gateway ?? "enedis";
  const sourceLabel = t(`diagnosis.source.${source}`);
  const until = publishedUntil(now);
  const lastPublishedDay = addDays(until, -1);
  const span = await store.measures.dataSpan(device.id);
  // The last day whose data end is stored (an interval ending at a Paris midnight belongs to the day before).
  const newestDay = span.lastEndMs === null ? null : parisDateOf(span.lastEndMs - 1);
  const daysBehind = newestDay === null ? null : Math.max(0, daysBetween(newestDay, lastPublishedDay));

  const block: GatewayBlock | undefined = gateway ? await store.gateways.blockOf(gateway) : undefined;
  const credential = gateway ? await store.gateways.credential(account.id) : undefined;
  const quotaPauses = gateway
    ? []
    : (await store.scheduler.quotaRows(now)).filter((r) => r.pausedUntilMs > now);

  // A meter that consumes (its daily consumption is served) but has no consumption curve: collection off.
  const daily = c.last_sync?.datasets?.daily_consumption;
  const consumes = daily !== undefined && daily.outcome !== "not_applicable";
  const datasets: DatasetDiagnosis[] = [];
  const keys = new Set<string>([...(c.dataset_keys ?? []), ...Object.keys(c.datasets ?? {})]);
  for (const spec of allDatasets()) {
    if (!keys.has(spec.key)) continue;
    const st = c.datasets?.[spec.key] ?? {};
    // A dataset the last sync did not even plan (an index when indexes are not collected) says nothing.
    if (!c.last_sync?.datasets?.[spec.key] && !st.last_success_ms && !st.last_error && !st.not_applicable)
      continue;
    const err = st.last_error ?? null;
    // Not collected: set aside by an answer (load curve off, wrong direction), or not among the services
    // at all (the consumption curve then is collection switched off in the customer's space).
    const lastOutcome = c.last_sync?.datasets?.[spec.key];
    const notCollectedKey = st.not_applicable
      ? (st.not_applicable_code?.key ?? "other")
      : lastOutcome?.outcome === "not_applicable"
        ? lastOutcome.reason?.key === "no_service_curve" && spec.key === "consumption_load_curve" && consumes
          ? "load_curve_off"
          : (lastOutcome.reason?.key ?? "other")
        : null;
    const newerSuccess = err && st.last_success_ms && st.last_success_ms > err.at_ms;
    datasets.push({
      dataset: spec.key,
      label: t(DATASET_LABEL_KEYS(spec.key)),
      source,
      lastSuccessMs: st.last_success_ms ?? null,
      lastError:
        err && !newerSuccess
          ? { atMs: err.at_ms, cause: causeOf(err, gateway !== null), message: err.message }
          : null,
      notCollected:
        notCollectedKey === null
          ? null
          : t(`diagnosis.notCollected.${notCollectedKey === "load_curve_off" ? "load_curve_off" : "other"}`),
      notCollectedKey,
    });
  }
  // Datasets the services do not offer at all: a curve missing from the services is collection off.
  // (A production curve missing is the usual consumption-only meter: only the consumption one counts.)
  const curveOff =
    datasets.some((d) => d.notCollectedKey === "load_curve_off" && d.dataset === "consumption_load_curve") ||
    Object.values(c.last_sync?.datasets ?? {}).some(
      (d) => consumes && d.reason?.key === "no_service_curve" && d.reason.params?.direction === "consumption",
    );

  const err = accountError(c);
  const lastSuccessMs = c.last_success_ms ?? null;
  const currentError = err && (lastSuccessMs === null || err.at_ms >= lastSuccessMs) ? err : null;
  let cause: Cause | null = currentError ? causeOf(currentError, gateway !== null) : null;
  if (block?.kind === "banned") cause = "gateway";
  if (credential?.refused) cause = "gateway";
  if (c.expired) cause = "consent";

  const consent = {
    endDate: c.consent_end_date ?? null,
    expired: c.expired === true,
    expiredAtMs: c.expired_at_ms ?? null,
  };

  // What happens next, by itself.
  const next: NextStep[] = [];
  if (c.expired) next.push({ key: "consent", text: t("diagnosis.next.consent"), atMs: null });
  else {
    if (block) {
      next.push({
        key: "gateway_unblocked",
        text:
          block.untilMs === null
            ? t("diagnosis.next.gatewayBannedOpen", { gateway: sourceLabel })
            : t("diagnosis.next.gatewayUntil", { gateway: sourceLabel, when: whenText(block.untilMs) }),
        atMs: block.untilMs,
      });
    }
    for (const q of quotaPauses) {
      next.push({
        key: "quota_resumes",
        text: t("diagnosis.next.quota", { api: q.api, when: whenText(q.pausedUntilMs) }),
        atMs: q.pausedUntilMs,
      });
    }
    if (c.api_not_subscribed) {
      next.push({
        key: "api_check",
        text: t("diagnosis.next.apiCheck", {
          api: c.api_not_subscribed.api,
          when: whenText(c.api_not_subscribed.next_check_ms),
        }),
        atMs: c.api_not_subscribed.next_check_ms,
      });
    }
    // The scheduler leaves an account alone until its retry time: the first fire from then on.
    const retry = c.next_attempt_ms && c.next_attempt_ms > now ? c.next_attempt_ms : null;
    const sync = await nextSyncMs(deps, account, retry === null ? now : retry - 1);
    // A ban without an end: no call leaves until an operator clears it (said above), no date to give.
    const openBan = block?.kind === "banned" && block.untilMs === null;
    if (!openBan) {
      if (sync === null) next.push({ key: "sync", text: t("diagnosis.next.noSchedule"), atMs: null });
      else
        next.push({
          key: retry === null ? "sync" : "retry",
          text: t(retry === null ? "diagnosis.next.sync" : "diagnosis.next.retry", { when: whenText(sync) }),
          atMs: sync,
        });
    }
  }

  // What the person can do.
  const actions: Action[] = [];
  if (c.expired) {
    actions.push({
      key: gateway ? "renew_gateway_token" : "reconsent",
      text: t(gateway ? "diagnosis.action.renewToken" : "diagnosis.action.reconsent"),
      href: gateway ? "/gateway/token" : "/dataConnect/authorize",
    });
  }
  // A consent that ended is the one thing to mend: nothing else can be collected before it.
  if (credential?.refused && !c.expired)
    actions.push({
      key: "renew_gateway_token",
      text: t("diagnosis.action.renewToken"),
      href: "/gateway/token",
    });
  if (curveOff && !c.expired)
    actions.push({ key: "enable_load_curve", text: t("diagnosis.action.enableLoadCurve"), href: null });
  if (!c.expired && block)
    actions.push({
      key: "wait_gateway",
      text: t("diagnosis.action.waitGateway", { gateway: sourceLabel }),
      href: null,
    });
  if (!c.expired && quotaPauses.length > 0)
    actions.push({ key: "wait_quota", text: t("diagnosis.action.waitQuota"), href: null });
  if (!c.expired && cause === "enedis_down")
    actions.push({ key: "wait_enedis", text: t("diagnosis.action.waitEnedis"), href: null });
  if (!c.expired && (cause === "ours" || cause === "enedis_refusing" || c.api_not_subscribed))
    actions.push({ key: "tell_operator", text: t("diagnosis.action.tellOperator"), href: null });
  if (actions.length === 0) actions.push({ key: "nothing", text: t("diagnosis.action.nothing"), href: null });

  const state: DiagnosisState = c.expired
    ? "consent"
    : block?.kind === "banned" || credential?.refused
      ? "blocked"
      : currentError && (c.failures ?? 0) > 0
        ? "failing"
        : daysBehind !== null && daysBehind > 1
          ? "late"
          : curveOff
            ? "incomplete"
            : "ok";

  const lastError = currentError
    ? {
        atMs: currentError.at_ms,
        cause: cause ?? causeOf(currentError, gateway !== null),
        text: t(`diagnosis.cause.${cause ?? causeOf(currentError, gateway !== null)}`, {
          gateway: sourceLabel,
        }),
        detail: currentError.message,
        status: currentError.status ?? null,
        code: currentError.code ?? null,
      }
    : c.expired
      ? {
          atMs: c.expired_at_ms ?? now,
          cause: "consent" as const,
          text: t("diagnosis.cause.consent"),
          detail: c.expired_reason ?? "consent expired or revoked",
          status: null,
          code: null,
        }
      : block?.kind === "banned"
        ? {
            atMs: block.sinceMs,
            cause: "gateway" as const,
            text: t("diagnosis.cause.gateway", { gateway: sourceLabel }),
            detail: block.message,
            status: 403,
            code: null,
          }
        : null;

  const summary = summaryOf({
    state,
    cause: lastError?.cause ?? null,
    sourceLabel,
    newestDay,
    daysBehind,
    lastSuccessMs,
    next,
    curveOff,
  });
  return {
    accountId: account.id,
    deviceId: device.id,
    source,
    state,
    summary,
    newestDay,
    lastPublishedDay,
    daysBehind,
    lastSuccessMs,
    lastError,
    consent,
    datasets,
    next,
    actions,
  };
}

/**
 * The account's last error. When the run failed dataset by dataset, the account records a summary
 * (`internal`, the datasets' messages joined): the datasets' own errors of that run say what it was.
 */
function accountError(c: Account["config"]): SyncErrorRecord | null {
  const err = c.last_error ?? null;
  if (!err || err.kind !== "internal") return err;
  const since = c.last_sync?.started_at_ms ?? err.at_ms - 3_600_000;
  const runErrors = Object.values(c.datasets ?? {})
    .map((d) => d.last_error)
    .filter((e): e is SyncErrorRecord => !!e && e.at_ms >= since && e.at_ms <= err.at_ms);
  if (runErrors.length === 0) return err;
  // The most frequent kind of the run (a quota refusal stops every dataset of that API alike).
  const counts = new Map<string, number>();
  for (const e of runErrors) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const kind = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const first = runErrors.find((e) => e.kind === kind)!;
  return { ...first, at_ms: err.at_ms };
}

function summaryOf(s: {
  state: DiagnosisState;
  cause: Cause | null;
  sourceLabel: string;
  newestDay: LocalDate | null;
  daysBehind: number | null;
  lastSuccessMs: number | null;
  next: NextStep[];
  curveOff: boolean;
}): string {
  const parts: string[] = [];
  parts.push(
    s.newestDay === null
      ? t("diagnosis.summary.noData")
      : s.daysBehind === 0 || s.daysBehind === null
        ? t("diagnosis.summary.upToDate", { day: dayText(s.newestDay) })
        : t("diagnosis.summary.behind", { day: dayText(s.newestDay), count: s.daysBehind }),
  );
  if (s.cause) parts.push(t(`diagnosis.cause.${s.cause}`, { gateway: s.sourceLabel }));
  if (s.curveOff) parts.push(t("diagnosis.summary.curveOff"));
  const first = s.next[0];
  if (first) parts.push(first.text);
  return parts.join(" ");
}

/** The next fire of the account's sender cron (direct), or its gateway run (06:00-10:00, daily). */
async function nextSyncMs(deps: DiagnoseDeps, account: Account, now: number): Promise<number | null> {
  const sender = await deps.store.senders.findById(account.senderId);
  if (!sender?.cron) return null;
  let cron;
  try {
    cron = parseQuartzCron(sender.cron);
  } catch {
    return null;
  }
  if (typeof account.config.gateway === "string") {
    // Once a day at the account's own minute (gateway-slots.ts): the first fire at or after that minute.
    const minute = account.config.gateway_run_minute ?? 8 * 60 + 34;
    const today = parisDateOf(now);
    for (const day of [today, addDays(today, 1)]) {
      const at = parisMinuteMs(day, minute);
      if (at > now) return cron.nextFireTime(new Date(at - 1))?.getTime() ?? null;
    }
    return null;
  }
  return cron.nextFireTime(new Date(now))?.getTime() ?? null;
}

function parisMinuteMs(day: LocalDate, minute: number): number {
  return DateTime.fromISO(day, { zone: PARIS })
    .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
    .toMillis();
}
