"""The report page's stylesheet (inlined: the page needs no network)."""

CSS = """
:root { --navy:#1f3a5f; --ink:#1d2733; --muted:#5b6b7c; --line:#dde3ea; --bg:#f4f6f9;
  --red:#b42318; --amber:#b54708; --teal:#2a9d8f; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.45 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans",
  sans-serif; }
header { background:var(--navy); color:#fff; padding:22px 36px 18px; }
header h1 { margin:0; font-size:22px; font-weight:600; letter-spacing:.2px; }
header .meta { margin-top:4px; color:#c8d3e0; font-size:13px; }
.banner { background:#fff4e5; border-bottom:1px solid #f5c78a; color:var(--amber);
  padding:10px 36px; font-weight:600; }
main { max-width:1360px; margin:0 auto; padding:22px 36px 40px; }
.kpis { display:grid; grid-template-columns:repeat(6, 1fr); gap:14px; margin-bottom:18px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.kpi .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.5px; }
.kpi .value { font-size:24px; font-weight:600; margin-top:4px; font-variant-numeric:tabular-nums; }
.kpi .sub { color:var(--muted); font-size:12px; margin-top:2px; }
.kpi.alert .value { color:var(--red); }
.grid { display:grid; grid-template-columns:1fr 1fr; gap:14px; margin-bottom:14px;
  align-items:start; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 18px;
  overflow:hidden; }
section svg { max-width:100%; height:auto; }
section + section, .findings { margin-top:14px; }
.grid section { margin-top:0; }
section h2 { font-size:15px; margin:0 0 10px; font-weight:600; color:var(--navy); }
section h2 .note { font-weight:400; color:var(--muted); font-size:12px; margin-left:6px; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th { text-align:left; font-size:12px; color:var(--muted); font-weight:600; padding:6px 8px;
  border-bottom:2px solid var(--line); white-space:nowrap; background:#fafbfc; }
td { padding:5px 8px; border-bottom:1px solid #eef1f4; vertical-align:top; }
tr:nth-child(even) td { background:#fbfcfd; }
td.num, th.num { text-align:right; white-space:nowrap; }
td.neg { color:var(--red); }
td.code { font-family:"DejaVu Sans Mono", Consolas, monospace; font-size:11.5px;
  white-space:nowrap; }
td.nowrap { white-space:nowrap; }
td.finding { min-width:280px; }
td.finding .cat { font-weight:600; }
td.finding .detail { color:var(--muted); font-size:12px; }
tr.total td { font-weight:600; border-top:2px solid var(--line); background:#fff; }
.pill { display:inline-block; margin-top:2px; padding:1px 8px; border-radius:10px; font-size:11px;
  font-family:Arial, "Liberation Sans", sans-serif;
  font-weight:600; }
.pill.error { background:#fde8e7; color:var(--red); }
.pill.warning { background:#fff1dc; color:var(--amber); }
.pill.new { background:#e3edfb; color:#1849a9; }
.pill.recurring { background:#eceff3; color:#475467; }
.pill.must-clear { background:#fde8e7; color:var(--red); font-weight:600; white-space:nowrap; }
tr.blocking td:first-child { box-shadow: inset 3px 0 0 var(--red); }
td.flag { color:var(--red); font-weight:600; white-space:nowrap; }
.findings section { overflow-x:auto; }
.findings table { font-size:12.5px; }
p.empty { color:var(--muted); margin:6px 0; }
footer { color:var(--muted); font-size:12px; margin-top:18px; }
@media print { body { background:#fff; } section, .kpi { break-inside:avoid; } }
"""
