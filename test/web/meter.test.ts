/**
 * A meter's views, computed from a really synced database and held to figures computed here from the
 * raw rows: the number of points per resolution (48 half-hours on a normal day, 46 and 50 on the
 * daylight-saving days; hourly for a month; daily for a year), the summary (totals, averages, extreme
 * days, night base load, max power), production beside consumption, the completeness statuses the
 * ledger cannot give (not published, not fetched), and the page's navigation.
 */
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parisDayStartMs } from "../../src/domain/time.js";
import type { MeterView } from "../../src/web/meter/views.js";
import { meterFixture, PRM, PROD_PRM, type MeterFixture } from "./meter-fixture.js";

describe("a meter's views", () => {
  let m: MeterFixture;
  beforeAll(async () => {
    m = await meterFixture({ deep: true });
  }, 120_000);
  afterAll(() => m?.f.close());

  async function view(prm: string, period: string, date: string): Promise<MeterView> {
    const res = await m.owner.get(`/api/v1/usage-points/${prm}/views/${period}?date=${date}`);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    return res.json() as MeterView;
  }

  it("draws a day's raw half-hours: 48 on a normal day, 46 and 50 on the daylight-saving days", async () => {
    for (const [date, points, hours] of [
      ["2026-11-10", 48, 24],
      ["2026-03-29", 46, 23],
      ["2026-10-25", 50, 25],
    ] as const) {
      const v = await view(PRM, "day", date);
      expect(v.charts.power?.resolution).toBe("raw");
      expect(v.charts.power?.x.length, date).toBe(points);
      expect(v.charts.power?.consumption.every((w) => w !== null && w > 0)).toBe(true);
      expect(v.charts.energy.x.length).toBe(points);
      expect(v.hours).toBe(hours);
      // Consecutive half-hours, from Paris midnight to the next.
      const x = v.charts.power!.x;
      expect(x[0]! * 1000).toBe(parisDayStartMs(date));
      expect(x.every((t, i) => i === 0 || t - x[i - 1]! === 1800)).toBe(true);
      // The page says how long the day is, and lists its half-hours with their offset.
      const page = await m.owner.get(`/devices/${m.devices[PRM]}?view=day&date=${date}`);
      expect(page.statusCode).toBe(200);
      expect((page.body.match(/<tr><td class="num" data-label="Heure \(Paris\)">/g) ?? []).length).toBe(
        points,
      );
      if (hours === 24) expect(page.body).not.toContain('id="dst-note"');
      else expect(page.body).toContain(`Journée de ${hours} heures`);
    }
  });

  it("draws a week raw, a month hour by hour and a year day by day", async () => {
    const week = await view(PRM, "week", "2026-03-29");
    expect([week.from, week.to]).toEqual(["2026-03-23", "2026-03-30"]);
    expect(week.charts.power?.x.length).toBe(7 * 48 - 2);
    expect(week.charts.energy.x.length).toBe(7);
    expect(week.hours).toBe(167);

    const october = await view(PRM, "month", "2026-10-15");
    expect(october.charts.power?.resolution).toBe("hour");
    expect(october.charts.power?.x.length).toBe(31 * 24 + 1);
    expect(october.charts.energy.x.length).toBe(31);
    expect(october.charts.max_power?.x.length).toBe(31);
    const march = await view(PRM, "month", "2026-03-01");
    expect(march.charts.power?.x.length).toBe(31 * 24 - 1);

    const year = await view(PRM, "year", "2026-02-01");
    expect(year.charts.power).toBeNull();
    expect(year.charts.energy.resolution).toBe("day");
    expect(year.charts.energy.x.length).toBe(365);
    expect(year.charts.max_power?.x.length).toBe(365);
    // Against the previous year, month by month: 2025 is whole, 2026 has no December yet.
    const cmp = year.charts.compare!;
    expect([cmp.year, cmp.previous_year]).toEqual(["2026", "2025"]);
    expect(cmp.previous.every((v) => v !== null && v > 100)).toBe(true);
    expect(cmp.current.slice(0, 11).every((v) => v !== null && v > 100)).toBe(true);
    expect(cmp.current[11]).toBeNull();
    const dec2025 = await m.f.ctx.store.measures.listDaily(
      m.devices[PRM]!,
      "consumption",
      parisDayStartMs("2025-12-01"),
      parisDayStartMs("2026-01-01"),
    );
    expect(cmp.previous[11]).toBeCloseTo(dec2025.reduce((a, d) => a + (d.value ?? 0), 0) / 1000, 1);
  });

  it("sums up a month as the stored rows say", async () => {
    const v = await view(PRM, "month", "2026-10-15");
    const device = m.devices[PRM]!;
    const from = parisDayStartMs("2026-10-01");
    const to = parisDayStartMs("2026-11-01");
    const daily = (await m.f.ctx.store.measures.listDaily(device, "consumption", from, to)).filter(
      (d) => d.value !== null,
    );
    expect(daily.length).toBe(31);
    const total = daily.reduce((a, d) => a + d.value!, 0) / 1000;
    const min = daily.reduce((a, d) => (d.value! < a.value! ? d : a));
    const max = daily.reduce((a, d) => (d.value! > a.value! ? d : a));
    // Night base load: per night the mean power 01:00-05:00 Paris, then the median over the nights.
    const curve = await m.f.ctx.store.measures.listCurve(device, "consumption", from, to);
    const nights = new Map<string, number[]>();
    for (const p of curve) {
      const t = DateTime.fromMillis(p.startMs, { zone: "Europe/Paris" });
      if (t.hour >= 1 && t.hour < 5 && p.powerW !== null)
        nights.set(t.toISODate()!, [...(nights.get(t.toISODate()!) ?? []), p.powerW]);
    }
    const means = [...nights.values()]
      .map((ws) => ws.reduce((a, w) => a + w, 0) / ws.length)
      .sort((a, b) => a - b);
    const median =
      means.length % 2
        ? means[(means.length - 1) / 2]!
        : (means[means.length / 2 - 1]! + means[means.length / 2]!) / 2;
    const peaks = (await m.f.ctx.store.measures.listDaily(device, "max_power", from, to)).filter(
      (d) => d.value !== null,
    );
    const peak = peaks.reduce((a, d) => (d.value! > a.value! ? d : a));
    const s = v.summary.consumption;
    expect(s.total_kwh).toBeCloseTo(total, 3);
    expect(s.days_with_data).toBe(31);
    expect(s.average_kwh_per_day).toBeCloseTo(total / 31, 3);
    expect(s.min_day).toEqual({ day: min.day, kwh: min.value! / 1000 });
    expect(s.max_day).toEqual({ day: max.day, kwh: max.value! / 1000 });
    expect(s.night_base_load_w).toBe(Math.round(median));
    expect(s.max_power_kva).toBeCloseTo(peak.value! / 1000, 2);
    expect(s.max_power_at).toBe(new Date(peak.peakAtMs!).toISOString().replace(".000Z", "Z"));
    expect(v.subscribed_power_kva).toBeGreaterThan(0);
    expect(v.charts.max_power?.subscribed_kva).toBe(v.subscribed_power_kva);
    // The page's summary table shows them.
    const page = await m.owner.get(`/devices/${m.devices[PRM]}?view=month&date=2026-10-15`);
    expect(page.body).toMatch(
      /<tr data-key="base"><th scope="row">Talon de nuit[^<]*<\/th><td class="num">[\d\s ]+ W<\/td>/,
    );
    expect((page.body.match(/<tr><td class="num" data-label="Jour">/g) ?? []).length).toBe(31);
  });

  it("shows production beside consumption where the PRM has it", async () => {
    const v = await view(PROD_PRM, "month", "2026-11-10");
    expect(v.has_production).toBe(true);
    expect(v.charts.power?.production?.some((w) => w !== null && w > 0)).toBe(true);
    expect(v.charts.energy.production?.length).toBe(30);
    const produced = await m.f.ctx.store.measures.listDaily(
      m.devices[PROD_PRM]!,
      "production",
      parisDayStartMs("2026-11-01"),
      parisDayStartMs("2026-12-01"),
    );
    expect(v.summary.production?.total_kwh).toBeCloseTo(
      produced.reduce((a, d) => a + (d.value ?? 0), 0) / 1000,
      3,
    );
    const page = await m.owner.get(`/devices/${m.devices[PROD_PRM]}?view=month&date=2026-11-10`);
    expect(page.body).toContain("<th>Production</th>");
    // A consumption-only meter has no production column.
    expect((await view(PRM, "month", "2026-11-10")).has_production).toBe(false);
  });

  it("marks days not published yet and days never fetched in the completeness calendar", async () => {
    const v = await view(PRM, "year", "2026-06-01");
    const status = new Map(v.completeness.days.map((d) => [d.day, d.status]));
    expect(v.completeness.days.length).toBe(365);
    expect(status.get("2026-11-27")).toBe("complete");
    expect(status.get("2026-11-28")).toBe("not_published");
    expect(status.get("2026-12-31")).toBe("not_published");
    expect(status.get("2026-01-15")).toBe("not_fetched"); // before the nine months of curve fetched
    const daily = await m.owner.get(
      `/devices/${m.devices[PRM]}?view=year&date=2026-06-01&cal=daily_consumption`,
    );
    expect(daily.body).toContain('data-dataset="daily_consumption"');
    expect(daily.body).toContain('data-day="2026-01-15" data-status="complete"');
  });

  it("navigates by period, never past the last published day", async () => {
    const page = await m.owner.get(`/devices/${m.devices[PRM]}?view=month&date=2026-10-15`);
    expect(page.body).toContain(
      `href="/devices/${m.devices[PRM]}?view=month&amp;date=2026-09-01" rel="prev"`,
    );
    expect(page.body).toContain(
      `href="/devices/${m.devices[PRM]}?view=month&amp;date=2026-11-01" rel="next"`,
    );
    const last = await m.owner.get(`/devices/${m.devices[PRM]}?view=month&date=2026-11-15`);
    expect(last.body).not.toContain('rel="next"');
    // Default: the last 7 published days (issue 12); a bad view or date is a French 400 naming it.
    const d = await m.owner.get(`/devices/${m.devices[PRM]}`);
    expect(d.statusCode).toBe(200);
    expect(d.body).toContain('data-period="last7"');
    expect(d.body).toContain('value="2026-11-27"');
    for (const [q, name] of [
      ["?view=decade", "view"],
      ["?view=month&date=yesterday", "date"],
    ] as const) {
      const bad = await m.owner.get(`/devices/${m.devices[PRM]}${q}`);
      expect(bad.statusCode, q).toBe(400);
      expect(bad.body).toContain(`Le paramètre «\u00a0${name}\u00a0»`);
    }
    // Charts come from files of this site (the CSP allows no inline script).
    expect(page.body).toMatch(/<script src="\/static\/uplot-[0-9a-f]+\.js"><\/script>/);
    expect(page.body).not.toMatch(/<script>|<script type="(?!application\/json)|style="/);
  });
});
