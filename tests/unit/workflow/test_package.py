"""Sign-off bound to evidence, the period lock and restatements (real ledger, GX, event log)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import DEFAULT_EXPECTATIONS_DIR, load_suite
from recon_pipeline.lib.quality.validate import validate_cycle, write_validation
from recon_pipeline.lib.workflow.gate import cycle_waived_keys
from recon_pipeline.lib.workflow.log import WorkflowError
from recon_pipeline.lib.workflow.package import latest_package, verify_package
from recon_pipeline.lib.workflow.service import Workflow
from tests.unit.workflow.conftest import (
    APPR,
    APPR2,
    CYCLE,
    FINDINGS,
    LARGE,
    PREP,
    PREP2,
    SMALL,
    finding,
    run,
)
from tests.unit.workflow.test_gate import _warehouse


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _gate(out: Path) -> None:
    """The cycle's expectation results as the quality op writes them (fct_mismatches suite)."""
    warehouse = _warehouse(out / "warehouse.duckdb", FINDINGS)
    suite = load_suite(DEFAULT_EXPECTATIONS_DIR / "marts.fct_mismatches.json")
    waived = cycle_waived_keys(out, CYCLE)
    write_validation(out, validate_cycle([suite], FrameSources(out / "raw", warehouse, CYCLE,
                                                               waived),
                                         now=datetime(2026, 10, 4, tzinfo=UTC)))


def test_signoff_lock_and_restatement(out: Path) -> None:
    wf = Workflow(out)
    wf.waive(PREP, CYCLE, SMALL, "timing", "posted on the 2nd", CYCLE)
    wf.approve(PREP2, SMALL)
    _gate(out)
    with pytest.raises(WorkflowError, match=f"{LARGE} .* is blocking and not waived"):
        wf.submit(PREP, CYCLE)
    wf.waive(PREP, CYCLE, LARGE, "write_off", "written off under policy WO-3", CYCLE)
    wf.approve(APPR, LARGE)
    _gate(out)
    assert wf.gate_blockers(CYCLE) == []
    # The reports of a run with waivers mark them: workbook sheet and summary.json.
    run(out, FINDINGS)
    import openpyxl
    sheet = openpyxl.load_workbook(out / "reports" / CYCLE / "report.xlsx")["exceptions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_id[SMALL]["Status"] == "waived" and by_id[SMALL]["Waiver approver"] == "quinn"
    assert by_id[LARGE]["Waiver reason"] == "write_off" and by_id[LARGE]["Due date"]
    assert by_id[LARGE]["Amount at stake"] == 5000
    summary = json.loads((out / "reports" / CYCLE / "summary.json").read_text())
    assert {w["exception_id"]: w["approver"] for w in summary["waived"]} == {
        SMALL: "quinn", LARGE: "alex"}
    assert summary["blocking_waived"] == 2 == summary["blocking_findings"]
    assert "categories that must be cleared" not in summary["status_text"]
    page = (out / "reports" / CYCLE / "report.html").read_text()
    assert "<h2>Waived" in page and "written off under policy WO-3" in page

    wf.submit(APPR, CYCLE)
    with pytest.raises(WorkflowError, match="four eyes"):
        wf.signoff(APPR, CYCLE)
    with pytest.raises(WorkflowError, match="pat is a preparer"):
        wf.signoff(PREP, CYCLE)
    from recon_pipeline.lib.workflow.package import freeze_for
    head = wf.log.read().head
    [event] = wf.signoff(APPR2, CYCLE, freeze_for(wf, CYCLE))
    package = latest_package(out, CYCLE)
    assert package is not None and event.data["package"] == f"close/{CYCLE}/package-1"
    manifest = json.loads((package / "manifest.json").read_text())
    assert manifest["event_log_head"] == head
    assert (manifest["submitted_by"], manifest["signed_by"]) == ("alex", "blake")
    assert set(manifest["waivers"]) == {SMALL, LARGE}
    assert manifest["waivers"][LARGE]["approver"] == "alex"
    assert {"mismatches.parquet", "summary.json", "report.xlsx", "validation.json"} <= set(
        manifest["reports_sha256"])
    assert manifest["inputs"]["code"]["package"] and manifest["inputs"]["dbt_project_sha256"]
    assert wf.state().close(CYCLE).status == "signed"
    check = verify_package(out, CYCLE)
    assert check.ok, check.lines

    # Late data: a later run of the signed cycle changes one amount and adds a finding.
    reports = out / "reports" / CYCLE
    signed_reports, signed_package = _tree(reports), _tree(package)
    late = [FINDINGS[0], finding("payment_amount_mismatch", "gateway_erp", "ch_large", "5250.00"),
            FINDINGS[2], finding("refund_not_posted", "gateway_erp", "re_late", "80.00")]
    run(out, late, now=datetime(2026, 11, 2, tzinfo=UTC))
    assert _tree(reports) == signed_reports  # the signed reports are not overwritten
    assert _tree(package) == signed_package
    restatement = json.loads((out / "close" / CYCLE / "restatement-1" /
                              "restatement.json").read_text())
    changes = {c["exception_id"]: c for c in restatement["changes"]}
    assert changes[LARGE]["change"] == "changed" and changes[LARGE]["delta"] == "250.000"
    assert changes[LARGE]["fields"] == ["difference", "expected_amount"]
    assert [c["change"] for c in changes.values()].count("added") == 1
    assert Decimal(restatement["total_abs_delta"]) == Decimal("330")
    assert restatement["suggested"] == "out_of_period_adjustment"  # below materiality 5000
    assert (out / "close" / CYCLE / "restatement-1" / "mismatches.parquet").is_file()
    close = wf.state().close(CYCLE)
    assert close.status == "restated" and close.history[-1].who == "recon"
    # The large waiver no longer holds on the new amount.
    assert {r.finding.exception_id: r.status for r in wf.queue(CYCLE)}[LARGE] == "open"

    # Finance carries it into the open cycle as an out-of-period adjustment, reported there.
    with pytest.raises(WorkflowError, match="pat is a preparer"):
        wf.adjust(PREP, CYCLE, "2026-10")
    wf.adjust(APPR, CYCLE, "2026-10")
    assert wf.state().close(CYCLE).status == "signed"
    run(out, [finding("payment_amount_mismatch", "gateway_erp", "ch_oct", "10.00", "2026-10")],
        cycle="2026-10", now=datetime(2026, 11, 4, tzinfo=UTC))
    october = json.loads((out / "reports" / "2026-10" / "summary.json").read_text())
    [carried] = october["out_of_period_adjustments"]
    assert (carried["from_cycle"], carried["total_abs_delta"]) == (CYCLE, "330.000")
    assert {c["exception_id"] for c in carried["changes"]} == set(changes)
    assert "Out-of-period adjustments" in (out / "reports" / "2026-10" / "report.html").read_text()
    assert _tree(reports) == signed_reports  # still locked

    # Reopened by an approver with a reason: the lock lifts, the next run writes the reports.
    with pytest.raises(WorkflowError, match="reason"):
        wf.reopen(APPR, CYCLE, " ")
    wf.reopen(APPR, CYCLE, "restate: refund not posted is material to the entity")
    run(out, late, now=datetime(2026, 11, 3, tzinfo=UTC))
    assert _tree(reports) != signed_reports and _tree(package) == signed_package

    # A package file edited after sign-off is caught.
    (package / "reports" / "summary.json").write_text("{}")
    check = verify_package(out, CYCLE)
    assert not check.ok and any("summary.json differs" in line for line in check.lines)
