"""A small real exception ledger (write_reports on a few findings) for the workflow tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from recon_pipeline.lib.reports import FINDINGS_SCHEMA, CycleInputs, exception_id, write_reports
from recon_pipeline.lib.workflow.users import User

CYCLE = "2026-09"
NOW = datetime(2026, 10, 4, 6, tzinfo=UTC)


def finding(category: str, recon: str, object_id: str, difference: str,
            cycle: str = CYCLE) -> dict[str, Any]:
    diff = Decimal(difference)
    return {"cycle": cycle, "recon": recon, "category": category, "severity": "error",
            "legal_entity": "US01", "customer_id": "cus_1", "object_id": object_id,
            "period_start": None, "related_id": None, "currency": "usd",
            "expected_amount": Decimal("100000") + diff, "actual_amount": Decimal("100000"),
            "difference": -diff, "leakage_amount": None, "leakage_amount_reporting": None,
            "detail": f"{category} on {object_id}."}


#: A small blocking finding, a large blocking one (above the approver threshold), a warning.
FINDINGS = [
    finding("invoice_not_posted", "billing_erp", "in_small", "500.00"),
    finding("payment_amount_mismatch", "gateway_erp", "ch_large", "5000.00"),
    finding("customer_missing_in_crm", "customer_master", "cus_9", "0"),
]
SMALL = exception_id("invoice_not_posted", "in_small", None)
LARGE = exception_id("payment_amount_mismatch", "ch_large", None)
WARN = exception_id("customer_missing_in_crm", "cus_9", None)

PREP = User("pat", "preparer")
PREP2 = User("quinn", "preparer")
APPR = User("alex", "approver")
APPR2 = User("blake", "approver")
VIEW = User("val", "viewer")


def run(out: Path, rows: list[dict[str, Any]], cycle: str = CYCLE,
        now: datetime = NOW) -> None:
    """A cycle's final run: its reports and the ledger."""
    write_reports(out, CycleInputs(cycle, pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA),
                                   rows_read={"billing": 10}, objects_checked={}), now=now)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    run(tmp_path, FINDINGS)
    return tmp_path
