"""Definitions of the sources domain."""

import dagster as dg

from recon_pipeline.defs.sources.assets import sources_inventory

defs = dg.Definitions(assets=[sources_inventory])
