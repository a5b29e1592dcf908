"""Stage 1, group ``sources``: the sources directory as delivered, read into the raw zone.

The inventory of the cycle's files, one extraction multi-asset per source object (typed Parquet
tables of OUT/raw/<cycle>/) and the quarantine of every row that could not be read.
"""

import dagster as dg

from recon_pipeline.defs.sources.assets import raw_quarantine, sources_inventory
from recon_pipeline.defs.sources.extraction import EXTRACTION_ASSETS

defs = dg.Definitions(assets=[sources_inventory, *EXTRACTION_ASSETS, raw_quarantine])
