"""Stage 3, group ``quality``: the expectation suites as the close-cycle gate (Great
Expectations results as asset checks on the raw zone and the reconciliation marts)."""

import dagster as dg

from recon_pipeline.defs.quality.assets import expectation_results

defs = dg.Definitions(assets=[expectation_results])
