/** Every Tempo provider (importing a file registers it), and fetching colours into the store. */
import "./myelectricaldata.js";
import "./rte.js";
import type { LocalDate } from "../../domain/time.js";
import type { Repositories } from "../../store/index.js";
import type { TempoProvider } from "./provider.js";

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
