"""Late data: run a reconciled cycle again when the sources it was reconciled on changed.

Every run of a cycle records the fingerprint of the sources it read (path, size and
modification time of every file; ``sources_inventory`` writes
OUT/raw/<cycle>/sources_fingerprint.json). Every minute the ``late_source_data`` sensor takes
the fingerprint of the sources directory as it is now (``stat`` only, no file is read) and,
for each reconciled cycle (final reports in OUT/reports/<cycle>/summary.json) whose recorded
fingerprint differs, requests a run of that cycle: a file added (late usage, a new payments
export), removed, or rewritten. The run records the new fingerprint and updates the exception
ledger, which is what changed: findings resolved by the late data, and new ones.

The run key is ``<cycle>:<fingerprint>``, so one change of the sources runs a cycle once, and the
cursor remembers what was requested, so a run still waiting in the queue is not asked for again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg

from recon_pipeline.defs.operations.jobs import WAREHOUSE_WRITE, close_cycle_job
from recon_pipeline.defs.operations.schedules import TRIGGER_TAG
from recon_pipeline.defs.shared.partitions import cycle_partitions
from recon_pipeline.lib.operations.cycles import open_cycle, stale_cycles
from recon_pipeline.lib.operations.fingerprint import fingerprint_sources
from recon_pipeline.settings import Settings, SettingsError

#: Run tag with what changed in the sources since the cycle's last run (one line).
SOURCES_CHANGED_TAG = "recon/sources_changed"
_TAG_CHARS = 200


def read_cursor(cursor: str | None) -> dict[str, str]:
    """cycle -> the fingerprint a run was requested for (empty for a new or unreadable cursor)."""
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dg.sensor(
    name="late_source_data",
    job=close_cycle_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Runs a reconciled cycle again when the sources it was reconciled on changed: a file "
        "added (late usage or payments), removed, or rewritten since its run (compared by "
        "path, size and modification time). Once per change; the exception ledger then shows "
        "what the late data resolved and what it brought."
    ),
)
def late_source_data_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Run requests for the reconciled cycles whose sources changed since their run."""
    try:
        settings = Settings.resolve()
    except SettingsError as exc:
        return dg.SensorResult(skip_reason=f"settings unusable: {exc}", cursor=context.cursor)
    if not settings.sources_dir.is_dir():
        return dg.SensorResult(
            skip_reason=f"no sources directory at {settings.sources_dir}", cursor=context.cursor
        )
    current = fingerprint_sources(settings.sources_dir)
    stale, unknown = stale_cycles(
        settings.out_dir,
        current,
        first=cycle_partitions.get_first_partition_key(),
        last=open_cycle(datetime.now(UTC)),
    )
    if unknown:
        context.log.info(
            f"reconciled without a recorded fingerprint, not watched until run again: "
            f"{', '.join(unknown)}"
        )
    requested = read_cursor(context.cursor)
    requests = []
    for cycle in stale:
        if requested.get(cycle.cycle) == current.digest:
            continue  # asked for already; its run has not recorded the sources yet
        changed = cycle.diff.summary()
        context.log.info(f"cycle {cycle.cycle}: sources changed since its run ({changed})")
        requests.append(
            dg.RunRequest(
                run_key=f"{cycle.cycle}:{current.digest}",
                partition_key=cycle.cycle,
                tags={
                    TRIGGER_TAG: "late_data",
                    SOURCES_CHANGED_TAG: changed[:_TAG_CHARS],
                    **WAREHOUSE_WRITE,
                },
            )
        )
    # Only cycles still waiting for their run stay in the cursor: it stays small.
    cursor = json.dumps({c.cycle: current.digest for c in stale}, sort_keys=True)
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    waiting = sorted(c.cycle for c in stale)
    reason = (
        f"runs requested already, waiting for them: {', '.join(waiting)}"
        if waiting
        else "every reconciled cycle ran on the sources as they are"
    )
    return dg.SensorResult(skip_reason=reason, cursor=cursor)


SENSORS = (late_source_data_sensor,)
