"""One raw-zone multi-asset per source object: its file(s) read into typed Parquet tables.

The reading itself is Dagster-free (``recon_pipeline.lib.extract``); this module only names the
assets, passes the run's settings and turns the extraction report into metadata.
"""


from collections.abc import Iterator

import dagster as dg

from recon_pipeline.defs.shared.partitions import (
    OWNERS,
    SOURCES_GROUP,
    cycle_partitions,
    one_run_per_cycle,
)
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.lib.sources import OBJECT_TABLES, RAW_TABLES, system_of
from recon_pipeline.settings import Settings

#: A step failure's metadata key: the exit status ``recon run`` ends with (else 1).
EXIT_STATUS = "recon/exit_status"
_WHAT = {
    "billing": "the subscription billing export (Stripe API objects, both shapes)",
    "payments": "the payment gateway export (Stripe API objects, both shapes)",
    "erp": "the ERP general ledger and customer master (any SQLAlchemy URL)",
    "usage": "the product metering events (CloudEvents 1.0, redeliveries kept once)",
    "crm": "the CRM accounts export",
    "reference": "the reference data",
}


def tables_of(name: str) -> list[str]:
    """The raw tables one source object writes (an invoice's lines are a table of their own)."""
    return list(OBJECT_TABLES[name])


def extraction_asset(name: str) -> dg.AssetsDefinition:
    """The multi-asset that extracts source object ``name`` (e.g. ``billing/invoices``)."""
    system = system_of(name)
    tables = tables_of(name)
    specs = [
        dg.AssetSpec(
            key=["raw", system, table],
            description=(
                f"`{table}` of {_WHAT[system]}, read from SOURCES/{name}* into the raw zone "
                f"OUT/raw/<cycle>/{system}/{table}.parquet with the typed schema of "
                "recon_pipeline/lib/extract/schemas.py. Unreadable rows go to quarantine with "
                "file, line and reason; rows read = loaded + quarantined for every file."
            ),
            group_name=SOURCES_GROUP,
            kinds={"python", "parquet"},
            owners=OWNERS,
            tags={"recon/layer": "raw", "recon/system": system},
            deps=["sources_inventory"],
            partitions_def=cycle_partitions,
        )
        for table in tables
    ]

    @dg.multi_asset(
        name=f"extract_{system}_{name.split('/', 1)[1]}",
        specs=specs,
        partitions_def=cycle_partitions,
        pool="extract",
    )
    def _extract(
        context: dg.AssetExecutionContext, settings: ReconSettings
    ) -> Iterator[dg.MaterializeResult]:
        from recon_pipeline.lib.extract.api import extract_object
        from recon_pipeline.lib.extract.erp import ErpUnavailable
        from recon_pipeline.lib.extract.errors import SourceError

        resolved = settings.resolve()
        out_dir = resolved.raw_dir(context.partition_key)
        erp_url = resolved.erp_url_with_secret() if system == "erp" else None
        try:
            report = extract_object(resolved.sources_dir, name, out_dir, erp_url=erp_url)
        except SourceError as exc:
            # An ERP that keeps dropping the connection ends `recon run` with exit status 2.
            status = {EXIT_STATUS: 2} if isinstance(exc, ErpUnavailable) else None
            raise dg.Failure(description=str(exc), metadata=status) from None
        publish_tables(resolved, context.partition_key, system, tables)
        files = [f for f in report.files if f.table == report.table]
        read = sum(f.rows_read for f in files)
        quarantined = sum(f.rows_quarantined for f in report.files)
        redelivered = sum(f.rows_redelivered for f in files)
        for table in tables:
            metadata: dict[str, dg.RawMetadataValue] = {
                "dagster/row_count": report.tables.get(table, 0),
                "path": dg.MetadataValue.path(str(out_dir / system / f"{table}.parquet")),
            }
            if table == report.table:
                metadata |= {
                    "rows_read": read,
                    "rows_quarantined": quarantined,
                    "rows_redelivered": redelivered,
                    "files": len({f.file for f in files}),
                    "seconds": round(report.seconds, 2),
                }
                if report.reused_from is not None:
                    # Files unchanged since that cycle's run: its outputs, not parsed again.
                    metadata["reused_from_cycle"] = report.reused_from
            yield dg.MaterializeResult(asset_key=["raw", system, table], metadata=metadata)

    return one_run_per_cycle(_extract)


def publish_tables(resolved: Settings, cycle: str, system: str, tables: list[str]) -> None:
    """When OUT is a URL, put this step's raw tables there before the step ends, so that a
    Spark cluster reading the raw zone from the URL (Settings.raw_root) finds them when dbt
    starts; a table this run did not write is removed there. The raw/quarantine asset then
    mirrors the whole cycle folder (quarantine, file counts, stamps)."""
    published = resolved.published()
    if published is None:
        return
    for table in tables:
        local = resolved.raw_dir(cycle) / system / f"{table}.parquet"
        rel = f"raw/{cycle}/{system}/{table}.parquet"
        try:
            if local.is_file():
                published.upload(local, rel)
            elif published.exists(rel):
                published.fs.delete_file(published.path(rel))
        except OSError as exc:
            raise dg.Failure(description=f"cannot publish {rel} to {published.url}: {exc}"
                             ) from None


#: Every extraction asset, in the order of OBJECT_TABLES.
EXTRACTION_ASSETS = [extraction_asset(name) for name in OBJECT_TABLES]
#: The keys of every raw-zone table (what the quarantine and the quality suites read).
RAW_KEYS = [dg.AssetKey(["raw", system, table]) for system, table in RAW_TABLES]
