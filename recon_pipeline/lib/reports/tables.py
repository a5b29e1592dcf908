"""mismatches.parquet / .csv: the findings with their exception_id and new / recurring status."""

from __future__ import annotations

from collections.abc import Set

import pyarrow as pa

from recon_pipeline.lib.reports import csvsafe
from recon_pipeline.lib.reports.figures import money_text
from recon_pipeline.lib.reports.ids import exception_ids
from recon_pipeline.lib.reports.schema import (
    MISMATCHES_SCHEMA,
    MONEY_COLUMNS,
    QUARANTINE_SCHEMA,
    RECONS,
    REPORTING_COLUMNS,
    conform,
)


def build_mismatches(findings: pa.Table, seen_before: Set[str]) -> pa.Table:
    """Findings (FINDINGS_SCHEMA) with ids and status, sorted by recon, category, object, period.

    ``seen_before``: the ids an earlier cycle had (those are ``recurring``).
    """
    ids = exception_ids(findings)
    status = pa.array(["recurring" if i in seen_before else "new" for i in ids.to_pylist()])
    table = findings.add_column(0, "exception_id", ids).append_column("status", status)
    table = conform(table, MISMATCHES_SCHEMA, "mismatches")
    recon_rank = pa.array([RECONS.index(r) for r in table.column("recon").to_pylist()])
    order = table.append_column("_rank", recon_rank).sort_by([
        ("_rank", "ascending"), ("category", "ascending"), ("object_id", "ascending"),
        ("period_start", "ascending")])
    return order.drop_columns(["_rank"])


def mismatches_csv(mismatches: pa.Table) -> bytes:
    """UTF-8 CSV of the mismatches: money as exact text in the row's currency, dates ISO.

    Written by :mod:`csvsafe`: every cell quoted, formula-like text neutralised.
    """
    rows = []
    for r in mismatches.to_pylist():
        cells: list[object] = []
        for name in mismatches.column_names:
            value = r[name]
            if name in REPORTING_COLUMNS:
                cells.append(money_text(value, places=2))
            elif name in MONEY_COLUMNS:
                cells.append(money_text(value, r["currency"]))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
    return csvsafe.dumps(mismatches.column_names, rows)


def conform_quarantine(quarantine: pa.Table | None) -> pa.Table:
    """The quarantine rows as quarantine.parquet holds them (an empty table for None)."""
    if quarantine is None:
        return QUARANTINE_SCHEMA.empty_table()
    return conform(quarantine, QUARANTINE_SCHEMA, "quarantine")
