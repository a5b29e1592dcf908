"""The jobs of a close cycle: the whole graph, and one job per stage of the data flow.

Every job is partitioned by cycle (the selected assets are), so an engineer re-runs one stage
of one month from the UI, e.g. ``publish_reports`` for 2026-10 after fixing a report template,
without extracting the sources again. A stage job runs the assets of its groups and the checks
computed with them (selection.py): the quality checks on raw tables and marts run in
``check_quality``, the dbt tests in ``build_warehouse``. The stages, in data-flow order:

- ``extract_sources``: group ``sources`` (inventory, raw zone tables, quarantine)
- ``build_warehouse``: groups ``canonical`` and ``reconciliation`` (the dbt project)
- ``check_quality``: group ``quality``
- ``publish_reports``: group ``reports`` (reports of the cycle, exception ledger)
- ``close_cycle``: all of them, in order; what the schedules, the sensor and ``recon run`` run
"""

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from recon_pipeline.defs.close.selection import stage
from recon_pipeline.defs.shared.partitions import (
    CANONICAL_GROUP,
    QUALITY_GROUP,
    RECONCILIATION_GROUP,
    REPORTS_GROUP,
    SOURCES_GROUP,
)

#: Run tag of every job that opens the DuckDB warehouse (OUT/warehouse.duckdb). DuckDB lets one
#: process write a database file and no other process open it meanwhile, readers included, so
#: the instance (config/dagster.yaml, tag_concurrency_limits) runs one such run at a time and
#: queues the others instead of letting them fail on the file's lock.
WAREHOUSE_TAG = "recon/warehouse"
WAREHOUSE_WRITE = {WAREHOUSE_TAG: "write"}
#: Run tag naming the stage a job runs, to filter runs in the UI.
STAGE_TAG = "recon/stage"


def _job(
    name: str, selection: dg.AssetSelection, description: str, *, warehouse: bool
) -> UnresolvedAssetJobDefinition:
    tags = {STAGE_TAG: name, **(WAREHOUSE_WRITE if warehouse else {})}
    return dg.define_asset_job(
        name=name, selection=selection, description=description, tags=tags, run_tags=tags
    )


close_cycle_job = _job(
    "close_cycle",
    dg.AssetSelection.all(),
    "Materialize the whole graph, checks included, for one close cycle (a month): sources, "
    "canonical model, reconciliations, quality, reports and the exception ledger.",
    warehouse=True,
)

extract_sources_job = _job(
    "extract_sources",
    stage(SOURCES_GROUP),
    "Stage 1 of a cycle: inventory of the sources directory (and the fingerprint the late-data "
    "sensor compares), every source object read into the raw zone, the quarantine.",
    warehouse=False,
)

build_warehouse_job = _job(
    "build_warehouse",
    stage(CANONICAL_GROUP, RECONCILIATION_GROUP),
    "Stage 2 of a cycle: `dbt build` of the canonical model and the reconciliations on the "
    "cycle's raw zone, data tests included (writes OUT/warehouse.duckdb).",
    warehouse=True,
)

check_quality_job = _job(
    "check_quality",
    stage(QUALITY_GROUP),
    "Stage 3 of a cycle: the data quality expectations on the cycle's data.",
    warehouse=True,
)

publish_reports_job = _job(
    "publish_reports",
    stage(REPORTS_GROUP),
    "Stage 4 of a cycle: the reports finance opens (OUT/reports/<cycle>/) and the exception "
    "ledger, from the warehouse as built.",
    warehouse=True,
)

STAGE_JOBS = (extract_sources_job, build_warehouse_job, check_quality_job, publish_reports_job)
ALL_JOBS = (close_cycle_job, *STAGE_JOBS)
