"""What a stage job runs: the assets of its groups, and the checks computed along with them.

``AssetSelection.groups(...)`` selects the assets of a group *and every check that targets them*,
wherever the check is computed. That breaks as soon as one op computes checks on assets of
other stages and cannot run them apart (the quality stage's expectations, one op with checks on
raw tables and marts): the sources job would have to run a part of that op, which Dagster
refuses, and the quality job would miss the checks the op computes on other stages' assets.

:class:`StageSelection` selects by who computes: the materializable assets of the groups, and
each check computed by an op that also computes one of those assets, or, for a check computed on
its own or by an op that can run any subset (dbt tests), each check that targets one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import AbstractSet  # noqa: UP035  (the signature Dagster's selections use)

import dagster as dg
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

    def resolve_checks_inner(
        self, asset_graph: BaseAssetGraph, allow_missing: bool
    ) -> AbstractSet[dg.AssetCheckKey]:
        assets = self.resolve_inner(asset_graph, allow_missing)
        selected = set()
        for check_key in asset_graph.asset_check_keys:
            together = asset_graph.get_execution_set_asset_and_check_keys(check_key)
            computed_with = {key for key in together if isinstance(key, dg.AssetKey)}
            if computed_with:
                if computed_with & assets:
                    selected.add(check_key)
            elif check_key.asset_key in assets:
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
