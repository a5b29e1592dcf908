"""Definitions of the close domain: the jobs of a cycle, its schedules and the late-data sensor."""

import dagster as dg

from recon_pipeline.defs.close.jobs import ALL_JOBS
from recon_pipeline.defs.close.schedules import SCHEDULES
from recon_pipeline.defs.close.sensors import SENSORS

defs = dg.Definitions(jobs=list(ALL_JOBS), schedules=list(SCHEDULES), sensors=list(SENSORS))
