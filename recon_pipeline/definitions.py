"""The Dagster code location: the definitions of every domain under ``recon_pipeline/defs``."""

import dagster as dg

from recon_pipeline.defs.close.definitions import defs as close_defs
from recon_pipeline.defs.reference.definitions import defs as reference_defs
from recon_pipeline.defs.shared.definitions import defs as shared_defs
from recon_pipeline.defs.sources.definitions import defs as sources_defs
from recon_pipeline.defs.warehouse.definitions import defs as warehouse_defs

defs = dg.Definitions.merge(shared_defs, sources_defs, reference_defs, warehouse_defs, close_defs)
