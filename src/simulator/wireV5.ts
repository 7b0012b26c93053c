/**
 * Legacy v5 wire formats (docs/dataconnect-api.md §4–6): `meter_reading` envelopes with string values
 * and `{error, error_description}` errors. Same points as 2026: only names change.
 */
import type { ApiResult } from "./result.js";
import type { CurveServed, DailyServed, MaxPowerServed, MeasureFailure } from "./measures.js";

export function v5Error(status: number, error: string, description: string): ApiResult {
  return { status, body: { error, error_description: description } };
}

function envelope(
  prm: string,
  start: string,
  end: string,
  readingType: Record<string, string>,
  readings: unknown[],
) {
  return {
    meter_reading: {
      usage_point_id: prm,
      start,
      end,
      quality: "BRUT",
      reading_type: readingType,
      interval_reading: readings,
    },
  };
}

export function v5Curve(s: CurveServed): unknown {
  return envelope(
    s.prm,
    s.periode.dateDebut,
    s.periode.dateFin,
    { measurement_kind: "power", unit: "W", aggregate: "average" },
    s.points.map((p) => ({
      value: String(p.valueW),
      date: p.label,
      interval_length: `PT${p.stepMin}M`,
      measure_type: "B",
    })),
  );
}

export function v5Daily(s: DailyServed): unknown {
  return envelope(
    s.prm,
    s.periode.dateDebut,
    s.periode.dateFin,
    { measurement_kind: "energy", measuring_period: "P1D", unit: "Wh", aggregate: "sum" },
    s.points.map((p) => ({ value: String(p.valueWh), date: p.date })),
  );
}

export function v5MaxPower(s: MaxPowerServed): unknown {
  const pma = s.series[0]?.points ?? [];
  return envelope(
    s.prm,
    s.periode.dateDebut,
    s.periode.dateFin,
    { measurement_kind: "power", measuring_period: "P1D", unit: "VA", aggregate: "maximum" },
    pma.map((p) => ({ value: String(p.valueVa), date: p.label })),
  );
}

/** Enedis' v5 answer to a refused measure request. */
export function measureFailureV5(f: MeasureFailure): ApiResult {
  switch (f.kind) {
    case "badDate":
      return v5Error(
        400,
        "invalid_request",
        `The ${f.which === "from" ? "start" : "end"} date must be YYYY-MM-DD.`,
      );
    case "order":
      return v5Error(400, "invalid_request", "The start date must be earlier than the end date.");
    case "future":
      return v5Error(400, "invalid_request", "The end date parameter must be earlier than the current date.");
    case "tooLong":
      return f.maxDays === 7
        ? v5Error(400, "ADAM-DC-0015", "The requested period cannot exceed 7 days.")
        : v5Error(400, "invalid_request", `The requested period cannot exceed ${f.maxDays} days.`);
    case "noConsent":
      return v5Error(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.");
    case "wrongDirection":
      return v5Error(
        400,
        "ADAM-ERR0069",
        "The usage point does not measure this direction (consumption/production).",
      );
    case "loadCurveOff":
      return v5Error(400, "ADAM-ERR0075", "The load curve recording is not activated for this usage point.");
    case "beyondHistory":
      return v5Error(400, "ADAM-ERR0125", "The start date is beyond the available history.");
    case "beforeActivation":
      return v5Error(
        400,
        "ADAM-ERR0123",
        "The requested period cannot be anterior to the meter's last activation date.",
      );
    case "noData":
      return v5Error(404, "no_data_found", "No data found for this usage point and this period.");
  }
}
