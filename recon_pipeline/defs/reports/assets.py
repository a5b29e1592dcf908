"""The cycle's reports for finance and the exception ledger."""

from datetime import UTC, datetime

import dagster as dg

from recon_pipeline.defs.shared.partitions import (
    OWNERS,
    REPORTS_GROUP,
    cycle_partitions,
    one_run_per_cycle,
)
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.shared.runs import is_provisional


@one_run_per_cycle
@dg.asset(
    key=["reports", "cycle_reports"],
    deps=[dg.AssetKey(["raw", "quarantine"]), dg.AssetKey(["marts", "fct_mismatches"]),
          dg.AssetKey(["marts", "fct_recon_coverage"]),
          dg.AssetKey(["marts", "fct_posting_delays"]), dg.AssetKey(["quality", "expectations"])],
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
        inputs = read_cycle_inputs(resolved.out_dir, resolved.raw_dir(cycle), cycle,
                                   resolved.reporting_currency, resolved.warehouse)
    except ReportInputError as exc:
        raise dg.Failure(description=str(exc)) from None
    provisional = is_provisional(context)
    try:
        result = write_reports(resolved.out_dir, inputs, now=datetime.now(UTC),
                               provisional=provisional,
                               validation=read_validation(resolved.out_dir, cycle))
    except OSError as exc:  # a full disk, a read-only folder: the report files are replaced
        # together or not at all (write_reports), so the previous ones are still there
        where = f" ({exc.filename})" if exc.filename else ""
        raise dg.Failure(description=(
            f"cannot write the reports of {cycle} under {resolved.out_dir}: "
            f"{exc.strerror or exc}{where}; the reports already there are kept as they were: "
            "free space there and run the cycle again")) from None
    published = resolved.published()
    # OUT is a URL: the reports' folder (reports/<cycle>, its provisional/ or, once the cycle
    # is signed, close/<cycle>/restatement-<k>) and the ledger go there
    folder = result.folder.relative_to(resolved.out_dir).as_posix()
    if published is not None:
        try:
            published.publish(result.folder, folder)
            ledger = resolved.out_dir / "exceptions.parquet"
            if ledger.is_file():
                published.upload(ledger, ledger.name)
        except OSError as exc:
            raise dg.Failure(description=f"cannot publish the reports of {cycle} to "
                             f"{published.url}: {exc}") from None
    metadata: dict[str, dg.RawMetadataValue] = {
        "dagster/row_count": result.mismatches.num_rows,
        "provisional": provisional,
        "folder": dg.MetadataValue.path(str(result.folder)),
        "largest_findings": dg.MetadataValue.md(markdown_preview(result.mismatches, 10)),
    }
    if published is not None:
        metadata["published"] = published.child(folder).url
    metadata |= headline_figures(result.summary)
    return dg.MaterializeResult(metadata=metadata)
