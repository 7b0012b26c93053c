/**
 * The analysis views (issue 12) on a really synced database, held to figures computed here from the
 * stored rows: the heatmap's half-hours per Paris day (48; 46 on 29 March 2026, 50 on 25 October 2026),
 * the weekday profile, the comparison with the previous period and the year before (kWh and %), the night
 * base load per month; their pages in French with their explanation; and the meter page's parameters
 * (a French 400 naming the parameter; dates brought back into the history with a note).
 */
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisMidnightFast } from "../../src/domain/paris-fast.js";
import type { BaseLoad, Comparison, Heatmap, WeekdayProfile } from "../../src/web/meter/analysis.js";
import { meterFixture, PRM, type MeterFixture } from "./meter-fixture.js";

describe("analysis views", () => {
  let m: MeterFixture;
  beforeAll(async () => {
    m = await meterFixture({ deep: true });
  }, 180_000);
  afterAll(() => m?.f.close());

  const api = async <T>(path: string): Promise<T> => {
    const res = await m.owner.get(`/api/v1/usage-points/${PRM}/${path}`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res.json() as T;
  };
  const device = () => m.devices[PRM]!;

  it("cuts the heatmap in Paris half-hours: 50 on 25 October 2026, 46 on 29 March, 48 else", async () => {
    for (const [day, next, cells] of [
      ["2026-10-25", "2026-10-26", 50],
      ["2026-03-29", "2026-03-30", 46],
      ["2026-11-10", "2026-11-11", 48],
    ] as const) {
      const h = await api<Heatmap>(`heatmap?from=${day}&to=${next}`);
      expect(h.days.map((d) => d.day)).toEqual([day]);
      const row = h.days[0]!;
      expect(row.x.length, day).toBe(cells);
      expect(row.values.length).toBe(cells);
      expect(row.x[0]! * 1000).toBe(parisMidnightFast(day));
      expect(row.x.every((t, i) => i === 0 || t - row.x[i - 1]! === 1800)).toBe(true);
      // Each cell is the mean of the stored points of its half-hour (the curve is 30-minute: equal).
      const points = await m.f.ctx.store.measures.listCurve(
        device(),
        "consumption",
        parisMidnightFast(day),
        parisMidnightFast(next),
      );
      expect(points.length).toBe(cells);
      expect(row.values).toEqual(points.map((p) => Math.round(p.powerW!)));
      expect(h.max_w).toBe(Math.max(...row.values.map((v) => v ?? 0)));
    }
    // The page: one row per day, 50 cells on the autumn change.
    const page = await m.owner.get(`/devices/${device()}/analysis?kind=heatmap&view=last7&date=2026-10-27`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-day="2026-10-25" data-cells="50"');
    expect(page.body).toContain('data-day="2026-10-27" data-cells="48"');
    expect(page.body).toContain("Chaque ligne est un jour");
    expect(page.body).toContain("dim. 25/10");
  });

  it("averages the weekday profile by wall-clock half-hour", async () => {
    const w = await api<WeekdayProfile>("weekday-profile?from=2026-10-26&to=2026-11-23");
    expect(w.slots.length).toBe(48);
    expect(w.weekdays.length).toBe(7);
    expect(w.weekday_days).toEqual([4, 4, 4, 4, 4, 4, 4]);
    // Monday 08:00–08:30, computed here from the rows with luxon.
    const points = await m.f.ctx.store.measures.listCurve(
      device(),
      "consumption",
      parisMidnightFast("2026-10-26"),
      parisMidnightFast("2026-11-23"),
    );
    const at = (weekday: number, hour: number, minute: number) =>
      points.filter((p) => {
        const d = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" });
        return d.weekday === weekday && d.hour === hour && d.minute === minute;
      });
    const monday8 = at(1, 8, 0);
    expect(monday8.length).toBe(4);
    expect(w.weekdays[0]![16]).toBe(Math.round(monday8.reduce((s, p) => s + p.powerW!, 0) / 4));
    const workdays = [1, 2, 3, 4, 5].flatMap((d) => at(d, 19, 30));
    expect(w.workdays[39]).toBe(Math.round(workdays.reduce((s, p) => s + p.powerW!, 0) / workdays.length));
    const weekend = [6, 7].flatMap((d) => at(d, 19, 30));
    expect(w.weekend[39]).toBe(Math.round(weekend.reduce((s, p) => s + p.powerW!, 0) / weekend.length));
    expect(w.workday_kwh).toBeGreaterThan(0);
    const page = await m.owner.get(`/devices/${device()}/analysis?kind=weekday&view=month&date=2026-11-10`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="weekday-groups"');
    expect(page.body).toContain("la semaine (lundi à vendredi) face au week-end");
  });

  it("puts the daylight-saving days' half-hours where the wall clock says", async () => {
    // 25 October 2026: 02:00–03:00 happens twice; its two half-hours' slots average both passes.
    const autumn = await api<WeekdayProfile>("weekday-profile?from=2026-10-25&to=2026-10-26");
    const points = await m.f.ctx.store.measures.listCurve(
      device(),
      "consumption",
      parisMidnightFast("2026-10-25"),
      parisMidnightFast("2026-10-26"),
    );
    const twoAm = points.filter((p) => {
      const d = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" });
      return d.hour === 2 && d.minute === 0;
    });
    expect(twoAm.length).toBe(2);
    expect(autumn.weekdays[6]![4]).toBe(Math.round((twoAm[0]!.powerW! + twoAm[1]!.powerW!) / 2));
    expect(autumn.weekdays[6]!.every((v) => v !== null)).toBe(true);
    expect(autumn.weekday_days).toEqual([0, 0, 0, 0, 0, 0, 1]);
    // 29 March 2026: there is no 02:00–03:00.
    const spring = await api<WeekdayProfile>("weekday-profile?from=2026-03-29&to=2026-03-30");
    expect(spring.weekdays[6]![4]).toBeNull();
    expect(spring.weekdays[6]![5]).toBeNull();
    expect(spring.weekdays[6]!.filter((v) => v !== null).length).toBe(46);
    // A comparison across the autumn change: the week of 25 October against the one before.
    const c = await api<Comparison>("comparison?from=2026-10-19&to=2026-10-26");
    expect([c.previous.from, c.previous.to]).toEqual(["2026-10-12", "2026-10-19"]);
    expect(c.current.days_with_data).toBe(7);
  });

  it("compares a period with the previous one and with a year earlier, in kWh and %", async () => {
    const c = await api<Comparison>("comparison?from=2026-11-01&to=2026-11-08");
    const sum = async (from: string, to: string) => {
      const rows = await m.f.ctx.store.measures.listDaily(
        device(),
        "consumption",
        parisMidnightFast(from),
        parisMidnightFast(to),
      );
      return Math.round(rows.reduce((s, r) => s + (r.value ?? 0), 0) / 10) / 100;
    };
    expect(c.current).toEqual({
      from: "2026-11-01",
      to: "2026-11-08",
      kwh: await sum("2026-11-01", "2026-11-08"),
      days_with_data: 7,
    });
    expect([c.previous.from, c.previous.to]).toEqual(["2026-10-25", "2026-11-01"]);
    expect(c.previous.kwh).toBe(await sum("2026-10-25", "2026-11-01"));
    expect([c.year_before.from, c.year_before.to]).toEqual(["2025-11-01", "2025-11-08"]);
    expect(c.year_before.kwh).toBe(await sum("2025-11-01", "2025-11-08"));
    const prev = c.previous.kwh!;
    expect(c.previous.diff_kwh).toBeCloseTo(c.current.kwh! - prev, 1);
    expect(c.previous.diff_pct).toBeCloseTo(((c.current.kwh! - prev) / prev) * 100, 0);
    const page = await m.owner.get(`/devices/${device()}/analysis?kind=compare&view=last7&date=2026-11-07`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Un an plus tôt");
    expect(page.body).toContain("du 01/11/2026 au 07/11/2026");
  });

  it("follows the night base load month by month", async () => {
    const b = await api<BaseLoad>("base-load?from=2026-04-01&to=2026-12-01");
    expect(b.months.map((x) => x.month)).toEqual([
      "2026-04",
      "2026-05",
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
    ]);
    // October: the median of its nights' mean power 01:00–05:00, computed here.
    const points = await m.f.ctx.store.measures.listCurve(
      device(),
      "consumption",
      parisMidnightFast("2026-10-01"),
      parisMidnightFast("2026-11-01"),
    );
    const nights = new Map<string, number[]>();
    for (const p of points) {
      const d = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" });
      if (d.hour >= 1 && d.hour < 5) {
        const k = d.toISODate()!;
        nights.set(k, [...(nights.get(k) ?? []), p.powerW!]);
      }
    }
    const means = [...nights.values()]
      .map((xs) => xs.reduce((s, x) => s + x, 0) / xs.length)
      .sort((a, c) => a - c);
    const median = (means[15]! + means[15]!) / 2;
    const october = b.months.find((x) => x.month === "2026-10")!;
    expect(october.nights).toBe(31);
    expect(october.base_w).toBe(Math.round(median));
    expect(b.trend_w).toBe(b.months.at(-1)!.base_w! - b.months.find((x) => x.base_w !== null)!.base_w!);
    const page = await m.owner.get(`/devices/${device()}/analysis?kind=baseload&date=2026-11-10`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Un talon qui monte signale un appareil qui ne s&#39;éteint plus.");
  });

  it("checks the meter page's parameters and brings dates back into the history", async () => {
    const url = (q: string) => `/devices/${device()}${q}`;
    for (const [q, name, accepted] of [
      ["?view=decade", "view", "last7"],
      ["?date=2026-13-45", "date", "AAAA-MM-JJ"],
      ["?cal=nothing", "cal", "daily_consumption"],
      ["/analysis?kind=pie", "kind", "heatmap, weekday, compare, baseload"],
    ] as const) {
      const res = await m.owner.get(url(q));
      expect(res.statusCode, q).toBe(400);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.body).toContain(`Le paramètre «\u00a0${name}\u00a0»`);
      expect(res.body).toContain(accepted);
      expect(res.body).toContain('href="/"');
    }
    const future = await m.owner.get(url("?view=day&date=2030-01-01"));
    expect(future.statusCode).toBe(200);
    expect(future.body).toContain('value="2026-11-27"');
    expect(future.body).toContain(
      "n&#39;est pas encore publié par Enedis : voici le dernier jour publié, le 27/11/2026",
    );
    const past = await m.owner.get(url("?view=day&date=2001-05-05"));
    expect(past.statusCode).toBe(200);
    expect(past.body).toContain("L&#39;historique de ce compteur commence le");
    expect(past.body).not.toContain('value="2001-05-05"');
    // The download form: checked in French, then handed to the API's export.
    const bad = await m.owner.get(url("/export?dataset=daily_consumption&from=2026-11-08&to=2026-11-01"));
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toContain("text/html");
    expect(bad.body).toContain("«\u00a0from\u00a0» doit précéder «\u00a0to\u00a0»");
    const ok = await m.owner.get(url("/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08"));
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(
      `/api/v1/usage-points/${PRM}/export?dataset=daily_consumption&from=2026-11-01&to=2026-11-08&format=csv`,
    );
  });
});
