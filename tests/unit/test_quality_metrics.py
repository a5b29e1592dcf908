"""The metrics DuckDB answers for GX (lib/quality/metrics.py) give GX's own results: the same
suites validated with every metric left to GX's pandas engine and with DuckDB answering, on
frames that break every kind of expectation (nulls, conflicting keys, values out of set and out
of range, a row condition, a decimal sum, a bound DuckDB leaves to pandas), compare equal
result by result (GX's result objects, which the Data Docs render) and outcome by outcome
(validation.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import DEFAULT_EXPECTATIONS_DIR, load_suite
from recon_pipeline.lib.quality.validate import CycleValidation, validate_cycle
from tests.unit.test_quality_duplicates import BALANCED, CYCLE, _customer, _line, _raw

#: Expectations the shipped suites of these two tables do not hold: a row condition, a set of
#: values not wanted, a sum of money, a fractional bound against a decimal column (left to
#: GX's pandas engine) and a strict upper bound.
EXTRA: dict[str, list[dict[str, Any]]] = {
    "raw.billing.customers": [
        {"type": "expect_column_values_to_not_be_in_set",
         "kwargs": {"column": "currency", "value_set": ["usd", "xxx"],
                    "row_condition": {"type": "comparison",
                                      "column": {"name": "legal_entity_known"},
                                      "operator": "==", "parameter": True}},
         "severity": "warning", "meta": {"check": "no_usd_when_entity_known"}}],
    "raw.erp.gl_journal_lines": [
        {"type": "expect_column_sum_to_be_between",
         "kwargs": {"column": "debit", "max_value": 150}, "severity": "critical",
         "meta": {"check": "debit_sum_limited"}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "debit", "min_value": 0.5}, "severity": "warning",
         "meta": {"check": "debit_at_least_half"}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "line_no", "min_value": 1, "max_value": 2, "strict_max": True},
         "severity": "warning", "meta": {"check": "line_no_one"}}],
}


def _suites(folder: Path) -> list[Any]:
    folder.mkdir()
    suites = []
    for name, extra in EXTRA.items():
        document = json.loads((DEFAULT_EXPECTATIONS_DIR / f"{name}.json").read_text())
        document["expectations"] += extra
        (folder / f"{name}.json").write_text(json.dumps(document))
        suites.append(load_suite(folder / f"{name}.json"))
    return suites


def _gx(validation: CycleValidation) -> list[dict[str, Any]]:
    """GX's results; the batch fingerprint is the one marker computed differently (DuckDB over
    the Arrow table, not pandas' row hashes): test_fingerprint_follows_the_content checks it."""
    results = [r.to_json_dict() for r in validation.gx_results]
    for r in results:
        r["meta"]["batch_markers"].pop("ge_load_time", None)
        assert len(r["meta"]["batch_markers"].pop("pandas_data_fingerprint")) == 32
    return results


def _outcomes(validation: CycleValidation) -> dict[str, Any]:
    data = validation.to_json()
    data.pop("seconds")
    for suite in data["suites"]:
        suite.pop("seconds")
    return data


def test_duckdb_answers_as_gx_pandas_engine(tmp_path: Path) -> None:
    customers = [
        _customer("cus_1", "a@acme.test", "billing/customers.jsonl", 1),
        _customer("cus_1", "new@acme.test", "billing/stream/customers.jsonl", 2),
        {**_customer("cus_2", "b@acme.test", "billing/customers.jsonl", 3), "currency": "usd"},
        {**_customer("cus_3", "c@acme.test", "billing/customers.jsonl", 4), "currency": "xyz",
         "legal_entity": "ZZ99"},
        {**_customer("cus_4", "d@acme.test", "billing/customers.jsonl", 5),
         "created_at": datetime(1999, 1, 1, tzinfo=UTC), "currency": None},
        {**_customer("cus_5", "e@acme.test", "billing/customers.jsonl", 6),
         "created_at": datetime(2030, 1, 1, tzinfo=UTC)},
        {**_customer("", "f@acme.test", "billing/customers.jsonl", 7), "customer_id": None},
        {**_customer("", "g@acme.test", "billing/customers.jsonl", 8), "customer_id": None},
    ]
    lines = [*BALANCED, {**BALANCED[1], "credit": Decimal("90.00"), "_line": 3},
             _line("J2", 1, "70.25", "0", 4), _line("J2", 2, "0", "0", 5),
             {**_line("J3", 1, "-5.00", "0", 6), "account_code": "9999"},
             {**_line("J4", 1, "0.10", "0", 7), "currency": None}]
    raw = tmp_path / "raw" / CYCLE
    _raw(raw, customers, lines)
    suites = _suites(tmp_path / "suites")
    src = FrameSources(raw, tmp_path / "warehouse.duckdb", CYCLE)
    now = datetime(2026, 10, 2, tzinfo=UTC)
    pandas = validate_cycle(suites, src, now=now, pandas_metrics=True)
    duckdb = validate_cycle(suites, src, now=now)
    failed = {e.check for s in duckdb.suites for e in s.expectations if not e.success}
    # The frames break every kind of expectation, so the comparison covers the unexpected rows.
    assert {"customer_id_not_null", "customer_id_unique", "currency_iso_4217",
            "no_usd_when_entity_known", "line_key_unique", "debit_sum_limited",
            "debit_at_least_half", "line_no_one", "created_at_in_extract_window"} <= failed, failed
    assert not any(e.error for s in duckdb.suites for e in s.expectations)
    assert _gx(duckdb) == _gx(pandas)
    assert _outcomes(duckdb) == _outcomes(pandas)


def test_duckdb_answers_the_map_metrics_and_leaves_the_rest_to_gx() -> None:
    import pandas as pd
    import pyarrow as pa
    from great_expectations.validator.metric_configuration import MetricConfiguration

    from recon_pipeline.lib.quality.metrics import DuckMetrics

    table = pa.table({"a": ["x", None, "x", "y"], "n": [1, 2, -3, 4]})
    metrics = DuckMetrics(table, table.to_pandas(types_mapper=pd.ArrowDtype))

    def metric(name: str, column: str, **values: Any) -> MetricConfiguration:
        return MetricConfiguration(name, {"column": column, "row_condition": None,
                                          "condition_parser": None, "table": None}, values)

    in_set = metric("column_values.in_set.unexpected_count", "a", value_set=["y"])
    unique = metric("column_values.unique.unexpected_index_list", "a",
                    result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    between = metric("column_values.between.unexpected_values", "n", min_value=0,
                     max_value=None, strict_min=False, strict_max=False,
                     result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    nulls = metric("column_values.nonnull.unexpected_count", "a")
    assert all(metrics.answers(m) for m in (in_set, unique, between, nulls))
    assert metrics.resolve(in_set) == 2
    assert metrics.resolve(unique) == [0, 2]
    assert metrics.resolve(between) == [-3]
    assert metrics.resolve(nulls) == 1
    # A sum, a fractional bound, an unknown column: GX's pandas engine computes them.
    assert not metrics.answers(metric("column.sum", "n"))
    assert not metrics.answers(metric("column_values.between.unexpected_count", "a",
                                      min_value=0.5, max_value=None))
    assert not metrics.answers(metric("column_values.nonnull.unexpected_count", "b"))
    metrics.close()


def test_fingerprint_follows_the_content() -> None:
    """The batch fingerprint DuckDB computes: the same rows in the same order give the same
    one, in a new session too; a changed value, a null, a swapped order, a dropped row or a
    changed type give another."""
    import pandas as pd
    import pyarrow as pa

    from recon_pipeline.lib.quality.metrics import DuckMetrics

    def fingerprint(table: pa.Table) -> str:
        metrics = DuckMetrics(table, table.to_pandas(types_mapper=pd.ArrowDtype))
        try:
            return metrics.fingerprint()
        finally:
            metrics.close()

    base = pa.table({"id": ["a", "b", "c"], "amount": pa.array([Decimal("1.10"), Decimal("2.00"),
                                                                Decimal("3.00")],
                                                               pa.decimal128(18, 3)),
                     "at": pa.array([datetime(2026, 10, d, tzinfo=UTC) for d in (1, 2, 3)],
                                    pa.timestamp("us", tz="UTC"))})
    same = fingerprint(base)
    assert fingerprint(pa.table(base.to_pydict(), schema=base.schema)) == same
    variants = [
        base.set_column(1, "amount", pa.array([Decimal("1.10"), Decimal("2.01"),
                                               Decimal("3.00")], pa.decimal128(18, 3))),
        base.set_column(0, "id", pa.array(["a", None, "c"])),
        base.take([1, 0, 2]),
        base.slice(0, 2),
        base.set_column(1, "amount", base["amount"].cast(pa.decimal128(20, 3))),
    ]
    prints = [fingerprint(v) for v in variants]
    assert same not in prints and len(set(prints)) == len(prints)
