"""The Dagster code location: the definitions of every domain under ``recon_pipeline/defs``."""

import dagster as dg

# Modules, not their `defs`: Dagster wants exactly one Definitions object in this module.
from recon_pipeline.defs.close import definitions as close
from recon_pipeline.defs.reference import definitions as reference
from recon_pipeline.defs.shared import definitions as shared
from recon_pipeline.defs.sources import definitions as sources
from recon_pipeline.defs.warehouse import definitions as warehouse

defs = dg.Definitions.merge(shared.defs, sources.defs, reference.defs, warehouse.defs, close.defs)
