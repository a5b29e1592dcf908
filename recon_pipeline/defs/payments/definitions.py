"""Definitions of the payments source system."""

import dagster as dg

from recon_pipeline.defs.shared.extraction import extraction_assets

defs = dg.Definitions(assets=extraction_assets("payments"))
