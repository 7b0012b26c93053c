/** The one stylesheet: small, readable on a phone first, no framework. Served at `/static/app-<hash>.css`. */
export const STYLESHEET = `
:root{--fg:#1d2433;--muted:#5b6577;--bg:#f5f7fb;--card:#fff;--line:#dde3ee;--accent:#0b63c5;--ok:#1f7a3a;--warn:#9a5b00;--err:#b42318}
*{box-sizing:border-box}
html{font-size:16px}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);line-height:1.45}
a{color:var(--accent)}
header.top{background:#10243e;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header.top .brand{font-weight:700;color:#fff;text-decoration:none;margin-right:auto}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;align-items:center}
header.top nav a{color:#d6e4ff;text-decoration:none;padding:.2rem 0}
header.top nav a.on{color:#fff;border-bottom:2px solid #fff}
header.top form{margin:0}
header.top button{background:none;border:1px solid #7f93b3;color:#fff;padding:.2rem .6rem;border-radius:4px;font-size:.9rem}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.card h2{margin-top:0}
.status{display:inline-block;font-size:.85rem;font-weight:600;padding:.1rem .5rem;border-radius:999px;border:1px solid currentColor}
.status.ok{color:var(--ok)}.status.warn{color:var(--warn)}.status.err{color:var(--err)}.status.off{color:var(--muted)}
.notice{padding:.7rem 1rem;border-radius:6px;margin:0 0 1rem;border:1px solid}
.notice.ok{background:#ecf8ef;border-color:#9fd3ad}.notice.info{background:#eef4fd;border-color:#a9c5ec}.notice.error{background:#fdf0ef;border-color:#f0aaa4}
.muted{color:var(--muted)}
.explain{max-width:44rem}
.heatmap{width:100%;margin:.5rem 0}
.heat-row,.heat-hours{display:flex;align-items:center;gap:.4rem}
.heat-label,.heat-hours>span:first-child{flex:0 0 4.6rem;font-size:.75rem;color:var(--muted);white-space:nowrap}
.heat-cells{flex:1 1 auto;display:flex;min-width:0}
.heat-cells i{flex:1 1 0;height:14px;min-width:0}
.heatmap.compact .heat-row{height:3px;overflow:visible}
.heatmap.compact .heat-cells i{height:3px}.heatmap.compact .heat-label{font-size:0;flex-basis:4.6rem;line-height:3px}
.heatmap.compact .heat-row[data-day$="-01"] .heat-label{font-size:.7rem}
.heat-hours>span{flex:1 1 0;font-size:.7rem;color:var(--muted);min-width:0;overflow:hidden}
.heat-scale{display:flex;align-items:center;gap:2px;font-size:.8rem}.heat-scale i{width:1.2rem;height:.8rem}
.h0{background:#f0f5fb}.h1{background:#d6e6f7}.h2{background:#b3d0ef}.h3{background:#86b4e3}.h4{background:#5b95d3}.h5{background:#f2b25c}.h6{background:#e8873a}.h7{background:#d35a26}.h8{background:#a8321a}.hn{background:repeating-linear-gradient(45deg,#fff,#fff 2px,#e3e7ee 2px,#e3e7ee 4px)}
meter{width:8rem;max-width:40%;vertical-align:middle}
.banner-sim{background:#fff7e0;border:1px solid #ecd28b;border-radius:6px;padding:.4rem .8rem;margin:0 0 1rem;font-size:.9rem}
.field{margin:0 0 .9rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
.field .hint{font-size:.85rem;color:var(--muted)}
.field .error{color:var(--err);font-size:.9rem;margin-top:.2rem}
fieldset.field{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
fieldset.field legend{font-weight:600;padding:0 .3rem}
fieldset.field label{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin:.3rem 0}
.field.invalid input,.field.invalid select{border-color:var(--err)}
input,select,button{font:inherit}
input[type=text],input[type=password],input[type=date],input[type=search],input[type=email],input[type=url],input[type=number],input[type=time],select{width:100%;max-width:28rem;padding:.45rem .5rem;border:1px solid #b9c3d3;border-radius:5px;background:#fff}
button,.button{display:inline-block;background:var(--accent);color:#fff;border:0;border-radius:5px;padding:.5rem .9rem;text-decoration:none;cursor:pointer}
button.secondary,.button.secondary{background:#e7ecf5;color:var(--fg)}
button.danger,.button.danger{background:var(--err)}
button:disabled{opacity:.5;cursor:default}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-top:.5rem}
.actions form{margin:0}
table{width:100%;border-collapse:collapse;background:var(--card)}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.num{white-space:nowrap}
th{font-size:.85rem;color:var(--muted);font-weight:600}
.table-wrap{overflow-x:auto}
pre{background:#0f172a;color:#e2e8f0;padding:.8rem;border-radius:6px;overflow:auto;font-size:.8rem;max-height:32rem}
dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.diag{border-left-width:6px}.diag-ok{border-left-color:#2e7d32}.diag-late,.diag-incomplete{border-left-color:#ed6c02}.diag-failing,.diag-consent,.diag-blocked{border-left-color:#c62828}
#diag-error code{white-space:normal;overflow-wrap:anywhere}
.pager{display:flex;gap:.5rem;align-items:center;margin-top:.8rem}
.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.inline input[type=date],.inline input[type=time]{width:auto}
details{margin:.5rem 0}
.badge{display:inline-block;min-width:1.3rem;padding:0 .35rem;border-radius:999px;background:#e5484d;color:#fff;font-size:.75rem;font-weight:700;text-align:center;line-height:1.3rem}
.alert-item{border-left:4px solid var(--line)}
.alert-item.unread{border-left-color:var(--accent)}
.alert-item h2{font-size:1.05rem;margin:0 0 .3rem}
.alert-item .meta{font-size:.85rem;color:var(--muted);margin:0 0 .4rem}
.alert-item p.body{white-space:pre-line;margin:.3rem 0}
.alert-item ul.deliveries{list-style:none;padding:0;margin:.4rem 0 0;font-size:.9rem}
.alert-item ul.deliveries .err{color:var(--err)}
table.picks td,table.picks th{text-align:center}table.picks td:first-child,table.picks th:first-child{text-align:left}
table.picks input[type=checkbox]{width:1.2rem;height:1.2rem}
@media (max-width:40rem){
  main{padding:.7rem}
  table.stack thead{display:none}
  table.stack tr{display:block;border-bottom:1px solid var(--line);padding:.3rem 0}
  table.stack td{display:block;border:0;padding:.15rem .5rem}
  table.stack td[data-label]::before{content:attr(data-label) " : ";color:var(--muted);font-size:.85rem}
  dl.facts{grid-template-columns:1fr}
  dl.facts dd{margin-bottom:.4rem}
  table.picks td,table.picks th{padding:.35rem .25rem;font-size:.85rem;overflow-wrap:anywhere}
  table.picks th:first-child{width:38%}
}
`;
