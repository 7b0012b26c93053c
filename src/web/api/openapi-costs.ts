/** The costs part of the API's description (merged into `openapi.ts`'s document). */
import { COST_RESOLUTIONS } from "../../tariffs/aggregate.js";
import { OFFER_KINDS, PERIODS } from "../../tariffs/offers.js";

type Schema = Record<string, unknown>;
const PREFIX = "/api/v1";
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = { type: "string" };
const num = { type: "number" };
const int = { type: "integer" };
const date = { type: "string", format: "date", description: "Paris calendar day, YYYY-MM-DD" };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const colour = { type: ["string", "null"], enum: ["BLEU", "BLANC", "ROUGE", null] };

export const COST_SCHEMAS: Record<string, Schema> = {
  CostPeriod: { type: "string", enum: [...PERIODS] },
  CostBucket: obj(
    {
      bucket: { type: "string", description: "Paris day YYYY-MM-DD, month YYYY-MM or year YYYY" },
      periods: arr(obj({ period: ref("CostPeriod"), kwh: num, eur: num })),
      kwh: num,
      energy_eur: num,
      subscription_eur: { ...num, description: "per day: the month's price / the days in that month" },
      total_eur: num,
      average_eur_per_kwh: { type: ["number", "null"] },
      off_peak_share: { type: ["number", "null"], description: "share of the kWh in HC periods" },
      estimated: {
        type: "boolean",
        description:
          "HP/HC or Tempo from daily energy only (spread evenly over the clock), or an unknown Tempo colour",
      },
      tempo_colour: colour,
    },
    [
      "bucket",
      "periods",
      "kwh",
      "energy_eur",
      "subscription_eur",
      "total_eur",
      "average_eur_per_kwh",
      "off_peak_share",
      "estimated",
    ],
  ),
  ViewCosts: obj({
    offers: { ...arr(str), description: "the offers the meter is on over the period, in order" },
    from: date,
    to: { ...date, description: "exclusive: the day after the last published one, or the period's end" },
    months: arr(ref("CostBucket")),
    totals: { oneOf: [ref("CostBucket"), { type: "null" }] },
    tempo_days: {
      oneOf: [arr(obj({ date, colour, eur: num })), { type: "null" }],
      description: "Tempo: each day's colour (06:00 to 06:00) and its cost",
    },
    error: { type: ["string", "null"], description: "why the period could not be priced" },
  }),
  Costs: obj({
    usage_point_id: str,
    offer: { type: ["string", "null"], description: "the offer priced, null for the meter's own tariff" },
    resolution: { type: "string", enum: [...COST_RESOLUTIONS] },
    from: date,
    to: date,
    timezone: { const: "Europe/Paris" },
    buckets: arr(ref("CostBucket")),
    totals: obj({ kwh: num, energy_eur: num, subscription_eur: num, total_eur: num, estimated_days: int }),
  }),
  OfferComparison: obj({
    from: date,
    to: date,
    days: int,
    offers: arr(
      obj(
        {
          offer: str,
          kind: { type: "string", enum: [...OFFER_KINDS] },
          kwh: num,
          energy_eur: num,
          subscription_eur: num,
          total_eur: num,
          difference_eur: num,
          difference_per_year_eur: num,
          estimated_days: int,
          tempo: obj({ red_days: int, red_days_eur: num, shift_red_hp_20pct_saving_eur: num }),
        },
        [
          "offer",
          "kind",
          "kwh",
          "energy_eur",
          "subscription_eur",
          "total_eur",
          "difference_eur",
          "difference_per_year_eur",
          "estimated_days",
        ],
      ),
    ),
    skipped: arr(obj({ offer: str, reason: str })),
  }),
  OfferList: obj({
    offers: arr({
      type: "object",
      description: "an offer in the offer-file format (contract.md): name, kind, offpeak, prices",
      properties: {
        name: str,
        kind: { type: "string", enum: [...OFFER_KINDS] },
        offpeak: str,
        source: str,
        prices: arr({ type: "object" }),
      },
      required: ["name", "kind", "prices"],
    }),
  }),
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("Error") } },
});
const json = (description: string, schema: Schema) => ({
  description,
  content: { "application/json": { schema } },
});
const prmParam = {
  name: "prm",
  in: "path",
  required: true,
  description: "the usage point id (PRM), 14 digits",
  schema: { type: "string", pattern: "^[0-9]{14}$" },
};
const q = (name: string, required: boolean, description: string, schema: Schema = str) => ({
  name,
  in: "query",
  required,
  description,
  schema,
});
const common = {
  "401": errorResponse("no session and no valid API token"),
  "404": errorResponse("no such usage point among yours (another user's is not found either)"),
};

export const COST_PATHS: Record<string, Record<string, unknown>> = {
  [`${PREFIX}/offers`]: {
    get: {
      operationId: "listOffers",
      summary: "The offers the costs can be priced on",
      responses: { "200": json("the offers", ref("OfferList")), "401": common["401"] },
    },
  },
  [`${PREFIX}/usage-points/{prm}/costs`]: {
    get: {
      operationId: "getCosts",
      summary: "What the meter's energy cost over [from, to), per Paris day, month or year and price period",
      description:
        "From the load curve where it exists (each interval split between periods and days by the time it spends in each, Paris wall-clock time); a day known only by its daily energy is priced as such for Base and spread evenly over the day for HP/HC and Tempo (`estimated`).",
      parameters: [
        prmParam,
        q("from", true, "first Paris day, inclusive", date),
        q("to", true, "last Paris day, exclusive", date),
        q("offer", false, "offer name (default: the meter's tariff)"),
        q("resolution", false, "bucket size", {
          type: "string",
          enum: [...COST_RESOLUTIONS],
          default: "day",
        }),
      ],
      responses: {
        "200": json("the costs", ref("Costs")),
        "400": errorResponse("bad dates, range, resolution, unknown offer, or a day the offer cannot price"),
        ...common,
      },
    },
  },
  [`${PREFIX}/usage-points/{prm}/compare`]: {
    get: {
      operationId: "compareOffers",
      summary: "Every offer (or those named) priced on the meter's own energy, cheapest first",
      parameters: [
        prmParam,
        q("from", false, "first Paris day, inclusive (default: 12 months before `to`)", date),
        q("to", false, "last Paris day, exclusive (default: today)", date),
        q("offers", false, "comma-separated offer names (default: all)"),
      ],
      responses: {
        "200": json("the comparison", ref("OfferComparison")),
        "400": errorResponse("bad dates or range, or an unknown offer"),
        ...common,
      },
    },
  },
};
