"""Close-cycle partitions: one per calendar month, keyed ``YYYY-MM`` like ``recon run --cycle``."""

import dagster as dg

OWNERS = ["team:finance-data"]

# A month becomes a partition once it has ended (end_offset=0): a cycle is reconciled on sources
# exported after its last day. Keys are "2026-09", not "2026-09-01", so `--cycle 2026-09` is
# the partition key itself.
cycle_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2020-01", fmt="%Y-%m", timezone="UTC", end_offset=0
)

# One run per cycle, also in a backfill: every step works on the files of exactly one cycle.
one_run_per_cycle = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)
