"""report.html: one self-contained page (inline CSS and SVG, no script, no network), rendered
from the Jinja2 template templates/report.html.j2 with autoescape on."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from recon_pipeline.lib.registry import BY_CATEGORY
from recon_pipeline.lib.reports.figures import largest_first, money_text
from recon_pipeline.lib.reports.schema import CATEGORIES, LEAKAGE_CATEGORIES
from recon_pipeline.lib.reports.style import CSS
from recon_pipeline.lib.reports.svg import AMBER, GREY, NAVY, TEAL, columns, hbars
from recon_pipeline.lib.reports.trend import TrendPoint

#: Findings shown in the page's table; the CSV and the workbook have them all.
MAX_ROWS = 2000
#: The page's template; autoescape on, so any text from the data is escaped.
_TEMPLATE = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    undefined=StrictUndefined, trim_blocks=False,
).get_template("report.html.j2")


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


def _kpis(summary: dict[str, Any]) -> list[dict[str, Any]]:
    cur = summary["reporting_currency"]
    sev = summary["findings_by_severity"]
    rates = {r: v for r, v in summary["match_rate"].items() if v is not None}
    worst = min(rates, key=lambda r: rates[r]) if rates else None
    read = sum(summary["rows_read"].values())
    bad = sum(summary["rows_quarantined"].values())
    leak, stake = (Decimal(summary["leakage_total_reporting"]),
                   Decimal(summary["at_stake_total_reporting"]))
    blocking = summary["blocking_findings"]

    def kpi(label: str, value: str, sub: str = "", alert: bool = False) -> dict[str, Any]:
        return {"label": label, "value": value, "sub": sub, "alert": alert}
    return [
        kpi("Findings", f"{summary['findings_total']:,}",
            f"{sev.get('error', 0):,} errors · {sev.get('warning', 0):,} warnings"),
        kpi("Must clear before close", f"{blocking:,}",
            "findings that keep the close from being final", alert=blocking > 0),
        kpi(f"Money at stake ({cur})", _grouped(stake), "every finding's difference",
            alert=stake > 0),
        kpi(f"Revenue leakage ({cur})", _grouped(leak), "unbilled and underbilled",
            alert=leak > 0),
        kpi("Lowest match rate", f"{rates[worst]:.1%}" if worst else "n/a",
            human(worst) if worst else "no objects checked"),
        kpi("Rows quarantined", f"{bad:,}",
            f"{bad / read:.2%} of {read:,} rows read" if read else "no rows read",
            alert=bad > 0),
    ]


def _desc(items: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    return sorted(items, key=lambda item: (-item[1], item[0]))


def _category_table(summary: dict[str, Any], mismatches: pa.Table) -> dict[str, Any]:
    cur = summary["reporting_currency"]
    counts, leak = summary["findings_by_category"], summary["leakage_by_category"]
    stake = summary["at_stake_by_category"]
    errors = Counter(c for c, s in zip(mismatches.column("category").to_pylist(),
                                       mismatches.column("severity").to_pylist(), strict=True)
                     if s == "error")
    new = summary["new_by_category"]
    rows = []
    for recon, cats in CATEGORIES.items():
        for c in cats:
            if counts.get(c):
                rows.append([(human(recon), ""), (human(c), ""),
                             ("must clear" if BY_CATEGORY[c].blocking else "", "flag"),
                             (f"{counts[c]:,}", "num"), (f"{errors.get(c, 0):,}", "num"),
                             (f"{new.get(c, 0):,}", "num"),
                             (f"{counts[c] - new.get(c, 0):,}", "num"),
                             (_grouped(Decimal(leak[c])) if c in LEAKAGE_CATEGORIES else "–",
                              "num"),
                             (_grouped(Decimal(stake[c])), "num")])
    status = summary["findings_by_status"]
    total = [("Total", ""), ("", ""), (f"{summary['blocking_findings']:,} must clear", "flag"),
             (f"{summary['findings_total']:,}", "num"),
             (f"{sum(errors.values()):,}", "num"), (f"{status['new']:,}", "num"),
             (f"{status['recurring']:,}", "num"),
             (_grouped(Decimal(summary["leakage_total_reporting"])), "num"),
             (_grouped(Decimal(summary["at_stake_total_reporting"])), "num")]
    head = [("Recon", False), ("Category", False), ("Before the close", False),
            ("Findings", True), ("Errors", True), ("New", True), ("Recurring", True),
            (f"Leakage ({cur})", True), (f"At stake ({cur})", True)]
    return {"head": head, "rows": rows, "total": total}


def _stake_tables(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Money at stake and leakage by recon, and by legal entity."""
    cur = summary["reporting_currency"]
    by_recon = {"head": [("Recon", False), (f"At stake ({cur})", True)],
                "rows": [[(human(r), ""), (_grouped(Decimal(v)), "num")]
                         for r, v in summary["at_stake_by_recon"].items()],
                "total": [("Total", ""),
                          (_grouped(Decimal(summary["at_stake_total_reporting"])), "num")]}
    leak, stake = summary["leakage_by_legal_entity"], summary["at_stake_by_legal_entity"]
    by_entity = {"head": [("Legal entity", False), (f"At stake ({cur})", True),
                          (f"Leakage ({cur})", True)],
                 "rows": [[(e, ""), (_grouped(Decimal(stake.get(e, "0"))), "num"),
                           (_grouped(Decimal(leak.get(e, "0"))), "num")]
                          for e in sorted(set(leak) | set(stake))]}
    return by_recon, by_entity


def _sources_table(summary: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for source, read in summary["rows_read"].items():
        bad = summary["rows_quarantined"].get(source, 0)
        rows.append([(source, ""), (f"{read:,}", "num"), (f"{bad:,}", "num"),
                     (f"{bad / read:.2%}" if read else "–", "num")])
    return {"head": [("Source", False), ("Rows read", True), ("Quarantined", True),
                     ("Share", True)], "rows": rows}


_DOCUMENTS = {"INVOICE": "Invoice finalized → INVOICE journal",
              "PAYMENT": "Charge → PAYMENT journal"}


def _delays_table(summary: dict[str, Any]) -> dict[str, Any]:
    def days(v: int | None) -> tuple[str, str]:
        return ("–" if v is None else f"{v:,}", "num")
    rows = [[(r["legal_entity_id"] or "(none)", ""),
             (_DOCUMENTS.get(r["document_type"], r["document_type"]), ""),
             (f"{r['documents_posted']:,}", "num"), days(r["median_days"]),
             days(r["p95_days"]), days(r["max_days"])]
            for r in summary.get("posting_delays", [])]
    return {"head": [("Legal entity", False), ("Documents", False), ("Posted", True),
                     ("Median days", True), ("95th pct days", True), ("Longest days", True)],
            "rows": rows}


def _findings(mismatches: pa.Table) -> list[dict[str, Any]]:
    rows = []
    for r in largest_first(mismatches.to_pylist())[:MAX_ROWS]:
        ccy = r["currency"]

        def amount(v: Decimal | None, c: str | None = ccy) -> tuple[str, str]:
            return (_grouped_text(v, c), "num neg" if v is not None and v < 0 else "num")
        rows.append({
            "exception_id": r["exception_id"], "status": r["status"],
            "category": human(r["category"]), "detail": r["detail"],
            "blocking": bool(r["blocking"]), "severity": r["severity"],
            "entity": r["legal_entity"] or "", "object_id": r["object_id"],
            "period": r["period_start"].isoformat() if r["period_start"] else "",
            "currency": (ccy or "").upper(),
            "amounts": [amount(r["expected_amount"]), amount(r["actual_amount"]),
                        amount(r["difference"]),
                        (_grouped_text(r["leakage_amount_reporting"], None), "num"),
                        (_grouped_text(r["difference_reporting"], None), "num")]})
    return rows


def _expectations(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**e, "blocking_failed": list(e.get("blocking_failed", [])),
             "other_failed": [c for c in e.get("failed", [])
                              if c not in e.get("blocking_failed", [])]}
            for e in summary.get("expectations") or []]


def render_html(summary: dict[str, Any], mismatches: pa.Table, trend: Sequence[TrendPoint]) -> str:
    """The page for one cycle: figures, charts, the findings largest first (the template
    templates/report.html.j2, autoescaped)."""
    cur = summary["reporting_currency"]
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
    sources = _sources_table(summary)
    # The charts are SVG that svg.py builds and escapes itself: marked safe here.
    charts = [
        {"title": "Leakage by category", "note": cur, "svg": Markup(hbars(
            leak_cat, _grouped, color=AMBER, title="Leakage by category"))},
        {"title": "Leakage by legal entity", "note": cur, "svg": Markup(hbars(
            leak_ent, _grouped, color=NAVY, title="Leakage by legal entity"))},
        {"title": "Match rate by recon", "note": "objects checked with no finding",
         "svg": Markup(hbars(rates, lambda v: f"{v:.1%}", top=Decimal(1), color=TEAL,
                             title="Match rate by recon"))},
        {"title": "Rows read and quarantined by source", "note": "", "svg": None,
         "head": sources["head"], "rows": sources["rows"], "empty": "No sources."},
        {"title": "Posting delays by legal entity",
         "note": "days from the document to its journal: median, 95th percentile, longest",
         "svg": None, **_delays_table(summary),
         "empty": "No document of this cycle is posted yet."},
        {"title": "Leakage by cycle", "note": f"{cur}, latest run of each cycle",
         "svg": Markup(columns(labels, [("leakage", AMBER, [p.leakage for p in trend])],
                               _grouped, title="Leakage by cycle", muted=muted))},
        {"title": "Open findings by cycle", "note": "latest run of each cycle",
         "svg": Markup(columns(labels, [("new", NAVY, by_count["new"]),
                                        ("recurring", GREY, by_count["recurring"])],
                               lambda v: f"{v:,}", title="Open findings by cycle",
                               muted=muted))},
    ]
    shown = min(mismatches.num_rows, MAX_ROWS)
    note = (f"largest first; {shown:,} of {mismatches.num_rows:,}"
            if mismatches.num_rows > MAX_ROWS else "largest leakage, then difference, first")
    stake_recons, stake_entities = _stake_tables(summary)
    return _TEMPLATE.render(
        cycle=summary["cycle"], month=month_name(summary["cycle"]), cur=cur,
        findings_total=summary["findings_total"], css=Markup(CSS),
        status=summary["status"], status_text=summary["status_text"], kpis=_kpis(summary),
        charts=charts, categories=_category_table(summary, mismatches),
        stake_recons=stake_recons, stake_entities=stake_entities,
        expectations=_expectations(summary), findings=_findings(mismatches),
        findings_note=note, generated_at=summary["generated_at"],
        waived=summary.get("waived") or [],
        adjustments=summary.get("out_of_period_adjustments") or []) + "\n"
