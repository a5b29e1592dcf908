"""The job every path runs: the UI, the schedule and ``recon run``."""

import dagster as dg

from recon_pipeline.defs.shared.partitions import cycle_partitions

close_cycle_job = dg.define_asset_job(
    name="close_cycle",
    selection=dg.AssetSelection.all(),
    partitions_def=cycle_partitions,
    description="Materialize the whole graph, checks included, for one close cycle (a month).",
)
