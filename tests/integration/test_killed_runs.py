"""A run killed with SIGKILL is not shown STARTED forever: the next run that starts, through
``recon run`` or any Dagster job with the ``settings`` resource, marks it FAILURE with a message
saying why (its process, recorded in the run's tags, is gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pytest

from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.shared.runs import HOST_TAG, PID_TAG
from tests.faults import small_sources
from tests.integration.test_cli import RECON, clean_env

T = TypeVar("T")
STARTED = dg.DagsterRunStatus.STARTED
FAILURE = dg.DagsterRunStatus.FAILURE


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and its children, and reap it (a zombie would still answer kill 0)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance of its own (DAGSTER_HOME under tmp_path), as the runs see it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def _started(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=[STARTED],
                                                   tags={PID_TAG: str(pid)}))
    return runs[0] if runs else None


def _failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return " ".join(e.dagster_event.message or "" for e in events if e.dagster_event)


def test_a_killed_recon_run_is_marked_failed_by_the_next(instance: dg.DagsterInstance,
                                                         tmp_path: Path) -> None:
    sources = small_sources(tmp_path / "sources")
    env = clean_env(DAGSTER_HOME=os.environ["DAGSTER_HOME"])
    args = [str(RECON), "run", "--sources", str(sources), "--cycle", "2026-09",
            "--out", str(tmp_path / "out")]
    first = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = _wait_for("the first run to start", lambda: _started(instance, first.pid))
        assert run.tags[HOST_TAG]
        _wait_for("a step of the first run", lambda: instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.STEP_START))
    finally:
        _kill(first)
    assert instance.get_run_by_id(run.run_id).status == STARTED  # what a kill leaves behind
    second = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for("the killed run to be marked failed", lambda: instance.get_run_by_id(
            run.run_id).status == FAILURE)
        assert _started(instance, second.pid) is not None or second.poll() is None
    finally:
        _kill(second)
    message = _failure_message(instance, run.run_id)
    assert f"pid {first.pid}" in message and "is gone" in message, message
    assert second.stdout is not None
    said = second.stdout.read().decode()
    assert f"run {run.run_id} was left STARTED by a process that is gone" in said


_SLEEPY = """
import sys, time
import dagster as dg
from recon_pipeline.defs.shared.resources import ReconSettings

@dg.op
def wait(settings: ReconSettings) -> None:
    time.sleep(120)

@dg.job(resource_defs={"settings": ReconSettings()})
def sleepy():
    wait()

with dg.DagsterInstance.get() as instance:
    sleepy.execute_in_process(instance=instance)
"""


@dg.op
def _noop(settings: ReconSettings) -> None:
    del settings


@dg.job(resource_defs={"settings": ReconSettings()})
def _next_job() -> None:
    _noop()


def test_a_killed_dagster_run_is_marked_failed_by_the_next_job_run(
        instance: dg.DagsterInstance) -> None:
    """The path of runs the UI, schedules and sensors launch: the ``settings`` resource tags
    the run with its process when the run starts, and fails the runs of dead processes."""
    first = subprocess.Popen([sys.executable, "-c", _SLEEPY], start_new_session=True,
                             env={**os.environ, "DAGSTER_HOME": os.environ["DAGSTER_HOME"]})
    try:
        run = _wait_for("the sleeping run to tag itself", lambda: _started(instance, first.pid))
    finally:
        _kill(first)
    assert instance.get_run_by_id(run.run_id).status == STARTED
    result = _next_job.execute_in_process(instance=instance)
    assert result.success
    assert instance.get_run_by_id(run.run_id).status == FAILURE
    message = _failure_message(instance, run.run_id)
    assert f"when run {result.run_id} started" in message and "is gone" in message, message
    # The run that did the marking is tagged with its own (live, here: this) process.
    assert instance.get_run_by_id(result.run_id).tags[PID_TAG] == str(os.getpid())
