"""An object exported twice and the key expectations (issue 13 item 4), on real DuckDB frames,
GX's pandas path and the shipped suites: identical copies pass the key checks (they are one
object), conflicting copies fail them and the summary names the check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.extract.schemas import SCHEMAS
from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import DEFAULT_EXPECTATIONS_DIR, load_suite
from recon_pipeline.lib.quality.validate import CycleValidation, validate_cycle
from recon_pipeline.lib.reports import FINDINGS_SCHEMA
from recon_pipeline.lib.reports.figures import summarize

CYCLE = "2026-09"
SUITES = ("raw.billing.customers", "raw.erp.gl_journal_lines")


def _customer(customer_id: str, email: str, file: str, line: int) -> dict[str, Any]:
    return {"customer_id": customer_id, "name": "Acme", "email": email, "currency": "eur",
            "country": "DE", "created_at": datetime(2026, 1, 5, tzinfo=UTC),
            "legal_entity": "DE01", "crm_account_id": None, "erp_customer_code": None,
            "tax_id": None, "_file": file, "_line": line}


def _line(journal: str, line_no: int, debit: str, credit: str, line: int) -> dict[str, Any]:
    return {"entity_code": "DE01", "journal_id": journal, "line_no": line_no,
            "posting_date": date(2026, 9, 10), "period": "2026-09", "account_code": "1200",
            "debit": Decimal(debit), "credit": Decimal(credit), "currency": "EUR",
            "document_type": "invoice", "document_ref": "in_1", "customer_code": None,
            "reversal_of": None, "_file": "erp/ledger.sqlite", "_line": line}


def _raw(raw: Path, customers: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    tables: dict[tuple[str, str], list[dict[str, Any]]] = {
        ("billing", "customers"): customers,
        ("erp", "gl_journal_lines"): lines,
        ("reference", "legal_entities"): [
            {"entity_code": "DE01", "name": "Acme GmbH", "functional_currency": "EUR",
             "country": "DE", "_file": "reference/legal_entities.csv", "_line": 2}],
        ("erp", "gl_accounts"): [
            {"account_code": "1200", "name": "Receivables", "role": "receivable",
             "_file": "erp/ledger.sqlite", "_line": 1}],
    }
    for (system, table), rows in tables.items():
        (raw / system).mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[(system, table)]),
                       raw / system / f"{table}.parquet")


def _validate(tmp_path: Path, customers: list[dict[str, Any]],
              lines: list[dict[str, Any]]) -> CycleValidation:
    raw = tmp_path / "raw" / CYCLE
    _raw(raw, customers, lines)
    suites = [load_suite(DEFAULT_EXPECTATIONS_DIR / f"{name}.json") for name in SUITES]
    return validate_cycle(suites, FrameSources(raw, tmp_path / "warehouse.duckdb", CYCLE),
                          now=datetime(2026, 10, 2, tzinfo=UTC))


def _outcome(validation: CycleValidation, suite: str, check: str) -> Any:
    found = next(s for s in validation.suites if s.suite == suite)
    return next(e for e in found.expectations if e.check == check)


BALANCED = [_line("J1", 1, "100.00", "0", 1), _line("J1", 2, "0", "100.00", 2)]


@pytest.fixture(scope="module")
def identical(tmp_path_factory: pytest.TempPathFactory) -> CycleValidation:
    # A customer in the batch export and again in the stream; a journal line read twice.
    customers = [_customer("cus_1", "a@acme.test", "billing/customers.jsonl", 1),
                 _customer("cus_2", "b@acme.test", "billing/customers.jsonl", 2),
                 _customer("cus_1", "a@acme.test", "billing/stream/customers.jsonl", 7)]
    lines = [*BALANCED, {**BALANCED[1], "_line": 3}]
    return _validate(tmp_path_factory.mktemp("identical"), customers, lines)


def test_identical_copies_pass_the_key_checks(identical: CycleValidation) -> None:
    customer = _outcome(identical, "raw.billing.customers", "customer_id_unique")
    line = _outcome(identical, "raw.erp.gl_journal_lines", "line_key_unique")
    assert (customer.success, customer.unexpected, customer.evaluated) == (True, 0, 2)
    assert (line.success, line.unexpected) == (True, 0)
    # The repeated line counts once everywhere: its journal still balances.
    assert _outcome(identical, "raw.erp.gl_journal_lines", "journal_balanced").success
    assert identical.passing, [s.blocking_failures for s in identical.suites]
    assert all(s["conflicting_keys"] == [] for s in identical.summary())


def test_conflicting_copies_fail_the_key_check_and_the_summary_names_it(
        tmp_path: Path) -> None:
    customers = [_customer("cus_1", "a@acme.test", "billing/customers.jsonl", 1),
                 _customer("cus_1", "new@acme.test", "billing/stream/customers.jsonl", 7)]
    lines = [*BALANCED, {**BALANCED[1], "credit": Decimal("90.00"), "_line": 3}]
    validation = _validate(tmp_path, customers, lines)
    customer = _outcome(validation, "raw.billing.customers", "customer_id_unique")
    line = _outcome(validation, "raw.erp.gl_journal_lines", "line_key_unique")
    assert (customer.success, customer.blocking, customer.unexpected) == (False, True, 2)
    assert (line.success, line.blocking, line.unexpected) == (False, True, 2)
    assert {e["customer_id"] for e in customer.examples} == {"cus_1"}
    assert not validation.passing

    summary = summarize(pa.Table.from_pylist([], schema=FINDINGS_SCHEMA), cycle=CYCLE,
                        reporting_currency="EUR", rows_read={}, rows_quarantined={},
                        objects_checked={}, provisional=False,
                        generated_at=datetime(2026, 10, 2, tzinfo=UTC),
                        validation=validation.to_json())
    assert summary["status"] == "not_passing"
    assert ("conflicting copies in raw/billing/customers: 1 customer_id exported more than once "
            "with different content (2 rows; check customer id unique)") in summary["status_text"]
    assert ("conflicting copies in raw/erp/gl_journal_lines: 1 (entity_code, journal_id, line_no) "
            "exported more than once with different content (2 rows; check line key unique)"
            ) in summary["status_text"]
    by_suite = {e["suite"]: e for e in summary["expectations"]}
    assert "customer_id_unique" in by_suite["raw.billing.customers"]["blocking_failed"]
    assert "line_key_unique" in by_suite["raw.erp.gl_journal_lines"]["blocking_failed"]
    assert by_suite["raw.billing.customers"]["conflicting_keys"] == [
        {"check": "customer_id_unique", "blocking": True, "key": ["customer_id"], "keys": 1,
         "rows": 2}]


def test_the_frame_keeps_one_copy_in_the_order_read(tmp_path: Path) -> None:
    from recon_pipeline.lib.quality.frames import connect, read_frame

    raw = tmp_path / "raw" / CYCLE
    _raw(raw, [_customer("cus_2", "b@acme.test", "billing/customers.jsonl", 1),
               _customer("cus_1", "a@acme.test", "billing/customers.jsonl", 2),
               _customer("cus_3", "c@acme.test", "billing/customers.jsonl", 3),
               _customer("cus_2", "b@acme.test", "billing/stream/customers.jsonl", 1)], [])
    src = FrameSources(raw, tmp_path / "warehouse.duckdb", CYCLE)
    with connect(src) as con:
        frame = read_frame(con, "raw.billing.customers", src)
    assert frame.column("customer_id").to_pylist() == ["cus_2", "cus_1", "cus_3"]


def test_lineage_is_every_underscore_column_of_the_raw_tables() -> None:
    """Identical means equal but for LINEAGE: a new lineage column (say _loaded_at) must join
    it, or every repeated object would look like a conflict."""
    from recon_pipeline.lib.quality.frames import LINEAGE

    for table, schema in SCHEMAS.items():
        assert tuple(n for n in schema.names if n.startswith("_")) == LINEAGE, table
