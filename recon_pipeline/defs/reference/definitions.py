"""Definitions of the reference domain."""

import dagster as dg

from recon_pipeline.defs.reference.assets import reference_assets

defs = dg.Definitions(assets=reference_assets)
