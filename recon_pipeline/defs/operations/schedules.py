"""When cycles run by themselves: the close of the month just ended, and a daily provisional run.

Both schedules are on by default (``dagster dev`` runs them). Their times come from the
``schedule:`` section of config/recon.yml, or of the file ``RECON_CONFIG`` names, read when the
code location loads: after editing it, reload the code location.

- ``close_cycle_monthly``: on ``close_day_of_month`` at ``close_hour_utc`` (default the 4th,
  06:00 UTC), the close of the month just ended, plus a run of every earlier cycle that still
  has open exceptions in the ledger of ``RECON_OUT_DIR``, so fixes made in the source systems
  since resolve them (the ledger records what got resolved and what is new).
- ``provisional_cycle_daily``: every day at ``provisional_hour_utc``, the open month, tagged
  ``recon/provisional=true``: its reports go to OUT/reports/<cycle>/provisional/ and stay out of
  the exception ledger.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from recon_pipeline.defs.operations.jobs import WAREHOUSE_WRITE, close_cycle_job
from recon_pipeline.defs.shared.partitions import cycle_partitions
from recon_pipeline.defs.shared.runs import PROVISIONAL_TAG
from recon_pipeline.lib.config import CloseSchedule
from recon_pipeline.lib.operations.cycles import cycle_just_ended, cycles_to_recheck, open_cycle
from recon_pipeline.settings import ENV_CONFIG, Settings, SettingsError, load_config_file

#: Run tag saying what started a run: close, recheck, provisional or late_data.
TRIGGER_TAG = "recon/trigger"


def load_close_schedule(environ: Mapping[str, str] | None = None) -> CloseSchedule:
    """The ``schedule:`` settings of config/recon.yml, overridden by the file ``RECON_CONFIG``
    names. Raises SettingsError (one line) when that file is unreadable or wrong."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_CONFIG)
    return load_config_file(Path(path).absolute() if path else None).close_schedule()


CLOSE_SCHEDULE = load_close_schedule()


def tick_time(context: dg.ScheduleEvaluationContext) -> datetime:
    """The time the tick was scheduled for, in UTC (now, when evaluated outside a tick)."""
    try:
        scheduled = context.scheduled_execution_time
    except Exception:  # no scheduled time on a context built by hand
        return datetime.now(UTC)
    return scheduled.astimezone(UTC)


def _stamp(tick: datetime) -> str:
    return tick.strftime("%Y%m%dT%H%MZ")


def close_requests(
    tick: datetime, out_dir: Path | None, log: logging.Logger | None = None
) -> list[dg.RunRequest]:
    """The close of the month before ``tick`` first, then each earlier cycle with open
    exceptions in the ledger under ``out_dir``; run keys are unique to the tick."""
    cycle = cycle_just_ended(tick)
    stamp = _stamp(tick)
    requests = [
        dg.RunRequest(
            run_key=f"close:{cycle}:{stamp}",
            partition_key=cycle,
            tags={TRIGGER_TAG: "close", **WAREHOUSE_WRITE},
        )
    ]
    if out_dir is None:
        return requests
    first = cycle_partitions.get_first_partition_key()
    try:
        earlier = cycles_to_recheck(out_dir, before=cycle, first=first)
    except Exception as exc:  # an unreadable ledger must not hold back the close itself
        if log is not None:
            log.warning(f"cycles with open exceptions unknown, none run again: {exc}")
        return requests
    requests.extend(
        dg.RunRequest(
            run_key=f"recheck:{other}:{stamp}",
            partition_key=other,
            tags={TRIGGER_TAG: "recheck", **WAREHOUSE_WRITE},
        )
        for other in earlier
    )
    return requests


@dg.schedule(
    name="close_cycle_monthly",
    job=close_cycle_job,
    cron_schedule=CLOSE_SCHEDULE.close_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"The close of the month just ended, on day {CLOSE_SCHEDULE.close_day_of_month} of the "
        f"next month at {CLOSE_SCHEDULE.close_hour_utc:02d}:00 UTC, and a run of every earlier "
        "cycle that still has open exceptions in the ledger (fixes in the source systems "
        "resolve them). Times: config/recon.yml, section schedule."
    ),
)
def close_cycle_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Run requests of one close tick (see :func:`close_requests`)."""
    tick = tick_time(context)
    try:
        out_dir: Path | None = Settings.resolve().out_dir
    except SettingsError as exc:  # the close run itself will fail and say so
        context.log.warning(f"no output directory, so no cycle is checked again: {exc}")
        out_dir = None
    requests = close_requests(tick, out_dir, context.log)
    context.log.info(
        f"close of {requests[0].partition_key}; checked again for open exceptions: "
        f"{', '.join(str(r.partition_key) for r in requests[1:]) or 'none'}"
    )
    return requests


def provisional_request(tick: datetime) -> dg.RunRequest:
    """The provisional run of the month ``tick`` falls in."""
    cycle = open_cycle(tick)
    return dg.RunRequest(
        run_key=f"provisional:{cycle}:{_stamp(tick)}",
        partition_key=cycle,
        tags={PROVISIONAL_TAG: "true", TRIGGER_TAG: "provisional", **WAREHOUSE_WRITE},
    )


@dg.schedule(
    name="provisional_cycle_daily",
    job=close_cycle_job,
    cron_schedule=CLOSE_SCHEDULE.provisional_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"Every day at {CLOSE_SCHEDULE.provisional_hour_utc:02d}:00 UTC, a provisional run of "
        "the open month (tag recon/provisional=true): reports in "
        "OUT/reports/<cycle>/provisional/, nothing written to the exception ledger."
    ),
)
def provisional_cycle_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The provisional run of the month of the tick."""
    return provisional_request(tick_time(context))


SCHEDULES = (close_cycle_schedule, provisional_cycle_schedule)
