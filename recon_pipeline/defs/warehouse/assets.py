"""Every model of the dbt project as an asset of the cycle, every data test as its check.

The models fall into two groups of the data flow (translator.py): ``canonical`` (staging,
intermediate, core marts) and ``reconciliation`` (the recon models and their roll-ups).
"""

import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from recon_pipeline.defs.shared.partitions import cycle_partitions, one_run_per_cycle
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.warehouse.project import dbt_project
from recon_pipeline.defs.warehouse.translator import ReconDbtTranslator


# One op for the whole project: DuckDB allows one writer per file, so the warehouse is built by
# one `dbt build` at a time; the pool lets an instance limit concurrent runs to one as well.
@one_run_per_cycle
@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=cycle_partitions,
    name="warehouse_dbt_models",
    pool="warehouse",
    dagster_dbt_translator=ReconDbtTranslator(),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: ReconSettings
) -> Iterator[Any]:
    """`dbt build` of the selected models and their data tests, for the cycle of the partition.

    dbt's unit tests test the SQL, not the cycle's data: they run in the test suite
    (tests/dbt, DuckDB and PostgreSQL), not in every close (they took two thirds of the build).

    The cycle and the output directory go to dbt as vars: models read the raw zone
    OUT/raw/<cycle>/ and write the warehouse of ``settings.warehouse``: OUT/warehouse.duckdb,
    or Spark (the profile's ``spark`` target, docs/spark.md). dbt's artifacts and logs of
    the latest run of a cycle are in OUT/dbt/<cycle>/.
    """
    resolved = settings.resolve()
    cycle = context.partition_key
    artifacts = resolved.out_dir / "dbt" / cycle
    artifacts.mkdir(parents=True, exist_ok=True)
    dbt_vars = resolved.dbt_vars(cycle)
    invocation = dbt.cli(
        ["build", "--exclude", "resource_type:unit_test", "--vars", json.dumps(dbt_vars),
         "--target", resolved.warehouse],
        context=context, target_path=artifacts
    )
    yield from invocation.stream()
