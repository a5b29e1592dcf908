"""The dbt project and its manifest, prepared ahead of time (lib/dbt_manifest.py).

Loading the code location only reads the manifest: ``make``, ``recon run`` and the test session
prepare it. Under ``dagster dev`` a stale manifest is prepared again on load (as dagster-dbt's
``prepare_if_dev`` does), so an edited model shows up on the next reload.
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from recon_pipeline.lib.dbt_manifest import (
    DBT_PROJECT_DIR,
    prepare_if_stale,
    require_manifest,
)


def load_dbt_project() -> DbtProject:
    """The project; its manifest must exist (prepared again first under ``dagster dev``)."""
    if os.environ.get("DAGSTER_IS_DEV_CLI"):
        prepare_if_stale(DBT_PROJECT_DIR)
    project = DbtProject(project_dir=DBT_PROJECT_DIR)
    require_manifest(DBT_PROJECT_DIR)
    return project


dbt_project = load_dbt_project()
