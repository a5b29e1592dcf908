"""The job every path runs: the UI, the schedule and ``recon run``."""

import dagster as dg

close_cycle_job = dg.define_asset_job(
    name="close_cycle",
    selection=dg.AssetSelection.all(),
    description="Materialize the whole graph, checks included, for one close cycle (a month).",
)
