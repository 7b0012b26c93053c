/**
 * Data Connect 2026 wire formats (docs/dataconnect-2026.md §5–6): the measure envelopes and the error
 * bodies, `{code, message}` per the Swagger, `{error, error_description}` where Enedis kept the v5 form.
 */
import type { ApiResult } from "./result.js";
import type { Direction } from "../domain/types.js";
import type { CurveServed, DailyServed, IndexServed, MaxPowerServed, MeasureFailure } from "./measures.js";

export const SI_COEUR = "Problème technique dans l'interrogation du SI coeur";

/** Swagger-style error `{code, message}`. */
export function codeMessage(status: number, message: string, code = String(status)): ApiResult {
  return { status, body: { code, message } };
}

/** v5-style error `{error, error_description}` that some 2026 answers keep (ADAM-ERR0123, …). */
export function errorDescription(status: number, error: string, description: string): ApiResult {
  return { status, body: { error, error_description: description } };
}

export function siCoeur(): ApiResult {
  return codeMessage(500, SI_COEUR);
}

export function slaExceeded(): ApiResult {
  return codeMessage(429, "SLA dépassé");
}

interface Periode {
  dateDebut: string;
  dateFin: string;
}

function base(prm: string, periode: Periode) {
  return {
    idPrm: prm,
    etapeMetier: "BRUT",
    periode: { dateDebut: periode.dateDebut, dateFin: periode.dateFin },
  };
}

export function curveEnvelope(s: CurveServed): unknown {
  return {
    ...base(s.prm, s.periode),
    modeCalcul: "MESURE",
    grandeur: [
      {
        grandeurMetier: s.direction === "consumption" ? "CONS" : "PROD",
        grandeurPhysique: "PA",
        unite: "W",
        points: s.points.map((p) => ({
          v: String(p.valueW),
          d: p.label,
          p: `PT${p.stepMin}M`,
          n: "B",
          iv: "0",
          ec: "0",
        })),
        calendrier: [],
      },
    ],
    contexte: [],
  };
}

export function dailyEnvelope(s: DailyServed): unknown {
  return {
    ...base(s.prm, s.periode),
    typeValeur: "GLOBALE",
    modeCalcul: "DIFF.INDEX",
    pas: "P1D",
    grandeur: [
      {
        grandeurMetier: s.direction === "consumption" ? "CONS" : "PROD",
        grandeurPhysique: "EA",
        unite: "Wh",
        points: s.points.map((p) => ({ v: String(p.valueWh), d: p.date })),
        calendrier: [],
      },
    ],
    contexte: [],
  };
}

export function maxPowerEnvelope(s: MaxPowerServed): unknown {
  return {
    ...base(s.prm, s.periode),
    modeCalcul: "MESURE",
    pas: s.pas,
    grandeur: s.series.map((series) => ({
      grandeurMetier: "CONS",
      grandeurPhysique: series.grandeurPhysique,
      unite: "VA",
      points: series.points.map((p) => ({ v: String(p.valueVa), d: p.label })),
      calendrier: [],
    })),
    contexte: [],
  };
}

export function indexEnvelope(s: IndexServed): unknown {
  const first = s.readings[0];
  const classes = first?.classes ?? [];
  return {
    idPrm: s.prm,
    periode: { dateDebut: s.periode.dateDebut, dateFin: s.periode.dateFin },
    grandeur: [],
    contexte: [
      {
        etapeMetier: "BRUT",
        contexteReleve: "COL",
        typeReleve: "AQ",
        grandeur: [
          {
            grandeurMetier: s.direction === "consumption" ? "CONS" : "PROD",
            grandeurPhysique: "EA",
            unite: "Wh",
            points: [],
            calendrier: [
              {
                idCalendrier: first?.idCalendrier ?? "DI000002",
                libelleCalendrier: first?.libelleCalendrier ?? "",
                classeTemporelle: classes.map((c, k) => ({
                  idClasseTemporelle: c.idClasseTemporelle,
                  libelleClasseTemporelle: c.libelleClasseTemporelle,
                  codeCadran: c.codeCadran,
                  valeur: s.readings.map((r) => ({ d: r.date, v: r.classes[k]?.valueWh ?? 0, iv: 0 })),
                })),
              },
            ],
            cadranTotalisateur: {
              codeCadran: s.direction === "consumption" ? "EAS T" : "EAI T",
              valeur: s.readings.map((r) => ({ d: r.date, v: r.totalWh, iv: 0 })),
            },
          },
        ],
      },
    ],
  };
}

/** Enedis' 2026 answer to a refused measure request. */
export function measureFailure2026(f: MeasureFailure, direction: Direction): ApiResult {
  switch (f.kind) {
    case "badDate":
      return codeMessage(
        400,
        `Le format du paramètre ${f.which === "from" ? "dateDebut" : "dateFin"} est invalide (format attendu : YYYY-MM-DD)`,
      );
    case "order":
      return codeMessage(400, "La date de début doit être antérieure à la date de fin");
    case "future":
      return codeMessage(400, "La date de fin ne peut pas être postérieure à la date du jour");
    case "tooLong":
      return f.maxDays === 7
        ? codeMessage(400, "La période demandée ne peut pas excéder 7 jours consécutifs", "ADAM-DC-0015")
        : codeMessage(400, `La période demandée ne peut pas excéder ${f.maxDays} jours`);
    case "noConsent":
      return codeMessage(403, "Le client n'est pas titulaire/autorisé pour le point demandé");
    case "wrongDirection":
      return errorDescription(
        400,
        "ADAM-ERR0069",
        direction === "consumption"
          ? "Le point demandé n'est pas un point de soutirage : pas de mesure de consommation."
          : "Le point demandé n'est pas un point d'injection : pas de mesure de production.",
      );
    case "loadCurveOff":
      return errorDescription(400, "ADAM-ERR0075", "La courbe de charge n'est pas activée pour ce point.");
    case "beyondHistory":
      return errorDescription(
        400,
        "ADAM-ERR0125",
        "La date de début de la période demandée est antérieure à la profondeur d'historique disponible.",
      );
    case "beforeActivation":
      return errorDescription(
        400,
        "ADAM-ERR0123",
        "La date de début de la période demandée est antérieure à la date de dernière mise en service du point.",
      );
    case "noData":
      return codeMessage(404, "Pas de mesure trouvée pour ce point");
  }
}
