"""Figures per cycle from the ledger, for the report's charts over cycles."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa

from recon_pipeline.lib.reports.ledger import LedgerState


@dataclass(frozen=True)
class TrendPoint:
    """One cycle's latest run: findings (all open in that run) and leakage."""

    cycle: str
    new: int
    recurring: int
    leakage: Decimal
    provisional: bool = False

    @property
    def findings(self) -> int:
        """Findings of the cycle's latest run."""
        return self.new + self.recurring


def _point(cycle: str, table: pa.Table, earlier: set[str], provisional: bool) -> TrendPoint:
    ids = table.column("exception_id").to_pylist()
    recurring = sum(i in earlier for i in ids)
    leak = sum((v for v in table.column("leakage_amount_reporting").to_pylist() if v is not None),
               Decimal(0))
    return TrendPoint(cycle, len(ids) - recurring, recurring, leak, provisional)


def cycle_trend(state: LedgerState, cycle: str, current: pa.Table, *, provisional: bool = False,
                last: int = 12) -> list[TrendPoint]:
    """The last ``last`` cycles up to ``cycle``: ledger snapshots, and ``current`` for ``cycle``."""
    ever = state.cycles_ever()
    tables = {c: t for c, t in state.snapshots.items() if c < cycle}
    tables[cycle] = current
    points = []
    for c in sorted(tables)[-last:]:
        earlier = {eid for eid, cycles in ever.items() if min(cycles) < c}
        points.append(_point(c, tables[c], earlier, provisional and c == cycle))
    return points
