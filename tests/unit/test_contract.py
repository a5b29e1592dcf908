"""The output contract check (recon_pipeline.lib.contract, `recon check OUT CYCLE`) on a small
hand-written OUT: kept as written, and each way of breaking it named in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.contract import MISMATCH_COLUMNS, check_outputs

CYCLE = "2026-09"
RECON = Path(sys.executable).parent / "recon"
D3 = pa.decimal128(18, 3)
D2 = pa.decimal128(18, 2)
TYPES: dict[str, pa.DataType] = {
    "period_start": pa.date32(), "expected_amount": D3, "actual_amount": D3, "difference": D3,
    "leakage_amount": D3, "leakage_amount_reporting": D2, "difference_reporting": D2,
    "blocking": pa.bool_(),
}


def _findings() -> list[dict[str, Any]]:
    base = {"cycle": CYCLE, "severity": "error", "legal_entity": "US01", "customer_id": "cus_1",
            "related_id": None, "currency": "usd", "leakage_amount": None,
            "leakage_amount_reporting": None, "period_start": None, "blocking": True,
            "detail": "The invoice was never posted to the ledger."}
    return [
        {**base, "exception_id": "exc_1", "recon": "billing_erp",
         "category": "invoice_not_posted", "object_id": "in_1",
         "expected_amount": Decimal("120.000"), "actual_amount": Decimal("0.000"),
         "difference": Decimal("120.000"), "difference_reporting": Decimal("120.00")},
        {**base, "exception_id": "exc_2", "recon": "subscription_billing",
         "category": "unbilled_subscription", "object_id": "sub_1",
         "period_start": date(2026, 9, 1), "expected_amount": Decimal("49.000"),
         "actual_amount": Decimal("0.000"), "difference": Decimal("49.000"),
         "leakage_amount": Decimal("49.000"), "leakage_amount_reporting": Decimal("49.00"),
         "difference_reporting": Decimal("49.00"), "blocking": False},
    ]


def _write_mismatches(out: Path, rows: list[dict[str, Any]],
                      types: dict[str, pa.DataType] | None = None) -> None:
    types = TYPES | (types or {})
    columns = [c for c in MISMATCH_COLUMNS if any(c in r for r in rows)]
    schema = pa.schema([pa.field(c, types.get(c, pa.string())) for c in columns])
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows], schema=schema)
    pq.write_table(table, out / "reports" / CYCLE / "mismatches.parquet")


def _summary() -> dict[str, Any]:
    return {"cycle": CYCLE, "reporting_currency": "USD",
            "findings_by_category": {"invoice_not_posted": 1, "unbilled_subscription": 1},
            "leakage_total_reporting": "49.00", "match_rate": {"billing_erp": 0.99},
            "rows_read": {"billing": 10}, "rows_quarantined": {"billing": 1},
            "at_stake_total_reporting": "169.00", "status": "not_passing", "final": False}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An OUT that keeps the contract for CYCLE."""
    folder = tmp_path / "reports" / CYCLE
    folder.mkdir(parents=True)
    _write_mismatches(tmp_path, _findings())
    for name in ("mismatches.csv", "report.xlsx", "report.html"):
        (folder / name).write_text("x")
    (folder / "summary.json").write_text(json.dumps(_summary()))
    pq.write_table(pa.table({"source": ["billing"], "file": ["billing/invoices.jsonl"],
                             "line": [3], "record": ["{"], "reason": ["not JSON"]}),
                   folder / "quarantine.parquet")
    pq.write_table(pa.table({"exception_id": ["exc_1"]}), tmp_path / "exceptions.parquet")
    return tmp_path


def test_a_complete_output_keeps_the_contract(out: Path) -> None:
    assert check_outputs(out, CYCLE) == []


def _drop_column(out: Path) -> None:
    _write_mismatches(out, [{k: v for k, v in r.items() if k != "blocking"}
                            for r in _findings()])


def _float_money(out: Path) -> None:
    rows = [{**r, "difference": float(r["difference"])} for r in _findings()]
    _write_mismatches(out, rows, {"difference": pa.float64()})


def _twice(out: Path) -> None:
    rows = _findings()
    _write_mismatches(out, [*rows, {**rows[0], "exception_id": "exc_3"}])


def _edit_row(**changes: Any) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        rows = _findings()
        _write_mismatches(out, [{**rows[0], **changes}, rows[1]])
    return edit


def _edit_summary(**changes: Any) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        summary = {k: v for k, v in (_summary() | changes).items() if v is not None}
        (out / "reports" / CYCLE / "summary.json").write_text(json.dumps(summary))
    return edit


def _remove(rel: str) -> Callable[[Path], None]:
    return lambda out: (out / rel).unlink()


@pytest.mark.parametrize(("breakage", "problem"), [
    (_remove(f"reports/{CYCLE}/report.html"), f"missing reports/{CYCLE}/report.html"),
    (_remove("exceptions.parquet"), "missing exceptions.parquet"),
    (_drop_column, "mismatches.parquet lacks columns ['blocking']"),
    (_float_money, "mismatches.parquet: difference is a binary float (double); money must be"
                   " decimal"),
    (_twice, "mismatches.parquet: the same finding appears twice"),
    (_edit_row(exception_id="exc_2"), "mismatches.parquet: exception_id is not unique"),
    (_edit_row(category="invoice_lost"), "unknown category 'invoice_lost'"),
    (_edit_row(recon="gateway_erp"),
     "invoice_not_posted in_1: recon 'gateway_erp', expected 'billing_erp'"),
    (_edit_row(cycle="2026-08"), "invoice_not_posted in_1: cycle '2026-08' in the report of"),
    (_edit_row(period_start=date(2026, 9, 1)), "invoice_not_posted in_1: period_start must be"
                                               " null"),
    (_edit_row(leakage_amount=Decimal(1)), "invoice_not_posted in_1: leakage_amount must be null"),
    (_edit_row(severity="fatal"), "invoice_not_posted in_1: severity 'fatal'"),
    (_edit_row(detail=""), "invoice_not_posted in_1: no detail sentence"),
    (_edit_row(difference_reporting=None),
     "invoice_not_posted in_1: a difference with no difference_reporting"),
    (_edit_summary(at_stake_total_reporting=None), "summary.json lacks 'at_stake_total_reporting'"),
    (_edit_summary(leakage_total_reporting=49.0),
     "summary.json: leakage_total_reporting is a decimal string, not a number"),
    (_edit_summary(status="done"), "summary.json: status 'done' is not one of"),
    (_edit_summary(final="no"), "summary.json: final must be true or false"),
])
def test_each_breach_is_named(out: Path, breakage: Callable[[Path], None], problem: str) -> None:
    breakage(out)
    problems = check_outputs(out, CYCLE)
    assert len(problems) == 1, problems
    assert problems[0].startswith(problem), problems


def test_quarantine_source_must_be_a_top_folder(out: Path) -> None:
    pq.write_table(pa.table({"source": ["invoices"], "file": ["x"], "line": [1], "record": ["{"],
                             "reason": ["not JSON"]}),
                   out / "reports" / CYCLE / "quarantine.parquet")
    assert check_outputs(out, CYCLE) == ["quarantine: source 'invoices' is not a top folder"]


def test_recon_check_exits_0_when_kept_and_1_with_a_line_per_problem(out: Path) -> None:
    done = subprocess.run([str(RECON), "check", str(out), CYCLE], capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stdout) == (0, f"{CYCLE}: contract kept\n"), done.stderr
    _remove("exceptions.parquet")(out)
    _edit_row(severity="fatal")(out)
    done = subprocess.run([str(RECON), "check", str(out), CYCLE], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "missing exceptions.parquet", "invoice_not_posted in_1: severity 'fatal'",
        f"{CYCLE}: contract broken (2 problems)"]


def test_recon_check_on_a_missing_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([str(RECON), "check", str(tmp_path / "nope"), CYCLE],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert (done.stdout + done.stderr).strip().count("\n") == 0
    assert "does not exist" in done.stderr
