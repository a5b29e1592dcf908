"""Stage 2, groups ``canonical`` and ``reconciliation``: the dbt project (dbt_project/).

Its models are assets, its data tests asset checks; which group a model belongs to follows from
its folder (translator.py).
"""

import dagster as dg

from recon_pipeline.defs.warehouse.assets import warehouse_dbt_models
from recon_pipeline.defs.warehouse.resources import dbt_resource

defs = dg.Definitions(assets=[warehouse_dbt_models], resources={"dbt": dbt_resource})
