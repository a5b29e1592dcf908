"""Every model of the dbt project as an asset of the cycle, every data test as its check.

The models fall into two groups of the data flow (translator.py): ``canonical`` (staging,
intermediate, core marts) and ``reconciliation`` (the recon models and their roll-ups).
"""

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from recon_pipeline.defs.shared.executor import runs_steps_in_process
from recon_pipeline.defs.shared.partitions import cycle_partitions, one_run_per_cycle
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.warehouse.project import dbt_project
from recon_pipeline.defs.warehouse.translator import ReconDbtTranslator
from recon_pipeline.lib import atomic
from recon_pipeline.settings import Settings, dbt_log_file_args

#: The singular tests of dbt_project/tests/macros/ test the SQL macros on literals, not a cycle's
#: data (no model, so no asset check): tests/dbt runs them on every engine, a close does not.
MACRO_TESTS = ("path:tests/macros",)
#: What a close's build leaves out: the unit tests (tests/dbt runs them) and MACRO_TESTS.
CLOSE_EXCLUDE = " ".join(("resource_type:unit_test", *MACRO_TESTS))


def dbt_threads() -> int:
    """dbt's worker threads: RECON_DBT_THREADS, else the CPUs this process may use (DuckDB
    runs each query on its own threads; more dbt threads than cores only queue)."""
    configured = os.environ.get("RECON_DBT_THREADS", "").strip()
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def close_build_args(settings: Settings) -> list[str]:
    """The arguments of a close's ``dbt build`` (after ``dbt``): the models and data tests
    without the unit and macro tests (CLOSE_EXCLUDE), the settings as --vars (the same every
    cycle, so a cycle's build re-parses nothing of the last one's; the cycle goes in
    :meth:`Settings.dbt_env`), the warehouse's target, the threads and the file log. The
    asset runs exactly this; the benchmarks (bench_close, bench_run) too."""
    return ["build", "--exclude", CLOSE_EXCLUDE, "--vars", json.dumps(settings.dbt_vars()),
            "--target", settings.warehouse, "--threads", str(dbt_threads()),
            *dbt_log_file_args()]


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
    So do the singular tests of the macros (dbt_project/tests/macros/): they read no model.

    The cycle and the output directory go to dbt as environment variables (RECON_DBT_*, read
    by the macros when a node runs, so dbt re-parses nothing from one cycle to the next), the
    settings as vars: models read the
    raw zone OUT/raw/<cycle>/ and write the warehouse of ``settings.warehouse``:
    OUT/warehouse.duckdb, or Spark (the profile's ``spark`` target, docs/spark.md). dbt's
    artifacts and logs of the latest run of a cycle are in OUT/dbt/<cycle>/.
    """
    resolved = settings.resolve()
    cycle = context.partition_key
    artifacts = resolved.out_dir / "dbt" / cycle
    artifacts.mkdir(parents=True, exist_ok=True)
    reuse_parsed_project(resolved.out_dir / "dbt", artifacts)
    with environment(resolved.dbt_env(cycle)):
        invocation = dbt.cli(close_build_args(resolved), context=context,
                             target_path=artifacts)
    if runs_steps_in_process(context.run.run_config):
        # the quality step runs next in this process: GX imports while this one waits on dbt
        from recon_pipeline.lib.quality.validate import import_gx_in_background

        import_gx_in_background()
    yield from invocation.stream()
    if invocation.is_successful():
        keep_parsed_project(artifacts, resolved.out_dir / "dbt")


#: dbt's parsed project, which it reads from and writes to its target path (OUT/dbt/<cycle>/).
PARSED = "partial_parse.msgpack"


def reuse_parsed_project(dbt_dir: Path, artifacts: Path) -> None:
    """Give the build the project as the latest build of any cycle of OUT parsed it
    (OUT/dbt/partial_parse.msgpack): the per-run values are environment variables
    (Settings.dbt_env) that the project reads only when a node runs (macros run_value,
    raw_location), so a build of another cycle parses no file again, where a full parse
    took 6.6 s of a cycle's first build on the demo (and re-parsing the files that read the
    cycle at parse time, 5 s; benchmarks/bench_dbt_cycles.py). dbt checks the file itself
    (version, vars, profile, every file's hash) and parses in full whatever it cannot trust."""
    latest = dbt_dir / PARSED
    if latest.is_file():
        shutil.copyfile(latest, artifacts / PARSED)


def keep_parsed_project(artifacts: Path, dbt_dir: Path) -> None:
    """Publish this build's parsed project as OUT/dbt/partial_parse.msgpack, atomically
    (a build of another cycle may be reading the previous one)."""
    parsed = artifacts / PARSED
    if parsed.is_file():
        with atomic.atomic_path(dbt_dir / PARSED) as tmp:
            shutil.copyfile(parsed, tmp)


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in os.environ while the block runs (dagster-dbt gives the dbt process a copy
    of this process's environment when it starts it), then as they were."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
