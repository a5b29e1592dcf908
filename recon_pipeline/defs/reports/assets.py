"""The raw zone's quarantine of a cycle, and the cycle's reports for finance."""

from datetime import UTC, datetime

import dagster as dg

from recon_pipeline.defs.shared.extraction import OBJECT_TABLES
from recon_pipeline.defs.shared.partitions import (
    OWNERS,
    REPORTS_GROUP,
    SOURCES_GROUP,
    cycle_partitions,
    one_run_per_cycle,
)
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.shared.runs import is_provisional

RAW_KEYS = [dg.AssetKey(["raw", name.split("/", 1)[0], table])
            for name, tables in OBJECT_TABLES.items() for table in tables]


@one_run_per_cycle
@dg.asset(
    key=["raw", "quarantine"],
    deps=RAW_KEYS,
    group_name=SOURCES_GROUP,
    kinds={"python", "parquet"},
    owners=OWNERS,
    partitions_def=cycle_partitions,
)
def raw_quarantine(
    context: dg.AssetExecutionContext, settings: ReconSettings
) -> dg.MaterializeResult:
    """Every row of the cycle's sources that could not be read, with source, file, line,
    record and reason (OUT/raw/<cycle>/quarantine.parquet), and rows read, loaded and
    quarantined per file (file_counts.parquet). Nothing is lost: read = loaded + quarantined
    (+ usage redeliveries, loaded once)."""
    import pyarrow.parquet as pq

    from recon_pipeline.lib.extract.api import combine_parts

    raw_dir = settings.resolve().raw_dir(context.partition_key)
    quarantine_path, counts_path = combine_parts(raw_dir)
    quarantine = pq.read_table(quarantine_path)
    counts = pq.read_table(counts_path).to_pylist()
    by_source: dict[str, list[int]] = {}
    for row in counts:
        read_quarantined = by_source.setdefault(row["source"], [0, 0])
        read_quarantined[0] += row["rows_read"]
        read_quarantined[1] += row["rows_quarantined"]
    table = "\n".join(["| source | rows read | quarantined |", "|---|---:|---:|"]
                      + [f"| {s} | {r:,} | {q:,} |" for s, (r, q) in sorted(by_source.items())])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": quarantine.num_rows,
        "rows_quarantined": quarantine.num_rows,
        "path": dg.MetadataValue.path(str(quarantine_path)),
        "by_source": dg.MetadataValue.md(table),
    })


@one_run_per_cycle
@dg.asset(
    key=["reports", "cycle_reports"],
    deps=[raw_quarantine, dg.AssetKey(["marts", "fct_mismatches"]),
          dg.AssetKey(["marts", "fct_recon_coverage"]), dg.AssetKey(["quality", "expectations"])],
    group_name=REPORTS_GROUP,
    kinds={"python", "parquet", "html", "excel"},
    owners=OWNERS,
    partitions_def=cycle_partitions,
)
def cycle_reports(
    context: dg.AssetExecutionContext, settings: ReconSettings
) -> dg.MaterializeResult:
    """What finance opens for the cycle: OUT/reports/<cycle>/ mismatches (Parquet and CSV),
    report.xlsx, a self-contained report.html with charts, summary.json, quarantine.parquet,
    and the exception ledger OUT/exceptions.parquet that follows every finding across cycles.
    The report is final only when no blocking expectation failed (quality/expectations);
    otherwise it is written all the same, marked not passing."""
    from recon_pipeline.lib.quality.validate import read_validation
    from recon_pipeline.lib.reports import headline_figures, markdown_preview, write_reports
    from recon_pipeline.lib.reports.inputs import ReportInputError, read_cycle_inputs

    resolved = settings.resolve()
    cycle = context.partition_key
    try:
        inputs = read_cycle_inputs(resolved.out_dir / "warehouse.duckdb",
                                   resolved.raw_dir(cycle), cycle, resolved.reporting_currency)
    except ReportInputError as exc:
        raise dg.Failure(description=str(exc)) from None
    provisional = is_provisional(context)
    result = write_reports(resolved.out_dir, inputs, now=datetime.now(UTC),
                           provisional=provisional,
                           validation=read_validation(resolved.out_dir, cycle))
    metadata: dict[str, dg.RawMetadataValue] = {
        "dagster/row_count": result.mismatches.num_rows,
        "provisional": provisional,
        "folder": dg.MetadataValue.path(str(result.folder)),
        "largest_findings": dg.MetadataValue.md(markdown_preview(result.mismatches, 10)),
    }
    metadata |= headline_figures(result.summary)
    return dg.MaterializeResult(metadata=metadata)
