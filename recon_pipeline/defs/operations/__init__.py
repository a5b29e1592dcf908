"""Close-cycle operations: the jobs of a cycle (whole and per stage), the close and provisional
schedules, and the sensor that runs a reconciled cycle again when late data arrives."""

import dagster as dg

from recon_pipeline.defs.operations.jobs import ALL_JOBS
from recon_pipeline.defs.operations.schedules import SCHEDULES
from recon_pipeline.defs.operations.sensors import SENSORS

defs = dg.Definitions(jobs=list(ALL_JOBS), schedules=list(SCHEDULES), sensors=list(SENSORS))
