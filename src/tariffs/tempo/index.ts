/** Every Tempo provider (importing a file registers it), and fetching colours into the store. */
import "./myelectricaldata.js";
import "./rte.js";
import type { LocalDate } from "../../domain/time.js";
import type { Repositories } from "../../store/index.js";
import type { Config } from "../../config/schema.js";
import { tempoProvider, type Fetch, type TempoProvider } from "./provider.js";

export * from "./provider.js";

/** Fetches [fromDay, toDay) and stores what the provider knows, with its name as the source. */
export async function fetchTempoColours(
  repos: Repositories,
  provider: TempoProvider,
  fromDay: LocalDate,
  toDay: LocalDate,
): Promise<number> {
  const days = await provider.colours(fromDay, toDay);
  if (days.length > 0) await repos.tariffs.saveTempoDays(days.map((d) => ({ ...d, source: provider.name })));
  return days.length;
}

/** The provider `tempo.provider` names (null for `none`), with its settings from the configuration. */
export function tempoProviderFromConfig(
  t: Config["tempo"],
  fetchFn: Fetch = (url, init) => fetch(url, init),
): TempoProvider | null {
  if (t.provider === "none") return null;
  return tempoProvider(t.provider, {
    fetch: fetchFn,
    ...(t.rteClientId && t.rteClientSecret
      ? {
          rte: {
            clientId: t.rteClientId,
            clientSecret: t.rteClientSecret,
            url: t.rteUrl,
            tokenUrl: `${t.rteUrl.replace(/\/$/, "")}/token/oauth/`,
          },
        }
      : {}),
    myelectricaldata: { url: t.myelectricaldataUrl },
  });
}
