"""One raw-zone asset per reference table: ``raw/reference/<table>``."""

import dagster as dg

from recon_pipeline.defs.reference.landing import LandingError, land_csv, preview_markdown
from recon_pipeline.defs.shared.partitions import OWNERS, cycle_partitions, one_run_per_cycle
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.sources.assets import sources_inventory

# Table -> the columns sources.md names, in order.
REFERENCE_TABLES: dict[str, tuple[str, ...]] = {
    "legal_entities": ("entity_code", "name", "functional_currency", "country"),
    "fx_rates": ("date", "currency", "rate_to_reporting"),
}


def build_reference_asset(table: str, columns: tuple[str, ...]) -> dg.AssetsDefinition:
    """The asset that lands SOURCES/reference/<table>.csv in the raw zone of the cycle."""

    @one_run_per_cycle
    @dg.asset(
        name=table,
        key_prefix=["raw", "reference"],
        description=(
            f"reference/{table}.csv of the sources directory, landed unchanged (columns "
            f"{', '.join(columns)}, all strings) as OUT/raw/<cycle>/reference/{table}.parquet, "
            "where the dbt staging model reads it."
        ),
        group_name="raw",
        kinds={"python", "parquet"},
        owners=OWNERS,
        partitions_def=cycle_partitions,
        deps=[sources_inventory],
    )
    def _asset(context: dg.AssetExecutionContext, settings: ReconSettings) -> dg.MaterializeResult:
        resolved = settings.resolve()
        target = resolved.raw_dir(context.partition_key) / "reference" / f"{table}.parquet"
        try:
            frame = land_csv(resolved.sources_dir / "reference" / f"{table}.csv", target, columns)
        except LandingError as exc:
            raise dg.Failure(description=str(exc)) from None
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": frame.height,
                "path": dg.MetadataValue.path(str(target)),
                "preview": dg.MetadataValue.md(preview_markdown(frame)),
            }
        )

    return _asset


reference_assets = [build_reference_asset(t, c) for t, c in REFERENCE_TABLES.items()]
