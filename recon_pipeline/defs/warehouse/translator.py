"""How dbt models show in Dagster: grouped by the stage of the data flow they belong to.

The UI's groups follow the flow of a close cycle: ``sources`` (inventory, raw zone) ->
``canonical`` (the sources cleaned into one model: dbt staging, intermediate and core marts) ->
``reconciliation`` (every recon model, their coverage, fct_mismatches, fct_recon_coverage) ->
``quality`` -> ``reports``. Which stage a model belongs to follows from its folder, so a new
model lands in the right group without being listed here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from recon_pipeline.defs.shared.partitions import (
    CANONICAL_GROUP,
    RECONCILIATION_GROUP,
    cycle_partitions,
)

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

#: dbt folders (below the layer folder) whose models reconcile rather than model the sources:
#: models/marts/recon/, models/intermediate/recon/ and models/intermediate/recon_subs/.
RECON_FOLDER_PREFIX = "recon"


def layer_of(props: Mapping[str, Any]) -> str | None:
    """The dbt layer folder of a model (``staging``, ``intermediate``, ``marts``), if any."""
    fqn = list(props.get("fqn") or [])
    return fqn[1] if len(fqn) > 2 else None


def is_reconciliation(props: Mapping[str, Any]) -> bool:
    """True for a model in a ``recon*`` folder: a reconciliation, or a step only recons use."""
    folders = list(props.get("fqn") or [])[1:-1]
    return any(folder.startswith(RECON_FOLDER_PREFIX) for folder in folders)


class ReconDbtTranslator(DagsterDbtTranslator):
    """Groups by data-flow stage; tags each model with its dbt layer (and system for staging).

    Descriptions, owners (dbt ``meta.dagster.owners``), kinds and keys stay dagster-dbt's
    defaults.
    """

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") not in ("model", "seed", "snapshot"):
            return super().get_group_name(dbt_resource_props)
        # The seed is the registry of recons and categories (seeds/recon_categories.csv).
        if dbt_resource_props.get("resource_type") == "seed":
            return RECONCILIATION_GROUP
        return RECONCILIATION_GROUP if is_reconciliation(dbt_resource_props) else CANONICAL_GROUP

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        """A dbt data test as a check of the cycle's partition, like every other check.

        Not a Dagster *blocking* check: in this project "blocking" means only what keeps the
        close from being final (a finding's category, a critical expectation). A failed dbt
        test fails the cycle's `dbt build` itself, which stops the run.
        """
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        description = spec.description or (
            f"dbt data test {spec.name} on the cycle's data; a failure fails the cycle's "
            "warehouse build (dbt build), so the run stops before the reports.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # partitioned checks are a Dagster preview feature
            return dg.AssetCheckSpec(
                name=spec.name, asset=spec.asset_key, description=description,
                additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=False,
                partitions_def=cycle_partitions)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        layer = layer_of(dbt_resource_props)
        if dbt_resource_props.get("resource_type") == "model" and layer:
            tags["recon/layer"] = layer
            fqn = list(dbt_resource_props["fqn"])
            if layer == "staging" and len(fqn) > 3:
                tags["recon/system"] = fqn[2]
        return tags
