/**
 * A meter's page, `/devices/:id?view=day|week|month|year&date=YYYY-MM-DD[&cal=dataset]`: the period's
 * charts, summary, completeness calendar, tables and downloads (see `meter/views.ts` for the figures and
 * `views/meter.ts` for the page). Only the owner sees it: anyone else gets a 404.
 */
import type { FastifyInstance } from "fastify";
import { addDaysFast, parisDateFast, parisMidnightFast } from "../../domain/paris-fast.js";
import { isLocalDate } from "../../domain/time.js";
import { isDatasetKey, type DatasetKey } from "../../domain/types.js";
import type { User } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";
import type { WebDeps } from "../app.js";
import { t } from "../../i18n/index.js";
import { badParam, badRequest, field, HttpError, idParam, notFound } from "../http.js";
import type { CalendarStatus, CompletenessDay } from "../meter/completeness.js";
import { isPeriod, periodRange, type Period } from "../meter/periods.js";
import { costsPage, offPeakPage } from "../meter/costs-page.js";
import { accountOf, meterDatasets, meterView, type MeterView, type Summary } from "../meter/views.js";
import { DATASET_LABELS } from "./accounts.js";
import { IMPORT_SCRIPT_PATH, MAX_UPLOAD_BYTES, MAX_UPLOAD_LABEL } from "./import-upload.js";
import { frenchDate, when } from "./dashboard.js";

const PERIOD_LABELS: Record<Period, string> = {
  day: "Jour",
  last7: "7 jours",
  week: "Semaine",
  month: "Mois",
  year: "Année",
};
/** The accepted values of `view`, as the 400 page lists them. */
const PERIOD_ACCEPTED = "day (jour), last7 (7 derniers jours), week (semaine), month (mois), year (année)";

/**
 * The page's `view`, `date` and `cal` parameters, checked: absent ones take their defaults (the last 7
 * published days); a value the page cannot show is a 400 naming it; a date after the last published day
 * is brought back to it, one before the history to its first day, with a note saying so.
 */
export function meterParams(
  query: unknown,
  lastPublished: string,
  firstDay: string | null,
  datasets: Set<DatasetKey>,
): { period: Period; date: string; cal: DatasetKey | undefined; note: string | null } {
  const q = (query ?? {}) as Record<string, unknown>;
  const has = (name: string) => q[name] !== undefined;
  const periodParam = field(query, "view");
  if (has("view") && !isPeriod(periodParam)) throw badParam("view", periodParam, PERIOD_ACCEPTED);
  const period: Period = isPeriod(periodParam) ? periodParam : "last7";
  const dateParam = field(query, "date");
  let date = lastPublished;
  let note: string | null = null;
  if (has("date") && dateParam !== "") {
    if (!isLocalDate(dateParam) || dateParam < "1990-01-01" || dateParam > "2199-12-31")
      throw badParam("date", dateParam, t("param.date", { example: lastPublished }));
    date = dateParam;
    if (date > lastPublished) {
      note = t("param.clampedAfter", { asked: frenchDate(date), shown: frenchDate(lastPublished) });
      date = lastPublished;
    } else if (firstDay !== null && periodRange(period, date).to <= firstDay) {
      note = t("param.clampedBefore", { asked: frenchDate(date), shown: frenchDate(firstDay) });
      date = period === "last7" ? addDaysFast(firstDay, 6) : firstDay;
      if (date > lastPublished) date = lastPublished;
    }
  }
  const calParam = field(query, "cal");
  let cal: DatasetKey | undefined;
  if (has("cal") && calParam !== "") {
    if (!isDatasetKey(calParam) || !datasets.has(calParam))
      throw badParam("cal", calParam, [...datasets].join(", "));
    cal = calParam;
  }
  return { period, date, cal, note };
}

const STATUS_LABELS: Record<CalendarStatus, string> = {
  complete: "complète",
  partial: "partielle : sera demandée à nouveau",
  missing: "manquante : sera demandée à nouveau",
  gap: "manquante pour de bon (Enedis n'en a pas)",
  pending: "en cours de collecte",
  not_published: "pas encore publiée par Enedis",
  not_fetched: "pas collectée (avant l'historique récupéré)",
};
const LEGEND_ORDER: CalendarStatus[] = [
  "complete",
  "partial",
  "missing",
  "gap",
  "pending",
  "not_published",
  "not_fetched",
];

const nf = (digits: number) =>
  new Intl.NumberFormat("fr-FR", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kwh = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${nf(2).format(v)} kWh`;
const watts = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${nf(0).format(v)} W`;
const kva = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${nf(2).format(v)} kVA`;

function summaryRows(
  view: MeterView,
): Array<{ key: string; label: string; consumption: string; production: string }> {
  const c = view.summary.consumption;
  const p = view.summary.production;
  const day = (s: Summary | null, which: "min_day" | "max_day") => {
    const d = s?.[which];
    return d ? `${kwh(d.kwh)} (${frenchDate(d.day)})` : "—";
  };
  const rows = [
    { key: "total", label: "Total", consumption: kwh(c.total_kwh), production: kwh(p?.total_kwh) },
  ];
  if (view.period !== "day") {
    rows.push(
      {
        key: "average",
        label: "Moyenne par jour",
        consumption: kwh(c.average_kwh_per_day),
        production: kwh(p?.average_kwh_per_day),
      },
      {
        key: "min",
        label: "Jour le plus bas",
        consumption: day(c, "min_day"),
        production: day(p, "min_day"),
      },
      {
        key: "max",
        label: "Jour le plus haut",
        consumption: day(c, "max_day"),
        production: day(p, "max_day"),
      },
      {
        key: "days",
        label: "Jours avec données",
        consumption: String(c.days_with_data),
        production: p ? String(p.days_with_data) : "—",
      },
    );
  }
  rows.push({
    key: "base",
    label: "Talon de nuit (01 h – 05 h)",
    consumption: watts(c.night_base_load_w),
    production: "—",
  });
  rows.push({
    key: "maxPower",
    label: "Puissance maximale",
    consumption:
      c.max_power_kva === null
        ? "—"
        : `${kva(c.max_power_kva)}${c.max_power_at ? ` le ${when(Date.parse(c.max_power_at))}` : ""}${
            view.subscribed_power_kva ? ` (souscrite : ${view.subscribed_power_kva} kVA)` : ""
          }`,
    production: "—",
  });
  return rows;
}

const OFFSET_FMT = new Intl.DateTimeFormat("fr-FR", {
  timeZone: "Europe/Paris",
  timeZoneName: "shortOffset",
});
const MONTH_NAMES = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", month: "long", year: "numeric" });

interface CalendarCell {
  day: string;
  n: number;
  status: CalendarStatus;
  title: string;
}

function calendarMonths(days: CompletenessDay[]) {
  const months = new Map<string, CompletenessDay[]>();
  for (const d of days) {
    const m = d.day.slice(0, 7);
    (months.get(m) ?? months.set(m, []).get(m)!).push(d);
  }
  return [...months].map(([month, list]) => {
    const weeks: Array<Array<CalendarCell | null>> = [];
    let week: Array<CalendarCell | null> = [];
    const first = new Date(`${month}-01T00:00:00Z`).getUTCDay();
    for (let i = 0; i < (first + 6) % 7; i++) week.push(null);
    for (const d of list) {
      const detail =
        d.expected !== null
          ? ` — ${d.received}/${d.expected} points${d.attempts > 1 ? `, ${d.attempts} tentatives` : ""}`
          : "";
      week.push({
        day: d.day,
        n: Number(d.day.slice(8, 10)),
        status: d.status,
        title: `${frenchDate(d.day)} : ${STATUS_LABELS[d.status]}${detail}`,
      });
      if (week.length === 7) {
        weeks.push(week);
        week = [];
      }
    }
    if (week.length > 0) {
      while (week.length < 7) week.push(null);
      weeks.push(week);
    }
    return { month, label: MONTH_NAMES.format(new Date(`${month}-15T12:00:00Z`)), weeks };
  });
}

/** Whether any chart of the view has a value (the "no data" note shows only when none has). */
function viewHasData(view: MeterView): boolean {
  const any = (xs: Array<number | null> | undefined) => (xs ?? []).some((v) => v !== null);
  const c = view.charts;
  return (
    any(c.power?.consumption) ||
    any(c.power?.production) ||
    any(c.energy.consumption) ||
    any(c.energy.production) ||
    any(c.max_power?.consumption) ||
    any(c.compare?.current)
  );
}

/** A meter whose access an administrator has to confirm: no data meanwhile. */
function suspendedError(): HttpError {
  return new HttpError(
    403,
    "Accès suspendu",
    "L'accès à ce compteur est suspendu le temps qu'un administrateur vérifie un consentement qui le concerne. Vos données sont conservées.",
  );
}

export function registerMeterRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards, scripts } = deps;
  const { store, now } = deps.ctx;

  app.get("/devices/:id", { preHandler: guards.user }, async (request, reply) => {
    const user = request.user as User;
    const device = await store.devices.findById(idParam(request));
    if (!device || device.userId !== user.id) throw notFound();
    const owning = await accountOf(store, device);
    if (owning && (await store.consents.isSuspended(owning.id))) throw suspendedError();
    const lastPublished = addDaysFast(publishedUntil(now()), -1);
    const account = await accountOf(store, device);
    const datasets = await meterDatasets(store, device, account);
    const span = await store.measures.dataSpan(device.id);
    const firstDay = span.firstMs === null ? null : parisDateFast(span.firstMs);
    const params = meterParams(request.query, lastPublished, firstDay, datasets);
    const { period, date } = params;
    const calDataset = params.cal;
    const view = await meterView(store, {
      device,
      account,
      period,
      date,
      nowMs: now(),
      ...(calDataset ? { calendarDataset: calDataset } : {}),
    });
    const href = (p: Period, d: string, cal = calDataset) =>
      `/devices/${device.id}?view=${p}&date=${d}${cal ? `&cal=${cal}` : ""}`;

    const production = view.has_production;
    const consDaily = view.charts.energy;
    const tableRows: Array<{ label: string; consumption: string; maxPower: string; production: string }> = [];
    let tableTitle = "";
    let tableFirst = "Jour";
    let tableId = "daily-table";
    let showMaxPower = view.charts.max_power !== null;
    if (view.period === "day") {
      // The half-hours behind the charts, with the offset: a daylight-saving day shows its 23 or 25 hours.
      tableTitle = "Points de la journée";
      tableFirst = "Heure (Paris)";
      tableId = "points-table";
      showMaxPower = false;
      const power = view.charts.power;
      if (power) {
        for (let i = 0; i < power.x.length; i++) {
          const ms = (power.x[i] as number) * 1000;
          const w = power.consumption[i] ?? null;
          const wh = consDaily.consumption[i] ?? null;
          const offset = OFFSET_FMT.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value;
          tableRows.push({
            label: `${when(ms).slice(11)} (${offset ?? ""})`,
            consumption: w === null ? "—" : `${watts(w)} · ${nf(0).format(wh ?? 0)} Wh`,
            maxPower: "",
            production: power.production?.[i] == null ? "—" : watts(power.production[i] as number),
          });
        }
      }
    } else if (view.period === "year") {
      tableTitle = "Par mois";
      tableFirst = "Mois";
      tableId = "monthly-table";
      showMaxPower = false;
      const cmp = view.charts.compare;
      if (cmp) {
        for (let m = 0; m < 12; m++) {
          if (cmp.current[m] === null && cmp.previous[m] === null) continue;
          tableRows.push({
            label: MONTH_NAMES.format(new Date(Date.UTC(Number(cmp.year), m, 15))),
            consumption: `${kwh(cmp.current[m] ?? null)} (${cmp.previous_year} : ${kwh(cmp.previous[m] ?? null)})`,
            maxPower: "",
            production: "—",
          });
        }
      }
    } else {
      tableTitle = "Par jour";
      const mp = view.charts.max_power;
      for (let i = 0; i < consDaily.x.length; i++) {
        const c = consDaily.consumption[i] ?? null;
        const p = consDaily.production?.[i] ?? null;
        const m = mp?.consumption[i] ?? null;
        if (c === null && p === null && m === null) continue;
        const day = addDaysFast(view.from, i);
        tableRows.push({
          label: frenchDate(day) ?? day,
          consumption: kwh(c),
          maxPower: kva(m),
          production: kwh(p),
        });
      }
    }

    const hoursNote =
      view.period === "day" && view.hours !== 24
        ? `Journée de ${view.hours} heures : passage à l'heure ${view.hours === 23 ? "d'été (à 2 h, il est 3 h)" : "d'hiver (de 3 h à 2 h, l'heure de 2 h à 3 h passe deux fois)"}.`
        : view.period !== "day" && view.hours !== view.days * 24
          ? `Cette période compte ${view.hours} heures (changement d'heure).`
          : null;
    const calendarCounts = new Map<CalendarStatus, number>();
    for (const d of view.completeness.days)
      calendarCounts.set(d.status, (calendarCounts.get(d.status) ?? 0) + 1);
    const m = device.metadata;
    const offPeak = offPeakPage(await store.tariffs.offPeakHistory(device.id), m.off_peak_hours ?? null);
    const curveStep = view.charts.power && view.charts.power.x.length > 1 ? "demi-heure" : "point";
    return render.send(request, reply, "meter", {
      upload: { js: IMPORT_SCRIPT_PATH, maxBytes: MAX_UPLOAD_BYTES, maxLabel: MAX_UPLOAD_LABEL },
      title: `${device.label} · ${view.label}`,
      nav: "dashboard",
      device: {
        id: device.id,
        label: device.label,
        prm: device.mac,
        power: m.subscribed_power_kva ? `${m.subscribed_power_kva} kVA` : null,
        offPeak: m.off_peak_hours ?? null,
        lastValue: device.valueW === null ? null : watts(device.valueW),
      },
      lastPublished: frenchDate(lastPublished),
      // One notion of "last data": the Paris day of the end of the newest stored value, curve or daily.
      lastData: span.lastEndMs === null ? null : frenchDate(parisDateFast(span.lastEndMs - 1)),
      hasData: viewHasData(view),
      analysisView: view.period === "day" ? "month" : view.period,
      fromS: Math.round(parisMidnightFast(view.from) / 1000),
      toS: Math.round(parisMidnightFast(view.to) / 1000),
      notice: params.note ? { kind: "info", text: params.note } : null,
      view,
      viewJson: JSON.stringify(view),
      periods: (Object.keys(PERIOD_LABELS) as Period[]).map((p) => ({
        key: p,
        label: PERIOD_LABELS[p],
        href: href(p, view.date),
        on: p === view.period,
      })),
      prevHref: href(view.period, view.prev),
      nextHref: view.next ? href(view.period, view.next) : null,
      periodTitle: view.label.charAt(0).toUpperCase() + view.label.slice(1),
      dstNote: hoursNote,
      costs: view.costs ? costsPage(view.costs) : null,
      offPeak,
      stepLabel: curveStep,
      energyTitle:
        view.charts.energy.unit === "Wh" ? "Énergie par demi-heure (Wh)" : "Énergie par jour (kWh)",
      summaryRows: summaryRows(view),
      production,
      calendar: {
        dataset: view.completeness.dataset,
        label: DATASET_LABELS[view.completeness.dataset],
        others: [...datasets]
          .filter((d) => d !== view.completeness.dataset && !d.endsWith("_index"))
          .map((d) => ({ href: href(view.period, view.date, d), label: DATASET_LABELS[d] })),
        months: calendarMonths(view.completeness.days),
        legend: LEGEND_ORDER.map((s) => ({
          status: s,
          label: STATUS_LABELS[s],
          count: calendarCounts.get(s) ?? null,
        })),
      },
      dailyRows: tableRows,
      tableTitle,
      tableFirst,
      tableId,
      showMaxPower,
      firstSync: account?.config.last_sync == null,
      exportDatasets: [...datasets].map((d: DatasetKey) => ({
        key: d,
        label: DATASET_LABELS[d],
        selected: d === (view.period === "year" ? "daily_consumption" : "consumption_load_curve"),
      })),
      uplotJs: scripts.uplot,
      meterJs: scripts.meter,
    });
  });

  /**
   * The page's download form: its values are checked here, in French (a 400 page that names the field
   * and says what it accepts, with a way back), then the browser goes on to the API's streamed export.
   */
  app.get(
    "/devices/:id/export",
    { preHandler: guards.user, exposeHeadRoute: false },
    async (request, reply) => {
      const user = request.user as User;
      const device = await store.devices.findById(idParam(request));
      if (!device || device.userId !== user.id) throw notFound(t("error.meterNotFound"));
      const owning = await accountOf(store, device);
      if (owning && (await store.consents.isSuspended(owning.id))) throw suspendedError();
      const datasets = await meterDatasets(store, device, owning);
      const dataset = field(request.query, "dataset");
      if (!isDatasetKey(dataset) || !datasets.has(dataset))
        throw badParam("dataset", dataset, t("param.dataset", { list: [...datasets].join(", ") }));
      const example = addDaysFast(publishedUntil(now()), -1);
      const from = field(request.query, "from");
      const to = field(request.query, "to");
      if (!isLocalDate(from)) throw badParam("from", from, t("param.date", { example }));
      if (!isLocalDate(to)) throw badParam("to", to, t("param.date", { example }));
      if (from >= to)
        throw new HttpError(
          400,
          t("error.heading.badRequest"),
          t("param.dateRange"),
          `Demandé : du ${frenchDate(from) ?? from} au ${frenchDate(to) ?? to}.`,
        );
      const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
      if (days > 12 * 366) throw badRequest(t("param.rangeTooLong", { max: 12 * 366 }));
      const format = field(request.query, "format") || "csv";
      if (format !== "csv" && format !== "json") throw badParam("format", format, t("param.format"));
      const query = new URLSearchParams({ dataset, from, to, format }).toString();
      return reply.redirect(`/api/v1/usage-points/${device.mac}/export?${query}`, 303);
    },
  );
}
