"""The Dagster code location: the definitions of every stage under ``recon_pipeline/defs``."""

import dagster as dg

# Modules, not their `defs`: Dagster wants exactly one Definitions object in this module.
from recon_pipeline.defs import (
    operations,
    quality,
    reports,
    shared,
    sources,
    stream,
    warehouse,
)

defs = dg.Definitions.merge(
    shared.defs,
    sources.defs,
    warehouse.defs,
    quality.defs,
    reports.defs,
    operations.defs,
    stream.defs,
    # Every job runs its steps one after another in the run's own process, as `recon run`
    # does: the steps of a cycle are nearly serial anyway (one dbt build, one DuckDB writer),
    # and a process per step re-imports the code location (3-5 s) about 24 times per run.
    # A bigger machine with parallel extraction to gain can put multiprocess_executor here.
    dg.Definitions(executor=dg.in_process_executor),
)
