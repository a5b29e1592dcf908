"""Stage 4, group ``reports``: the reports of a close cycle and the exception ledger."""

import dagster as dg

from recon_pipeline.defs.reports.assets import cycle_reports

defs = dg.Definitions(assets=[cycle_reports])
