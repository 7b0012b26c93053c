/**
 * Where Tempo colours come from: one small interface, one file per provider, a registry that refuses
 * duplicates. A provider answers the colours of Paris days in [fromDay, toDay) that it knows (an
 * unannounced day is left out, never guessed).
 */
import type { LocalDate } from "../../domain/time.js";
import type { TempoColour } from "../pricing.js";

export interface TempoColourDay {
  day: LocalDate;
  colour: TempoColour;
}

export interface TempoProvider {
  /** Stored as the colour's `source`. */
  readonly name: string;
  colours(fromDay: LocalDate, toDay: LocalDate): Promise<TempoColourDay[]>;
}

/** `fetch` as the providers use it (tests pass a recorded one). */
export type Fetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

export class TempoProviderError extends Error {
  override readonly name = "TempoProviderError";
  constructor(
    message: string,
    /** Worth trying again later (5xx, timeout, 429) rather than fixing a setting. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface TempoProviderSettings {
  fetch: Fetch;
  rte?: { clientId: string; clientSecret: string; url: string; tokenUrl: string };
  myelectricaldata?: { url: string };
}

type Factory = (s: TempoProviderSettings) => TempoProvider;
const registry = new Map<string, Factory>();

export function registerTempoProvider(name: string, factory: Factory): void {
  if (registry.has(name)) throw new Error(`Tempo provider "${name}" registered twice`);
  registry.set(name, factory);
}

export function tempoProvider(name: string, settings: TempoProviderSettings): TempoProvider {
  const f = registry.get(name);
  if (!f)
    throw new TempoProviderError(
      `unknown Tempo provider "${name}" (known: ${[...registry.keys()].join(", ")})`,
      false,
    );
  return f(settings);
}

export const tempoProviderNames = (): string[] => [...registry.keys()];

/** A status answer: 429 and 5xx are transient, the rest is a setting to fix. */
export function statusError(provider: string, status: number, body: string): TempoProviderError {
  return new TempoProviderError(
    `${provider} answered ${status}: ${body.slice(0, 200)}`,
    status === 429 || status >= 500,
  );
}
