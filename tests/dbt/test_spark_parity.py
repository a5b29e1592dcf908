"""The same dbt project on Spark (a local PySpark through dbt-spark's `session` method): every
model builds there, every canonical table and the findings are the same, row for row and to the
last decimal, as on DuckDB from the same raw zone (docs/spark.md), and unit and data tests pass
there too.

The suite's share (``make test``): one build of the models, then the comparison. The unit and
data tests on Spark, a second full build with the persistent catalog, are ``heavy`` (``make
test-heavy``): the unit tests were 375 s of the suite's 520 s Spark build (Spark analyses each
one's fixture SQL twice, about 6.7 s a test), and they test the models' logic on fixed inputs,
which the suite runs on DuckDB and PostgreSQL, where the Spark build of every model is compared
row for row with DuckDB's here; the data tests check the tables compared row for row."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from recon_pipeline.lib.reports.inputs import read_cycle_inputs
from recon_pipeline.lib.warehouse.marts import read_spark_table
from tests.dbt.conftest import CYCLE, Dbt, DbtRun
from tests.dbt.raw import write_raw_zone
from tests.dbt.sample import SAMPLE
from tests.dbt.test_postgres_parity import MARTS, Table, assert_same_canonical_model

pytestmark = [pytest.mark.spark, pytest.mark.slow]

#: The findings of the cycle, beside the canonical marts.
FINDINGS = ("fct_mismatches", "fct_recon_coverage")

#: A one-process build that nothing reads afterwards through Spark: the catalog in memory (no
#: Derby metastore to start); for a few hundred rows one shuffle partition, no code generation
#: and no adaptive re-planning, a JVM that compiles with C1 only (short-lived: the JVM's CPU
#: fell from 183 to 141 s on the build; profiles.yml).
QUICK_SESSION = (("RECON_SPARK_CATALOG", "in-memory"), ("RECON_SPARK_SHUFFLE_PARTITIONS", "1"),
                 ("RECON_SPARK_CODEGEN", "false"), ("RECON_SPARK_ADAPTIVE", "false"),
                 ("RECON_SPARK_DRIVER_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"))


def spark_table(out: Path, name: str) -> Table:
    """A mart as the local session wrote it (recon_pipeline/lib/warehouse/marts.py)."""
    table = read_spark_table(out, "marts", name)
    return table.column_names, [tuple(row.values()) for row in table.to_pylist()]


@pytest.fixture(scope="module")
def sample_spark(sample_out: Path) -> DbtRun:
    """``dbt build`` of the models (and the seed) on local Spark over the sample."""
    return Dbt(sample_out, target="spark", env=QUICK_SESSION)(
        "build", "--exclude", "test_type:data", "test_type:unit")


def test_every_model_builds_on_spark(sample_spark: DbtRun) -> None:
    assert sample_spark.ok, sample_spark.output[-5000:]
    results = sample_spark.results()
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) == {"success"}, statuses
    built = {r["unique_id"] for r in results if r["unique_id"].startswith("model.")}
    assert {f"model.recon.{name}" for name in [*MARTS, *FINDINGS]} <= built


def test_sample_canonical_model_and_findings_are_the_same_on_spark(
    sample_duckdb: DbtRun, sample_spark: DbtRun, sample_out: Path
) -> None:
    assert sample_duckdb.ok and sample_spark.ok, sample_spark.output[-5000:]
    counts = assert_same_canonical_model(
        sample_out, "", [*MARTS, *FINDINGS], lambda name: spark_table(sample_out, name), "Spark")
    assert all(counts[name] > 0 for name in MARTS), counts
    assert counts["fct_mismatches"] > 0, counts


def test_reports_read_the_same_findings_from_spark(
    sample_duckdb: DbtRun, sample_spark: DbtRun, sample_out: Path
) -> None:
    """The reports' reader (lib/warehouse/marts.py) gives the same findings, coverage and
    posting delays from Spark's tables as from DuckDB's file."""
    assert sample_duckdb.ok and sample_spark.ok, sample_spark.output[-5000:]
    raw = sample_out / "raw" / CYCLE
    duck = read_cycle_inputs(sample_out, raw, CYCLE, warehouse="duckdb")
    spark = read_cycle_inputs(sample_out, raw, CYCLE, warehouse="spark")
    assert duck.findings.num_rows > 0
    assert sorted(duck.findings.column_names) == sorted(spark.findings.column_names)
    spark_findings = spark.findings.select(duck.findings.column_names)
    assert Counter(tuple(r.values()) for r in duck.findings.to_pylist()) == Counter(
        tuple(r.values()) for r in spark_findings.to_pylist())
    assert duck.objects_checked == spark.objects_checked and duck.objects_checked
    assert duck.posting_delays == spark.posting_delays


@pytest.mark.heavy
def test_sample_data_tests_pass_on_spark(tmp_path: Path) -> None:
    """The whole ``dbt build`` (every unit and data test too) with the profile's own session
    settings."""
    write_raw_zone(tmp_path / "raw" / CYCLE, SAMPLE)
    run = Dbt(tmp_path, target="spark")("build")
    assert run.ok, run.output[-5000:]
    statuses = Counter(r["status"] for r in run.results())
    assert set(statuses) == {"success", "pass"}, statuses
    assert sum(r["unique_id"].startswith("test.") for r in run.results()) >= 100
    assert sum(r["unique_id"].startswith("unit_test.") for r in run.results()) >= 20
