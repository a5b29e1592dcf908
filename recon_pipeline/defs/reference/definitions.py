"""Definitions of the reference domain: legal entities and FX rates, extracted like every source."""

import dagster as dg

from recon_pipeline.defs.shared.extraction import extraction_assets

defs = dg.Definitions(assets=extraction_assets("reference"))
