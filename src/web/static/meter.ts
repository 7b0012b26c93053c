/**
 * The meter page's script and styles. The script is plain ES2017 for the browser, served as
 * `/static/meter-<hash>.js` next to uPlot (`/static/uplot-<hash>.js`): the CSP allows scripts from this
 * site only, never inline. It reads the view from `#meter-view[data-view]` and draws each chart with
 * uPlot, in Europe/Paris time (so a 23- or 25-hour day shows as one), then marks each chart with the
 * number of points it drew (`data-points`).
 *
 * Every time axis spans the chosen period (`data-from-s`, `data-to-s`: its Paris midnights), not the data;
 * a daily bar spans its day (it starts at the day's midnight); the legend names the unit of time (heure,
 * jour, mois); dates read one way: `30/11/2026`, `lun. 30/11`; on a narrow screen the months are initials.
 */
export const METER_SCRIPT = String.raw`(function () {
  "use strict";
  var holder = document.getElementById("meter-view");
  if (!holder || typeof uPlot === "undefined") return;
  var view = JSON.parse(holder.getAttribute("data-view"));
  var fromS = Number(holder.getAttribute("data-from-s"));
  var toS = Number(holder.getAttribute("data-to-s"));
  var charts = [];
  var BLUE = "#0b63c5", GREEN = "#1f7a3a", RED = "#b42318", GREY = "#8a94a6";
  var MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
  var NAMES = {
    MMMM: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    MMM: MONTHS,
    WWWW: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    WWW: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."]
  };
  function fmtDate(tpl) { return uPlot.fmtDate(tpl, NAMES); }
  // Time axis labels, French and 24-hour: [tick step (s), label, label when the year/month/day changes…].
  var TIME_VALUES = [
    [3600 * 24 * 365, "{YYYY}", null, null, null, null, null, null, 1],
    [3600 * 24 * 28, "{MMM}", "\n{YYYY}", null, null, null, null, null, 1],
    [3600 * 24, "{WWW} {DD}/{MM}", "\n{YYYY}", null, null, null, null, null, 1],
    [3600, "{HH} h", "\n{WWW} {DD}/{MM}", null, "\n{WWW} {DD}/{MM}", null, null, null, 1],
    [60, "{HH}:{mm}", "\n{WWW} {DD}/{MM}", null, "\n{WWW} {DD}/{MM}", null, null, null, 1]
  ];
  var DAY_INCRS = [86400, 2 * 86400, 7 * 86400, 14 * 86400];
  var HOUR_INCRS = [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400];
  var INITIALS = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"];
  /** Tick labels of a value axis in French: 1 500, 0,5 (the browser's own locale may be another). */
  function frTicks(u, ticks) { return ticks.map(function (v) { return v == null ? "" : v.toLocaleString("fr-FR", { maximumFractionDigits: 2 }); }); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  /** "lun. 30/11" (day), "lun. 30/11 14:30" (time): the one date format of the charts. */
  function dayLabel(ts) { var d = tz(ts); return NAMES.WWW[d.getDay()] + " " + pad(d.getDate()) + "/" + pad(d.getMonth() + 1); }
  function timeLabel(ts) { var d = tz(ts); return dayLabel(ts) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  /** Paris midnight of the 1st of each month in [min, max] (epoch s): ticks of a long time axis. */
  function monthSplits(u, axis, min, max) {
    var out = [];
    var d = tz(min);
    var y = d.getFullYear(), m = d.getMonth();
    for (var i = 0; i < 40; i++, m++) {
      var guess = Date.UTC(y, m, 1) / 1000 - 3600;
      if (tz(guess).getHours() !== 0) guess -= 3600;
      if (guess > max) break;
      if (guess >= min) out.push(guess);
    }
    return out;
  }
  function monthLabels(u, splits) {
    var narrow = u.width < 560;
    return splits.map(function (ts) {
      var d = tz(ts);
      return (narrow ? INITIALS : MONTHS)[d.getMonth()] + (d.getMonth() === 0 || splits.length < 3 ? "\n" + d.getFullYear() : "");
    });
  }
  function zeroBased(u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.08 : 1]; }
  function tz(ts) { return uPlot.tzDate(new Date(ts * 1000), "Europe/Paris"); }
  function fmt(unit, digits) {
    return function (u, v) { return v == null ? "—" : v.toLocaleString("fr-FR", { maximumFractionDigits: digits }) + " " + unit; };
  }
  function size(el) { return { width: Math.max(260, el.clientWidth), height: el.clientWidth < 500 ? 220 : 280 }; }
  function draw(id, opts, data) {
    var el = document.getElementById(id);
    if (!el) return;
    var s = size(el);
    opts.width = s.width;
    opts.height = s.height;
    var u = new uPlot(opts, data, el);
    el.setAttribute("data-points", String(data[0].length));
    el.setAttribute("data-rendered", "1");
    charts.push({ u: u, el: el });
  }
  var hasPaths = uPlot.paths && uPlot.paths.bars;
  var bars = hasPaths ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined;
  // A day's bar starts at its midnight and fills most of the day (align 1: to the right of its x).
  var dayBars = hasPaths ? uPlot.paths.bars({ size: [0.86, Infinity], align: 1 }) : undefined;
  var barsLeft = hasPaths ? uPlot.paths.bars({ size: [0.4, 40], align: -1 }) : undefined;
  var barsRight = hasPaths ? uPlot.paths.bars({ size: [0.4, 40], align: 1 }) : undefined;
  var stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
  function series(label, color, unit, digits, kind) {
    var s = { label: label, stroke: color, width: 1.5, value: fmt(unit, digits), spanGaps: false };
    if (kind === "bars" || kind === "daybars" || kind === "left" || kind === "right") {
      s.paths = kind === "left" ? barsLeft : kind === "right" ? barsRight : kind === "daybars" ? dayBars : bars;
      s.fill = color + "66";
      s.points = { show: false };
    }
    if (kind === "stepped") { s.paths = stepped; s.fill = color + "22"; s.points = { show: false }; }
    return s;
  }
  function timeChart(id, chart, unit, digits, kind, extra) {
    if (!chart) return;
    var daily = chart.resolution === "day";
    // A bar spans its interval (a day, a half-hour): it starts at its x.
    if (kind === "bars") kind = "daybars";
    var s = [{ label: daily ? "Jour" : "Heure (Paris)", value: function (u, ts) { return ts == null ? "—" : daily ? dayLabel(ts) : timeLabel(ts); } }];
    var data = [chart.x];
    s.push(series("Consommation", BLUE, unit, digits, kind));
    data.push(chart.consumption);
    if (chart.production) { s.push(series("Production", GREEN, unit, digits, kind)); data.push(chart.production); }
    if (extra) { s.push(extra.series); data.push(extra.values); }
    // The x-axis spans the period, whatever the data cover.
    var scales = { x: { time: true, range: fromS && toS ? function () { return [fromS, toS]; } : undefined } };
    if (kind === "bars" || kind === "daybars") scales.y = { range: zeroBased };
    var long = toS - fromS > 62 * 86400;
    draw(id, {
      tzDate: tz,
      fmtDate: fmtDate,
      // Room on the right for the label of the period's end.
      padding: [null, 30, null, null],
      series: s,
      scales: scales,
      axes: [
        long
          ? { splits: monthSplits, values: monthLabels }
          : { values: TIME_VALUES, incrs: daily ? DAY_INCRS : HOUR_INCRS, space: 56 },
        { size: 60, values: frTicks }
      ],
      cursor: { drag: { x: true, y: false } }
    }, data);
  }
  var c = view.charts;
  timeChart("chart-power", c.power, "W", 0, "stepped");
  timeChart("chart-energy", c.energy, c.energy.unit, c.energy.unit === "Wh" ? 0 : 2, "bars");
  if (c.max_power) {
    var sub = c.max_power.subscribed_kva;
    timeChart("chart-max-power", c.max_power, "kVA", 2, "bars", sub == null ? null : {
      series: { label: "Puissance souscrite", stroke: RED, width: 1.5, dash: [6, 4], value: fmt("kVA", 0), points: { show: false } },
      values: c.max_power.x.map(function () { return sub; })
    });
  }
  if (c.compare) {
    var months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    draw("chart-compare", {
      scales: { x: { time: false, range: [0.5, 12.5] }, y: { range: zeroBased } },
      axes: [{ values: function (u, ticks) { var names = u.width < 560 ? INITIALS : MONTHS; return ticks.map(function (t) { return names[t - 1] || ""; }); }, incrs: [1], space: 14 }, { size: 60, values: frTicks }],
      series: [
        { label: "Mois", value: function (u, v) { return v == null ? "—" : MONTHS[v - 1]; } },
        series(c.compare.previous_year, GREY, "kWh", 0, "left"),
        series(c.compare.year, BLUE, "kWh", 0, "right")
      ]
    }, [months, c.compare.previous, c.compare.current]);
  }
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (ch) { ch.u.setSize(size(ch.el)); });
    }, 150);
  });
})();
(function () {
  "use strict";
  // The analysis page's profile per weekday: one line per weekday, and the workdays against the weekend.
  var el = document.getElementById("chart-weekday");
  if (!el || typeof uPlot === "undefined") return;
  var p = JSON.parse(el.getAttribute("data-profile"));
  var x = p.slots.map(function (_, i) { return i; });
  var COLORS = ["#0b63c5", "#3d8fd6", "#6aa7e0", "#2f5f99", "#5b95d3", "#d35a26", "#a8321a"];
  var DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
  function watts(u, v) { return v == null ? "—" : Math.round(v).toLocaleString("fr-FR") + " W"; }
  var series = [{ label: "Heure (Paris)", value: function (u, v) { return v == null ? "—" : p.slots[v]; } }];
  var data = [x];
  series.push({ label: "semaine", stroke: "#10243e", width: 3, value: watts });
  data.push(p.workdays);
  series.push({ label: "week-end", stroke: "#e8873a", width: 3, value: watts });
  data.push(p.weekend);
  for (var d = 0; d < 7; d++) {
    series.push({ label: DAYS[d], stroke: COLORS[d], width: 1, dash: [4, 3], value: watts, show: false });
    data.push(p.weekdays[d]);
  }
  var w = Math.max(260, el.clientWidth);
  var u = new uPlot({
    width: w,
    height: w < 500 ? 220 : 280,
    scales: { x: { time: false, range: [0, 47] }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } },
    axes: [
      { values: function (u, ticks) { return ticks.map(function (t) { return t % 2 === 0 ? String(t / 2) + " h" : ""; }); }, incrs: [6, 12], space: 30 },
      { size: 60, values: function (u, ticks) { return ticks.map(function (v) { return v.toLocaleString("fr-FR"); }); } }
    ],
    series: series
  }, data, el);
  el.setAttribute("data-rendered", "1");
  window.addEventListener("resize", function () {
    var nw = Math.max(260, el.clientWidth);
    u.setSize({ width: nw, height: nw < 500 ? 220 : 280 });
  });
})();
`;

export const METER_CSS = `
.periods{display:flex;gap:.3rem;flex-wrap:wrap;margin:.5rem 0}
.periods a{padding:.35rem .8rem;border:1px solid var(--line);border-radius:999px;text-decoration:none;background:var(--card)}
.periods a.on{background:var(--accent);color:#fff;border-color:var(--accent)}
.period-bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0 1rem}
.period-bar form{margin:0}
.button.disabled{opacity:.45;cursor:default}
.chart-card h3{font-size:1rem;margin:0 0 .5rem}
.chart{min-height:220px;width:100%;overflow:hidden}
.analyses{margin:.3rem 0;padding-left:1.2rem}
@media (max-width:40rem){td.num{white-space:normal}#summary th,#summary td{padding:.35rem .3rem;font-size:.9rem}.period-bar input[type=date]{max-width:9.5rem}}
table.calendar{width:auto;display:inline-table;margin:0 1rem 1rem 0;border-collapse:separate;border-spacing:2px;background:none}
table.calendar caption{font-weight:600;text-align:left;padding-bottom:.2rem}
table.calendar th,table.calendar td{padding:0;width:1.9rem;height:1.6rem;text-align:center;border:0;font-size:.8rem}
.cal{border-radius:3px}
.s-complete{background:#cfeed8}
.s-partial{background:#fde6b8}
.s-missing{background:#f8c9c4}
.s-gap{background:#d9d4d3;text-decoration:line-through}
.s-pending{background:#dbe7fb}
.s-not_published{background:#f1f3f7;color:var(--muted)}
.s-not_fetched{background:#fff;color:var(--muted);outline:1px dashed var(--line)}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;margin:.3rem 0 0}
ul.legend span.cal{display:inline-block;width:1rem;height:1rem;vertical-align:middle}
form.export .inline .field{margin-right:.5rem}
#year-costs td.cost-bar{width:45%;min-width:8rem}
#year-costs h4{margin:1rem 0 .3rem;font-size:.95rem}
.tempo-month{display:grid;grid-template-columns:6.5rem 1fr;align-items:center;gap:.5rem;margin:.1rem 0}
.tempo-month .muted{font-size:.85rem}
#offpeak-history summary{cursor:pointer;color:var(--muted)}
@media (max-width:40rem){
  #year-cost-months tr{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 .9rem}
  #year-cost-months td{padding:.1rem .2rem}
  #year-cost-months td.cost-bar{order:5;flex-basis:100%;width:auto}
  #year-cost-months td[data-label="Mois"]::before,#year-cost-months td[data-label="Total"]::before,#year-cost-months td.cost-bar::before{content:none}
  #year-cost-months td[data-label="Mois"]{font-weight:600}
  .tempo-month{grid-template-columns:4.5rem 1fr}
}
code.token{display:block;word-break:break-all;background:#0f172a;color:#e2e8f0;padding:.6rem;border-radius:5px;font-size:.9rem}
`;
