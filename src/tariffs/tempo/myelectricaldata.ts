/**
 * MyElectricalData's public gateway: `GET {url}/rte/tempo/{start}/{end}` answers `{ "YYYY-MM-DD": colour }`
 * with RTE's words (`BLUE`, `WHITE`, `RED`; French ones accepted too). The simulator serves the same path.
 */
import { isLocalDate } from "../../domain/time.js";
import { tempoColourOf } from "../files.js";
import { registerTempoProvider, statusError, TempoProviderError, type TempoColourDay } from "./provider.js";

export const MYELECTRICALDATA_TEMPO_URL = "https://www.myelectricaldata.fr";

registerTempoProvider("myelectricaldata", (s) => ({
  name: "myelectricaldata",
  async colours(fromDay, toDay) {
    const base = (s.myelectricaldata?.url ?? MYELECTRICALDATA_TEMPO_URL).replace(/\/$/, "");
    let res;
    try {
      res = await s.fetch(`${base}/rte/tempo/${fromDay}/${toDay}`, {
        headers: { accept: "application/json" },
      });
    } catch (e) {
      throw new TempoProviderError(
        `myelectricaldata unreachable: ${e instanceof Error ? e.message : String(e)}`,
        true,
      );
    }
    if (res.status !== 200) throw statusError("myelectricaldata", res.status, await res.text());
    return parseMyElectricalDataTempo(await res.json(), fromDay, toDay);
  },
}));

export function parseMyElectricalDataTempo(body: unknown, fromDay: string, toDay: string): TempoColourDay[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new TempoProviderError("myelectricaldata: the answer is not an object of days", false);
  const out: TempoColourDay[] = [];
  for (const [day, v] of Object.entries(body)) {
    const colour = typeof v === "string" ? tempoColourOf(v) : undefined;
    if (!isLocalDate(day) || !colour || day < fromDay || day >= toDay) continue;
    out.push({ day, colour });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}
