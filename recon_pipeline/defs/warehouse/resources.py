"""The ``dbt`` resource: the dbt CLI of this environment (``recon-dbt``: lib/dbt_launcher.py), on
the project of this repository."""

from dagster_dbt import DbtCliResource

from recon_pipeline.defs.warehouse.project import dbt_project
from recon_pipeline.lib.dbt_manifest import run_executable

dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=run_executable())
