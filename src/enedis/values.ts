/** Small readers for Enedis' loosely typed JSON values. Snake_case and French names stay in src/enedis. */

/** A measure value: numbers or numeric strings; absent, empty, "null" or non-numeric is a missing measure. */
export function measureValue(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  const s = v.trim().replace(",", ".");
  if (s === "" || !/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Scale factor from an Enedis unit to our base unit (never seen, but guard against kW/kWh/kVA). */
export function unitScale(unite: unknown): number {
  if (typeof unite !== "string") return 1;
  return /^k(w|wh|va)$/i.test(unite.trim()) ? 1000 : 1;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The date part of `YYYY-MM-DD…` (dates such as `2013-08-14+01:00` or `2018-08-31T00:00:00+0200`). */
export function datePart(v: unknown): string | null {
  const s = str(v);
  const m = s ? /^(\d{4}-\d{2}-\d{2})/.exec(s) : null;
  return m ? (m[1] ?? null) : null;
}

/** `"9 kVA"`, `{unit:"kVA", value:"12"}`, `9` → 9 (kVA). */
export function kva(v: unknown): number | null {
  if (isRecord(v)) {
    const n = measureValue(str(v.value));
    if (n === null) return null;
    return typeof v.unit === "string" && /^va$/i.test(v.unit.trim()) ? n / 1000 : n;
  }
  const s = str(v);
  if (!s) return null;
  const m = /([\d.,]+)\s*(k?va)?/i.exec(s);
  if (!m || m[1] === undefined) return null;
  const n = Number(m[1].replace(",", "."));
  if (!Number.isFinite(n)) return null;
  return m[2] && m[2].toLowerCase() === "va" ? n / 1000 : n;
}
