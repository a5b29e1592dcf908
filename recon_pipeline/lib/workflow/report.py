"""The workflow's columns in a cycle's reports: status, owner, due date, waiver per exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from recon_pipeline.lib.workflow.findings import findings_of, lifecycle
from recon_pipeline.lib.workflow.service import Workflow

#: The workbook's exceptions sheet, in this order.
COLUMNS = ("exception_id", "recon", "category", "legal_entity", "amount_at_stake", "blocking",
           "status", "owner", "due_date", "age_days", "waiver", "waiver_reason",
           "waiver_text", "waiver_preparer", "waiver_approver", "waiver_expires", "note")


def workflow_rows(out: Path, cycle: str, mismatches: pa.Table) -> list[dict[str, Any]]:
    """One row per finding of the run, largest amount at stake first (COLUMNS)."""
    wf = Workflow(out)
    rows = []
    for r in wf.queue_of(findings_of(mismatches, lifecycle(out)), cycle):
        w = r.item.waiver
        rows.append({
            "exception_id": r.finding.exception_id, "recon": r.finding.recon,
            "category": r.finding.category, "legal_entity": r.finding.legal_entity,
            "amount_at_stake": r.finding.amount_at_stake, "blocking": r.finding.blocking,
            "status": r.status, "owner": r.item.owner, "due_date": r.due,
            "age_days": r.finding.age_days, "waiver": w.state if w else None,
            "waiver_reason": w.reason_code if w else None, "waiver_text": w.text if w else None,
            "waiver_preparer": w.preparer if w else None,
            "waiver_approver": w.approver if w else None,
            "waiver_expires": w.expiry_cycle if w else None, "note": r.note or None})
    return rows


def waived_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """summary.json's ``waived``: each finding a waiver covers, with its reason and approver."""
    return [{"exception_id": r["exception_id"], "category": r["category"],
             "amount_at_stake": str(r["amount_at_stake"]), "reason_code": r["waiver_reason"],
             "text": r["waiver_text"], "preparer": r["waiver_preparer"],
             "approver": r["waiver_approver"], "expiry_cycle": r["waiver_expires"]}
            for r in rows if r["status"] == "waived"]


def adjustments_into(out: Path, cycle: str) -> list[dict[str, Any]]:
    """summary.json's ``out_of_period_adjustments``: the restatements of earlier signed cycles
    carried into ``cycle``, each with its changes (restatement.json), on their own."""
    import json

    state = Workflow(out).state()
    carried = []
    for item in state.close(cycle).adjustments_in:
        path = Path(out) / item["restatement"] / "restatement.json"
        changes = json.loads(path.read_text())["changes"] if path.is_file() else []
        carried.append({"from_cycle": item["cycle"], "restatement": item["restatement"],
                        "total_abs_delta": item["total_abs_delta"], "changes": changes})
    return carried
