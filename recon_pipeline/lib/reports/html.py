"""report.html: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

import pyarrow as pa

from recon_pipeline.lib.reports.figures import largest_first, money_text
from recon_pipeline.lib.reports.schema import CATEGORIES, LEAKAGE_CATEGORIES
from recon_pipeline.lib.reports.style import CSS
from recon_pipeline.lib.reports.svg import AMBER, GREY, NAVY, TEAL, columns, hbars
from recon_pipeline.lib.reports.trend import TrendPoint

#: Findings shown in the page's table; the CSV and the workbook have them all.
MAX_ROWS = 2000


def human(code: str) -> str:
    """``'invoice_not_posted'`` -> ``'Invoice not posted'``; ERP, CRM kept upper case."""
    words = code.replace("_", " ").split()
    words = [w.upper() if w in ("erp", "crm") else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def month_name(cycle: str) -> str:
    """``'2026-09'`` -> ``'September 2026'``."""
    return date(int(cycle[:4]), int(cycle[5:]), 1).strftime("%B %Y")


def _grouped(amount: Decimal, places: int = 2) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places)):,f}"


def _grouped_text(amount: Decimal | None, currency: str | None) -> str:
    """Exact amount text with thousands separators (``12,345.60``); empty for None."""
    text = money_text(amount, currency)
    if not text:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, frac = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def _kpi(label: str, value: str, sub: str = "", alert: bool = False) -> str:
    return (f'<div class="kpi{" alert" if alert else ""}"><div class="label">{escape(label)}'
            f'</div><div class="value">{escape(value)}</div><div class="sub">{escape(sub)}'
            "</div></div>")


def _section(title: str, body: str, note: str = "") -> str:
    extra = f'<span class="note">{escape(note)}</span>' if note else ""
    return f"<section><h2>{escape(title)}{extra}</h2>{body}</section>"


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[tuple[str, str]]],
           total: Sequence[tuple[str, str]] = ()) -> str:
    """``head``: (title, numeric); cells: (text, css class)."""
    ths = "".join(f'<th class="num">{escape(t)}</th>' if n else f"<th>{escape(t)}</th>"
                  for t, n in head)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for v, c in row) + "</tr>"
                   for row in rows)
    foot = ("<tr class=\"total\">" + "".join(f'<td class="{c}">{v}</td>' for v, c in total)
            + "</tr>") if total else ""
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}{foot}</tbody></table>"


def _kpis(summary: dict[str, Any]) -> str:
    cur = summary["reporting_currency"]
    sev = summary["findings_by_severity"]
    rates = {r: v for r, v in summary["match_rate"].items() if v is not None}
    worst = min(rates, key=lambda r: rates[r]) if rates else None
    read = sum(summary["rows_read"].values())
    bad = sum(summary["rows_quarantined"].values())
    return '<div class="kpis">' + "".join([
        _kpi("Findings", f"{summary['findings_total']:,}",
             f"{sev.get('error', 0):,} errors · {sev.get('warning', 0):,} warnings"),
        _kpi("New this cycle", f"{summary['findings_by_status']['new']:,}",
             f"{summary['findings_by_status']['recurring']:,} recurring"),
        _kpi(f"Revenue leakage ({cur})", _grouped(Decimal(summary["leakage_total_reporting"])),
             "unbilled and underbilled", alert=Decimal(summary["leakage_total_reporting"]) > 0),
        _kpi("Lowest match rate", f"{rates[worst]:.1%}" if worst else "n/a",
             human(worst) if worst else "no objects checked"),
        _kpi("Rows read", f"{read:,}", f"{len(summary['rows_read'])} sources"),
        _kpi("Rows quarantined", f"{bad:,}", f"{bad / read:.2%} of rows read" if read else "",
             alert=bad > 0),
    ]) + "</div>"


def _desc(items: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    return sorted(items, key=lambda item: (-item[1], item[0]))


def _category_table(summary: dict[str, Any], mismatches: pa.Table) -> str:
    cur = summary["reporting_currency"]
    counts, leak = summary["findings_by_category"], summary["leakage_by_category"]
    errors = Counter(c for c, s in zip(mismatches.column("category").to_pylist(),
                                       mismatches.column("severity").to_pylist(), strict=True)
                     if s == "error")
    new = summary["new_by_category"]
    rows = []
    for recon, cats in CATEGORIES.items():
        for c in cats:
            if counts.get(c):
                rows.append([(escape(human(recon)), ""), (escape(human(c)), ""),
                             (f"{counts[c]:,}", "num"), (f"{errors.get(c, 0):,}", "num"),
                             (f"{new.get(c, 0):,}", "num"),
                             (f"{counts[c] - new.get(c, 0):,}", "num"),
                             (_grouped(Decimal(leak[c])) if c in LEAKAGE_CATEGORIES else "–",
                              "num")])
    if not rows:
        return '<p class="empty">No findings this cycle.</p>'
    status = summary["findings_by_status"]
    total = [("Total", ""), ("", ""), (f"{summary['findings_total']:,}", "num"),
             (f"{sum(errors.values()):,}", "num"), (f"{status['new']:,}", "num"),
             (f"{status['recurring']:,}", "num"),
             (_grouped(Decimal(summary["leakage_total_reporting"])), "num")]
    return _table([("Recon", False), ("Category", False), ("Findings", True), ("Errors", True),
                   ("New", True), ("Recurring", True), (f"Leakage ({cur})", True)], rows, total)


def _sources_table(summary: dict[str, Any]) -> str:
    rows = []
    for source, read in summary["rows_read"].items():
        bad = summary["rows_quarantined"].get(source, 0)
        rows.append([(escape(source), ""), (f"{read:,}", "num"), (f"{bad:,}", "num"),
                     (f"{bad / read:.2%}" if read else "–", "num")])
    return _table([("Source", False), ("Rows read", True), ("Quarantined", True),
                   ("Share", True)], rows) if rows else '<p class="empty">No sources.</p>'


def _findings_table(mismatches: pa.Table, cur: str) -> str:
    rows = []
    for r in largest_first(mismatches.to_pylist())[:MAX_ROWS]:
        ccy = r["currency"]

        def amount(v: Decimal | None, c: str | None = ccy) -> tuple[str, str]:
            return (_grouped_text(v, c), "num neg" if v is not None and v < 0 else "num")
        rows.append([
            (f'{escape(r["exception_id"])}<br><span class="pill {r["status"]}">'
             f'{r["status"]}</span>', "code"),
            (f'<div class="cat">{escape(human(r["category"]))}</div>'
             f'<div class="detail">{escape(r["detail"])}</div>', "finding"),
            (f'<span class="pill {escape(r["severity"])}">{escape(r["severity"])}</span>', ""),
            (escape(r["legal_entity"] or ""), ""), (escape(r["object_id"]), "code"),
            (r["period_start"].isoformat() if r["period_start"] else "", "nowrap"),
            (escape((ccy or "").upper()), ""),
            amount(r["expected_amount"]), amount(r["actual_amount"]), amount(r["difference"]),
            (_grouped_text(r["leakage_amount_reporting"], None), "num")])
    if not rows:
        return '<p class="empty">No findings this cycle.</p>'
    return _table([("Exception", False), ("Finding", False),
                   ("Severity", False), ("Entity", False), ("Object", False),
                   ("Period", False), ("Ccy", False), ("Expected", True), ("Actual", True),
                   ("Difference", True), (f"Leakage ({cur})", True)], rows)


def _expectations_table(summary: dict[str, Any]) -> str:
    rows = summary.get("expectations") or []
    if not rows:
        return "<p>No expectation suites were validated for this cycle.</p>"
    body = "".join(
        f"<tr><td>{escape(e['suite'])}</td><td>{'pass' if e['success'] else 'FAIL'}</td>"
        f"<td class=\"num\">{e['evaluated']:,}</td><td class=\"num\">{e['unexpected']:,}</td>"
        f"<td>{escape(', '.join(e.get('failed', [])))}</td></tr>" for e in rows)
    return ("<table><thead><tr><th>Suite</th><th>Result</th><th>Expectations</th>"
            "<th>Unexpected</th><th>Failed</th></tr></thead><tbody>" + body + "</tbody></table>")


def render_html(summary: dict[str, Any], mismatches: pa.Table, trend: Sequence[TrendPoint]) -> str:
    """The page for one cycle: figures, charts, the findings largest first."""
    cycle, cur = summary["cycle"], summary["reporting_currency"]
    leak_cat = _desc((human(c), Decimal(v)) for c, v in summary["leakage_by_category"].items())
    leak_ent = _desc((e, Decimal(v)) for e, v in summary["leakage_by_legal_entity"].items())
    rates = [(human(r), Decimal(str(v))) for r, v in summary["match_rate"].items()
             if v is not None]
    labels = [p.cycle + (" (prov.)" if p.provisional else "") for p in trend]
    muted = [p.provisional for p in trend]
    by_count: dict[str, list[Decimal]] = defaultdict(list)
    for p in trend:
        by_count["new"].append(Decimal(p.new))
        by_count["recurring"].append(Decimal(p.recurring))
    banner = ('<div class="banner">Provisional: an intra-cycle run. These findings are not in '
              "the exception ledger and may change before the close.</div>"
              if summary["provisional"] else "")
    if summary.get("status") == "not_passing":
        failed = [f"{e['suite']}: {', '.join(e.get('blocking_failed', []))}"
                  for e in summary.get("expectations", []) if e.get("blocking_failed")]
        why = ("blocking expectations failed: " + "; ".join(failed)) if failed else \
            "the expectation suites were not validated for this cycle"
        banner += (f'<div class="banner">Not final: {escape(why)}. Details: the Data Docs in '
                   "data_docs/index.html beside this page.</div>")
    shown = min(mismatches.num_rows, MAX_ROWS)
    note = (f"largest first; {shown:,} of {mismatches.num_rows:,}"
            if mismatches.num_rows > MAX_ROWS else "largest leakage, then difference, first")
    body = [
        _kpis(summary),
        '<div class="grid">',
        _section("Leakage by category", hbars(leak_cat, _grouped, color=AMBER,
                                               title="Leakage by category"), cur),
        _section("Leakage by legal entity", hbars(leak_ent, _grouped, color=NAVY,
                                                   title="Leakage by legal entity"), cur),
        _section("Match rate by recon", hbars(rates, lambda v: f"{v:.1%}", top=Decimal(1),
                                               color=TEAL, title="Match rate by recon"),
                 "objects checked with no finding"),
        _section("Rows read and quarantined by source", _sources_table(summary)),
        _section("Leakage by cycle", columns(labels, [("leakage", AMBER,
                                                       [p.leakage for p in trend])],
                                             _grouped, title="Leakage by cycle", muted=muted),
                 f"{cur}, latest run of each cycle"),
        _section("Open findings by cycle", columns(labels, [
            ("new", NAVY, by_count["new"]), ("recurring", GREY, by_count["recurring"])],
            lambda v: f"{v:,}", title="Open findings by cycle", muted=muted),
            "latest run of each cycle"),
        "</div>",
        _section("Findings by category", _category_table(summary, mismatches)),
        _section("Expectation suites", _expectations_table(summary),
                 "Great Expectations; details in data_docs/index.html"),
        '<div class="findings">' + _section("Findings", _findings_table(mismatches, cur), note)
        + "</div>",
        f"<footer>Generated {escape(summary['generated_at'])}. All findings: mismatches.csv "
        "and report.xlsx beside this page; their lifecycle: exceptions.parquet.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Reconciliation {escape(cycle)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Close reconciliation · {escape(month_name(cycle))}</h1>"
        f'<div class="meta">Cycle {escape(cycle)} · reporting currency {escape(cur)} · '
        f"{summary['findings_total']:,} findings</div></header>{banner}<main>"
        + "".join(body) + "</main></body></html>\n")
