"""Fan-out: a cycle run with the multiprocess executor, one step per source object, writes
what the default in-process run writes, row for row (issue 16).

The in-process side is the session's pipeline run (``pipeline``, tests/integration/conftest.py:
``recon run``, which executes the job in-process): its first cycle, written into an empty output
folder by a new instance. The multiprocess run does the same from the same sources, and its
outputs are compared with what that run wrote (the later cycles and the other tests of the
group write other cycles' folders, or copies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest

from recon_pipeline.defs.shared.runs import PID_TAG
from recon_pipeline.lib.sources import OBJECT_TABLES
from tests.integration.pipeline import CYCLES, Run, stable

pytestmark = [pytest.mark.slow]
#: The session run's first cycle: the one it ran into an empty output folder.
CYCLE = CYCLES[0]


def _run(instance: dg.DagsterInstance, sources: Path, out: Path,
         execution: dict[str, Any]) -> dg.ExecutionResult:
    job = dg.build_reconstructable_job("recon_pipeline.definitions", "job", ("close_cycle",))
    run_config: dict[str, Any] = {
        "resources": {"settings": {"config": {"sources_dir": str(sources),
                                              "out_dir": str(out)}}},
        "execution": {"config": execution}}
    with dg.execute_job(job, instance, run_config=run_config,
                        tags={"dagster/partition": CYCLE}) as result:
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result


def _session_run_starts(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[dg.DagsterEvent]:
    """The step starts of the session run's (in-process) run of :data:`CYCLE`: the first run of
    the cycle on its instance (other tests of the group may add runs there later)."""
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": CYCLE}))
        first = runs[-1]  # newest first
        assert first.tags.get("recon/launched_by") == "recon", first.tags
        assert first.status == dg.DagsterRunStatus.SUCCESS, first.status
        entries = instance.all_logs(first.run_id, of_type=dg.DagsterEventType.STEP_START)
    return [e.dagster_event for e in entries if e.dagster_event is not None]


def _rows(path: Path) -> list[dict[str, Any]]:
    """A Parquet file's rows in a stable order (a step's row order is its own business)."""
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def test_multiprocess_run_writes_what_the_in_process_run_writes(
    pipeline: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        fanned = _run(instance, pipeline.sources, tmp_path / "fanned",
                      {"multiprocess": {"max_concurrent": 2}})
        run = instance.get_run_by_id(fanned.run_id)
    serial = _session_run_starts(pipeline.home, monkeypatch)
    fanned_starts = [e for e in fanned.all_events
                     if e.event_type == dg.DagsterEventType.STEP_START]

    # One step per source object, each in a process of its own in the multiprocess run.
    extract_steps = {f"extract_{name.replace('/', '_')}" for name in OBJECT_TABLES}
    for starts, pids_expected in ((serial, 1), (fanned_starts, len(extract_steps))):
        extracts = [e for e in starts if e.step_key in extract_steps]
        assert {e.step_key for e in extracts} == extract_steps
        assert len({e.pid for e in extracts}) >= pids_expected, pids_expected
    # The same steps ran both ways.
    assert {e.step_key for e in serial} == {e.step_key for e in fanned_starts}
    # The run is tagged with the process that runs it, not a step's that ended with the step:
    # else the next run would mark this one failed as killed (fail_dead_runs).
    assert run is not None and int(run.tags[PID_TAG]) not in {e.pid for e in fanned_starts}

    raw_a, raw_b = pipeline.out / "raw" / CYCLE, tmp_path / "fanned" / "raw" / CYCLE
    tables = sorted(p.relative_to(raw_a) for p in raw_a.rglob("*.parquet")
                    if "_tmp" not in p.parts)
    assert Path("quarantine.parquet") in tables and len(tables) > len(OBJECT_TABLES)
    assert tables == sorted(p.relative_to(raw_b) for p in raw_b.rglob("*.parquet")
                            if "_tmp" not in p.parts)
    for table in tables:
        assert _rows(raw_a / table) == _rows(raw_b / table), table
    assert pq.read_table(raw_a / "quarantine.parquet").num_rows > 0  # the planted bad rows

    reports_a, reports_b = (out / "reports" / CYCLE for out in (pipeline.out, tmp_path / "fanned"))
    mismatches = (reports_a / "mismatches.csv").read_text().splitlines()
    assert len(mismatches) > 1
    assert sorted(mismatches) == sorted((reports_b / "mismatches.csv").read_text().splitlines())
    assert _rows(reports_a / "mismatches.parquet") == _rows(reports_b / "mismatches.parquet")
    summary_a, summary_b = (json.loads((r / "summary.json").read_text())
                            for r in (reports_a, reports_b))
    assert stable(summary_a) == stable(summary_b)
