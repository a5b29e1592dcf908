"""write_reports on a generated truth: the contract, exact money, the workbook, the page."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from recon_pipeline.lib.contract import check_outputs
from recon_pipeline.lib.registry import BLOCKING_CATEGORIES
from recon_pipeline.lib.reports import (
    MISMATCHES_SCHEMA,
    REPORT_FILES,
    headline_figures,
    markdown_preview,
    write_reports,
)
from recon_pipeline.lib.reports.schema import RECONS
from tests.unit.reports.kit import KWD_OBJECT, cycle_inputs, truth_rows

NOW = datetime(2026, 9, 4, 6, 0, tzinfo=UTC)
CYCLE = "2026-08"


@pytest.fixture(scope="module")
def out(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OUT with the reports of 2026-08."""
    folder = tmp_path_factory.mktemp("out")
    write_reports(folder, cycle_inputs(sources, CYCLE), now=NOW)
    return folder


def test_outputs_keep_the_contract(out: Path) -> None:
    assert check_outputs(out, CYCLE) == []
    assert sorted(p.name for p in (out / "reports" / CYCLE).iterdir()) == sorted(REPORT_FILES)


def test_money_is_exact_in_parquet_and_csv(out: Path, sources: Path) -> None:
    table = pq.read_table(out / "reports" / CYCLE / "mismatches.parquet")
    assert table.schema.equals(MISMATCHES_SCHEMA)
    by_key = {(r["category"], r["object_id"]): r for r in table.to_pylist()}
    with open(out / "reports" / CYCLE / "mismatches.csv", newline="", encoding="utf-8") as f:
        csv_rows = {(r["category"], r["object_id"]): r for r in csv.DictReader(f)}
    truth = [r for r in truth_rows(sources) if r["cycle"] == CYCLE]
    leaking = [r for r in truth if r["leakage_amount"]]
    assert leaking and any(r["currency"] == "jpy" for r in leaking)
    for t in leaking:
        key = (t["category"], t["object_id"])
        assert by_key[key]["leakage_amount"] == Decimal(t["leakage_amount"])
        assert by_key[key]["leakage_amount_reporting"] == Decimal(t["leakage_amount_reporting"])
        assert csv_rows[key]["leakage_amount"] == t["leakage_amount"]  # "672" JPY, "294.00" USD
        assert csv_rows[key]["leakage_amount_reporting"] == t["leakage_amount_reporting"]
    kwd = by_key[("invoice_amount_mismatch", KWD_OBJECT)]
    assert kwd["difference"] == Decimal("0.001")
    kwd_csv = csv_rows[("invoice_amount_mismatch", KWD_OBJECT)]
    assert (kwd_csv["expected_amount"], kwd_csv["difference"]) == ("1234.567", "0.001")
    assert len(csv_rows) == table.num_rows == len(truth) + 1


def test_summary_json(out: Path, sources: Path) -> None:
    summary = json.loads((out / "reports" / CYCLE / "summary.json").read_text("utf-8"))
    truth = [r for r in truth_rows(sources) if r["cycle"] == CYCLE]
    assert summary["cycle"] == CYCLE and summary["reporting_currency"] == "USD"
    expected = Counter(r["category"] for r in truth) + Counter(["invoice_amount_mismatch"])
    assert {c: n for c, n in summary["findings_by_category"].items() if n} == dict(expected)
    total = sum((Decimal(r["leakage_amount_reporting"]) for r in truth
                 if r["leakage_amount_reporting"]), Decimal(0))
    assert summary["leakage_total_reporting"] == f"{total:.2f}"
    assert set(summary["match_rate"]) == set(RECONS)
    assert all(0 <= v <= 1 for v in summary["match_rate"].values())
    with open(sources / "_truth" / "malformed.csv", newline="", encoding="utf-8") as f:
        bad = Counter(r["source"] for r in csv.DictReader(f))
    assert {s: n for s, n in summary["rows_quarantined"].items() if n} == dict(bad)
    assert summary["provisional"] is False
    figures = headline_figures(summary)
    assert figures["findings"] == len(truth) + 1
    assert figures["leakage_total_reporting"] == f"{total:.2f} USD"
    # The money at stake: every finding's |difference| in USD, totalled three ways.
    mismatches = pq.read_table(out / "reports" / CYCLE / "mismatches.parquet").to_pylist()
    stake = sum((r["difference_reporting"] for r in mismatches
                 if r["difference_reporting"] is not None), Decimal(0))
    assert stake > total and summary["at_stake_total_reporting"] == f"{stake:.2f}"
    for key in ("at_stake_by_category", "at_stake_by_recon", "at_stake_by_legal_entity"):
        assert sum(Decimal(v) for v in summary[key].values()) == stake, key
    jp01 = sum((r["difference_reporting"] for r in mismatches if r["legal_entity"] == "JP01"),
               Decimal(0))
    assert summary["at_stake_by_legal_entity"]["JP01"] == f"{jp01:.2f}"
    assert figures["leakage_reporting_minor"] == int(total * 100)
    assert figures[f"match_rate_{RECONS[0]}"] == summary["match_rate"][RECONS[0]]
    # No expectation results were handed in: written, but not final.
    assert (summary["status"], summary["final"], summary["expectations"]) == (
        "not_passing", False, [])


def test_workbook(out: Path) -> None:
    wb = load_workbook(out / "reports" / CYCLE / "report.xlsx")
    assert wb.sheetnames == ["Summary", *RECONS, "exceptions", "quarantine", "expectations"]
    assert wb["Summary"].freeze_panes == "A4"
    # Not final, said in its own row in the page's words (no expectations were handed in).
    summary_json = json.loads((out / "reports" / CYCLE / "summary.json").read_text("utf-8"))
    assert wb["Summary"]["A3"].value == summary_json["status_text"]
    assert wb["Summary"]["A3"].value.startswith(
        f"Not final: {summary_json['blocking_findings']} findings in categories that must be "
        "cleared before the close")
    assert wb["expectations"]["A2"].value == "No expectation suites were validated for this cycle."
    mismatches = pq.read_table(out / "reports" / CYCLE / "mismatches.parquet").to_pylist()
    summary_labels = {row[1] for row in wb["Summary"].iter_rows(min_row=7, max_col=2,
                                                                values_only=True) if row[1]}
    for recon in RECONS:
        ws = wb[recon]
        rows = [r for r in mismatches if r["recon"] == recon]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:R")
        assert ws.max_row == max(1, len(rows) + 1)
        assert ws.column_dimensions["A"].width >= 14
        header = [c.value for c in ws[1]]
        for line in ws.iter_rows(min_row=2, values_only=False):
            cells = dict(zip(header, line, strict=True))
            currency = cells["Currency"].value.upper()
            assert isinstance(cells["Difference"].value, int | float)
            assert f'"{currency}"' in cells["Difference"].number_format
            assert cells["Exception id"].data_type == "s"
            if cells["Leakage (USD)"].value is not None:
                assert '"USD"' in cells["Leakage (USD)"].number_format
            # The same category labels as the Summary sheet; the findings that must be cleared
            # before the close marked.
            assert cells["Category"].value in summary_labels
            assert cells["Must clear before close"].value in ("yes", None)
            if cells["At stake (USD)"].value is not None:
                assert '"USD"' in cells["At stake (USD)"].number_format
            if cells["Period start"].value is not None:
                assert cells["Period start"].is_date
            if currency == "JPY":
                assert cells["Expected amount"].number_format.startswith('#,##0 "JPY"')
            if currency == "KWD":
                assert cells["Difference"].number_format.startswith('#,##0.000 "KWD"')
                assert cells["Difference"].value == pytest.approx(0.001)
    summary = wb["Summary"]
    labels = {row[1]: row for row in summary.iter_rows(min_row=5, max_col=8, values_only=True)}
    assert labels["Unbilled subscription"][5] == pytest.approx(294.0)
    assert labels["Unbilled subscription"][7] is None  # leakage, not blocking
    assert labels["Invoice not posted"][7] == "yes"
    blocking = [r for r in mismatches if r["blocking"]]
    assert blocking and all(r["category"] in BLOCKING_CATEGORIES for r in blocking)
    total_row = next(row for row in summary.iter_rows(min_row=5, max_col=8, values_only=True)
                     if row[0] == "Total")
    assert total_row[7] == len(blocking) == summary_json["blocking_findings"]
    assert wb["quarantine"].max_row > 1


def test_text_is_never_a_formula(sources: Path, tmp_path: Path) -> None:
    inputs = cycle_inputs(sources, CYCLE)
    detail = inputs.findings.column("detail").to_pylist()
    detail[0] = '=HYPERLINK("x","click")'
    findings = inputs.findings.set_column(
        inputs.findings.schema.get_field_index("detail"), "detail", pa.array(detail))
    result = write_reports(tmp_path, replace(inputs, findings=findings), now=NOW)
    first = result.mismatches.filter(pc.equal(result.mismatches["detail"], detail[0]))
    ws = load_workbook(tmp_path / "reports" / CYCLE / "report.xlsx")[first["recon"][0].as_py()]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == detail[0])
    assert cell.data_type == "s"


def test_page_is_self_contained(out: Path) -> None:
    page = (out / "reports" / CYCLE / "report.html").read_text("utf-8")
    assert not re.search(r"(?i)(src|href)\s*=|url\(|@import|https?:|<script|<link|<iframe", page)
    for title in ["Leakage by category", "Leakage by legal entity", "Match rate by recon",
                  "Leakage by cycle", "Open findings by cycle", "Findings by category"]:
        assert f"{title}<" in page
    assert page.count("<svg") == 5
    assert KWD_OBJECT in page


def test_page_says_where_the_close_stands(out: Path) -> None:
    """The banner in plain words, the findings that must be cleared marked, money at stake."""
    page = (out / "reports" / CYCLE / "report.html").read_text("utf-8")
    summary = json.loads((out / "reports" / CYCLE / "summary.json").read_text("utf-8"))
    n = summary["blocking_findings"]
    assert f'<div class="banner">Not final: {n} findings in categories that must be cleared ' \
           "before the close" in page
    assert page.count('<span class="pill must-clear"') == n
    assert page.count('<tr class="blocking">') == n
    stake = Decimal(summary["at_stake_total_reporting"])
    assert f'<div class="value">{stake:,.2f}</div>' in page
    assert "Money at stake by recon and legal entity<" in page


def test_page_escapes_text_from_the_data(sources: Path, tmp_path: Path) -> None:
    """The template autoescapes: a detail holding markup is shown as text, never run."""
    inputs = cycle_inputs(sources, CYCLE)
    detail = inputs.findings.column("detail").to_pylist()
    detail[0] = '<script>alert("x")</script> & <b>bold</b>'
    findings = inputs.findings.set_column(
        inputs.findings.schema.get_field_index("detail"), "detail", pa.array(detail))
    write_reports(tmp_path, replace(inputs, findings=findings), now=NOW)
    page = (tmp_path / "reports" / CYCLE / "report.html").read_text("utf-8")
    assert "<script" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_markdown_preview_lists_the_largest_first(out: Path) -> None:
    table = pq.read_table(out / "reports" / CYCLE / "mismatches.parquet")
    text = markdown_preview(table, 3)
    lines = text.splitlines()
    assert lines[0].startswith("| exception_id |") and len(lines) == 2 + 3 + 2
    assert "unbilled_subscription" in lines[2] and "294.00" in lines[2]
    assert f"{table.num_rows - 3} more" in lines[-1]
    assert markdown_preview(table.slice(0, 0)) == "_No findings._"
    raw = markdown_preview(table.drop_columns(["exception_id", "status"]), 1)
    assert "294.00" in raw.splitlines()[2]


def test_files_not_read_are_in_the_summary(sources: Path, tmp_path: Path) -> None:
    """A whole file quarantined (line 0: a link out, a FIFO, a truncated gzip) is listed."""
    inputs = cycle_inputs(sources, CYCLE)
    whole = pa.Table.from_pylist([{
        "source": "usage", "file": "usage/events-09.jsonl.gz", "line": 0, "record": "",
        "reason": "usage/events-09.jsonl.gz is not a complete gzip file (truncated): not read"}],
        schema=inputs.quarantine.schema)
    result = write_reports(tmp_path, replace(inputs, quarantine=pa.concat_tables(
        [inputs.quarantine, whole])), now=NOW, provisional=True)
    assert result.summary["files_not_read"] == [{
        "source": "usage", "file": "usage/events-09.jsonl.gz",
        "reason": "usage/events-09.jsonl.gz is not a complete gzip file (truncated): not read"}]
    summary = json.loads((result.folder / "summary.json").read_text())
    assert summary["files_not_read"] == result.summary["files_not_read"]


def test_posting_delays_are_in_the_summary_and_on_the_page(sources: Path, tmp_path: Path) -> None:
    """marts.fct_posting_delays rows of the cycle: summary.json per entity and document type
    (ordered), and a table of report.html, entity names escaped."""
    delays = [
        {"legal_entity_id": "LE_US", "document_type": "PAYMENT", "documents_posted": 1204,
         "median_days": 1, "p95_days": 3, "max_days": 17},
        {"legal_entity_id": "<b>LE_DE</b>", "document_type": "INVOICE", "documents_posted": 88,
         "median_days": 0, "p95_days": 12, "max_days": 40},
        {"legal_entity_id": "LE_US", "document_type": "INVOICE", "documents_posted": 2311,
         "median_days": 2, "p95_days": 6, "max_days": 31},
    ]
    result = write_reports(tmp_path, replace(cycle_inputs(sources, CYCLE), posting_delays=delays),
                           now=NOW)
    summary = json.loads((result.folder / "summary.json").read_text())
    assert [(r["legal_entity_id"], r["document_type"]) for r in summary["posting_delays"]] == [
        ("<b>LE_DE</b>", "INVOICE"), ("LE_US", "INVOICE"), ("LE_US", "PAYMENT")]
    assert summary["posting_delays"][1] == delays[2]
    page = (result.folder / "report.html").read_text("utf-8")
    section = page[page.index("Posting delays by legal entity"):]
    section = section[:section.index("</section>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section)
    assert cells[:6] == ["&lt;b&gt;LE_DE&lt;/b&gt;", "Invoice finalized → INVOICE journal", "88",
                         "0", "12", "40"]
    assert cells[12:] == ["LE_US", "Charge → PAYMENT journal", "1,204", "1", "3", "17"]


def test_no_posting_delays_say_so(out: Path) -> None:
    summary = json.loads((out / "reports" / CYCLE / "summary.json").read_text())
    assert summary["posting_delays"] == []
    page = (out / "reports" / CYCLE / "report.html").read_text("utf-8")
    assert "No document of this cycle is posted yet." in page
