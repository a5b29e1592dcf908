"""What every stage shares: the close-cycle partitions, run tags and the ``settings`` resource."""

import dagster as dg

from recon_pipeline.defs.shared.resources import ReconSettings

defs = dg.Definitions(resources={"settings": ReconSettings()})
