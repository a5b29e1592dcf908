"""Gather what the reports of a cycle need: findings and coverage from the warehouse, quarantine
and row counts from the raw zone. Dagster-free."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.reports.figures import DELAY_KEYS
from recon_pipeline.lib.reports.write import CycleInputs
from recon_pipeline.lib.warehouse.marts import is_built, open_marts, warehouse_location

#: Tables written beside a source object's own table (they are rows of its records).
CHILD_TABLES = frozenset({"invoice_lines", "subscription_items", "subscription_discounts"})


class ReportInputError(RuntimeError):
    """The warehouse or the raw zone lacks what the reports need."""


def read_cycle_inputs(out_dir: Path, raw_dir: Path, cycle: str,
                      reporting_currency: str = "USD", warehouse: str = "duckdb") -> CycleInputs:
    """The findings of ``cycle`` (marts.fct_mismatches), the objects each recon checked
    (marts.fct_recon_coverage), as the run built them in OUT on ``warehouse``
    (lib/warehouse/marts.py), and the cycle's quarantine and row counts."""
    if not is_built(out_dir, warehouse):
        raise ReportInputError(f"warehouse {warehouse_location(out_dir, warehouse)} not found: "
                               "build the dbt models first")
    with open_marts(out_dir, warehouse) as con:
        findings = con.sql(
            "select * from marts.fct_mismatches where cycle = $1 "
            "order by recon, category, object_id, period_start", params=[cycle]).to_arrow_table()
        coverage = con.sql(
            "select recon, sum(objects_checked) from marts.fct_recon_coverage "
            "where cycle = $1 group by recon", params=[cycle]).fetchall()
        delays = con.sql(
            f"select {', '.join(DELAY_KEYS)} from marts.fct_posting_delays where cycle = $1 "
            "order by legal_entity_id, document_type",
            params=[cycle]).to_arrow_table().to_pylist()
    quarantine = _read(raw_dir / "quarantine.parquet")
    counts = _read(raw_dir / "file_counts.parquet")
    rows_read: Counter[str] = Counter()
    rows_quarantined: Counter[str] = Counter()
    if counts is not None:
        for row in counts.to_pylist():
            if row["table"] in CHILD_TABLES:
                continue
            rows_read[row["source"]] += int(row["rows_read"])
            rows_quarantined[row["source"]] += int(row["rows_quarantined"])
    return CycleInputs(
        cycle=cycle,
        findings=findings,
        rows_read=dict(rows_read),
        objects_checked={recon: int(n or 0) for recon, n in coverage},
        quarantine=quarantine,
        rows_quarantined=dict(rows_quarantined) if counts is not None else None,
        reporting_currency=reporting_currency,
        posting_delays=delays,
    )


def _read(path: Path) -> pa.Table | None:
    return pq.read_table(path) if path.is_file() else None
