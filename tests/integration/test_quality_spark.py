"""The quality stage on Spark (issue 16 item 3): the shipped suites validated through GX's Spark
datasource on Spark DataFrames give the same outcomes as GX's pandas path on DuckDB frames,
expectation by expectation, to the content of validation.json. The raw zone is the dbt sample
(tests/dbt/sample.py) with planted faults, so blocking and warning expectations fail, a key
check finds conflicting copies, and an identical copy must collapse on both engines."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from recon_pipeline.lib.extract.schemas import FILE_COUNTS
from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import SuiteDef, load_suites
from recon_pipeline.lib.quality.validate import CycleValidation, validate_cycle
from tests.dbt.raw import write_parquet, write_raw_zone
from tests.dbt.sample import CHARGES, CUSTOMERS, GL_JOURNAL_LINES, SAMPLE, at

pytestmark = [pytest.mark.spark, pytest.mark.slow]

CYCLE = "2026-09"
NOW = datetime(2026, 10, 2, tzinfo=UTC)

#: The sample with faults: a customer exported twice with different content (a conflict) and
#: one exported twice identically (one object), a charge refunded beyond its amount in an
#: unknown currency, a journal line that unbalances its journal.
FAULTY: dict[tuple[str, str], list[dict[str, Any]]] = {
    **SAMPLE,
    ("billing", "customers"): [
        *CUSTOMERS,
        {**CUSTOMERS[0], "name": "Acme (renamed)"},
        CUSTOMERS[1],
    ],
    ("payments", "charges"): [
        *CHARGES,
        {**CHARGES[0], "charge_id": "ch_bad", "amount": 300, "amount_refunded": 301,
         "currency": "xxx", "created_at": at("2026-09-05"), "balance_transaction_id": "txn_nope"},
    ],
    ("erp", "gl_journal_lines"): [
        *GL_JOURNAL_LINES,
        {**GL_JOURNAL_LINES[6], "line_no": 99, "debit": Decimal("0.01"),
         "credit": Decimal("0")},
    ],
}


@pytest.fixture(scope="module")
def raw_zone(tmp_path_factory: pytest.TempPathFactory) -> FrameSources:
    out = tmp_path_factory.mktemp("quality_spark")
    raw = write_raw_zone(out / "raw" / CYCLE, FAULTY)
    write_parquet(raw / "file_counts.parquet", pa.Table.from_pylist([
        {"source": "billing", "file": "billing/customers.jsonl", "table": "customers",
         "rows_read": 8, "rows_loaded": 7, "rows_quarantined": 1, "rows_redelivered": 0},
        {"source": "payments", "file": "payments/charges.jsonl", "table": "charges",
         "rows_read": 5, "rows_loaded": 5, "rows_quarantined": 0, "rows_redelivered": 0},
    ], schema=FILE_COUNTS))
    return FrameSources(raw, out / "warehouse.duckdb", CYCLE)


@pytest.fixture(scope="module")
def suites() -> list[SuiteDef]:
    """Every suite of the raw zone (the marts' suites read the warehouse: see marts_both)."""
    found = [s for s in load_suites() if s.name.startswith("raw.")]
    assert len(found) >= 15, [s.name for s in found]
    return found


@pytest.fixture(scope="module")
def spark(raw_zone: FrameSources) -> Iterator[Any]:
    """One local session for the module, configured as the dbt profile's spark target."""
    from recon_pipeline.lib.quality.spark import spark_session
    from tests.dbt.test_spark_parity import QUICK_SESSION

    # The dbt tests' session for a few hundred rows (no codegen, serial GC, ...), with the Hive
    # catalog kept: the marts' suites read the tables from it.
    quick = {key: value for key, value in QUICK_SESSION if key != "RECON_SPARK_CATALOG"}
    session = spark_session(raw_zone.raw_dir.parents[1], {**os.environ, **quick})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def both(raw_zone: FrameSources, suites: list[SuiteDef],
         spark: Any) -> tuple[CycleValidation, CycleValidation]:
    return (validate_cycle(suites, raw_zone, now=NOW),
            validate_cycle(suites, raw_zone, now=NOW, engine="spark", spark=spark))


def _findings() -> tuple[pa.Table, pa.Table, tuple[str, str, str]]:
    """The warehouse's findings and coverage (this cycle's and another's) and the key of a
    blocking finding an approved waiver covers: one blocking finding stays, so the gate fails."""
    from datetime import date

    from recon_pipeline.lib.registry import REGISTRY

    blocking = next(c for c in REGISTRY if c.blocking)
    other = next(c for c in REGISTRY if not c.blocking and c.recon != blocking.recon)
    rows = [
        (CYCLE, blocking, "in_1", date(2026, 9, 1), "8000.00"),
        (CYCLE, blocking, "in_2", None, "2500.10"),
        (CYCLE, other, "ch_1", None, "0.01"),
        ("2026-08", blocking, "in_0", None, "99999.99"),
    ]
    mismatches = pa.Table.from_pylist([
        {"cycle": cycle, "recon": c.recon, "category": c.category, "severity": c.severity,
         "object_id": object_id, "period_start": start, "currency": "usd",
         "leakage_amount_reporting": Decimal(amount)}
        for cycle, c, object_id, start, amount in rows], schema=pa.schema([
            ("cycle", pa.string()), ("recon", pa.string()), ("category", pa.string()),
            ("severity", pa.string()), ("object_id", pa.string()), ("period_start", pa.date32()),
            ("currency", pa.string()), ("leakage_amount_reporting", pa.decimal128(18, 2))]))
    coverage = pa.Table.from_pylist([
        {"cycle": CYCLE, "recon": blocking.recon, "objects_checked": 4},
        {"cycle": CYCLE, "recon": other.recon, "objects_checked": 10},
        {"cycle": CYCLE, "recon": other.recon, "objects_checked": 10},
    ], schema=pa.schema([("cycle", pa.string()), ("recon", pa.string()),
                         ("objects_checked", pa.int64())]))
    return mismatches, coverage, (blocking.category, "in_2", "")


@pytest.fixture(scope="module")
def marts_both(raw_zone: FrameSources,
               spark: Any) -> tuple[CycleValidation, CycleValidation]:
    """The marts' suites on both engines: the findings in the DuckDB warehouse and in the Spark
    catalog (as dbt builds them on either)."""
    import dataclasses

    import duckdb

    mismatches, coverage, waived = _findings()
    with duckdb.connect(str(raw_zone.warehouse)) as con:
        con.execute("create schema marts")
        for name, table in (("fct_mismatches", mismatches), ("fct_recon_coverage", coverage)):
            con.register("t", table)
            con.execute(f"create table marts.{name} as select * from t")
            con.unregister("t")
    spark.sql("create database if not exists marts")
    for name, table in (("fct_mismatches", mismatches), ("fct_recon_coverage", coverage)):
        spark.createDataFrame(table).write.saveAsTable(f"marts.{name}")
    suites = [s for s in load_suites() if s.name.startswith("marts.")]
    src = dataclasses.replace(raw_zone, waived=frozenset({waived}))
    return (validate_cycle(suites, src, now=NOW),
            validate_cycle(suites, src, now=NOW, engine="spark", spark=spark))


def _stable(validation: CycleValidation) -> dict[str, Any]:
    """validation.json without what differs from run to run (times)."""
    data = validation.to_json()
    data.pop("seconds")
    for suite in data["suites"]:
        suite.pop("seconds")
    return data


def _outcome(validation: CycleValidation, suite: str, check: str) -> Any:
    found = next(s for s in validation.suites if s.suite == suite)
    return next(e for e in found.expectations if e.check == check)


def _assert_same(pandas: CycleValidation, spark: CycleValidation) -> None:
    assert [s.suite for s in spark.suites] == [s.suite for s in pandas.suites]
    for p, s in zip(pandas.suites, spark.suites, strict=True):
        assert s.rows == p.rows, s.suite
        for pe, se in zip(p.expectations, s.expectations, strict=True):
            assert se.error is None, (s.suite, se.check, se.error)
            assert se == pe, s.suite
    assert _stable(spark) == _stable(pandas)


def test_spark_validates_the_suites_as_pandas_does(
        both: tuple[CycleValidation, CycleValidation]) -> None:
    _assert_same(*both)


def test_the_planted_faults_fail_on_spark(
        both: tuple[CycleValidation, CycleValidation]) -> None:
    _, spark = both
    assert not spark.passing
    customer = _outcome(spark, "raw.billing.customers", "customer_id_unique")
    # cus_ref twice with different names: a conflict; cus_tax twice identically: one object.
    assert (customer.success, customer.unexpected, customer.evaluated) == (False, 2, 6)
    assert customer.conflicts == {"key": ["customer_id"], "keys": 1, "rows": 2}
    assert {row["customer_id"] for row in customer.examples} == {"cus_ref"}
    refund = _outcome(spark, "raw.payments.charges", "refund_within_amount")
    assert (refund.success, refund.unexpected) == (False, 1)
    # Money stays exact: the example row carries the decimals and instants as written.
    (row,) = refund.examples
    assert (row["charge_id"], row["amount"], row["amount_refunded"], row["created_at"]) == \
        ("ch_bad", 300, 301, "2026-09-05T00:00:00+00:00")
    assert not _outcome(spark, "raw.payments.charges", "balance_transaction_known").success
    journal = _outcome(spark, "raw.erp.gl_journal_lines", "journal_balanced")
    assert (journal.success, journal.unexpected) == (False, 3)  # every line of journal J4
    assert {Decimal(row["debit"]) for row in journal.examples} == \
        {Decimal("0.01"), Decimal("0"), Decimal("22.02")}
    assert not _outcome(spark, "raw.quarantine", "no_rows_quarantined").success
    failed = {(s.suite, e.check) for s in spark.suites for e in s.expectations
              if not e.success}
    assert len(failed) >= 5, failed


def test_spark_frames_keep_the_exact_types(raw_zone: FrameSources, suites: list[SuiteDef],
                                           spark: Any) -> None:
    """Decimals as DecimalType of the same precision and scale, instants as UTC timestamps."""
    from pyspark.sql import types as T

    from recon_pipeline.lib.quality.frames import connect, read_frame
    from recon_pipeline.lib.quality.spark import read_frame_spark

    views: dict[str, str] = {}
    with connect(raw_zone) as con:
        for suite in suites:
            arrow = read_frame(con, suite.name, raw_zone).schema
            frame = read_frame_spark(spark, suite.name, raw_zone, views).schema
            assert frame.names == arrow.names, suite.name
            for field in arrow:
                kind = frame[field.name].dataType
                if pa.types.is_decimal(field.type):
                    assert kind == T.DecimalType(field.type.precision, field.type.scale), \
                        (suite.name, field.name)
                elif pa.types.is_timestamp(field.type):
                    assert field.type.tz == "UTC" and kind == T.TimestampType(), \
                        (suite.name, field.name)


def test_data_docs_render_the_spark_results(
        both: tuple[CycleValidation, CycleValidation], tmp_path: Path) -> None:
    from recon_pipeline.lib.quality.docs import write_data_docs

    _, spark = both
    index = write_data_docs(spark.gx_results, tmp_path / "data_docs", title="Spark")
    text = Path(index).read_text(encoding="utf-8")
    assert "raw.billing.customers" in text and "Spark" in text


def test_the_marts_suites_read_the_spark_catalog_as_pandas_reads_duckdb(
        marts_both: tuple[CycleValidation, CycleValidation]) -> None:
    _assert_same(*marts_both)
    _, spark = marts_both
    gate = _outcome(spark, "marts.fct_mismatches", "no_blocking_findings")
    # in_1 is blocking; in_2 too but waived; ch_1 is not blocking; in_0 is another cycle's.
    assert (gate.success, gate.unexpected) == (False, 1)
    assert [row["object_id"] for row in gate.examples] == ["in_1"]
    leakage = _outcome(spark, "marts.fct_mismatches", "leakage_within_limit")
    assert (leakage.success, leakage.observed) == (False, "10500.11")
