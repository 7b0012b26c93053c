/**
 * The summary alert's message parts, from the numbers its `data` holds (summary.ts writes them): the
 * e-mail's HTML and its chart. Pure, so that a delivery sent again renders the same message.
 */
import { barChartPng } from "./chart.js";
import type { OutgoingAlert } from "./channels/types.js";

export interface SummaryMeter {
  prm: string;
  label: string;
  energyWh: number;
  previousEnergyWh: number | null;
  /** Cost on the meter's tariff (energy + subscription), EUR; null when no offer is set. */
  eur: number | null;
  previousEur: number | null;
  /** Wh per day of the period, null where no data. */
  daily: (number | null)[];
}

export interface SummaryData {
  period: "weekly" | "monthly";
  /** First day, and the day after the last (Paris days). */
  from: string;
  to: string;
  meters: SummaryMeter[];
}

export function isSummaryData(d: Record<string, unknown>): d is SummaryData & Record<string, unknown> {
  return (
    (d.period === "weekly" || d.period === "monthly") &&
    typeof d.from === "string" &&
    typeof d.to === "string" &&
    Array.isArray(d.meters)
  );
}

/** Daily kWh summed over the meters, and the previous period's daily mean. */
function chartSeries(d: SummaryData): { values: (number | null)[]; reference: number | null } {
  const days = Math.max(0, ...d.meters.map((m) => m.daily.length));
  const values: (number | null)[] = [];
  for (let i = 0; i < days; i++) {
    const parts = d.meters.map((m) => m.daily[i] ?? null).filter((v): v is number => v !== null);
    values.push(parts.length === 0 ? null : parts.reduce((a, b) => a + b, 0) / 1000);
  }
  const prev = d.meters.map((m) => m.previousEnergyWh).filter((v): v is number => v !== null);
  const reference = prev.length === 0 || days === 0 ? null : prev.reduce((a, b) => a + b, 0) / 1000 / days;
  return { values, reference };
}

/** The chart as a PNG, or null when the alert carries no summary numbers. */
export function summaryChartPng(data: Record<string, unknown>): Buffer | null {
  if (!isSummaryData(data) || data.meters.length === 0) return null;
  return barChartPng(chartSeries(data));
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const kwh = (wh: number) =>
  `${(wh / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 1, minimumFractionDigits: 1 })} kWh`;
export const euros = (eur: number) =>
  `${eur.toLocaleString("fr-FR", { maximumFractionDigits: 2, minimumFractionDigits: 2 })} €`;

/** "+12 %" / "−8 %" against the previous period, or null. */
export function change(now: number, before: number | null): string | null {
  if (before === null || before <= 0) return null;
  const pct = Math.round(((now - before) / before) * 100);
  return `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${Math.abs(pct)} %`;
}

export function renderSummaryHtml(alert: OutgoingAlert, chartSrc: string | null): string {
  const d = alert.data;
  const rows = isSummaryData(d)
    ? d.meters
        .map((m) => {
          const c = change(m.energyWh, m.previousEnergyWh);
          return `<tr><td>${escapeHtml(m.label)}</td><td>${kwh(m.energyWh)}</td><td>${c ?? "—"}</td><td>${m.eur === null ? "—" : euros(m.eur)}</td></tr>`;
        })
        .join("")
    : "";
  return `<!doctype html><html lang="fr"><body style="font-family:sans-serif;color:#111">
<h1 style="font-size:18px">${escapeHtml(alert.title)}</h1>
<p>${escapeHtml(alert.body).replace(/\n/g, "<br>")}</p>
${rows ? `<table cellpadding="4" style="border-collapse:collapse"><tr><th align="left">Compteur</th><th align="left">Énergie</th><th align="left">Évolution</th><th align="left">Coût</th></tr>${rows}</table>` : ""}
${chartSrc ? `<p><img src="${chartSrc}" alt="Consommation par jour (barres) et moyenne de la période précédente (ligne)" width="480" height="160"></p>` : ""}
${alert.link ? `<p><a href="${escapeHtml(alert.link)}">Voir le détail</a></p>` : ""}
</body></html>`;
}
