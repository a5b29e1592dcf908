"""Waivers at the close gate: which of a run's findings an approved waiver covers.

The blocking expectation ``no_blocking_findings`` (expectations/marts.fct_mismatches.json)
checks only rows that are ``not waived``; the frame marks a finding waived when its key is in
:func:`waived_keys`, computed here from the run's own findings (their amounts now, not the
amounts of an earlier run) and the workflow's event log. Without a log nothing is waived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from recon_pipeline.lib.reports.ids import exception_id
from recon_pipeline.lib.workflow.config import WorkflowConfig, load_workflow_config
from recon_pipeline.lib.workflow.findings import amount_at_stake
from recon_pipeline.lib.workflow.log import EventLog
from recon_pipeline.lib.workflow.service import waiver_holds
from recon_pipeline.lib.workflow.state import Waiver, fold

Key = tuple[str, str, str]  # category, object_id, period_start as ISO text ('' if none)


def frame_key(category: str, object_id: str, period_start: Any) -> Key:
    """The key the frame of marts.fct_mismatches matches on."""
    period = period_start.isoformat() if hasattr(period_start, "isoformat") else \
        (str(period_start) if period_start else "")
    return category, object_id, period


def approved_waivers(out: Path) -> dict[str, Waiver]:
    """exception_id -> its latest waiver, where that one is approved (the chain verified)."""
    log = EventLog(out)
    if not log.path.exists():
        return {}
    state = fold(log.verify().events)
    return {eid: item.waiver for eid, item in state.exceptions.items()
            if item.waiver is not None and item.waiver.state == "approved"}


def waived_keys(out: Path, cycle: str, rows: Iterable[Mapping[str, Any]],
                config: WorkflowConfig | None = None) -> frozenset[Key]:
    """Keys of the findings ``rows`` of ``cycle`` that an approved waiver still covers."""
    waivers = approved_waivers(out)
    if not waivers:
        return frozenset()
    config = config or load_workflow_config()
    keys = set()
    for row in rows:
        period = row.get("period_start")
        eid = exception_id(row["category"], row["object_id"],
                           period if hasattr(period, "isoformat") else None)
        holds, _ = waiver_holds(waivers.get(eid), amount_at_stake(dict(row)), cycle, config)
        if holds:
            keys.add(frame_key(row["category"], row["object_id"], period))
    return frozenset(keys)


def cycle_waived_keys(out: Path, cycle: str, warehouse: str = "duckdb") -> frozenset[Key]:
    """``waived_keys`` of the cycle's findings as marts.fct_mismatches has them in OUT, built on
    ``warehouse`` (``Settings.warehouse``; lib/warehouse/marts.py)."""
    from recon_pipeline.lib.warehouse.marts import is_built, open_marts

    if not approved_waivers(out) or not is_built(out, warehouse):
        return frozenset()
    with open_marts(out, warehouse) as con:
        rows = con.sql("select * from marts.fct_mismatches where cycle = $cycle",
                       params={"cycle": cycle}).to_arrow_table().to_pylist()
    return waived_keys(out, cycle, rows)
