"""What validate.py changes of GX's work to cut its fixed cost leaves GX's results as they were:
an expectation's configuration built once per kwargs-reading call (_configuration_built_once)
gives the same results, result by result, with far fewer builds, and GX's class is restored."""

from __future__ import annotations

import os
from typing import Any

import pytest

from recon_pipeline.lib.quality.validate import _KWARGS_READERS, _configuration_built_once

gx = pytest.importorskip("great_expectations")

SUITE: dict[str, Any] = {
    "name": "raw.test.frame",
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "currency", "value_set": {"$PARAMETER": "currencies"},
                    "mostly": 0.5}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "amount", "min_value": 0, "max_value": 100}},
        {"type": "expect_column_sum_to_be_between",
         "kwargs": {"column": "amount", "max_value": 1000}, "severity": "warning"},
        {"type": "expect_compound_columns_to_be_unique",
         "kwargs": {"column_list": ["id", "currency"]}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
    ],
}


def _validate(context: Any) -> dict[str, Any]:
    import pandas as pd

    frame = pd.DataFrame({"id": [1, 2, 2, None, 5], "currency": ["usd", "eur", "xxx", "usd", None],
                          "amount": [10.0, 250.0, -1.0, 3.5, 7.0]})
    source = context.data_sources.add_or_update_pandas("test")
    definition = source.add_dataframe_asset(f"frame{len(source.assets)}") \
        .add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx.ExpectationSuite(**SUITE),
                            expectation_parameters={"currencies": ["usd", "eur"]},
                            result_format={"result_format": "SUMMARY",
                                           "partial_unexpected_count": 5})
    data: dict[str, Any] = result.to_json_dict()
    data["meta"]["batch_markers"].pop("ge_load_time", None)
    data["meta"].pop("active_batch_definition", None)
    data["meta"]["batch_spec"].pop("data_asset_name", None)
    data.pop("id", None)
    data.pop("batch_id", None)
    data["meta"].pop("asset_name", None)
    return data


def _counting() -> tuple[list[int], Any, Any]:
    """A build counter, GX's configuration property, and a property getter that counts."""
    from great_expectations.expectations.expectation import Expectation

    prop = Expectation.__dict__["configuration"]
    builds = [0]

    def counted(self: Any) -> Any:
        builds[0] += 1
        return prop.fget(self)

    return builds, prop, counted


def test_configuration_built_once_gives_gx_results_with_fewer_builds() -> None:
    from great_expectations.expectations.expectation import Expectation

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="ephemeral")
    original = {name: Expectation.__dict__[name]
                for name in ("configuration", *_KWARGS_READERS)}
    builds, prop, counted = _counting()
    Expectation.configuration = property(counted)  # type: ignore[method-assign,assignment]
    try:
        plain = _validate(context)
        plain_builds = builds[0]
        builds[0] = 0
        with _configuration_built_once():
            once = _validate(context)
        once_builds = builds[0]
    finally:
        Expectation.configuration = prop  # type: ignore[method-assign]
    assert once == plain
    assert not plain["success"]  # failures and examples are compared, not only passes
    assert once_builds * 2 < plain_builds, (once_builds, plain_builds)
    assert {name: Expectation.__dict__[name] for name in original} == original
