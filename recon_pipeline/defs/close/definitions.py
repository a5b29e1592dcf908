"""Definitions of the close domain."""

import dagster as dg

from recon_pipeline.defs.close.jobs import close_cycle_job
from recon_pipeline.defs.close.schedules import close_cycle_schedule

defs = dg.Definitions(jobs=[close_cycle_job], schedules=[close_cycle_schedule])
