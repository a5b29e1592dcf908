"""Definitions of the reports domain."""

import dagster as dg

from recon_pipeline.defs.reports.assets import cycle_reports, raw_quarantine

defs = dg.Definitions(assets=[raw_quarantine, cycle_reports])
