/** The diagnosis part of the API's description (merged into `openapi.ts`'s document). */
import { CAUSES } from "../../diagnosis/diagnose.js";

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = { type: "string" };
const strOrNull = { type: ["string", "null"] };
const instant = { type: ["string", "null"], format: "date-time" };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const cause = { type: "string", enum: [...CAUSES] };

export const DIAGNOSIS_SCHEMAS: Record<string, Schema> = {
  Diagnosis: obj({
    usage_point_id: str,
    source: { type: "string", description: "`enedis` or the gateway (`conso-api`, `myelectricaldata`…)" },
    state: { type: "string", enum: ["ok", "incomplete", "late", "failing", "consent", "blocked"] },
    summary: { type: "string", description: "one or two French sentences (the stale-data alert's)" },
    newest_day: { type: ["string", "null"], format: "date" },
    last_published_day: { type: "string", format: "date" },
    days_behind: { type: ["integer", "null"] },
    last_success_at: instant,
    last_error: {
      oneOf: [
        obj({
          at: instant,
          cause,
          text: str,
          detail: str,
          status: { type: ["integer", "null"] },
          code: strOrNull,
        }),
        { type: "null" },
      ],
    },
    consent: obj({
      end_date: { type: ["string", "null"], format: "date" },
      expired: { type: "boolean" },
      expired_at: instant,
    }),
    datasets: arr(
      obj({
        dataset: str,
        source: str,
        last_success_at: instant,
        last_error: { oneOf: [obj({ at: instant, cause, detail: str }), { type: "null" }] },
        not_collected: { ...strOrNull, description: "why it is not collected (`load_curve_off`…), or null" },
      }),
    ),
    next: arr(obj({ key: str, text: str, at: instant })),
    actions: arr(obj({ key: str, text: str, href: strOrNull })),
  }),
};

export const DIAGNOSIS_PATHS: Record<string, Record<string, unknown>> = {
  "/api/v1/usage-points/{prm}/diagnosis": {
    get: {
      operationId: "getDiagnosis",
      summary:
        "Where the meter's collection broke: last success and error per dataset and source, what happens next and when, what the person can do",
      parameters: [
        {
          name: "prm",
          in: "path",
          required: true,
          description: "the usage point id (PRM), 14 digits",
          schema: { type: "string", pattern: "^[0-9]{14}$" },
        },
      ],
      responses: {
        "200": {
          description: "the diagnosis",
          content: { "application/json": { schema: ref("Diagnosis") } },
        },
        "401": {
          description: "no session and no valid API token",
          content: { "application/json": { schema: ref("Error") } },
        },
        "404": {
          description: "no such usage point among yours (another user's is not found either)",
          content: { "application/json": { schema: ref("Error") } },
        },
      },
    },
  },
};
