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
from recon_pipeline.defs.shared.executor import in_process_or_multiprocess

defs = dg.Definitions.merge(
    shared.defs,
    sources.defs,
    warehouse.defs,
    quality.defs,
    reports.defs,
    operations.defs,
    stream.defs,
    # In-process by default, a process per step (extraction fans out per source object) when
    # run config selects multiprocess: see recon_pipeline/defs/shared/executor.py.
    dg.Definitions(executor=in_process_or_multiprocess),
)


def job(name: str) -> dg.JobDefinition:
    """Job ``name`` of the code location, for ``dg.build_reconstructable_job`` (a run whose
    steps run in processes of their own must be able to load its job again there)."""
    return defs.resolve_job_def(name)
