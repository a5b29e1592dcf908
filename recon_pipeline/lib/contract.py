"""The output contract (docs/outputs.md): the files a run leaves under ``OUT/``, their columns,
types and keys.

It checks shapes, names and types only; whether the findings are right is for the tests. The
column and key lists below are the contract as written for users, stated here once and on
purpose not derived from the writers' schemas, so a writer that drops a column fails the check.
The categories, the report files and the source systems are the project's own single lists.

``recon check OUT CYCLE`` prints :func:`check_outputs`'s problems, one a line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.reports.schema import CATEGORIES, LEAKAGE_CATEGORIES, RECON_OF
from recon_pipeline.lib.reports.write import REPORT_FILES
from recon_pipeline.lib.sources import SOURCE_SYSTEMS

#: Categories whose findings are about one billing period (``period_start`` set).
PERIOD_CATEGORIES = frozenset(
    {*CATEGORIES["subscription_billing"], "unbilled_usage", "overbilled_usage"}
)
#: Columns of ``mismatches.parquet`` (more may follow).
MISMATCH_COLUMNS = (
    "exception_id", "cycle", "recon", "category", "severity", "legal_entity", "customer_id",
    "object_id", "period_start", "related_id", "currency", "expected_amount", "actual_amount",
    "difference", "leakage_amount", "leakage_amount_reporting", "detail", "difference_reporting",
    "blocking",
)
#: Money columns: decimals, never binary floats.
MONEY_COLUMNS = (
    "expected_amount", "actual_amount", "difference", "leakage_amount",
    "leakage_amount_reporting", "difference_reporting",
)
QUARANTINE_COLUMNS = ("source", "file", "line", "record", "reason")
#: Keys of ``summary.json`` (more may follow).
SUMMARY_KEYS = (
    "cycle", "reporting_currency", "findings_by_category", "leakage_total_reporting",
    "match_rate", "rows_read", "rows_quarantined", "at_stake_total_reporting", "status", "final",
)
#: ``summary.json`` amounts written as decimal strings.
SUMMARY_DECIMALS = ("leakage_total_reporting", "at_stake_total_reporting")
#: Values of ``summary.json``'s ``status``.
SUMMARY_STATUSES = ("final", "not_passing", "provisional")


def check_outputs(out: Path, cycle: str) -> list[str]:
    """Every way ``OUT`` (as given to ``recon run --out``) breaks the contract for ``cycle``;
    an empty list when it keeps it."""
    out = Path(out)
    folder = out / "reports" / cycle
    problems = [f"missing reports/{cycle}/{name}" for name in REPORT_FILES
                if not (folder / name).is_file()]
    if not (out / "exceptions.parquet").is_file():
        problems.append("missing exceptions.parquet")
    if (folder / "mismatches.parquet").is_file():
        problems += _check_mismatches(pq.read_table(folder / "mismatches.parquet"), cycle)
    if (folder / "quarantine.parquet").is_file():
        problems += _check_quarantine(pq.read_table(folder / "quarantine.parquet"))
    if (folder / "summary.json").is_file():
        problems += _check_summary(folder / "summary.json")
    return problems


def _check_mismatches(table: pa.Table, cycle: str) -> list[str]:
    problems: list[str] = []
    missing = [c for c in MISMATCH_COLUMNS if c not in table.column_names]
    if missing:
        problems.append(f"mismatches.parquet lacks columns {missing}")
    for name in MONEY_COLUMNS:
        if name in table.column_names and pa.types.is_floating(table.schema.field(name).type):
            problems.append(f"mismatches.parquet: {name} is a binary float "
                            f"({table.schema.field(name).type}); money must be decimal")
    rows = table.to_pylist()
    ids = [r.get("exception_id") for r in rows]
    if len(set(ids)) != len(ids):
        problems.append("mismatches.parquet: exception_id is not unique")
    keys = [(r.get("category"), str(r.get("object_id")), str(r.get("period_start")))
            for r in rows]
    if len(set(keys)) != len(keys):
        problems.append("mismatches.parquet: the same finding appears twice")
    for row in rows:
        problems += _check_finding(row, cycle)
    return problems


def _check_finding(row: dict[str, Any], cycle: str) -> list[str]:
    category = row.get("category")
    where = f"{category} {row.get('object_id')}"
    if category not in RECON_OF:
        return [f"unknown category {category!r}"]
    problems: list[str] = []
    if row.get("recon") != RECON_OF[category]:
        problems.append(f"{where}: recon {row.get('recon')!r}, expected {RECON_OF[category]!r}")
    if row.get("cycle") != cycle:
        problems.append(f"{where}: cycle {row.get('cycle')!r} in the report of {cycle}")
    if (row.get("period_start") is None) == (category in PERIOD_CATEGORIES):
        state = "set" if category in PERIOD_CATEGORIES else "null"
        problems.append(f"{where}: period_start must be {state}")
    if category == "orphan_usage" and "/" not in str(row.get("object_id")):
        problems.append(f"{where}: orphan_usage object_id is '<subject>/<type>'")
    if (row.get("leakage_amount") is None) == (category in LEAKAGE_CATEGORIES):
        state = "set" if category in LEAKAGE_CATEGORIES else "null"
        problems.append(f"{where}: leakage_amount must be {state}")
    if row.get("severity") not in ("error", "warning"):
        problems.append(f"{where}: severity {row.get('severity')!r}")
    if not row.get("detail"):
        problems.append(f"{where}: no detail sentence")
    if "blocking" in row and not isinstance(row.get("blocking"), bool):
        problems.append(f"{where}: blocking must be true or false")
    if ("difference_reporting" in row and row.get("difference") not in (None, 0)
            and row.get("difference_reporting") is None):
        problems.append(f"{where}: a difference with no difference_reporting")
    return problems


def _check_quarantine(table: pa.Table) -> list[str]:
    missing = [c for c in QUARANTINE_COLUMNS if c not in table.column_names]
    problems = [f"quarantine.parquet lacks columns {missing}"] if missing else []
    if "source" in table.column_names:
        for source in table.column("source").unique().to_pylist():
            if source not in SOURCE_SYSTEMS:
                problems.append(f"quarantine: source {source!r} is not a top folder")
                break
    return problems


def _check_summary(path: Path) -> list[str]:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"summary.json is not readable JSON: {exc}"]
    if not isinstance(summary, dict):
        return ["summary.json is not a JSON object"]
    problems = [f"summary.json lacks {key!r}" for key in SUMMARY_KEYS if key not in summary]
    for key in SUMMARY_DECIMALS:
        if key in summary and not isinstance(summary[key], str):
            problems.append(f"summary.json: {key} is a decimal string, not a number")
    if "final" in summary and not isinstance(summary["final"], bool):
        problems.append("summary.json: final must be true or false")
    if "status" in summary and summary["status"] not in SUMMARY_STATUSES:
        problems.append(f"summary.json: status {summary['status']!r} is not one of "
                        f"{', '.join(SUMMARY_STATUSES)}")
    return problems
