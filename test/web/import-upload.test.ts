/**
 * The upload on the meter's page: the form says the size limit and loads its script; the file's bytes go
 * with the CSRF token in a header and are imported into this meter (French answer); a file that is not an
 * Enedis export is refused with its line and stores nothing; a file above the limit is refused (413);
 * without the token, 403.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../src/accounts/service.js";
import { MAX_UPLOAD_BYTES } from "../../src/web/routes/import-upload.js";
import { heureFile, PRM } from "../helpers/enedis-files.js";
import { csrfOf, fixture, type Agent, type Fixture } from "./helpers.js";

describe("upload of an Enedis file on the meter's page", () => {
  let f: Fixture;
  let agent: Agent;
  let deviceId: number;
  let csrf: string;

  beforeAll(async () => {
    f = await fixture();
    await f.sender();
    ({ agent } = await f.signedIn("owner"));
    const r = await registerAccount(f.ctx.store, f.ctx.config, {
      username: "owner",
      usagePointId: PRM,
      nowMs: f.clock.now(),
    });
    deviceId = r.device.id;
    const page = await agent.get(`/devices/${deviceId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="import-form"');
    expect(page.body).toContain("20 Mo au plus");
    expect(page.body).toMatch(/<script src="\/static\/upload-[0-9a-f]{12}\.js"><\/script>/);
    csrf = csrfOf(page.body)!;
  }, 60_000);
  afterAll(() => f.close());

  const upload = (body: Buffer, token = csrf) =>
    f.web.app.inject({
      method: "POST",
      url: `/devices/${deviceId}/import`,
      headers: {
        cookie: [...agent.jar.entries()].map(([k, c]) => `${k}=${c.value}`).join("; "),
        "content-type": "application/octet-stream",
        "x-csrf-token": token,
        "x-file-name": encodeURIComponent("Enedis_Conso_Heure_20241020-20241103.csv"),
      },
      payload: body,
    });

  it("imports the file into this meter and answers in French", async () => {
    const res = await upload(
      heureFile("2024-10-26", "2024-10-29", 30, (i) => 100 + i, { bom: true, crlf: true }),
    );
    expect(res.statusCode, res.body).toBe(200);
    const json = JSON.parse(res.body) as { ok: boolean; message: string };
    // 48 + 50 + 48 half-hours.
    expect(json).toMatchObject({
      ok: true,
      message: expect.stringContaining("146 mesure(s) lue(s) (courbe de charge), 146 enregistrée(s)"),
    });
    expect(await f.ctx.store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 146, missing: 0 });
    const again = JSON.parse(
      (await upload(heureFile("2024-10-26", "2024-10-29", 30, (i) => 100 + i))).body,
    ) as { message: string };
    expect(again.message).toContain("Rien n'a changé.");
  });

  it("refuses a file that is not an Enedis export, with its line, and stores nothing", async () => {
    const res = await upload(Buffer.from("Horodate;Valeur\nhello;world\n"));
    expect(res.statusCode).toBe(422);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      line: 1,
      message: expect.stringMatching(/^Fichier refusé, rien n'a été enregistré\. ligne 1 : /),
    });
    expect(await f.ctx.store.measures.countCurve(deviceId, "consumption")).toEqual({ rows: 146, missing: 0 });
  });

  it("refuses a file above the limit (413) and an upload without the CSRF token (403)", async () => {
    expect((await upload(Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0x41))).statusCode).toBe(413);
    expect(
      (
        await upload(
          heureFile("2024-01-10", "2024-01-11", 30, () => 1),
          "forged",
        )
      ).statusCode,
    ).toBe(403);
  });
});
