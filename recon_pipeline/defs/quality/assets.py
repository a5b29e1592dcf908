"""Every expectation suite of ``expectations/`` as Dagster asset checks, per cycle partition.

The suites are read as JSON when the code location loads (no Great Expectations import, a few
milliseconds) to declare one asset check per expectation on the asset its suite is named after.
One op validates them all for the cycle (GX is imported once, in the run) and records:

- a result for every check, on its asset and partition: ERROR severity for a blocking
  (``critical``) expectation, WARN otherwise, with the unexpected count, the observed value and
  a few example values as metadata;
- the asset ``quality/expectations``: OUT/quality/<cycle>/validation.json, which the reports
  read (a failed blocking expectation keeps the cycle's report from being final), and the
  cycle's Data Docs under OUT/reports/<cycle>/data_docs/.
"""

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from recon_pipeline.defs.shared.partitions import (
    OWNERS,
    QUALITY_GROUP,
    cycle_partitions,
    one_run_per_cycle,
)
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.shared.runs import is_provisional
from recon_pipeline.defs.sources.extraction import RAW_KEYS
from recon_pipeline.lib.quality.suites import ExpectationDef, SuiteDef, load_suites

SUITES: list[SuiteDef] = load_suites()

#: What every suite may read: the raw zone, its quarantine and the reconciliation marts.
UPSTREAM = [
    *RAW_KEYS,
    dg.AssetKey(["raw", "quarantine"]),
    dg.AssetKey(["marts", "fct_mismatches"]),
    dg.AssetKey(["marts", "fct_recon_coverage"]),
]


def _spec(suite: SuiteDef, expectation: ExpectationDef) -> dg.AssetCheckSpec:
    # "Blocking" in this project means one thing: it keeps the close from being final. These
    # checks are not Dagster-blocking (the report is still written when one fails).
    blocking = " Must pass for the close to be final: a failure keeps the cycle's report " \
        "from being final (it is still written)." if expectation.blocking else ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partitioned checks are a Dagster preview feature
        return dg.AssetCheckSpec(
            name=expectation.check,
            asset=dg.AssetKey(suite.asset_path),
            description=f"{expectation.description} ({expectation.type}, suite "
                        f"expectations/{suite.name}.json).{blocking}",
            partitions_def=cycle_partitions,
            metadata={"suite": suite.name, "severity": expectation.severity,
                      "expectation_type": expectation.type},
        )


CHECK_SPECS = [_spec(s, e) for s in SUITES for e in s.expectations]


@one_run_per_cycle
@dg.multi_asset(
    name="validate_expectations",
    specs=[dg.AssetSpec(
        key=["quality", "expectations"],
        deps=UPSTREAM,
        description=(
            "Great Expectations results of the cycle: every suite of expectations/ validated on "
            "the raw zone and the reconciliation marts, with pandas or, when the warehouse is "
            "Spark, on Spark (OUT/quality/<cycle>/validation.json, "
            "Data Docs in OUT/reports/<cycle>/data_docs/). A failed critical expectation makes "
            "the cycle's report not final."),
        group_name=QUALITY_GROUP,
        kinds={"python", "pandas"},
        owners=OWNERS,
        tags={"stage": "quality"},
        partitions_def=cycle_partitions,
    )],
    check_specs=CHECK_SPECS,
    # The checks target the assets the suites are named after, upstream of this op (as
    # dagster-dbt's checks of dbt sources do): one op validates every suite, GX imported once.
    allow_arbitrary_check_specs=True,
    # Subsettable: materializing quality/expectations alone, or running some of the checks from
    # the UI, validates every suite and reports what was selected.
    can_subset=True,
    partitions_def=cycle_partitions,
    pool="warehouse",
)
def expectation_results(
    context: dg.AssetExecutionContext, settings: ReconSettings
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Validate every suite for the cycle; one check result per expectation."""
    from recon_pipeline.lib.quality.frames import FrameError, FrameSources
    from recon_pipeline.lib.quality.suites import SuiteError
    from recon_pipeline.lib.quality.validate import validate_cycle, write_validation
    from recon_pipeline.lib.reports.write import report_folder
    from recon_pipeline.lib.workflow.gate import cycle_waived_keys
    from recon_pipeline.lib.workflow.log import WorkflowError
    from recon_pipeline.lib.workflow.package import docs_folder

    resolved = settings.resolve()
    cycle = context.partition_key
    warehouse = resolved.out_dir / "warehouse.duckdb"
    try:
        suites = load_suites()
        waived = cycle_waived_keys(resolved.out_dir, cycle, resolved.warehouse)
        # The suites are validated on the engine that holds the data: GX's Spark datasource
        # when the warehouse is Spark (docs/spark.md, "Quality on Spark"), else DuckDB frames
        # through GX's pandas datasource.
        validation = validate_cycle(
            suites, FrameSources(resolved.raw_dir(cycle), warehouse, cycle, waived),
            now=datetime.now(UTC), engine=resolved.warehouse)
    except (SuiteError, FrameError, WorkflowError) as exc:
        raise dg.Failure(description=str(exc)) from None
    path = write_validation(resolved.out_dir, validation)
    docs = docs_folder(resolved.out_dir, cycle,
                       report_folder(resolved.out_dir, cycle, is_provisional(context))
                       / "data_docs")
    index = _write_docs(validation, docs, cycle)

    outcomes = {(s.asset, e.check): (s, e) for s in validation.suites for e in s.expectations}
    selected = context.selected_asset_check_keys
    for spec in CHECK_SPECS:
        if spec.key not in selected:
            continue
        found = outcomes.get((spec.asset_key.to_user_string(), spec.name))
        if found is None:
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key, check_name=spec.name, passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="not in the suites of this run: reload the code location",
                metadata={"suite": spec.metadata.get("suite", "")})
            continue
        suite, outcome = found
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key, check_name=spec.name, passed=outcome.success,
            severity=(dg.AssetCheckSeverity.ERROR if outcome.blocking
                      else dg.AssetCheckSeverity.WARN),
            description=outcome.description + (f" — {outcome.error}" if outcome.error else ""),
            metadata=_check_metadata(suite.suite, outcome))

    if dg.AssetKey(["quality", "expectations"]) not in context.selected_asset_keys:
        return
    failed = [f"{s.suite}:{c}" for s in validation.suites for c in s.blocking_failures]
    yield dg.MaterializeResult(
        asset_key=["quality", "expectations"],
        metadata={
            "passing": validation.passing,
            "suites": len(validation.suites),
            "suites_failed": sum(not s.success for s in validation.suites),
            "expectations": sum(len(s.expectations) for s in validation.suites),
            "expectations_failed": sum(not e.success for s in validation.suites
                                       for e in s.expectations),
            "blocking_failed": dg.MetadataValue.md(
                "\n".join(f"- `{f}`" for f in failed) or "_none: the report can be final_"),
            "seconds": round(validation.seconds, 2),
            "path": dg.MetadataValue.path(str(path)),
            "data_docs": dg.MetadataValue.path(str(index)),
        })


def _check_metadata(suite: str, outcome: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "suite": suite,
        "severity": outcome.severity,
        "blocking": outcome.blocking,
    }
    if outcome.unexpected is not None:
        metadata["unexpected_count"] = outcome.unexpected
    if outcome.evaluated is not None:
        metadata["evaluated"] = outcome.evaluated
    if outcome.unexpected is not None and outcome.evaluated is not None:
        share = f" ({outcome.observed:.4g} %)" if isinstance(outcome.observed, float) else ""
        metadata["observed_value"] = dg.MetadataValue.text(
            f"{outcome.unexpected:,} of {outcome.evaluated:,} rows unexpected{share}")
    elif outcome.observed is not None:
        observed = outcome.observed
        metadata["observed_value"] = (observed if isinstance(observed, int | float)
                                      else dg.MetadataValue.text(str(observed)))
    if outcome.examples:
        metadata["example_rows"] = dg.MetadataValue.json(outcome.examples)
    if outcome.error:
        metadata["error"] = dg.MetadataValue.text(outcome.error)
    return metadata


def _write_docs(validation: Any, folder: Any, cycle: str) -> Any:
    """The cycle's Data Docs (GX renderers, offline assets), replaced atomically."""
    from recon_pipeline.lib.quality.docs import write_data_docs

    return write_data_docs(validation.gx_results, folder,
                           title=f"Close cycle {cycle}: expectation suites")
