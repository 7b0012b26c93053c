/**
 * RTE's "Tempo Like Supply Contract" API with the operator's own RTE account (OAuth2 client credentials):
 * `POST {tokenUrl}` with Basic auth gives `access_token`; `GET {url}/open_api/tempo_like_supply_contract/v1/
 * tempo_like_calendars?start_date=YYYY-MM-DDT00:00:00+01:00&end_date=…` answers
 * `{tempo_like_calendars: {values: [{start_date, end_date, value: BLUE|WHITE|RED, updated_date}]}}`,
 * newest first, each value a calendar day (midnight to midnight; the Tempo day D is the colour of that
 * calendar day D, running 06:00 on D to 06:00 on D+1). Ranges go in chunks of at most 90 days (RTE refuses
 * longer ones).
 */
import { addDays, daysBetween, isLocalDate, parisOffsetMs, parisDayStartMs } from "../../domain/time.js";
import { tempoColourOf } from "../files.js";
import { registerTempoProvider, statusError, TempoProviderError, type TempoColourDay } from "./provider.js";

export const RTE_API_URL = "https://digital.iservices.rte-france.com";
export const RTE_TOKEN_URL = "https://digital.iservices.rte-france.com/token/oauth/";
const CHUNK_DAYS = 90;

/** `YYYY-MM-DDT00:00:00+01:00` (or +02:00): Paris midnight with its offset. */
export function rteInstant(day: string): string {
  const off = parisOffsetMs(parisDayStartMs(day)) / 3_600_000;
  return `${day}T00:00:00+0${off}:00`;
}

export function parseRteCalendar(body: unknown): TempoColourDay[] {
  const values = (body as { tempo_like_calendars?: { values?: unknown } } | null)?.tempo_like_calendars
    ?.values;
  if (!Array.isArray(values))
    throw new TempoProviderError("rte: no tempo_like_calendars.values in the answer", false);
  const out: TempoColourDay[] = [];
  for (const v of values as { start_date?: unknown; value?: unknown }[]) {
    const day = typeof v.start_date === "string" ? v.start_date.slice(0, 10) : "";
    const colour = typeof v.value === "string" ? tempoColourOf(v.value) : undefined;
    if (isLocalDate(day) && colour) out.push({ day, colour });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}

registerTempoProvider("rte", (s) => {
  if (!s.rte)
    throw new TempoProviderError("rte: tempo.rte.clientId and tempo.rte.clientSecret are not set", false);
  const rte = s.rte;
  let token: { value: string; expiresMs: number } | undefined;
  const getToken = async (): Promise<string> => {
    if (token && token.expiresMs > Date.now()) return token.value;
    const basic = Buffer.from(`${rte.clientId}:${rte.clientSecret}`).toString("base64");
    const res = await s.fetch(rte.tokenUrl, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    if (res.status !== 200) throw statusError("rte token", res.status, await res.text());
    const b = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof b.access_token !== "string") throw new TempoProviderError("rte token: no access_token", false);
    const ttlS = typeof b.expires_in === "number" ? b.expires_in : 3600;
    token = { value: b.access_token, expiresMs: Date.now() + (ttlS - 60) * 1000 };
    return token.value;
  };
  return {
    name: "rte",
    async colours(fromDay, toDay) {
      const out: TempoColourDay[] = [];
      for (let from = fromDay; from < toDay; from = addDays(from, CHUNK_DAYS)) {
        const to = daysBetween(from, toDay) > CHUNK_DAYS ? addDays(from, CHUNK_DAYS) : toDay;
        const url = `${rte.url.replace(/\/$/, "")}/open_api/tempo_like_supply_contract/v1/tempo_like_calendars?start_date=${encodeURIComponent(rteInstant(from))}&end_date=${encodeURIComponent(rteInstant(to))}`;
        let res;
        try {
          res = await s.fetch(url, {
            headers: { authorization: `Bearer ${await getToken()}`, accept: "application/json" },
          });
        } catch (e) {
          if (e instanceof TempoProviderError) throw e;
          throw new TempoProviderError(
            `rte unreachable: ${e instanceof Error ? e.message : String(e)}`,
            true,
          );
        }
        if (res.status !== 200) throw statusError("rte", res.status, await res.text());
        out.push(...parseRteCalendar(await res.json()).filter((d) => d.day >= from && d.day < to));
      }
      return out;
    },
  };
});
