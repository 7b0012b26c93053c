/**
 * The one configuration schema: type, default, documentation and validation of every key. A config
 * file mirrors the seed's `enedis { … }` block; environment variables override it (see ENV_KEYS).
 * Unknown keys and bad values are errors that name their path.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const enedisSchema = z
  .object({
    appName: z
      .string()
      .min(1)
      .default("Enedis DataConnect")
      .describe("Label of the DataConnect sender (the seed's NotificationAccountSender libelle)"),
    compteurLabel: z
      .string()
      .min(1)
      .default("Compteur électrique (Linky)")
      .describe("Label of the meter device and of its device type"),
    env: z
      .enum(["prod", "sandbox", "simulator"])
      .optional()
      .describe("Which Enedis: `simulator` when no client id is set, else `prod`"),
    client_id: z.string().min(1).optional().describe("DataHub application client id"),
    client_secret: z.string().min(1).optional().describe("DataHub application client secret (never logged)"),
    redirect_uri: z
      .string()
      .url()
      .default("http://localhost:3000/dataconnect-proxy/redirect")
      .describe("Redirect URI registered with Enedis"),
    state: z
      .string()
      .max(40)
      .optional()
      .describe("Routing marker kept inside the signed consent state (one redirect URI, several portals)"),
    api: z.enum(["2026", "v5"]).default("2026").describe("API generation: Data Connect 2026, or legacy v5"),
    consent: z
      .enum(["v2", "v1"])
      .default("v2")
      .describe("Consent flow: v2 (autorisation_id) or v1 (usage_point_id)"),
    consentDuration: z.string().default("P3Y").describe("ISO 8601 consent duration asked, at most 3 years"),
    quota: z
      .object({
        perSecond: positiveInt.default(5).describe("Calls per second per API, shared by every process"),
        perHour: positiveInt.default(1000).describe("Calls per hour per API, shared by every process"),
        interactiveShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.05)
          .describe(
            "Share of each API's hourly quota that the calls made on a user's behalf (consent returns, retries, API tests) may use together, so that syncs are never starved",
          ),
      })
      .strict()
      .default({ perSecond: 5, perHour: 1000, interactiveShare: 0.05 }),
    apiUrl: z.string().url().optional().describe("API gateway base URL (default from `env`)"),
    authorizeUrl: z.string().url().optional().describe("Consent page base URL (default from `env`)"),
    timeoutMs: positiveInt.default(30_000).describe("Timeout of every Enedis call, in ms"),
    maxBodyBytes: positiveInt
      .default(8 * 1024 * 1024)
      .describe(
        "Largest Enedis answer read, in bytes; a larger one is refused unread as a transient error (the largest real answer is about 100 kB)",
      ),
    dailyWindowDays: positiveInt.max(366).default(365).describe("Days per call for daily datasets"),
    freshness: z
      .object({
        curveDays: positiveInt
          .max(7)
          .default(7)
          .describe(
            "Longest a meter's load curve may lag behind the published data, in days, when the quota is short (a curve call covers at most 7 days)",
          ),
        dailyDays: positiveInt
          .max(365)
          .default(7)
          .describe(
            "The same for daily energy (fetched with longer windows, less often, when the quota is short)",
          ),
        maxPowerDays: positiveInt.max(365).default(30).describe("The same for the daily maximum power"),
      })
      .strict()
      .default({ curveDays: 7, dailyDays: 7, maxPowerDays: 30 })
      .describe(
        "Freshness policy per dataset: under a short quota each dataset is fetched every few days, within its bound; daily every day when the quota allows",
      ),
    credentials: z
      .enum(["basic", "form"])
      .default("basic")
      .describe("How the token request sends the client credentials"),
  })
  .strict();

export const configSchema = z
  .object({
    enedis: enedisSchema.default(enedisSchema.parse({})),
    database: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres(ql)?:\/\/)/, "must start with sqlite: or postgres://")
          .optional()
          .describe(
            "sqlite:<file> (embedded) or postgres://… (PostgreSQL, distributed queue); default: sqlite:<data.dir>/linky.db",
          ),
      })
      .strict()
      .default({}),
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(3000).describe("HTTP port of `serve`"),
        trustProxy: z
          .preprocess(
            (v) =>
              v === "true"
                ? true
                : v === "false"
                  ? false
                  : typeof v === "string" && /^\d+$/.test(v)
                    ? Number(v)
                    : v,
            z.union([z.boolean(), z.number().int().min(1).max(10), z.string().min(1)]),
          )
          .default(false)
          .describe(
            "Behind a reverse proxy: trust its X-Forwarded-* headers (true, a number of hops, or addresses/CIDRs, comma-separated), so that rate limits and HTTPS cookies see the client",
          ),
        statsCacheMs: z
          .number()
          .int()
          .min(0)
          .max(60_000)
          .default(5000)
          .describe(
            "How long one snapshot of the database figures serves /stats and /metrics, in ms (0: every request computes its own)",
          ),
      })
      .strict()
      .default({ port: 3000, trustProxy: false, statsCacheMs: 5000 }),
    data: z
      .object({
        dir: z
          .string()
          .default("./data")
          .describe(
            "Data directory: everything the service keeps (the SQLite database unless database.url is set, the generated secret key)",
          ),
      })
      .strict()
      .default({ dir: "./data" }),
    security: z
      .object({
        secretKey: z
          .string()
          .optional()
          .describe(
            "32-byte key (base64 or hex) encrypting secrets at rest; generated into the data dir if unset",
          ),
      })
      .strict()
      .default({}),
    sync: z
      .object({
        backfillMonths: z
          .object({
            curve: positiveInt
              .max(25)
              .default(25)
              .describe("First-sync depth of load curves, months (Enedis keeps 24 + 15 days)"),
            daily: positiveInt
              .max(37)
              .default(37)
              .describe("First-sync depth of daily data, months (Enedis keeps 36 + 15 days)"),
          })
          .strict()
          .default({ curve: 25, daily: 37 }),
        repairWindowDays: positiveInt
          .max(400)
          .default(10)
          .describe("Incomplete days younger than this are fetched again; older ones become definitive gaps"),
        includeIndexes: z.boolean().default(false).describe("Also collect the experimental index datasets"),
        publicationLagDays: positiveInt
          .max(30)
          .default(2)
          .describe(
            "An empty window ending within this many days of today is 'not published yet' (asked again); an older one is a hole",
          ),
        apiRecheckMinutes: positiveInt
          .max(7 * 24 * 60)
          .default(60)
          .describe("An API refused as not subscribed (403 900908) is tried again by one sync this often"),
        maxRetries: z
          .number()
          .int()
          .min(0)
          .max(10)
          .default(4)
          .describe("Retries of one Enedis call on transient errors within a run"),
        baseBackoffMs: positiveInt
          .default(1000)
          .describe("First retry delay (doubles each time, with jitter)"),
        maxBackoffMs: positiveInt.default(60_000).describe("Longest retry delay"),
      })
      .strict()
      .default({
        backfillMonths: { curve: 25, daily: 37 },
        repairWindowDays: 10,
        includeIndexes: false,
        publicationLagDays: 2,
        apiRecheckMinutes: 60,
        maxRetries: 4,
        baseBackoffMs: 1000,
        maxBackoffMs: 60_000,
      }),
    scheduler: z
      .object({
        tickSeconds: positiveInt
          .max(3600)
          .default(60)
          .describe(
            "How often the dispatcher looks for due senders, in seconds (Quartz crons fire at most this often)",
          ),
        pageSize: positiveInt
          .max(1000)
          .default(25)
          .describe("Accounts read per page when a sender fires (the seed's offset/max paging)"),
      })
      .strict()
      .default({ tickSeconds: 60, pageSize: 25 }),
    gateways: z
      .object({
        consoApi: z
          .object({
            url: z
              .string()
              .url()
              .optional()
              .describe(
                "Conso API (default https://conso.boris.sh; the simulator's own with enedis.env = simulator)",
              ),
          })
          .strict()
          .default({}),
        myelectricaldata: z
          .object({
            url: z
              .string()
              .url()
              .optional()
              .describe(
                "MyElectricalData v1 (default https://www.myelectricaldata.fr; the simulator's with enedis.env = simulator)",
              ),
          })
          .strict()
          .default({}),
        myelectricaldataV2: z
          .object({
            url: z
              .string()
              .url()
              .optional()
              .describe(
                "MyElectricalData v2 API (default https://www.v2.myelectricaldata.fr/api; the simulator's with enedis.env = simulator)",
              ),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({ consoApi: {}, myelectricaldata: {}, myelectricaldataV2: {} })
      .describe("Community gateways, for households without an Enedis application"),
    mqtt: z
      .object({
        url: z.string().url().optional().describe("MQTT broker, e.g. mqtt://127.0.0.1:1883 (off if unset)"),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "topic levels of letters, digits, _ and -")
          .default("homeassistant")
          .describe("Home Assistant discovery prefix (its `<prefix>/status` announces restarts)"),
        baseTopic: z
          .string()
          .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "topic levels of letters, digits, _ and -")
          .default("linky")
          .describe("Base topic of the states and of the availability topic (`<baseTopic>/bridge/state`)"),
        statusTopic: z
          .string()
          .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "topic levels of letters, digits, _ and -")
          .default("homeassistant/status")
          .describe("Topic where Home Assistant announces `online` after a restart (its birth message)"),
      })
      .strict()
      .default({ prefix: "homeassistant", baseTopic: "linky", statusTopic: "homeassistant/status" }),
    homeassistant: z
      .object({
        url: z
          .string()
          .url()
          .optional()
          .describe("Home Assistant URL for the statistics import (off if unset)"),
        token: z.string().optional().describe("Home Assistant long-lived token (never logged)"),
        chunkHours: positiveInt
          .max(10_000)
          .default(720)
          .describe("Hourly rows per `recorder/import_statistics` call (a first import goes in chunks)"),
      })
      .strict()
      .default({ chunkHours: 720 }),
    alerts: z
      .object({
        thresholds: z
          .object({
            consent_ending_30: positiveInt
              .max(365)
              .default(30)
              .describe("Days before the consent's end of its first warning"),
            consent_ending_7: positiveInt
              .max(365)
              .default(7)
              .describe("Days before the consent's end of its last warning"),
            gateway_token_expiring: positiveInt
              .max(365)
              .default(7)
              .describe("Days before a gateway token's expiry (a Conso API JWT's `exp`) of its warning"),
            stale_data: positiveInt
              .max(60)
              .default(3)
              .describe("Days without new data (while Enedis published for other meters) before the alert"),
            sync_failing: positiveInt
              .max(60)
              .default(3)
              .describe("Days of failed syncs without a success before the alert"),
            night_base_load: positiveInt
              .max(1000)
              .default(20)
              .describe(
                "Percent the night base load (01:00-05:00) may exceed its median of the previous weeks",
              ),
            unusual_day: z
              .number()
              .min(50)
              .max(100)
              .default(95)
              .describe("Percentile of the same weekdays of the previous weeks a day must exceed"),
            power_near_limit: z
              .number()
              .min(0)
              .max(100)
              .default(10)
              .describe("Percent below the subscribed power from which a day's max power is an alert"),
          })
          .strict()
          .default({
            consent_ending_30: 30,
            consent_ending_7: 7,
            gateway_token_expiring: 7,
            stale_data: 3,
            sync_failing: 3,
            night_base_load: 20,
            unusual_day: 95,
            power_near_limit: 10,
          })
          .describe("Default thresholds of the alert kinds; each user may set their own"),
        evaluate: z
          .object({
            onSync: z.boolean().default(true).describe("Evaluate a meter's alerts after each of its syncs"),
            dailyAt: z
              .string()
              .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a Paris wall-clock time HH:MM")
              .default("12:00")
              .describe(
                "Paris time of the daily evaluation of the time-based alerts (consent end, Tempo tomorrow, stale data), after RTE publishes tomorrow's colour",
              ),
            weeks: positiveInt
              .min(2)
              .max(52)
              .default(8)
              .describe("Weeks of history the night base load and unusual-day alerts compare with"),
          })
          .strict()
          .default({ onSync: true, dailyAt: "12:00", weeks: 8 }),
        // Issue 17, channels and delivery (alerts/delivery.ts, alerts/summary.ts).
        delivery: z
          .object({
            pollSeconds: positiveInt
              .max(3600)
              .default(15)
              .describe("How often `serve` and `worker` look for alert deliveries that are due, in seconds"),
            batchSize: positiveInt.max(1000).default(20).describe("Deliveries claimed per look"),
            maxAttempts: positiveInt
              .max(100)
              .default(8)
              .describe("Attempts of one delivery before it is abandoned (shown to the user and the admin)"),
            baseBackoffSeconds: positiveInt
              .default(60)
              .describe("Wait before the second attempt, in seconds; doubled at each later one"),
            maxBackoffSeconds: positiveInt
              .default(21_600)
              .describe("Longest wait between two attempts (6 h)"),
            claimSeconds: positiveInt
              .default(120)
              .describe(
                "How long a process holds a delivery it is sending (others leave it alone); longer than timeoutSeconds",
              ),
            timeoutSeconds: positiveInt
              .max(600)
              .default(20)
              .describe("Longest wait for one send (SMTP, HTTP, MQTT)"),
            disableAfterFailures: z
              .number()
              .int()
              .min(0)
              .default(10)
              .describe(
                "A channel sender is disabled after this many failed deliveries in a row, with the reason (0: never)",
              ),
            publicUrl: z
              .string()
              .url()
              .optional()
              .describe(
                "Address of the web app in messages' links (default: the origin of enedis.redirect_uri)",
              ),
          })
          .strict()
          .default({
            pollSeconds: 15,
            batchSize: 20,
            maxAttempts: 8,
            baseBackoffSeconds: 60,
            maxBackoffSeconds: 21_600,
            claimSeconds: 120,
            timeoutSeconds: 20,
            disableAfterFailures: 10,
          }),
        summary: z
          .object({
            enabled: z.boolean().default(true).describe("Raise the weekly or monthly summary users ask for"),
            hour: z
              .number()
              .int()
              .min(0)
              .max(23)
              .default(9)
              .describe(
                "Paris hour from which the summary of the week (Mondays) or of the month (the 1st) is sent",
              ),
          })
          .strict()
          .default({ enabled: true, hour: 9 }),
      })
      .strict()
      .default({
        thresholds: {
          consent_ending_30: 30,
          consent_ending_7: 7,
          gateway_token_expiring: 7,
          stale_data: 3,
          sync_failing: 3,
          night_base_load: 20,
          unusual_day: 95,
          power_near_limit: 10,
        },
        evaluate: { onSync: true, dailyAt: "12:00", weeks: 8 },
        delivery: {
          pollSeconds: 15,
          batchSize: 20,
          maxAttempts: 8,
          baseBackoffSeconds: 60,
          maxBackoffSeconds: 21_600,
          claimSeconds: 120,
          timeoutSeconds: 20,
          disableAfterFailures: 10,
        },
        summary: { enabled: true, hour: 9 },
      })
      .describe(
        "Alerts: the kinds' thresholds and evaluation; delivery through channel senders and the summary e-mails",
      ),
    tempo: z
      .object({
        provider: z
          .enum(["none", "rte", "myelectricaldata"])
          .default("none")
          .describe(
            "Where `tempo fetch` reads Tempo colours: RTE (your own RTE account) or MyElectricalData",
          ),
        rteClientId: z.string().min(1).optional().describe("RTE API client id (Tempo Like Supply Contract)"),
        rteClientSecret: z.string().min(1).optional().describe("RTE API client secret (never logged)"),
        rteUrl: z
          .string()
          .url()
          .default("https://digital.iservices.rte-france.com")
          .describe("RTE API base URL"),
        myelectricaldataUrl: z
          .string()
          .url()
          .default("https://www.myelectricaldata.fr")
          .describe(
            "MyElectricalData gateway (`/rte/tempo/{start}/{end}`); the simulator serves the same path",
          ),
        fetchAfter: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM (Paris time)")
          .default("10:40")
          .describe(
            "Paris time from which `serve` and `worker` ask the provider for tomorrow's colour (RTE publishes it late morning)",
          ),
        retryMinutes: z
          .number()
          .int()
          .min(5)
          .max(720)
          .default(30)
          .describe("Minutes between two attempts while tomorrow's colour is not published yet"),
      })
      .strict()
      .default({
        provider: "none",
        rteUrl: "https://digital.iservices.rte-france.com",
        myelectricaldataUrl: "https://www.myelectricaldata.fr",
        fetchAfter: "10:40",
        retryMinutes: 30,
      }),
  })
  .strict();

type ParsedConfig = z.infer<typeof configSchema>;
/** The configuration as loaded: `database.url` is always set (`loadConfig` derives it from `data.dir`). */
export type Config = Omit<ParsedConfig, "database"> & { database: { url: string } };
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables and the key each one overrides; `number` ones are parsed as integers. */
export const ENV_KEYS: ReadonlyArray<{ env: string; path: string; type?: "number" }> = [
  { env: "ENEDIS_APP_NAME", path: "enedis.appName" },
  { env: "ENEDIS_COMPTEUR_LABEL", path: "enedis.compteurLabel" },
  { env: "ENEDIS_ENV", path: "enedis.env" },
  { env: "ENEDIS_CLIENT_ID", path: "enedis.client_id" },
  { env: "ENEDIS_CLIENT_SECRET", path: "enedis.client_secret" },
  { env: "ENEDIS_REDIRECT_URI", path: "enedis.redirect_uri" },
  { env: "ENEDIS_STATE", path: "enedis.state" },
  { env: "ENEDIS_API", path: "enedis.api" },
  { env: "ENEDIS_CONSENT", path: "enedis.consent" },
  { env: "ENEDIS_QUOTA_PER_SECOND", path: "enedis.quota.perSecond", type: "number" },
  { env: "ENEDIS_QUOTA_PER_HOUR", path: "enedis.quota.perHour", type: "number" },
  { env: "ENEDIS_MAX_BODY_BYTES", path: "enedis.maxBodyBytes", type: "number" },
  { env: "ENEDIS_QUOTA_INTERACTIVE_SHARE", path: "enedis.quota.interactiveShare", type: "number" },
  { env: "ENEDIS_API_URL", path: "enedis.apiUrl" },
  { env: "ENEDIS_AUTHORIZE_URL", path: "enedis.authorizeUrl" },
  { env: "ENEDIS_TIMEOUT_MS", path: "enedis.timeoutMs", type: "number" },
  { env: "DATABASE_URL", path: "database.url" },
  { env: "SYNC_BACKFILL_MONTHS_CURVE", path: "sync.backfillMonths.curve", type: "number" },
  { env: "SYNC_BACKFILL_MONTHS_DAILY", path: "sync.backfillMonths.daily", type: "number" },
  { env: "SYNC_MAX_RETRIES", path: "sync.maxRetries", type: "number" },
  { env: "SYNC_BASE_BACKOFF_MS", path: "sync.baseBackoffMs", type: "number" },
  { env: "PORT", path: "server.port", type: "number" },
  { env: "TRUST_PROXY", path: "server.trustProxy" },
  { env: "DATA_DIR", path: "data.dir" },
  { env: "LINKY_SECRET_KEY", path: "security.secretKey" },
  { env: "MQTT_URL", path: "mqtt.url" },
  { env: "CONSO_API_URL", path: "gateways.consoApi.url" },
  { env: "MYELECTRICALDATA_URL", path: "gateways.myelectricaldata.url" },
  { env: "MYELECTRICALDATA_V2_URL", path: "gateways.myelectricaldataV2.url" },
  { env: "MQTT_PREFIX", path: "mqtt.prefix" },
  { env: "MQTT_BASE_TOPIC", path: "mqtt.baseTopic" },
  { env: "MQTT_STATUS_TOPIC", path: "mqtt.statusTopic" },
  { env: "SCHEDULER_TICK_SECONDS", path: "scheduler.tickSeconds", type: "number" },
  { env: "SCHEDULER_PAGE_SIZE", path: "scheduler.pageSize", type: "number" },
  { env: "HOMEASSISTANT_URL", path: "homeassistant.url" },
  { env: "HOMEASSISTANT_TOKEN", path: "homeassistant.token" },
  { env: "ALERTS_DAILY_AT", path: "alerts.evaluate.dailyAt" },
  { env: "TEMPO_PROVIDER", path: "tempo.provider" },
  { env: "RTE_CLIENT_ID", path: "tempo.rteClientId" },
  { env: "RTE_CLIENT_SECRET", path: "tempo.rteClientSecret" },
  { env: "TEMPO_MYELECTRICALDATA_URL", path: "tempo.myelectricaldataUrl" },
  { env: "TEMPO_FETCH_AFTER", path: "tempo.fetchAfter" },
];

/** Known Enedis endpoints per environment. */
export const ENEDIS_ENDPOINTS = {
  prod: {
    apiUrl: "https://gw.ext.prod.api.enedis.fr",
    authorizeUrl: "https://mon-compte-particulier.enedis.fr",
  },
  // The consent page exists in production only; the sandbox gateway serves fixed mocks.
  sandbox: {
    apiUrl: "https://gw.ext.prod-sandbox.api.enedis.fr",
    authorizeUrl: "https://mon-compte-particulier.enedis.fr",
  },
} as const;
