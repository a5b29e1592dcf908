"""Definitions of the warehouse domain."""

import dagster as dg

from recon_pipeline.defs.warehouse.assets import warehouse_dbt_models
from recon_pipeline.defs.warehouse.resources import dbt_resource

defs = dg.Definitions(assets=[warehouse_dbt_models], resources={"dbt": dbt_resource})
