"""Waived findings stop failing the close gate's blocking expectation (real DuckDB and GX)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import DEFAULT_EXPECTATIONS_DIR, load_suite
from recon_pipeline.lib.quality.validate import validate_cycle
from recon_pipeline.lib.reports import FINDINGS_SCHEMA
from recon_pipeline.lib.workflow.gate import cycle_waived_keys
from recon_pipeline.lib.workflow.service import Workflow
from tests.unit.workflow.conftest import APPR, CYCLE, FINDINGS, LARGE, PREP, PREP2, SMALL, finding


def _warehouse(path: Path, rows: list[dict[str, object]]) -> Path:
    tbl = pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.register("tbl", tbl)
        con.execute("create table marts.fct_mismatches as select * from tbl")
    return path


def _blocking(out: Path, warehouse: Path) -> tuple[bool, int | None]:
    suite = load_suite(DEFAULT_EXPECTATIONS_DIR / "marts.fct_mismatches.json")
    waived = cycle_waived_keys(out, CYCLE)
    result = validate_cycle([suite], FrameSources(out / "raw", warehouse, CYCLE, waived),
                            now=datetime(2026, 10, 4, tzinfo=UTC))
    outcome = next(e for e in result.suites[0].expectations if e.check == "no_blocking_findings")
    return outcome.success, outcome.unexpected


def test_waivers_clear_the_blocking_expectation_until_the_amount_moves(out: Path) -> None:
    warehouse = _warehouse(out / "warehouse.duckdb", FINDINGS)
    assert _blocking(out, warehouse) == (False, 2)
    wf = Workflow(out)
    wf.waive(PREP, CYCLE, SMALL, "timing", "posted on the 2nd", CYCLE)
    assert _blocking(out, warehouse) == (False, 2)  # pending: not yet
    wf.approve(PREP2, SMALL)
    assert _blocking(out, warehouse) == (False, 1)
    wf.waive(PREP, CYCLE, LARGE, "write_off", "written off", CYCLE)
    wf.approve(APPR, LARGE)
    assert _blocking(out, warehouse) == (True, 0)
    assert wf.gate_blockers(CYCLE)[-1].startswith("no expectation results")
    # A later run whose amount moved beyond the tolerance: the waiver no longer holds.
    _warehouse(warehouse, [FINDINGS[0], finding("payment_amount_mismatch", "gateway_erp",
                                                "ch_large", "7000.00"), FINDINGS[2]])
    assert _blocking(out, warehouse) == (False, 1)
