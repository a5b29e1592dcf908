"""``held_open``: while ``recon run`` executes a run, the SQLite instance's files stay open, so
Dagster's per-write connections do not checkpoint and delete the WAL on every close; the run
and its events are stored as without it, and nothing stays open or behind after the block."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from recon_pipeline.defs.shared.instance_files import held_open, instance_files
from recon_pipeline.defs.shared.resources import ReconSettings


@dg.asset
def thing() -> int:
    return 1


@dg.asset_check(asset=thing)
def thing_is_one() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


JOB = dg.Definitions(
    assets=[thing], asset_checks=[thing_is_one]
).resolve_implicit_global_asset_job_def()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance


def _wal(path: Path) -> Path:
    return path.with_name(f"{path.name}-wal")


def test_the_run_is_stored_as_before_with_the_files_held(instance: dg.DagsterInstance) -> None:
    run_id = str(uuid.uuid4())
    with held_open(instance, run_id) as held:
        runs, index, events = held
        assert (runs.name, index.name, events.name) == ("runs.db", "index.db", f"{run_id}.db")
        result = JOB.execute_in_process(instance=instance, run_id=run_id)
        assert result.success
        # Dagster's connections closed after each write, none of them the last: the WAL of
        # the run's file was not checkpointed and deleted on each close
        assert _wal(events).is_file() and _wal(events).stat().st_size > 0
    # released: the held connection, closed last, checkpointed and removed the WAL
    assert not _wal(events).exists() and not _wal(index).exists()
    types = [e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event]
    assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
    assert instance.get_latest_materialization_event(dg.AssetKey("thing")) is not None


def test_without_the_files_held_each_close_checkpoints(instance: dg.DagsterInstance) -> None:
    """The behaviour held_open avoids (if SQLite or Dagster stop doing this, it is not needed)."""
    run_id = str(uuid.uuid4())
    assert JOB.execute_in_process(instance=instance, run_id=run_id).success
    events = instance_files(instance, run_id)[-1]
    assert events.is_file() and not _wal(events).exists()


def test_a_run_never_created_leaves_no_event_file(instance: dg.DagsterInstance) -> None:
    run_id = str(uuid.uuid4())
    with held_open(instance, run_id) as held:
        assert held[-1].is_file()  # made as Dagster makes it, to be held from the first event
    assert not instance.has_run(run_id)
    assert not any(p.name.startswith(run_id) for p in held[-1].parent.iterdir())


def test_an_instance_without_files_is_left_alone() -> None:
    instance = dg.DagsterInstance.ephemeral()
    assert instance_files(instance, "any") == []
    with held_open(instance, "any") as held:
        assert held == []


@dg.asset
def wal_kept(context: dg.AssetExecutionContext, settings: ReconSettings) -> bool:
    """Inside a step: has the run's WAL outlived Dagster's connections (STEP_START's)?"""
    events = instance_files(context.instance, context.run.run_id)[-1]
    return _wal(events).is_file()


def test_the_settings_resource_holds_the_files_for_runs_started_elsewhere(
        instance: dg.DagsterInstance) -> None:
    """A run the UI, a schedule or a backfill starts gets the files held by the resource every
    close-cycle step uses, from its set-up to its teardown."""
    result = dg.materialize([wal_kept], instance=instance, resources={"settings": ReconSettings()})
    assert result.success and result.output_for_node("wal_kept") is True
