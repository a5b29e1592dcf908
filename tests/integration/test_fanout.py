"""Fan-out: a cycle run with the multiprocess executor, one step per source object, writes
what the default in-process run writes, row for row (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest

from recon_pipeline.defs.shared.runs import PID_TAG
from recon_pipeline.generate import generate
from recon_pipeline.lib.sources import OBJECT_TABLES
from tests.integration.pipeline import stable

pytestmark = [pytest.mark.slow]
CYCLE = "2026-09"


def _run(instance: dg.DagsterInstance, sources: Path, out: Path,
         execution: dict[str, Any] | None) -> dg.ExecutionResult:
    job = dg.build_reconstructable_job("recon_pipeline.definitions", "job", ("close_cycle",))
    run_config: dict[str, Any] = {
        "resources": {"settings": {"config": {"sources_dir": str(sources),
                                              "out_dir": str(out)}}}}
    if execution is not None:
        run_config["execution"] = {"config": execution}
    with dg.execute_job(job, instance, run_config=run_config,
                        tags={"dagster/partition": CYCLE}) as result:
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result


def _rows(path: Path) -> list[dict[str, Any]]:
    """A Parquet file's rows in a stable order (a step's row order is its own business)."""
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def test_multiprocess_run_writes_what_the_in_process_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = generate(tmp_path / "sources", seed=3, scale=0.2, cycles=(CYCLE, CYCLE)).out
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        serial = _run(instance, sources, tmp_path / "serial", None)
        fanned = _run(instance, sources, tmp_path / "fanned",
                      {"multiprocess": {"max_concurrent": 2}})

    # One step per source object, each in a process of its own in the multiprocess run.
    extract_steps = {f"extract_{name.replace('/', '_')}" for name in OBJECT_TABLES}
    for result, pids_expected in ((serial, 1), (fanned, len(extract_steps))):
        starts = [e for e in result.all_events
                  if e.event_type == dg.DagsterEventType.STEP_START
                  and e.step_key in extract_steps]
        assert {e.step_key for e in starts} == extract_steps
        assert len({e.pid for e in starts}) >= pids_expected, pids_expected
    # The run is tagged with the process that runs it, not a step's that ended with the step:
    # else the next run would mark this one failed as killed (fail_dead_runs).
    step_pids = {e.pid for e in fanned.all_events if e.event_type == dg.DagsterEventType.STEP_START}
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(fanned.run_id)
    assert run is not None and int(run.tags[PID_TAG]) not in step_pids

    raw_a, raw_b = (tmp_path / run / "raw" / CYCLE for run in ("serial", "fanned"))
    tables = sorted(p.relative_to(raw_a) for p in raw_a.rglob("*.parquet")
                    if "_tmp" not in p.parts)
    assert Path("quarantine.parquet") in tables and len(tables) > len(OBJECT_TABLES)
    assert tables == sorted(p.relative_to(raw_b) for p in raw_b.rglob("*.parquet")
                            if "_tmp" not in p.parts)
    for table in tables:
        assert _rows(raw_a / table) == _rows(raw_b / table), table
    assert pq.read_table(raw_a / "quarantine.parquet").num_rows > 0  # the planted bad rows

    reports_a, reports_b = (tmp_path / run / "reports" / CYCLE for run in ("serial", "fanned"))
    mismatches = (reports_a / "mismatches.csv").read_text().splitlines()
    assert len(mismatches) > 1
    assert sorted(mismatches) == sorted((reports_b / "mismatches.csv").read_text().splitlines())
    assert _rows(reports_a / "mismatches.parquet") == _rows(reports_b / "mismatches.parquet")
    summary_a, summary_b = (json.loads((r / "summary.json").read_text())
                            for r in (reports_a, reports_b))
    assert stable(summary_a) == stable(summary_b)
