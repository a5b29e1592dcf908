"""Close-cycle partitions: one per calendar month, keyed ``YYYY-MM`` like ``recon run --cycle``."""

import dagster as dg

OWNERS = ["team:finance-data"]

# A month becomes a partition once it has ended (end_offset=0): a cycle is reconciled on sources
# exported after its last day. Keys are "2026-09", not "2026-09-01", so `--cycle 2026-09` is
# the partition key itself.
cycle_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2020-01", fmt="%Y-%m", timezone="UTC", end_offset=0
)


def one_run_per_cycle(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The same assets, run one cycle per run in a backfill too.

    Every step works on the files of exactly one cycle; dagster-dbt's default for monthly
    partitions would put many cycles in one run.
    """
    return assets_def.with_attributes(backfill_policy=dg.BackfillPolicy.multi_run(1))
