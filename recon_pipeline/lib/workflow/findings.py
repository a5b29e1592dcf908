"""What the exception ledger says about each exception of a cycle, as the workflow needs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.registry import BLOCKING_CATEGORIES
from recon_pipeline.lib.reports.ledger import ledger_dir


@dataclass(frozen=True)
class Finding:
    """One finding of a cycle's latest run, with its money at stake and its ledger lifecycle."""

    exception_id: str
    cycle: str
    recon: str
    category: str
    severity: str
    legal_entity: str | None
    customer_id: str | None
    object_id: str
    period_start: str | None
    currency: str | None
    amount_at_stake: Decimal  # reporting currency when the run gives it (difference_reporting)
    blocking: bool
    detail: str
    first_seen_at: datetime
    age_days: int
    row: dict[str, Any]


def amount_at_stake(row: dict[str, Any]) -> Decimal:
    """``difference_reporting`` if the run wrote it, else reporting leakage, else |difference|."""
    for column in ("difference_reporting", "leakage_amount_reporting"):
        value = row.get(column)
        if value is not None and (column == "difference_reporting" or value != 0):
            return abs(Decimal(value))
    return abs(Decimal(row.get("difference") or 0))


def cycle_findings(out: Path, cycle: str) -> dict[str, Finding]:
    """exception_id -> finding, from the ledger's latest run of ``cycle`` (empty if none)."""
    path = ledger_dir(out) / "cycles" / f"{cycle}.parquet"
    if not path.is_file():
        return {}
    return findings_of(pq.read_table(path), lifecycle(out))


def findings_of(table: pa.Table, lifecycle: dict[str, tuple[datetime, int]] | None = None,
                ) -> dict[str, Finding]:
    """Findings of a mismatches (or ledger snapshot) table."""
    lifecycle = lifecycle or {}
    now = datetime.now(UTC)
    found: dict[str, Finding] = {}
    for row in table.to_pylist():
        eid = row["exception_id"]
        first, age = lifecycle.get(eid, (row.get("run_at") or now, 0))
        period = row.get("period_start")
        found[eid] = Finding(
            exception_id=eid, cycle=row["cycle"], recon=row["recon"], category=row["category"],
            severity=row["severity"], legal_entity=row.get("legal_entity"),
            customer_id=row.get("customer_id"), object_id=row["object_id"],
            period_start=period.isoformat() if period else None, currency=row.get("currency"),
            amount_at_stake=amount_at_stake(row),
            blocking=bool(row["blocking"]) if row.get("blocking") is not None
            else row["category"] in BLOCKING_CATEGORIES,
            detail=row.get("detail") or "", first_seen_at=first, age_days=age, row=row)
    return found


def lifecycle(out: Path) -> dict[str, tuple[datetime, int]]:
    path = Path(out) / "exceptions.parquet"
    if not path.is_file():
        return {}
    table = pq.read_table(path, columns=["exception_id", "first_seen_at", "age_days"])
    return {r["exception_id"]: (r["first_seen_at"], r["age_days"]) for r in table.to_pylist()}


def ledger_cycles(out: Path) -> list[str]:
    """Cycles the ledger has a run of, oldest first."""
    return sorted(p.stem for p in (ledger_dir(out) / "cycles").glob("????-??.parquet"))
