/**
 * The costs commands through the real CLI process on a real SQLite database whose meter holds two hand-made
 * days (a flat curve: every figure below is worked out by hand): `offer add` refuses a bad file naming
 * the key and stores nothing, `tariff set` makes `costs` default to the meter's offer, `tempo import`
 * colours the days, `compare` puts the cheapest first, `power-advice` picks the standard power, and
 * `offer import-cre` warns about an old file.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayStartMs } from "../../src/domain/time.js";
import { openStore } from "../../src/store/index.js";
import { runCli, runCliOk } from "../helpers/cli.js";

const PRM = "22516914714270";

// Each CLI run is a child process (3 to 5 s on a loaded two-core machine).
describe("CLI costs", { timeout: 60_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "linky-cli-costs-"));
    env = {
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, "linky.db")}`,
      LINKY_NOW: "2026-11-28T11:00:00Z",
    };
    await runCliOk(["migrate"], env);
    await runCliOk(["user", "add", "marie", "--password", "correct horse battery"], env);
    await runCliOk(["sender", "add", "--libelle", "linky", "--impl", "dataconnect"], env);
    await runCliOk(["account", "add", "--user", "marie", "--usage-point", PRM], env);
    const store = await openStore({ url: env.DATABASE_URL!, dataDir: dir });
    const device = (await store.devices.findByMac(PRM))[0]!;
    // 1000 W flat on 10 and 11 November 2026 (24 kWh a day); max power 5 400 VA and 4 000 VA.
    const curve = ["2026-11-10", "2026-11-11"].flatMap((d) =>
      Array.from({ length: 48 }, (_, i) => ({
        startMs: parisDayStartMs(d) + i * 1_800_000,
        lengthMin: 30,
        value: 1000,
      })),
    );
    await store.measures.upsertCurve(device.id, "consumption", curve);
    await store.measures.upsertMaxPower(device.id, [
      {
        startMs: parisDayStartMs("2026-11-10"),
        lengthMin: 1440,
        value: 5400,
        peakAtMs: parisDayStartMs("2026-11-10") + 3_600_000,
      },
      {
        startMs: parisDayStartMs("2026-11-11"),
        lengthMin: 1440,
        value: 4000,
        peakAtMs: parisDayStartMs("2026-11-11") + 3_600_000,
      },
    ]);
    await store.tariffs.recordOffPeak(device.id, "HC (22H00-6H00)", "2026-01-01");
    await store.close();
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a bad offer file naming the key, and stores nothing of it", async () => {
    const bad = await file(
      "bad.yaml",
      `- name: good\n  kind: base\n  prices: [{from: 2026-01-01, subscription_eur_per_month: 10, base: 0.2}]\n- name: bad\n  kind: hphc\n  offpeak: contract\n  prices: [{from: 2026-01-01, subscription_eur_per_month: 10, hp: 0.2, hc: -0.1}]\n`,
    );
    const r = await runCli(["offer", "add", "--file", bad], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('offer "bad": prices[0].hc: must not be negative');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect((await runCliOk(["offer", "list"], env)).stdout).toContain("no offer");
  });

  it("prices the meter's days on its tariff, with Tempo colours, and compares the offers", async () => {
    const offers = await file(
      "offers.json",
      JSON.stringify([
        {
          name: "hphc",
          kind: "hphc",
          offpeak: "contract",
          prices: [{ from: "2026-01-01", subscription_eur_per_month: 15, hp: 0.25, hc: 0.2 }],
        },
        {
          name: "tempo",
          kind: "tempo",
          prices: [
            {
              from: "2026-01-01",
              subscription_eur_per_month: 15,
              hp_bleu: 0.1,
              hc_bleu: 0.1,
              hp_blanc: 0.2,
              hc_blanc: 0.2,
              hp_rouge: 0.7,
              hc_rouge: 0.16,
            },
          ],
        },
      ]),
    );
    await runCliOk(["offer", "add", "--file", offers], env);
    await runCliOk(["tariff", "set", "--usage-point", PRM, "--offer", "hphc", "--from", "2026-11-01"], env);
    const csv = (
      await runCliOk(["costs", "--usage-point", PRM, "--from", "2026-11-10", "--to", "2026-11-11"], env)
    ).stdout;
    // why: HC 22:00-06:00 = 8 h × 1 kW = 8 kWh at 0.20 = 1.6 EUR; HP 16 kWh at 0.25 = 4 EUR; 15 EUR / 30 days.
    expect(csv).toBe(
      "date,period,kwh,eur\n2026-11-10,HP,16,4\n2026-11-10,HC,8,1.6\n2026-11-10,SUBSCRIPTION,,0.5\n",
    );
    await runCliOk(
      [
        "tempo",
        "import",
        await file("tempo.csv", "date;couleur\n2026-11-09;BLEU\n2026-11-10;ROUGE\n2026-11-11;BLEU\n"),
      ],
      env,
    );
    const json = JSON.parse(
      (
        await runCliOk(
          [
            "costs",
            "--usage-point",
            PRM,
            "--from",
            "2026-11-10",
            "--to",
            "2026-11-11",
            "--offer",
            "tempo",
            "--format",
            "json",
          ],
          env,
        )
      ).stdout,
    ) as { period: string; kwh: number | null; eur: number }[];
    // why: 00:00-06:00 of the 10th is the blue day of the 9th (6 kWh × 0.10); 06:00-22:00 red HP
    // (16 kWh × 0.70 = 11.2); 22:00-24:00 red HC (2 kWh × 0.16 = 0.32).
    expect(json.map((r) => [r.period, r.kwh, r.eur])).toEqual([
      ["HC_BLEU", 6, 0.6],
      ["HP_ROUGE", 16, 11.2],
      ["HC_ROUGE", 2, 0.32],
      ["SUBSCRIPTION", null, 0.5],
    ]);
    const cmp = JSON.parse(
      (
        await runCliOk(
          ["compare", "--usage-point", PRM, "--from", "2026-11-10", "--to", "2026-11-12", "--format", "json"],
          env,
        )
      ).stdout,
    ) as {
      offers: {
        offer: string;
        total_eur: number;
        tempo?: { red_days: number; shift_red_hp_20pct_saving_eur: number };
      }[];
    };
    // why: hphc: 2 × (4 + 1.6 + 0.5) = 12.2. tempo: the 10th 12.12 + 0.5; the 11th: 00-06 red HC 6 × 0.16
    // = 0.96, then blue 18 kWh × 0.10 = 1.8, + 0.5: total 15.88.
    expect(cmp.offers.map((o) => [o.offer, o.total_eur])).toEqual([
      ["hphc", 12.2],
      ["tempo", 15.88],
    ]);
    // why: moving 20% of 16 kWh red HP to red HC saves 3.2 × (0.70 − 0.16) = 1.728 EUR.
    expect(cmp.offers[1]!.tempo).toEqual({
      red_days: 1,
      red_days_eur: 12.48,
      shift_red_hp_20pct_saving_eur: 1.728,
    });
    const table = (
      await runCliOk(["compare", "--usage-point", PRM, "--from", "2026-11-10", "--to", "2026-11-12"], env)
    ).stdout;
    expect(table.indexOf("hphc")).toBeLessThan(table.indexOf("tempo"));
  }, 180_000);

  it("advises the subscribed power from the daily max power", async () => {
    const advice = JSON.parse(
      (await runCliOk(["power-advice", "--usage-point", PRM, "--json"], env)).stdout,
    ) as {
      recommendedKva: number;
      closeDays: { date: string }[];
    };
    // why: 5 400 VA × 1.1 = 5 940 ≤ 6 000: 6 kVA; 5 400 > 90% of 6 000 (5 400 is not above 5 400): no close day;
    // 4 000 is not either.
    expect(advice.recommendedKva).toBe(6);
    expect(advice.closeDays).toEqual([]);
  });

  it("imports the CRE file and warns when its newest row is older than the last regulated change", async () => {
    const cre = await file(
      "cre.csv",
      "DATE_DEBUT;DATE_FIN;P_SOUSCRITE;PART_FIXE_HT;PART_FIXE_TTC;PART_VARIABLE_HT;PART_VARIABLE_TTC\r\n01/02/2026;;6;9;144;0,13;0,1952\r\n",
    );
    const r = await runCliOk(["offer", "import-cre", cre], env);
    // why: the clock is 28 Nov 2026: the last change was 1 Aug 2026, the file's newest row is 1 Feb 2026.
    expect(r.stderr).toContain("before the last regulated change (2026-08-01)");
    expect((await runCliOk(["offer", "list"], env)).stdout).toContain("Tarif Bleu Base 6 kVA (CRE)");
  });
});
