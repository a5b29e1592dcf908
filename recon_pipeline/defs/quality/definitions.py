"""Definitions of the quality domain."""

import dagster as dg

from recon_pipeline.defs.quality.assets import expectation_results

defs = dg.Definitions(assets=[expectation_results])
