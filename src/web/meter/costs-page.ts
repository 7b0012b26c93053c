/**
 * The meter page's costs (year view) and off-peak hours, as the template draws them: figures formatted in
 * French, bar widths in % of the dearest month, and the Tempo days grouped by month. The bars and squares
 * are SVG attributes (the CSP allows no inline style).
 */
import { OffPeakParseError, formatWindows, parseOffPeak } from "../../tariffs/offpeak.js";
import type { OffPeakRecord } from "../../store/repositories/tariffs.js";
import type { ViewCosts } from "./costs.js";

/** One colour per price period (the same as the costs page's). */
export const PERIOD_COLOURS: Record<string, string> = {
  BASE: "#4c78a8",
  HP: "#e45756",
  HC: "#54a24b",
  HP_BLEU: "#1f4e9c",
  HC_BLEU: "#7fa7e0",
  HP_BLANC: "#8c8c8c",
  HC_BLANC: "#cfcfcf",
  HP_ROUGE: "#b2182b",
  HC_ROUGE: "#ef8a8a",
  SUBSCRIPTION: "#bbbbbb",
};
export const TEMPO_FILL: Record<string, string> = { BLEU: "#1f4e9c", BLANC: "#eeeeee", ROUGE: "#b2182b" };
const PERIOD_LABELS: Record<string, string> = {
  BASE: "Base",
  HP: "Heures pleines",
  HC: "Heures creuses",
  HP_BLEU: "HP bleu",
  HC_BLEU: "HC bleu",
  HP_BLANC: "HP blanc",
  HC_BLANC: "HC blanc",
  HP_ROUGE: "HP rouge",
  HC_ROUGE: "HC rouge",
};
const TEMPO_LABELS: Record<string, string> = { BLEU: "bleu", BLANC: "blanc", ROUGE: "rouge" };

const nf = (digits: number) =>
  new Intl.NumberFormat("fr-FR", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const eur = (v: number) => `${nf(2).format(v)} €`;
const MONTH = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", month: "long" });
const monthLabel = (ym: string) =>
  MONTH.format(new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)) - 1, 15)));

export interface CostsPage {
  offers: string;
  error: string | null;
  totals: {
    total: string;
    subscription: string;
    energy: string;
    average: string;
    offPeakShare: string | null;
    periods: { key: string; label: string; colour: string; text: string }[];
  } | null;
  months: {
    month: string;
    label: string;
    total: string;
    average: string;
    offPeakShare: string;
    estimated: boolean;
    aria: string;
    segments: { period: string; x: number; pct: number; colour: string; title: string }[];
  }[];
  legend: { label: string; colour: string }[];
  tempo: {
    months: {
      month: string;
      label: string;
      days: { x: number; n: number; fill: string; title: string; colour: string }[];
    }[];
    counts: { text: string; fill: string }[];
  } | null;
}

export function costsPage(c: ViewCosts): CostsPage {
  const max = Math.max(0.0001, ...c.months.map((m) => m.total_eur));
  const used = new Set<string>();
  const months = c.months.map((m) => {
    let x = 0;
    const segments = [...m.periods.map((p) => ({ period: p.period as string, eur: p.eur, kwh: p.kwh }))];
    segments.push({ period: "SUBSCRIPTION", eur: m.subscription_eur, kwh: 0 });
    return {
      month: m.bucket,
      label: monthLabel(m.bucket),
      total: eur(m.total_eur),
      average: m.average_eur_per_kwh === null ? "—" : `${nf(4).format(m.average_eur_per_kwh)} €/kWh`,
      offPeakShare: m.off_peak_share === null ? "—" : `${nf(1).format(100 * m.off_peak_share)} %`,
      estimated: m.estimated,
      aria: segments.map((s) => `${PERIOD_LABELS[s.period] ?? "abonnement"} ${eur(s.eur)}`).join(", "),
      segments: segments.map((s) => {
        used.add(s.period);
        const pct = (100 * s.eur) / max;
        const seg = {
          period: s.period,
          x,
          pct,
          colour: PERIOD_COLOURS[s.period] ?? "#999999",
          title:
            s.period === "SUBSCRIPTION"
              ? `abonnement : ${eur(s.eur)}`
              : `${PERIOD_LABELS[s.period]} : ${nf(1).format(s.kwh)} kWh, ${eur(s.eur)}`,
        };
        x += pct;
        return seg;
      }),
    };
  });
  const t = c.totals;
  let tempo: CostsPage["tempo"] = null;
  if (c.tempo_days) {
    const byMonth = new Map<string, NonNullable<CostsPage["tempo"]>["months"][number]>();
    const counts = new Map<string, number>();
    for (const d of c.tempo_days) {
      const ym = d.date.slice(0, 7);
      let m = byMonth.get(ym);
      if (!m) byMonth.set(ym, (m = { month: ym, label: monthLabel(ym), days: [] }));
      const n = Number(d.date.slice(8, 10));
      const colour = d.colour ?? "INCONNU";
      counts.set(colour, (counts.get(colour) ?? 0) + 1);
      m.days.push({
        x: (n - 1) * 12,
        n,
        colour,
        fill: d.colour ? TEMPO_FILL[d.colour]! : "#ffffff",
        title: `${d.date.slice(8, 10)}/${d.date.slice(5, 7)} : jour ${d.colour ? TEMPO_LABELS[d.colour] : "de couleur inconnue"}, ${eur(d.eur)}`,
      });
    }
    tempo = {
      months: [...byMonth.values()],
      counts: ["BLEU", "BLANC", "ROUGE", "INCONNU"]
        .filter((k) => counts.has(k))
        .map((k) => {
          const n = counts.get(k)!;
          const s = n > 1 ? "s" : "";
          return {
            text:
              k === "INCONNU"
                ? `${n} jour${s} de couleur inconnue (chiffré${s} en bleu, estimé${s})`
                : `${n} jour${s} ${TEMPO_LABELS[k]}${s}`,
            fill: TEMPO_FILL[k] ?? "#ffffff",
          };
        }),
    };
  }
  return {
    offers: c.offers.join(", "),
    error: c.error,
    totals: t && {
      total: eur(t.total_eur),
      subscription: eur(t.subscription_eur),
      energy: eur(t.energy_eur),
      average: t.average_eur_per_kwh === null ? "—" : `${nf(4).format(t.average_eur_per_kwh)} €/kWh`,
      offPeakShare: t.off_peak_share === null ? null : `${nf(1).format(100 * t.off_peak_share)} %`,
      periods: t.periods.map((p) => ({
        key: p.period,
        label: PERIOD_LABELS[p.period] ?? p.period,
        colour: PERIOD_COLOURS[p.period] ?? "#999999",
        text: `${nf(1).format(p.kwh)} kWh · ${eur(p.eur)}`,
      })),
    },
    months,
    legend: [...Object.keys(PERIOD_LABELS), "SUBSCRIPTION"]
      .filter((k) => used.has(k))
      .map((k) => ({ label: PERIOD_LABELS[k] ?? "Abonnement", colour: PERIOD_COLOURS[k]! })),
    tempo,
  };
}

export interface OffPeakPage {
  /** The windows in force (formatted), the Enedis string, since when. */
  current: { windows: string; label: string; since: string } | null;
  history: { from: string; windows: string; label: string; lastSeen: string }[];
}

const frDay = (d: string) =>
  d === "1970-01-01" ? "le début" : `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

function windowsOf(label: string): string {
  try {
    return formatWindows(parseOffPeak(label));
  } catch (e) {
    if (e instanceof OffPeakParseError) return `illisible (${e.message})`;
    throw e;
  }
}

/** The contract's off-peak hours and their dated history, newest first (`metaLabel`: before any read). */
export function offPeakPage(history: readonly OffPeakRecord[], metaLabel: string | null): OffPeakPage {
  const rows = [...history].sort((a, b) => (a.fromDay < b.fromDay ? 1 : -1));
  const newest = rows[0];
  return {
    current: newest
      ? { windows: windowsOf(newest.label), label: newest.label, since: frDay(newest.fromDay) }
      : metaLabel
        ? { windows: windowsOf(metaLabel), label: metaLabel, since: "" }
        : null,
    history: rows.map((h) => ({
      from: frDay(h.fromDay),
      windows: windowsOf(h.label),
      label: h.label,
      lastSeen: frDay(h.lastSeenDay),
    })),
  };
}
