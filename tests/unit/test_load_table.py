"""``recon_pipeline.load_table``: any table of a cycle as a Polars DataFrame, money exact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

import recon_pipeline
from recon_pipeline.lib.atomic import write_parquet
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.tables import table_names


def _rows(schema: pa.Schema, n: int) -> pa.Table:
    return pa.Table.from_pylist([{} for _ in range(n)], schema=schema)


def test_raw_tables_quarantine_and_findings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    journal = SCHEMAS[("erp", "gl_journal_lines")]
    rows = [{f.name: None for f in journal} | {"debit": Decimal("12.35")}]
    write_parquet(out / "raw" / "2026-09" / "erp" / "gl_journal_lines.parquet",
                  pa.Table.from_pylist(rows, schema=journal))
    write_parquet(out / "raw" / "2026-09" / "quarantine.parquet", _rows(QUARANTINE, 2))
    write_parquet(out / "reports" / "2026-09" / "provisional" / "mismatches.parquet",
                  pa.table({"category": ["invoice_not_posted"]}))

    lines = recon_pipeline.load_table(out, "2026-09", "erp/gl_journal_lines")
    assert isinstance(lines, pl.DataFrame)
    assert lines["debit"].to_list() == [Decimal("12.35")]
    assert recon_pipeline.load_table(out, "2026-09", "raw/erp/gl_journal_lines").height == 1
    assert recon_pipeline.load_table(str(out), "2026-09", "quarantine").height == 2
    findings = recon_pipeline.load_table(out, "2026-09", "mismatches", provisional=True)
    assert findings["category"].to_list() == ["invoice_not_posted"]


def test_unknown_or_missing_tables_say_so(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown table 'billing/nope'"):
        recon_pipeline.load_table(tmp_path, "2026-09", "billing/nope")
    with pytest.raises(FileNotFoundError, match="run the cycle first"):
        recon_pipeline.load_table(tmp_path, "2026-09", "billing/invoices")
    assert "billing/invoices" in table_names() and "mismatches" in table_names()
