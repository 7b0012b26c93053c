/** Cost rows and comparisons as the contract writes them (CSV `date,period,kwh,eur`; JSON snake_case). */
import type { CostBucket } from "./aggregate.js";
import type { ComparisonResult } from "./service.js";
import type { CostRow } from "./pricing.js";

/** Six decimals: well under a Wh and a thousandth of a cent, and stable across runs. */
const r6 = (n: number) => Math.round(n * 1e6) / 1e6;

export function costRowsCsv(rows: readonly CostRow[]): string {
  const lines = ["date,period,kwh,eur"];
  for (const r of rows) lines.push(`${r.date},${r.period},${r.kwh === null ? "" : r6(r.kwh)},${r6(r.eur)}`);
  return `${lines.join("\n")}\n`;
}

export interface CostRowJson {
  date: string;
  period: string;
  kwh: number | null;
  eur: number;
  price_eur_per_kwh: number | null;
  estimated: boolean;
  tempo_colour?: string | null;
}

export function costRowsJson(rows: readonly CostRow[]): CostRowJson[] {
  return rows.map((r) => ({
    date: r.date,
    period: r.period,
    kwh: r.kwh === null ? null : r6(r.kwh),
    eur: r6(r.eur),
    price_eur_per_kwh: r.priceEurPerKwh,
    estimated: r.estimated,
    ...(r.tempoColour !== undefined && { tempo_colour: r.tempoColour }),
  }));
}

export function compareJson(c: ComparisonResult) {
  return {
    from: c.from,
    to: c.to,
    days: c.days,
    offers: c.offers.map((o) => ({
      offer: o.offer,
      kind: o.kind,
      kwh: r6(o.kwh),
      energy_eur: r6(o.energyEur),
      subscription_eur: r6(o.subscriptionEur),
      total_eur: r6(o.totalEur),
      difference_eur: r6(o.differenceEur),
      difference_per_year_eur: r6(o.differencePerYearEur),
      estimated_days: o.estimatedDays,
      ...(o.tempo && {
        tempo: {
          red_days: o.tempo.redDays,
          red_days_eur: r6(o.tempo.redDaysEur),
          shift_red_hp_20pct_saving_eur: r6(o.tempo.shiftRedHp20PctSavingEur),
        },
      }),
    })),
    skipped: c.skipped,
  };
}

export function formatCompareTable(c: ComparisonResult): string {
  const head = ["offer", "kwh", "energy_eur", "subscription_eur", "total_eur", "more_per_year_eur"];
  const rows = c.offers.map((o) => [
    o.offer,
    o.kwh.toFixed(1),
    o.energyEur.toFixed(2),
    o.subscriptionEur.toFixed(2),
    o.totalEur.toFixed(2),
    o.differencePerYearEur.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  const out = [`${c.from} to ${c.to} (${c.days} days), cheapest first`, line(head), ...rows.map(line)];
  for (const o of c.offers)
    if (o.tempo)
      out.push(
        `${o.offer}: ${o.tempo.redDays} red day(s) cost ${o.tempo.redDaysEur.toFixed(2)} EUR; moving 20% of their HP use to HC would save ${o.tempo.shiftRedHp20PctSavingEur.toFixed(2)} EUR`,
      );
  for (const s of c.skipped) out.push(`not priced: ${s.offer}: ${s.reason}`);
  return `${out.join("\n")}\n`;
}

/** A cost bucket (day, month, year) as the API and the pages give it. */
export function bucketJson(b: CostBucket) {
  return {
    bucket: b.bucket,
    periods: b.periods.map((p) => ({ period: p.period, kwh: r6(p.kwh), eur: r6(p.eur) })),
    kwh: r6(b.kwh),
    energy_eur: r6(b.energyEur),
    subscription_eur: r6(b.subscriptionEur),
    total_eur: r6(b.totalEur),
    average_eur_per_kwh: b.averageEurPerKwh === null ? null : r6(b.averageEurPerKwh),
    off_peak_share: b.offPeakShare === null ? null : r6(b.offPeakShare),
    estimated: b.estimated,
    ...(b.tempoColour !== undefined && { tempo_colour: b.tempoColour }),
  };
}

export type CostBucketJson = ReturnType<typeof bucketJson>;
