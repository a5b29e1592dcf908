"""report.xlsx: a summary sheet, one sheet per recon, the quarantined rows, the expectations.

Amounts are numbers (Excel has no decimal type) with a currency number format; the exact
text is in mismatches.csv and mismatches.parquet.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from recon_pipeline.lib.money import exponent
from recon_pipeline.lib.registry import BY_CATEGORY
from recon_pipeline.lib.reports.figures import close_status
from recon_pipeline.lib.reports.html import human, month_name
from recon_pipeline.lib.reports.schema import CATEGORIES, LEAKAGE_CATEGORIES, RECONS

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
BOLD = Font(bold=True)
QUARANTINE_ROWS = 10_000
_COLUMNS = ["exception_id", "status", "blocking", "category", "severity", "legal_entity",
            "customer_id", "object_id", "period_start", "related_id", "currency",
            "expected_amount", "actual_amount", "difference", "leakage_amount",
            "leakage_amount_reporting", "difference_reporting", "detail"]
#: Column titles where the column's name alone would not say it (the rest: human(name)).
BLOCKING_TITLE = "Must clear before close"
WARNING_FILL = PatternFill("solid", fgColor="FFF4E5")
WARNING_FONT = Font(bold=True, color="B54708")


def money_format(currency: str | None) -> str:
    """Excel number format for amounts in ``currency``: ``#,##0.00 "EUR"``, negatives red."""
    code = (currency or "").upper()
    places = exponent(code) if code else 2
    base = "#,##0" + ("." + "0" * places if places else "")
    suffix = f' "{code}"' if code else ""
    return f"{base}{suffix};[Red]-{base}{suffix}"


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """Write one cell; text stays text (never a formula), dates and decimals as numbers."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd"
    if fmt:
        cell.number_format = fmt


def _header(ws: Worksheet, row: int, titles: list[str]) -> None:
    for col, title in enumerate(titles, 1):
        _put(ws, row, col, title)
        cell = ws.cell(row=row, column=col)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center")


def _widths(ws: Worksheet, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _fit(ws: Worksheet, titles: list[str], rows: list[list[Any]], cap: int = 60) -> None:
    """Column widths from the longest text of each column, within [8, cap]."""
    for col, title in enumerate(titles, 1):
        longest = max([len(title), *(len(_shown(r[col - 1])) for r in rows[:2000])])
        ws.column_dimensions[get_column_letter(col)].width = min(cap, max(8, longest + 2))


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}" + "    "
    return "" if value is None else str(value)


def _summary_sheet(ws: Worksheet, summary: dict[str, Any]) -> None:
    cur = summary["reporting_currency"]
    fmt = money_format(cur)
    ws.title = "Summary"
    _put(ws, 1, 1, f"Close reconciliation — {month_name(summary['cycle'])}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    _put(ws, 2, 1, f"Cycle {summary['cycle']} · reporting currency {cur} · generated "
                   f"{summary['generated_at']}")
    # Where the close stands, in its own row: the words of the page's banner.
    _put(ws, 3, 1, close_status(summary))
    if summary["status"] != "final":
        ws.cell(row=3, column=1).font = WARNING_FONT
        for col in range(1, 9):
            ws.cell(row=3, column=col).fill = WARNING_FILL
    row = 5
    _put(ws, row, 1, "Findings by category")
    ws.cell(row=row, column=1).font = BOLD
    _header(ws, row + 1, ["Recon", "Category", "Findings", "New", "Recurring",
                          f"Leakage ({cur})", f"At stake ({cur})", BLOCKING_TITLE])
    row += 2
    counts = summary["findings_by_category"]
    stake = summary["at_stake_by_category"]
    for recon, cats in CATEGORIES.items():
        for c in cats:
            leak = Decimal(summary["leakage_by_category"][c]) if c in LEAKAGE_CATEGORIES else None
            for col, value in enumerate([human(recon), human(c), counts.get(c, 0),
                                         summary["new_by_category"].get(c, 0),
                                         counts.get(c, 0) - summary["new_by_category"].get(c, 0),
                                         leak, Decimal(stake[c]),
                                         "yes" if BY_CATEGORY[c].blocking else ""], 1):
                _put(ws, row, col, value, fmt if col in (6, 7) else None)
            row += 1
    for col, value in enumerate(["Total", "", summary["findings_total"],
                                 summary["findings_by_status"]["new"],
                                 summary["findings_by_status"]["recurring"],
                                 Decimal(summary["leakage_total_reporting"]),
                                 Decimal(summary["at_stake_total_reporting"]),
                                 summary["blocking_findings"] or ""], 1):
        _put(ws, row, col, value, fmt if col in (6, 7) else None)
        ws.cell(row=row, column=col).font = BOLD
    row += 2
    _put(ws, row, 1, "Match rate by recon")
    ws.cell(row=row, column=1).font = BOLD
    _header(ws, row + 1, ["Recon", "Objects checked", "With findings", "Match rate"])
    row += 2
    for recon in RECONS:
        checked = summary["objects_checked"].get(recon, 0)
        for col, value in enumerate([human(recon), checked,
                                     summary["objects_with_findings"].get(recon, 0),
                                     summary["match_rate"].get(recon)], 1):
            _put(ws, row, col, value, "0.00%" if col == 4 else None)
        row += 1
    row += 1
    _put(ws, row, 1, "Leakage and money at stake by legal entity")
    ws.cell(row=row, column=1).font = BOLD
    _header(ws, row + 1, ["Legal entity", f"Leakage ({cur})", f"At stake ({cur})"])
    row += 2
    leak_entity, stake_entity = (summary["leakage_by_legal_entity"],
                                 summary["at_stake_by_legal_entity"])
    for entity in sorted(set(leak_entity) | set(stake_entity)):
        _put(ws, row, 1, entity)
        _put(ws, row, 2, Decimal(leak_entity.get(entity, "0")), fmt)
        _put(ws, row, 3, Decimal(stake_entity.get(entity, "0")), fmt)
        row += 1
    row += 1
    _put(ws, row, 1, "Money at stake by recon")
    ws.cell(row=row, column=1).font = BOLD
    _header(ws, row + 1, ["Recon", f"At stake ({cur})"])
    row += 2
    for recon, value in summary["at_stake_by_recon"].items():
        _put(ws, row, 1, human(recon))
        _put(ws, row, 2, Decimal(value), fmt)
        row += 1
    row += 1
    _put(ws, row, 1, "Rows by source")
    ws.cell(row=row, column=1).font = BOLD
    _header(ws, row + 1, ["Source", "Rows read", "Rows quarantined"])
    row += 2
    for source, read in summary["rows_read"].items():
        _put(ws, row, 1, source)
        _put(ws, row, 2, read, "#,##0")
        _put(ws, row, 3, summary["rows_quarantined"].get(source, 0), "#,##0")
        row += 1
    ws.freeze_panes = "A4"
    _widths(ws, {1: 26, 2: 32, 3: 16, 4: 14, 5: 14, 6: 18, 7: 18, 8: 24})


def _title(column: str, reporting: str) -> str:
    return {"leakage_amount_reporting": f"Leakage ({reporting})",
            "difference_reporting": f"At stake ({reporting})",
            "blocking": BLOCKING_TITLE}.get(column, human(column))


def _cell_value(row: dict[str, Any], column: str) -> Any:
    """A finding's value as its sheet shows it: category labels as on the Summary sheet."""
    if column == "category":
        return human(row["category"])
    if column == "blocking":
        return "yes" if row["blocking"] else ""
    return row[column]


def _recon_sheet(ws: Worksheet, rows: list[dict[str, Any]], reporting: str) -> None:
    titles = [_title(c, reporting) for c in _COLUMNS]
    _header(ws, 1, titles)
    values = [[_cell_value(r, c) for c in _COLUMNS] for r in rows]
    for i, (r, line) in enumerate(zip(rows, values, strict=True), 2):
        for col, (name, value) in enumerate(zip(_COLUMNS, line, strict=True), 1):
            fmt = None
            if name in ("leakage_amount_reporting", "difference_reporting"):
                fmt = money_format(reporting)
            elif name.endswith(("_amount", "difference")):
                fmt = money_format(r["currency"])
            _put(ws, i, col, value, fmt)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(_COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{max(2, len(rows) + 1)}"
    _fit(ws, titles, values)
    ws.column_dimensions[get_column_letter(len(_COLUMNS))].width = 80


def _quarantine_sheet(ws: Worksheet, quarantine: pa.Table) -> None:
    titles = ["Source", "File", "Line", "Reason", "Record"]
    _header(ws, 1, titles)
    rows = quarantine.slice(0, QUARANTINE_ROWS).to_pylist()
    for i, r in enumerate(rows, 2):
        for col, key in enumerate(["source", "file", "line", "reason", "record"], 1):
            value = r[key]
            _put(ws, i, col, value[:500] if isinstance(value, str) else value)
    if quarantine.num_rows > QUARANTINE_ROWS:
        _put(ws, len(rows) + 2, 1, f"… {quarantine.num_rows - QUARANTINE_ROWS:,} more rows "
                                   "in quarantine.parquet")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:E{max(2, len(rows) + 1)}"
    _widths(ws, {1: 12, 2: 36, 3: 8, 4: 40, 5: 90})


def _expectations_sheet(ws: Worksheet, summary: dict[str, Any]) -> None:
    """One row per expectation suite of the cycle: did it pass, and which checks failed (those
    that must pass for the close to be final apart)."""
    titles = ["Suite", "Checked asset", "Result", "Expectations", "Unexpected",
              "Failed: must pass for the close to be final", "Failed: reported only"]
    _header(ws, 1, titles)
    suites = summary.get("expectations") or []
    for i, e in enumerate(suites, 2):
        blocking = list(e.get("blocking_failed", []))
        other = [c for c in e.get("failed", []) if c not in blocking]
        for col, value in enumerate([e["suite"], e["asset"], "pass" if e["success"] else "FAIL",
                                     e["evaluated"], e["unexpected"], ", ".join(blocking),
                                     ", ".join(other)], 1):
            _put(ws, i, col, value)
    if not suites:
        _put(ws, 2, 1, "No expectation suites were validated for this cycle.")
    ws.freeze_panes = "A2"
    _widths(ws, {1: 34, 2: 34, 3: 8, 4: 14, 5: 12, 6: 44, 7: 44})


def write_xlsx(path: Path, summary: dict[str, Any], mismatches: pa.Table,
               quarantine: pa.Table, generated_at: datetime) -> None:
    """Write the workbook to ``path`` (the caller makes it atomic)."""
    wb = Workbook()
    wb.properties.creator = "recon-pipeline"
    wb.properties.created = wb.properties.modified = generated_at.replace(tzinfo=None)
    sheet = wb.active
    assert isinstance(sheet, Worksheet)
    _summary_sheet(sheet, summary)
    rows = mismatches.to_pylist()
    for recon in RECONS:
        _recon_sheet(wb.create_sheet(recon), [r for r in rows if r["recon"] == recon],
                     summary["reporting_currency"])
    _quarantine_sheet(wb.create_sheet("quarantine"), quarantine)
    _expectations_sheet(wb.create_sheet("expectations"), summary)
    wb.save(path)
