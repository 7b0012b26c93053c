/**
 * The one message catalogue of everything a person reads (pages, form errors, sync outcomes and reasons,
 * statuses; e-mails to come), through i18next. French is the only language today; the keys are ready for
 * others (add `en.ts` with the same shape and register it in `RESOURCES`).
 *
 * Glossary: a *key* names a message (`sync.reason.unpublished`); *params* fill its `{{placeholders}}`; a
 * *reason* is a key plus params stored with a sync outcome, so that the stored record stays
 * language-neutral and each reader words it in their own language.
 *
 * The API keeps its English, machine-oriented messages: this catalogue is for people.
 */
import i18next, { type TFunction } from "i18next";
import { formatParisWallTime } from "../domain/time.js";
import { fr } from "./fr.js";

export const LANGUAGES = ["fr"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The shape every language's catalogue has: French's keys, strings at the leaves (`en.ts` to come). */
export type Messages<T = typeof fr> = {
  readonly [K in keyof T]: T[K] extends string ? string : Messages<T[K]>;
};

const RESOURCES: Record<Language, { translation: Messages }> = { fr: { translation: fr } };

const instance = i18next.createInstance();
// Resources are in memory: `initAsync: false` makes `init` finish before it returns.
void instance.init({
  lng: "fr",
  fallbackLng: "fr",
  resources: RESOURCES,
  initAsync: false,
  // Values are escaped by the templates (Eta's `<%= %>`), never here: no double escaping.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** A message of the catalogue in French, with its `{{params}}` filled. */
export const t: TFunction = instance.getFixedT("fr");

/** Whether the catalogue has this key (a stored reason written by a newer version may not be known). */
export function hasMessage(key: string): boolean {
  return instance.exists(key, { lng: "fr" });
}

/** A stored reason (key + params) worded for people: unknown keys fall back to a generic sentence. */
export interface Reason {
  key: string;
  params?: Record<string, string | number> | undefined;
}

export function reasonText(reason: Reason | null | undefined, fallbackKey = "sync.reason.error"): string {
  if (!reason) return "";
  const key = `sync.reason.${reason.key}`;
  return hasMessage(key) ? t(key, wordedParams(reason.params ?? {})) : t(fallbackKey);
}

/** Parameters as people read them: instants in Paris time, days as dd/mm/yyyy, directions in French. */
function wordedParams(params: Record<string, string | number>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === "until" && typeof v === "number") {
      const text = formatParisWallTime(v);
      out[k] = `${text.slice(8, 10)}/${text.slice(5, 7)}/${text.slice(0, 4)} ${text.slice(11, 16)}`;
    } else if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
      out[k] = `${v.slice(8, 10)}/${v.slice(5, 7)}/${v.slice(0, 4)}`;
    } else if (k === "direction" && (v === "consumption" || v === "production")) {
      out[k] = t(`sync.direction.${v}`);
    } else out[k] = v;
  }
  return out;
}
