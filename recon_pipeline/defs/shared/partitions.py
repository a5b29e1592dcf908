"""Close-cycle partitions: one per calendar month, keyed ``YYYY-MM`` like ``recon run --cycle``."""

import dagster as dg

from recon_pipeline.settings import configured_first_cycle

OWNERS = ["team:finance-data"]

# Asset groups: the stages of the data flow of a cycle, in order, each with a job of its own
# (recon_pipeline/defs/operations/jobs.py). sources: inventory, raw zone tables and quarantine;
# canonical: the dbt model of the sources (staging, intermediate, core); reconciliation: the
# recon models, fct_mismatches and fct_recon_coverage; quality: data quality expectations;
# reports: what finance opens, and the exception ledger.
SOURCES_GROUP = "sources"
CANONICAL_GROUP = "canonical"
RECONCILIATION_GROUP = "reconciliation"
QUALITY_GROUP = "quality"
REPORTS_GROUP = "reports"

# Keys are "2026-09", not "2026-09-01", so `--cycle 2026-09` is the partition key itself.
# end_offset=1: the open month is a partition too, so the daily provisional run can target it
# (tagged recon/provisional=true; its reports stay out of the exception ledger). A month is
# closed, on sources exported after its last day, by the close schedule of the next month.
# They start at the first cycle: first_cycle of the config, else the first month of the sources
# RECON_SOURCES_DIR names, else 2020-01 (settings.configured_first_cycle).
cycle_partitions = dg.MonthlyPartitionsDefinition(
    start_date=configured_first_cycle(), fmt="%Y-%m", timezone="UTC", end_offset=1
)


def one_run_per_cycle(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The same assets, run one cycle per run in a backfill too.

    Every step works on the files of exactly one cycle; dagster-dbt's default for monthly
    partitions would put many cycles in one run.
    """
    return assets_def.with_attributes(backfill_policy=dg.BackfillPolicy.multi_run(1))
