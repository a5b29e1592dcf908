"""Stage 1, group ``sources``: the sources directory as delivered, read into the raw zone.

The inventory of the cycle's files, one extraction multi-asset per source object (typed Parquet
tables of OUT/raw/<cycle>/), the quarantine of every row that could not be read, and
stream/events: what the stream receiver took, landed by the stream_landing sensor.
"""

import dagster as dg

from recon_pipeline.defs.sources.assets import raw_quarantine, sources_inventory
from recon_pipeline.defs.sources.extraction import EXTRACTION_ASSETS
from recon_pipeline.defs.sources.stream import stream_events

defs = dg.Definitions(
    assets=[sources_inventory, *EXTRACTION_ASSETS, raw_quarantine, stream_events]
)
