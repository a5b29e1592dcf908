"""Run tags the close-cycle assets read: what kind of run of a cycle this is, and which
process runs it (so a run whose process was killed is marked failed by the next one)."""

import multiprocessing
import os
import socket
from pathlib import Path

import dagster as dg

#: Tag of an intra-cycle run of the open month (the daily schedule): its reports go to
#: OUT/reports/<cycle>/provisional/ and its findings stay out of the exception ledger.
PROVISIONAL_TAG = "recon/provisional"


def is_provisional(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    """True for a provisional (intra-cycle) run: tagged ``recon/provisional=true``."""
    return context.run.tags.get(PROVISIONAL_TAG, "").lower() == "true"


#: Tags a run gets when it starts: the process that executes it and the machine it runs on, so
#: a later run can tell a run whose process was killed from one still going.
PID_TAG = "recon/pid"
HOST_TAG = "recon/host"
_ACTIVE = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]


def process_tags() -> dict[str, str]:
    """The pid of the process that runs the run, and the host, as run tags.

    In a step process of the multiprocess executor that is the step's parent (the run's
    process, or its multiprocessing fork server, which exits with it), not the step's own
    process: that ends with the step while the run goes on."""
    pid = os.getppid() if multiprocessing.parent_process() is not None else os.getpid()
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}


def claim_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """Tag ``run`` with this process (unless tagged already: ``recon run`` tags its runs when
    it creates them), then fail the runs left behind by dead processes (:func:`fail_dead_runs`).
    """
    if PID_TAG not in run.tags:
        instance.add_run_tags(run.run_id, process_tags())
    fail_dead_runs(instance, current_run_id=run.run_id)


def fail_dead_runs(instance: dg.DagsterInstance, *, current_run_id: str | None = None
                   ) -> list[str]:
    """Mark FAILURE every run still STARTED or STARTING whose process is gone: tagged with a
    pid on this host (:data:`PID_TAG`) that no longer runs (or is a zombie). A run of another
    host, or without the tags (started before them, or killed before it tagged itself), is
    left as it is: nothing here can tell whether it still runs. The ids of the runs failed.
    """
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE)):
        pid = run.tags.get(PID_TAG, "")
        if run.run_id == current_run_id or run.tags.get(HOST_TAG) != host or not pid.isdigit():
            continue
        if _alive(int(pid)):
            continue
        by = f" when run {current_run_id} started" if current_run_id else ""
        instance.report_run_failed(run, message=(
            f"Marked failed{by}: the run's process (pid {pid} on {host}) is gone, killed or "
            f"crashed while the run was {run.status.value}; its outputs may be incomplete, "
            "run the cycle again."))
        failed.append(run.run_id)
    return failed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
