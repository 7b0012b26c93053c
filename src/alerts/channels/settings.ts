/**
 * Reading and writing a channel sender's settings and secrets, and a user's recipient settings, the same
 * way for the admin form, the user's form and the CLI: values arrive as strings, are converted by field
 * type, validated by the channel's zod schema, and secrets are written encrypted; an empty secret field
 * keeps the stored value ("laisser vide pour garder"). Secrets are never returned, only whether they are set.
 */
import type { Repositories } from "../../store/index.js";
import { CHANNEL_DEFAULTS } from "./index.js";
import { recipientSecretName, secretName, type Channel } from "./types.js";

export type FieldErrors = Record<string, string>;

/** zod's path → French message, per field. */
function zodErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string }[],
): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const name = String(i.path[0] ?? "_form");
    // Our schemas' own messages are French; zod's generic ones are not.
    const message =
      i.code === "invalid_type" && /received undefined$/.test(i.message)
        ? "Ce champ est obligatoire."
        : /^(Invalid|Expected|Too|Unrecognized)/.test(i.message)
          ? "Valeur invalide."
          : `${i.message[0]!.toUpperCase()}${i.message.slice(1)}.`;
    out[name] ??= message;
  }
  return out;
}

/** The channel's non-secret settings from form strings: the config to store, or the errors per field. */
export function parseChannelConfig(
  channel: Channel,
  strings: Record<string, string>,
): { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
  const raw: Record<string, unknown> = { ...CHANNEL_DEFAULTS[channel.key] };
  const errors: FieldErrors = {};
  for (const f of channel.fields) {
    const v = (strings[f.name] ?? "").trim();
    if (f.type === "checkbox") raw[f.name] = v === "on" || v === "true" || v === "1";
    else if (v === "" && f.defaultValue === undefined) delete raw[f.name];
    else if (v === "" && f.type === "number") raw[f.name] = Number(f.defaultValue);
    else if (v === "") raw[f.name] = f.defaultValue;
    else if (f.type === "number") {
      if (!/^\d{1,9}$/.test(v)) errors[f.name] = "Un nombre entier est attendu.";
      else raw[f.name] = Number(v);
    } else raw[f.name] = v;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = channel.configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error.issues) };
  return { ok: true, config: parsed.data as Record<string, unknown> };
}

function parseStored(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  } catch {
    return {};
  }
}

/** Which of the sender's secrets are set (never their values). */
export async function senderSecretsSet(repos: Repositories, senderId: number): Promise<Set<string>> {
  const stored = parseStored(await repos.secrets.get(secretName(senderId)));
  return new Set(Object.keys(stored).filter((k) => stored[k] !== ""));
}

/** Checks the secrets given against those stored (empty = keep): the errors, or none. */
export async function checkSenderSecrets(
  repos: Repositories,
  senderId: number | null,
  channel: Channel,
  given: Record<string, string>,
): Promise<FieldErrors> {
  const stored = senderId === null ? {} : parseStored(await repos.secrets.get(secretName(senderId)));
  const errors: FieldErrors = {};
  for (const f of channel.secretFields) {
    const v = given[f.name] ?? "";
    if (f.required && v === "" && !stored[f.name]) errors[f.name] = "Ce secret est obligatoire.";
    if (f.minLength !== undefined && v !== "" && v.length < f.minLength)
      errors[f.name] = `Au moins ${f.minLength} caractères.`;
  }
  return errors;
}

/** Writes the sender's secrets, keeping those left empty. */
export async function saveSenderSecrets(
  repos: Repositories,
  senderId: number,
  channel: Channel,
  given: Record<string, string>,
): Promise<void> {
  if (channel.secretFields.length === 0) return;
  const stored = parseStored(await repos.secrets.get(secretName(senderId)));
  let changed = false;
  for (const f of channel.secretFields) {
    const v = given[f.name] ?? "";
    if (v !== "") {
      stored[f.name] = v;
      changed = true;
    }
  }
  if (changed) await repos.secrets.put(secretName(senderId), JSON.stringify(stored));
}

/** A user's recipient settings: the plain ones with their values, the secret ones only as "set". */
export async function readRecipient(
  repos: Repositories,
  senderId: number,
  userId: number,
  channel: Channel,
): Promise<{ values: Record<string, string>; secretsSet: Set<string>; complete: boolean }> {
  const stored = parseStored(await repos.secrets.get(recipientSecretName(senderId, userId)));
  const values: Record<string, string> = {};
  const secretsSet = new Set<string>();
  for (const f of channel.recipientFields) {
    if (f.secret) {
      if (stored[f.name]) secretsSet.add(f.name);
    } else values[f.name] = stored[f.name] ?? "";
  }
  const complete = channel.recipientFields.every((f) => !f.required || Boolean(stored[f.name]));
  return { values, secretsSet, complete };
}

/** Checks and writes a user's recipient settings (empty secret = keep); the errors, or none. */
export async function saveRecipient(
  repos: Repositories,
  senderId: number,
  userId: number,
  channel: Channel,
  given: Record<string, string>,
): Promise<FieldErrors> {
  if (channel.recipientFields.length === 0) return {};
  const name = recipientSecretName(senderId, userId);
  const stored = parseStored(await repos.secrets.get(name));
  const next: Record<string, string> = { ...stored };
  for (const f of channel.recipientFields) {
    const v = (given[f.name] ?? "").trim();
    if (f.secret && v === "") continue;
    next[f.name] = v;
  }
  const allEmpty = channel.recipientFields.every((f) => !next[f.name]);
  if (allEmpty) {
    await repos.secrets.delete(name);
    return {};
  }
  const problem = channel.checkRecipient?.(next) ?? null;
  if (problem) return { [channel.recipientFields[0]!.name]: problem };
  await repos.secrets.put(name, JSON.stringify(next));
  return {};
}
