"""The jobs of a close cycle: the whole graph, and one job per stage of the data flow.

Every job is partitioned by cycle (the selected assets are), so an engineer re-runs one stage
of one month from the UI, e.g. ``publish_reports`` for 2026-10 after fixing a report template,
without extracting the sources again. A stage job runs the assets of its groups and the checks
they compute (see :func:`stage`): the quality checks on raw tables and marts run in
``check_quality``, the dbt tests in ``build_warehouse``. The stages, in data-flow order:

- ``extract_sources``: group ``sources`` (inventory, raw zone tables, quarantine)
- ``build_warehouse``: groups ``canonical`` and ``reconciliation`` (the dbt project)
- ``check_quality``: group ``quality``
- ``publish_reports``: group ``reports`` (reports of the cycle, exception ledger)
- ``close_cycle``: all of them, in order; what the schedules, the sensor and ``recon run`` run
"""

from typing import Any

import dagster as dg

from recon_pipeline.defs import quality, reports, sources, warehouse

#: Run tag of every job that opens the DuckDB warehouse (OUT/warehouse.duckdb). DuckDB lets one
#: process write a database file and no other process open it meanwhile, readers included, so
#: the instance (config/dagster.yaml, tag_concurrency_limits) runs one such run at a time and
#: queues the others instead of letting them fail on the file's lock.
WAREHOUSE_TAG = "recon/warehouse"
WAREHOUSE_WRITE = {WAREHOUSE_TAG: "write"}
#: Run tag naming the stage a job runs, to filter runs in the UI.
STAGE_TAG = "recon/stage"


def stage(*stage_defs: dg.Definitions) -> dg.AssetSelection:
    """The assets of the stage(s) and the checks their ops compute.

    ``AssetSelection.groups`` would also take every check that *targets* the stage's assets,
    wherever it is computed: the quality op validates suites on raw tables and marts, so the
    sources and warehouse jobs would run it and the quality job would miss its own checks.
    Selecting by the op that computes a check keeps each check in exactly one stage: a dbt
    test with its model, an expectation in the quality stage.
    """
    assets = [a for d in stage_defs for a in d.assets or () if isinstance(a, dg.AssetsDefinition)]
    checks = [key for a in assets for key in a.check_keys]
    return dg.AssetSelection.assets(*assets).without_checks() | dg.AssetSelection.checks(*checks)


def _named(name: str, *, warehouse: bool) -> dict[str, Any]:
    """Name and tags of a job (on the job and on each of its runs)."""
    tags = {STAGE_TAG: name, **(WAREHOUSE_WRITE if warehouse else {})}
    return {"name": name, "tags": tags, "run_tags": tags}


close_cycle_job = dg.define_asset_job(
    selection=dg.AssetSelection.all(),
    description=(
        "Materialize the whole graph, checks included, for one close cycle (a month): sources, "
        "canonical model, reconciliations, quality, reports and the exception ledger."
    ),
    **_named("close_cycle", warehouse=True),
)

extract_sources_job = dg.define_asset_job(
    selection=stage(sources.defs),
    description=(
        "Stage 1 of a cycle: inventory of the sources directory (and the fingerprint the late-data "
        "sensor compares), every source object read into the raw zone, the quarantine."
    ),
    **_named("extract_sources", warehouse=False),
)

build_warehouse_job = dg.define_asset_job(
    selection=stage(warehouse.defs),
    description=(
        "Stage 2 of a cycle: `dbt build` of the canonical model and the reconciliations on the "
        "cycle's raw zone, data tests included (writes OUT/warehouse.duckdb)."
    ),
    **_named("build_warehouse", warehouse=True),
)

check_quality_job = dg.define_asset_job(
    selection=stage(quality.defs),
    description="Stage 3 of a cycle: the data quality expectations on the cycle's data.",
    **_named("check_quality", warehouse=True),
)

publish_reports_job = dg.define_asset_job(
    selection=stage(reports.defs),
    description=(
        "Stage 4 of a cycle: the reports finance opens (OUT/reports/<cycle>/) and the exception "
        "ledger, from the warehouse as built."
    ),
    **_named("publish_reports", warehouse=True),
)

STAGE_JOBS = (extract_sources_job, build_warehouse_job, check_quality_job, publish_reports_job)
ALL_JOBS = (close_cycle_job, *STAGE_JOBS)
