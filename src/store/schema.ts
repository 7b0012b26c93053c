/**
 * The database as Kysely sees it: one interface per table, snake_case like the columns. The SQL that
 * creates them is in `migrations/`; this file must follow it (the integration tests read every column
 * back on both engines).
 *
 * Conventions (the same on SQLite and PostgreSQL):
 * - instants are UTC epoch milliseconds in `bigint` columns named `*_ms` (PostgreSQL's int8 is parsed
 *   into a JS number, see `database.ts`); an interval is `start_ms` + `length_min`;
 * - values carry their unit in the column name (`power_w`, `energy_wh`, `value_wh`), except the
 *   `value` of `daily_value`/`monthly_value`, whose unit follows `series` (Wh, or VA for `max_power`);
 * - booleans are integers 0/1 (better-sqlite3 cannot bind a JS boolean), JSON is text;
 * - a Paris calendar day is text `YYYY-MM-DD`, a Paris month `YYYY-MM`.
 */
import type { ColumnType, Generated } from "kysely";

/** An id the database assigns (insert: optional; select: number). */
type Id = Generated<number>;

export interface AppUserTable {
  id: Id;
  username: string;
  password_hash: string;
  /** Comma-separated roles, the seed's way: `ROLE_USER,ROLE_ADMIN`. */
  roles: string;
  created_at_ms: number;
  /** Set when an administrator disabled the user (migration 007); null = active. */
  disabled_at_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DeviceTypeTable {
  id: Id;
  libelle: string;
  impl_class: string;
  /** 0/1 */
  qualitatif: ColumnType<number, number | undefined, number>;
  /** 0/1 */
  planning: ColumnType<number, number | undefined, number>;
}

export interface DeviceTable {
  id: Id;
  user_id: number;
  device_type_id: number;
  /** The usage point id (PRM), the seed's `mac`. */
  mac: string;
  label: string;
  unite: ColumnType<string, string | undefined, string>;
  /** JSON text, see `DeviceMetadata`. */
  metadata: ColumnType<string, string | undefined, string>;
  /** Last mean power in W (the seed's `device.value`). */
  value: number | null;
  /** End instant of the last load-curve interval stored (the seed's `device.dateValue`). */
  date_value_ms: number | null;
  created_at_ms: number;
}

export interface NotificationAccountSenderTable {
  id: Id;
  libelle: string;
  impl_class: string;
  role: string | null;
  /** Quartz cron expression; accounts of senders without one are never scheduled. */
  cron: string | null;
  /** Non-secret settings of a channel sender, JSON text (migration 080); secrets are in `app_secret`. */
  config: ColumnType<string, string | undefined, string>;
  /** 0/1 (migration 080): 0 when switched off by the admin or by repeated failures. */
  enabled: ColumnType<number, number | undefined, number>;
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Deliveries that failed in a row through this sender (migration 081). */
  failures: ColumnType<number, number | undefined, number>;
}

export interface NotificationAccountTable {
  id: Id;
  sender_id: number;
  user_id: number;
  /** Copy of `config.usage_point_id`, for lookups and the unique key. */
  usage_point_id: string;
  /** JSON text, see `AccountConfig`. */
  config: ColumnType<string, string | undefined, string>;
  created_at_ms: number;
  updated_at_ms: number;
}

export type CurveDirection = "consumption" | "production";

export interface CurveValueTable {
  device_id: number;
  direction: CurveDirection;
  start_ms: number;
  length_min: number;
  /** Mean power over the interval in W; NULL = Enedis reported the measure as missing. */
  power_w: number | null;
  /** power_w × length_min / 60. */
  energy_wh: number | null;
}

export type DailySeries = "consumption" | "production" | "max_power";

export interface DailyValueTable {
  device_id: number;
  series: DailySeries;
  /** Paris day of `start_ms`. */
  day: string;
  start_ms: number;
  /** 1380, 1440 or 1500. */
  length_min: number;
  /** Wh (consumption, production) or VA (max_power); NULL = reported missing. */
  value: number | null;
  /** max_power only: instant of the peak. */
  peak_at_ms: number | null;
}

export interface MonthlyValueTable {
  device_id: number;
  series: DailySeries;
  /** Paris month `YYYY-MM`. */
  month: string;
  /** Paris midnight of the month's first day. */
  start_ms: number;
  length_min: number;
  /** Sum of the days' Wh, or max of the days' VA for max_power. */
  value: number;
  /** max_power only: instant of the month's peak. */
  peak_at_ms: number | null;
  /** Days with a value that went into `value`. */
  days: number;
}

export interface IndexValueTable {
  device_id: number;
  direction: CurveDirection;
  /** `<calendar>:<time class>`, e.g. `DI000001:HC`. */
  register: string;
  day: string;
  start_ms: number;
  length_min: number;
  /** Cumulative counter in Wh; NULL = reported missing. */
  value_wh: number | null;
  /** The reading's kind as its source names it (a "Jour" file's `Type de releve`); NULL from the API (061). */
  reading_type: ColumnType<string | null, string | null | undefined, string | null>;
}

export type LedgerStatus = "complete" | "partial" | "missing" | "gap" | "pending";

export interface CompletenessTable {
  device_id: number;
  /** A `DatasetKey`. */
  dataset: string;
  day: string;
  expected: number;
  received: number;
  missing: number;
  status: LedgerStatus;
  attempts: number;
  first_seen_ms: number;
  last_attempt_ms: number;
  /** Who recorded the day (migration 030): `api`, `file` or `seed`. */
  source: ColumnType<LedgerSource, LedgerSource | undefined, LedgerSource>;
}

export type LedgerSource = "api" | "file" | "seed";

/** How far a long import got (migration 030): a name and a JSON value. */
export interface ImportCursorTable {
  name: string;
  value: string;
  updated_at_ms: number;
}

export interface AppSecretTable {
  name: string;
  /** `SecretBox` text (`v1:…`), bound to `name`. */
  ciphertext: string;
  /** Bumped on every write, for compare-and-set. */
  version: number;
  updated_at_ms: number;
}

export interface SchedulerTickTable {
  fire_time_ms: number;
  claimed_by: string;
  claimed_at_ms: number;
  pages: ColumnType<number, number | undefined, number>;
}

export interface QuotaStateTable {
  /** Quota scope: the Enedis API (`mesure_synchrone_auto`, `subscribed_services`, an ITC API…). */
  api: string;
  /** Next free slot of the per-second quota (calls spaced evenly), epoch ms. */
  second_tat_ms: ColumnType<number, number | undefined, number>;
  /** Nobody calls this API before (a 429 from Enedis), epoch ms. */
  paused_until_ms: ColumnType<number, number | undefined, number>;
  calls: ColumnType<number, number | undefined, number>;
  refused: ColumnType<number, number | undefined, number>;
  /** Why the API is paused (which quota refused, for how long), migration 040. */
  pause_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface QuotaCallTable {
  api: string;
  /** When a call was allowed to go, epoch ms (the last hour is kept). */
  slot_ms: number;
}

/** An external statistic imported into Home Assistant (migration 003). */
export interface HaStatisticTable {
  /** `linky:<prm>_consumption` or `linky:<prm>_production`. */
  statistic_id: string;
  device_id: number;
  direction: CurveDirection;
  /** Start of the last hour sent (epoch ms), null before the first import. */
  last_start_ms: number | null;
  /** Cumulative Wh at that hour. */
  last_sum: number | null;
  updated_at_ms: number;
}

/** Per statistic and Paris day: what was sent (migration 003). */
export interface HaStatisticDayTable {
  statistic_id: string;
  day: string;
  /** Digest of the day's hourly rows (start, Wh). */
  digest: string;
  /** Hourly rows sent for the day. */
  hours: number;
  /** Cumulative Wh after the day's last row. */
  sum_end: number;
}

/** A personal API token (migration 004): only its SHA-256 digest is kept. */
export interface ApiTokenTable {
  id: Id;
  user_id: number;
  name: string;
  /** Hex SHA-256 of the whole token. */
  token_hash: string;
  /** The token's first characters, to recognise it in a list. */
  prefix: string;
  created_at_ms: number;
  last_used_at_ms: number | null;
}

/** A Data Connect v2 autorisation, claimed once, ever (migration 008). */
export interface ConsentAutorisationTable {
  autorisation_id: number;
  usage_point_id: string;
  /** No foreign key: the claim outlives the user. */
  user_id: number;
  claimed_at_ms: number;
}

/** A PRM a user held at some point (migration 008; kept after the account or the user is gone). */
export interface ConsentHoldingTable {
  usage_point_id: string;
  user_id: number;
  first_at_ms: number;
}

export type ConsentReviewKind = "conflict" | "approval";
export type ConsentReviewStatus = "open" | "decided";

/** A consent an administrator decides on (migration 008). */
export interface ConsentReviewTable {
  id: Id;
  kind: ConsentReviewKind;
  /** `autorisation_claimed`, `prm_held` (conflicts), `v1_multi_user`, `v1_held_before` (approvals). */
  reason: string;
  usage_point_id: string;
  requester_user_id: number;
  holder_user_id: number | null;
  /** Conflicts: the holder's account, suspended while the review is open. */
  holder_account_id: number | null;
  autorisation_id: number | null;
  /** JSON `AccountConfigPatch` to attach to the requester if the decision gives them the meter. */
  grant: ColumnType<string, string | undefined, string>;
  status: ColumnType<ConsentReviewStatus, ConsentReviewStatus | undefined, ConsentReviewStatus>;
  /** Conflicts: `first`, `second`, `share`, `refuse`; approvals: `approve`, `refuse`. */
  decision: string | null;
  decided_by_user_id: number | null;
  created_at_ms: number;
  decided_at_ms: number | null;
}

/** A call made to Enedis on a user's behalf (migration 008; the last hour is kept). */
export interface QuotaInteractiveCallTable {
  api: string;
  slot_ms: number;
  user_id: number;
}

/** A signed-in browser (migration 007). */
export interface WebSessionTable {
  /** Hex SHA-256 of the random session id the cookie carries (never the id itself). */
  id: string;
  user_id: number;
  created_ms: number;
  /** Last request seen, written at most every few minutes. */
  last_seen_ms: number;
  /** Absolute end: `created_ms` + the absolute lifetime. */
  expires_ms: number;
  /** Client address at sign-in. */
  ip: string;
  /** User-Agent at sign-in, truncated. */
  user_agent: string;
  /** Set when logged out or revoked; such a row opens nothing and is purged later. */
  revoked_ms: number | null;
}

/** The gateway an account reads through, with the household's encrypted token (migration 012). */
export interface AccountGatewayTable {
  account_id: number;
  /** `conso-api`, `myelectricaldata` (v1), `myelectricaldata-v2`. */
  gateway: string;
  token_ciphertext: string;
  /** The token masked for display (`eyJh…(412)`). */
  token_hint: string;
  /** JSON array of the PRMs the token was seen to cover. */
  prms: string;
  created_at_ms: number;
  token_refused_at_ms: ColumnType<number | null, number | null | undefined, number | null>;
  token_refused_message: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One call made to a gateway, per budget scope (migration 012). */
export interface GatewayCallTable {
  id: Id;
  gateway: string;
  /** `address`, `pdl:<account id>`, `user:<account id>`. */
  scope: string;
  at_ms: number;
  /** 0/1: served from the gateway's cache. */
  cached: ColumnType<number, number | undefined, number>;
}

/** A gateway not to call: banned, or throttled until `until_ms` (migration 012). */
export interface GatewayBlockTable {
  gateway: string;
  kind: string;
  message: string;
  since_ms: number;
  until_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

/** An offer (migration 020); `definition` is the offer as JSON (`tariffs/offers.ts`). */
export interface TariffOfferTable {
  name: string;
  kind: "base" | "hphc" | "tempo";
  definition: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/** The offer a meter is on from a Paris day (migration 020). */
export interface TariffAssignmentTable {
  device_id: number;
  from_day: string;
  offer_name: string;
  created_at_ms: number;
}

/** A Tempo day's colour, 06:00 on `day` to 06:00 the next day (migration 020). */
export interface TempoDayTable {
  day: string;
  colour: "BLEU" | "BLANC" | "ROUGE";
  source: string;
  updated_at_ms: number;
}

/** An off-peak string a contract read gave, from the day it was first seen (migration 020). */
export interface OffpeakHistoryTable {
  device_id: number;
  from_day: string;
  label: string;
  last_seen_day: string;
  seen_at_ms: number;
}

/** One alert of a kind about a subject for one Paris day (migration 080); also the in-app list. */
export interface AlertTable {
  id: Id;
  user_id: number;
  account_id: number | null;
  kind: string;
  /** `account:<id>` or `user:<id>`: with `kind` and `day`, the unique key. */
  subject: string;
  day: string;
  title: string;
  body: string;
  link: string | null;
  /** JSON text: the numbers the message was made from. */
  data: ColumnType<string, string | undefined, string>;
  created_at_ms: number;
  read_at_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

export type AlertDeliveryStatus = "pending" | "sent" | "failed" | "abandoned";

export interface AlertDeliveryTable {
  id: Id;
  alert_id: number;
  sender_id: number;
  status: ColumnType<AlertDeliveryStatus, AlertDeliveryStatus | undefined, AlertDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_ms: number;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  sent_at_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** `<host>:<pid>` of the process sending it (migration 081), while `claim_until_ms` is ahead. */
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  claim_until_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface AlertPreferenceTable {
  user_id: number;
  kind: string;
  sender_id: number;
}

export interface AlertSettingsTable {
  user_id: number;
  /** JSON text, see `AlertSettings` (alerts/kinds.ts). */
  settings: string;
  updated_at_ms: number;
}

export interface Database {
  app_user: AppUserTable;
  device_type: DeviceTypeTable;
  device: DeviceTable;
  notification_account_sender: NotificationAccountSenderTable;
  notification_account: NotificationAccountTable;
  curve_value: CurveValueTable;
  daily_value: DailyValueTable;
  monthly_value: MonthlyValueTable;
  index_value: IndexValueTable;
  completeness: CompletenessTable;
  import_cursor: ImportCursorTable;
  app_secret: AppSecretTable;
  scheduler_tick: SchedulerTickTable;
  quota_state: QuotaStateTable;
  quota_call: QuotaCallTable;
  ha_statistic: HaStatisticTable;
  ha_statistic_day: HaStatisticDayTable;
  api_token: ApiTokenTable;
  consent_autorisation: ConsentAutorisationTable;
  consent_holding: ConsentHoldingTable;
  consent_review: ConsentReviewTable;
  quota_interactive_call: QuotaInteractiveCallTable;
  web_session: WebSessionTable;
  account_gateway: AccountGatewayTable;
  gateway_call: GatewayCallTable;
  gateway_block: GatewayBlockTable;
  tariff_offer: TariffOfferTable;
  tariff_assignment: TariffAssignmentTable;
  tempo_day: TempoDayTable;
  offpeak_history: OffpeakHistoryTable;
  alert: AlertTable;
  alert_delivery: AlertDeliveryTable;
  alert_preference: AlertPreferenceTable;
  alert_settings: AlertSettingsTable;
}
