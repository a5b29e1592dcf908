"""When a cycle closes by itself: early on the 4th, for the month that ended."""

import dagster as dg

from recon_pipeline.defs.close.jobs import close_cycle_job

# Sources hold everything up to at least three days past the cycle's last day (sources.md),
# so the month is reconciled on the 4th. Stopped by default: turn it on in the UI.
close_cycle_schedule = dg.build_schedule_from_partitioned_job(
    close_cycle_job,
    name="close_cycle_monthly",
    description="Runs close_cycle on the 4th of each month, 06:00 UTC, for the previous month.",
    day_of_month=4,
    hour_of_day=6,
)
