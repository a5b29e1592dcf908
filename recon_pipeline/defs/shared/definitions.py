"""Resources every domain uses."""

import dagster as dg

from recon_pipeline.defs.shared.resources import ReconSettings

defs = dg.Definitions(resources={"settings": ReconSettings()})
