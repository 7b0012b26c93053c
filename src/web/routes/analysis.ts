/**
 * A meter's analysis page, `/devices/:id/analysis?kind=heatmap|weekday|compare|baseload&view=…&date=…`:
 * the views of `meter/analysis.ts` (also served by the API), each with a short plain-French explanation,
 * drawn without script (the CSP allows no inline style: the heatmap's colours are classes, the bars
 * `<meter>` elements). Only the owner sees it: anyone else gets a 404.
 */
import type { FastifyInstance } from "fastify";
import { addDaysFast, parisDateFast } from "../../domain/paris-fast.js";
import { t } from "../../i18n/index.js";
import type { User } from "../../store/index.js";
import { publishedUntil } from "../../sync/planner.js";
import type { WebDeps } from "../app.js";
import { badParam, field, HttpError, idParam, notFound } from "../http.js";
import {
  ANALYSES,
  baseLoad,
  comparison,
  heatmap,
  isAnalysis,
  SLOTS,
  weekdayProfile,
  type AnalysisKind,
} from "../meter/analysis.js";
import { numericDate, periodRange, type Period } from "../meter/periods.js";
import { accountOf, meterDatasets } from "../meter/views.js";
import { meterParams } from "./meter.js";

const WEEKDAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
const LONG_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const MONTHS = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", month: "long", year: "numeric" });
const nf = (digits: number) =>
  new Intl.NumberFormat("fr-FR", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `lun. 30/11`: the short day label of the pages. */
export function shortDayLabel(day: string): string {
  const wd = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
  return `${WEEKDAYS[wd]} ${day.slice(8, 10)}/${day.slice(5, 7)}`;
}

/** The colour class of a cell: 0 (lowest) to 8 (highest) of the scale, "n" without a value. */
function level(v: number | null, max: number | null): string {
  if (v === null || max === null || max <= 0) return "n";
  return String(Math.min(8, Math.floor((v / max) * 9)));
}

const signed = (v: number | null, digits: number, unit: string) =>
  v === null ? "—" : `${v > 0 ? "+" : v < 0 ? "−" : ""}${nf(digits).format(Math.abs(v))} ${unit}`;

export function registerAnalysisRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { render, guards } = deps;
  const { store, now } = deps.ctx;

  app.get("/devices/:id/analysis", { preHandler: guards.user }, async (request, reply) => {
    const user = request.user as User;
    const device = await store.devices.findById(idParam(request));
    if (!device || device.userId !== user.id) throw notFound(t("error.meterNotFound"));
    const account = await accountOf(store, device);
    if (account && (await store.consents.isSuspended(account.id)))
      throw new HttpError(403, t("error.heading.suspended"), t("error.suspended"));
    const kindParam = field(request.query, "kind");
    if ((request.query as Record<string, unknown>).kind !== undefined && !isAnalysis(kindParam))
      throw badParam("kind", kindParam, ANALYSES.join(", "));
    const kind: AnalysisKind = isAnalysis(kindParam) ? kindParam : "heatmap";
    const lastPublished = addDaysFast(publishedUntil(now()), -1);
    const span = await store.measures.dataSpan(device.id);
    const firstDay = span.firstMs === null ? null : parisDateFast(span.firstMs);
    const datasets = await meterDatasets(store, device, account);
    const q = { ...(request.query as Record<string, unknown>) };
    // The analyses read a month by default (a week is too short for a profile): the current one once it
    // has two weeks of data, else the previous, whole one.
    if (q.view === undefined) q.view = "month";
    if (q.date === undefined && lastPublished.slice(8) < "15")
      q.date = addDaysFast(`${lastPublished.slice(0, 7)}-01`, -1);
    const params = meterParams(q, lastPublished, firstDay, datasets);
    if (params.period === "day" && kind !== "compare")
      throw badParam("view", "day", "last7 (7 derniers jours), week (semaine), month (mois), year (année)");
    const range = periodRange(params.period, params.date);
    const href = (k: AnalysisKind, p: Period = params.period, d = params.date) =>
      `/devices/${device.id}/analysis?kind=${k}&view=${p}&date=${d}`;
    const base = {
      title: `${device.label} · ${t(`meter.views.${kind === "compare" ? "compare" : kind}.title`)}`,
      nav: "dashboard" as const,
      device: { id: device.id, label: device.label, prm: device.mac },
      kind,
      kinds: ANALYSES.map((k) => ({ key: k, label: t(`meter.kinds.${k}`), href: href(k), on: k === kind })),
      periods: (["last7", "week", "month", "year"] as Period[]).map((p) => ({
        key: p,
        label: t(`meter.periods.${p}`),
        href: href(kind, p),
        on: p === params.period,
      })),
      prevHref: href(kind, params.period, range.prev),
      nextHref: range.next <= lastPublished ? href(kind, params.period, range.next) : null,
      periodTitle: range.label.charAt(0).toUpperCase() + range.label.slice(1),
      explain: t(`meter.views.${kind}.explain`),
      heading: t(`meter.views.${kind}.title`),
      notice: params.note ? { kind: "info" as const, text: params.note } : null,
      date: params.date,
      view: params.period,
      lastPublished,
    };
    if (kind === "heatmap") {
      // Days not published yet have no row.
      const until = addDaysFast(lastPublished, 1);
      const h = await heatmap(store, device.id, {
        from: range.from,
        to: range.to < until ? range.to : until > range.from ? until : range.from,
      });
      return render.send(request, reply, "analysis", {
        ...base,
        heatmap: {
          compact: h.days.length > 62,
          max: h.max_w === null ? null : `${nf(0).format(h.max_w)} W`,
          hours: [0, 3, 6, 9, 12, 15, 18, 21].map((hh) => `${hh} h`),
          rows: h.days.map((d) => ({
            day: d.day,
            label: shortDayLabel(d.day),
            n: d.values.length,
            cells: d.values.map((v, i) => ({
              c: level(v, h.max_w),
              title: `${shortDayLabel(d.day)} ${new Date((d.x[i] as number) * 1000).toLocaleTimeString("fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" })} : ${v === null ? t("meter.noCurve") : `${nf(0).format(v)} W`}`,
            })),
          })),
          empty: h.max_w === null,
        },
      });
    }
    if (kind === "weekday") {
      const w = await weekdayProfile(store, device.id, range);
      const max = Math.max(0, ...w.weekdays.flat().map((v) => v ?? 0), ...w.workdays.map((v) => v ?? 0));
      const row = (label: string, values: Array<number | null>, days: number | null) => ({
        label,
        days,
        cells: values.map((v, i) => ({
          c: level(v, max || null),
          title: `${label} ${SLOTS[i]} : ${v === null ? t("meter.noCurve") : `${nf(0).format(v)} W`}`,
        })),
      });
      return render.send(request, reply, "analysis", {
        ...base,
        uplotJs: deps.scripts.uplot,
        meterJs: deps.scripts.meter,
        weekday: {
          json: JSON.stringify({
            slots: w.slots,
            weekdays: w.weekdays,
            workdays: w.workdays,
            weekend: w.weekend,
          }),
          rows: w.weekdays.map((values, i) => row(WEEKDAYS[i] as string, values, w.weekday_days[i] ?? 0)),
          groups: [row("semaine", w.workdays, null), row("week-end", w.weekend, null)],
          hours: [0, 3, 6, 9, 12, 15, 18, 21].map((hh) => `${hh} h`),
          workdayKwh: w.workday_kwh === null ? "—" : `${nf(1).format(w.workday_kwh)} kWh`,
          weekendKwh: w.weekend_kwh === null ? "—" : `${nf(1).format(w.weekend_kwh)} kWh`,
          peak: (() => {
            let best: { d: number; s: number; v: number } | null = null;
            w.weekdays.forEach((vals, d) =>
              vals.forEach((v, s) => {
                if (v !== null && (!best || v > best.v)) best = { d, s, v };
              }),
            );
            const b = best as { d: number; s: number; v: number } | null;
            return b ? `${LONG_WEEKDAYS[b.d]} à ${SLOTS[b.s]} (${nf(0).format(b.v)} W en moyenne)` : null;
          })(),
          empty: max === 0,
        },
      });
    }
    if (kind === "compare") {
      const c = await comparison(store, device.id, range);
      const values = [c.current.kwh, c.previous.kwh, c.year_before.kwh].map((v) => v ?? 0);
      const max = Math.max(1, ...values);
      const line = (label: string, p: typeof c.previous | typeof c.current, diff: boolean) => ({
        label,
        period: `du ${numericDate(p.from)} au ${numericDate(addDaysFast(p.to, -1))}`,
        kwh: p.kwh === null ? "—" : `${nf(1).format(p.kwh)} kWh`,
        value: p.kwh ?? 0,
        max,
        days: p.days_with_data,
        diffKwh: diff && "diff_kwh" in p ? signed(p.diff_kwh ?? null, 1, "kWh") : t("meter.reference"),
        diffPct: diff && "diff_pct" in p ? signed(p.diff_pct ?? null, 1, "%") : "",
      });
      return render.send(request, reply, "analysis", {
        ...base,
        compare: {
          rows: [
            line(t("meter.compareRows.current"), c.current, false),
            line(t("meter.compareRows.previous"), c.previous, true),
            line(t("meter.compareRows.year"), c.year_before, true),
          ],
          empty: c.current.kwh === null,
        },
      });
    }
    // Night base load: the 24 months up to the chosen day's month.
    const toMonth = params.date.slice(0, 7);
    const [y, m] = toMonth.split("-").map(Number) as [number, number];
    const from = new Date(Date.UTC(y, m - 24, 1)).toISOString().slice(0, 10);
    const to = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const b = await baseLoad(store, device.id, { from, to });
    const max = Math.max(1, ...b.months.map((x) => x.base_w ?? 0));
    return render.send(request, reply, "analysis", {
      ...base,
      periodTitle: t("meter.baseloadSpan", {
        from: MONTHS.format(new Date(`${from}T12:00:00Z`)),
        to: MONTHS.format(new Date(`${toMonth}-15T12:00:00Z`)),
      }),
      baseload: {
        rows: b.months.map((x) => ({
          label: MONTHS.format(new Date(`${x.month}-15T12:00:00Z`)),
          value: x.base_w ?? 0,
          max,
          text: x.base_w === null ? "—" : `${nf(0).format(x.base_w)} W`,
          nights: x.nights,
        })),
        trend:
          b.trend_w === null
            ? null
            : b.trend_w === 0
              ? t("meter.baseloadStable")
              : t(b.trend_w > 0 ? "meter.baseloadUp" : "meter.baseloadDown", {
                  w: `${nf(0).format(Math.abs(b.trend_w))} W`,
                }),
        empty: b.months.every((x) => x.base_w === null),
      },
    });
  });
}
