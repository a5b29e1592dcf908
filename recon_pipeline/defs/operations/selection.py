"""What a stage job runs: the assets of its groups, and the checks computed along with them.

``AssetSelection.groups(...)`` selects the assets of a group *and every check that targets them*,
wherever the check is computed. The quality stage computes checks on the assets of other stages
(one op validates the expectation suites of raw tables and marts): with a group selection the
sources job would run the quality op for the checks on raw tables (or fail, if that op cannot
run a subset), and the quality job would leave out every check it exists for.

:class:`StageSelection` selects by who computes a check: the materializable assets of the
groups; a check an op computes on an asset it builds itself (a dbt test), or a check computed on
its own, goes with the asset it targets; a check an op computes on an asset of another stage
goes with that op's assets (the quality checks run in the quality job).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import AbstractSet  # noqa: UP035  (the signature Dagster's selections use)

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph


@dataclass(frozen=True)
class StageSelection(dg.AssetSelection):
    """The assets of ``stage_groups`` and the checks their stage computes (see the module)."""

    stage_groups: Sequence[str]

    def resolve_inner(
        self, asset_graph: BaseAssetGraph, allow_missing: bool
    ) -> AbstractSet[dg.AssetKey]:
        return {
            key
            for group in self.stage_groups
            for key in asset_graph.asset_keys_for_group(group, require_materializable=True)
        }

    def resolve_checks_inner(  # type: ignore[override]
        self, asset_graph: AssetGraph, allow_missing: bool
    ) -> AbstractSet[dg.AssetCheckKey]:
        assets = self.resolve_inner(asset_graph, allow_missing)
        selected = set()
        for check_key in asset_graph.asset_check_keys:
            computed_with = set(asset_graph.assets_def_for_key(check_key).keys)
            if check_key.asset_key in computed_with or not computed_with:
                # A test of an asset its own op builds (dbt), or a check computed on its own.
                if check_key.asset_key in assets:
                    selected.add(check_key)
            elif computed_with & assets:
                # A check an op of this stage computes on an asset of another stage.
                selected.add(check_key)
        return selected

    def to_serializable_asset_selection(self, asset_graph: BaseAssetGraph) -> dg.AssetSelection:
        return dg.AssetSelection.assets(*self.resolve(asset_graph)) | dg.AssetSelection.checks(
            *self.resolve_checks(asset_graph)
        )

    def to_selection_str(self) -> str:
        return " or ".join(f'group:"{group}"' for group in self.stage_groups) or "group:<null>"


def stage(*groups: str) -> StageSelection:
    """The selection of the stage made of ``groups``."""
    return StageSelection(stage_groups=tuple(groups))
