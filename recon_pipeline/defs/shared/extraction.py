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

#: Source object -> the raw tables it writes, in extraction order. Kept here as data so the
#: code location loads without importing the extraction engine (DuckDB, SQLAlchemy);
#: tests/unit/test_defs_extraction.py checks it against recon_pipeline.lib.extract.
OBJECT_TABLES: dict[str, tuple[str, ...]] = {
    "billing/customers": ("customers",),
    "billing/products": ("products",),
    "billing/prices": ("prices",),
    "billing/meters": ("meters",),
    "billing/subscriptions": ("subscriptions", "subscription_items", "subscription_discounts"),
    "billing/invoices": ("invoices", "invoice_lines"),
    "billing/credit_notes": ("credit_notes",),
    "payments/charges": ("charges",),
    "payments/invoice_payments": ("invoice_payments",),
    "payments/refunds": ("refunds",),
    "payments/balance_transactions": ("balance_transactions",),
    "payments/payouts": ("payouts",),
    "usage/events": ("events",),
    "erp/gl_accounts": ("gl_accounts",),
    "erp/erp_customers": ("erp_customers",),
    "erp/gl_journal_lines": ("gl_journal_lines",),
    "crm/accounts": ("accounts",),
    "reference/legal_entities": ("legal_entities",),
    "reference/fx_rates": ("fx_rates",),
}

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
    system = name.split("/", 1)[0]
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
        from recon_pipeline.lib.extract.errors import SourceError

        resolved = settings.resolve()
        out_dir = resolved.raw_dir(context.partition_key)
        erp_url = resolved.erp_url_with_secret() if system == "erp" else None
        try:
            report = extract_object(resolved.sources_dir, name, out_dir, erp_url=erp_url)
        except SourceError as exc:
            raise dg.Failure(description=str(exc)) from None
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


def extraction_assets(system: str) -> list[dg.AssetsDefinition]:
    """Every extraction asset of one source system."""
    return [extraction_asset(name) for name in OBJECT_TABLES if name.startswith(f"{system}/")]


__all__ = ["OBJECT_TABLES", "extraction_asset", "extraction_assets", "tables_of"]
