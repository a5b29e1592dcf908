"""The same dbt project on Spark (a local PySpark through dbt-spark's `session` method): unit and
data tests pass there too, and every canonical table and the findings are the same, row for
row and to the last decimal, as on DuckDB from the same raw zone (docs/spark.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import Dbt, DbtRun
from tests.dbt.test_postgres_parity import MARTS, Table, assert_same_canonical_model

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.heavy]

#: The findings of the cycle, beside the canonical marts.
FINDINGS = ("fct_mismatches", "fct_recon_coverage")


def spark_table(out: Path, name: str) -> Table:
    """A table the local session wrote: Parquet files under OUT/spark/warehouse (profiles.yml),
    a partition column (cycle) as Hive-style directories."""
    location = out / "spark" / "warehouse" / "marts.db" / name
    partitioned = any(p.is_dir() for p in location.iterdir())
    files = f"{location.as_posix()}/{'*/' if partitioned else ''}*.parquet"
    with duckdb.connect() as db:
        relation = db.sql(
            f"select * from read_parquet('{files}', hive_partitioning = {partitioned},"
            " hive_types = {'cycle': 'varchar'})" if partitioned
            else f"select * from read_parquet('{files}')")
        return [c[0] for c in relation.description], relation.fetchall()


@pytest.fixture(scope="module")
def sample_spark(sample_out: Path) -> DbtRun:
    """``dbt build`` of the whole project on local Spark over the sample."""
    return Dbt(sample_out, target="spark")("build")


def test_sample_builds_on_spark_with_every_test(sample_spark: DbtRun) -> None:
    assert sample_spark.ok, sample_spark.output[-5000:]
    results = sample_spark.results()
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) == {"success", "pass"}, statuses
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 20


def test_sample_canonical_model_and_findings_are_the_same_on_spark(
    sample_duckdb: DbtRun, sample_spark: DbtRun, sample_out: Path
) -> None:
    assert sample_duckdb.ok and sample_spark.ok, sample_spark.output[-5000:]
    counts = assert_same_canonical_model(
        sample_out, "", [*MARTS, *FINDINGS], lambda name: spark_table(sample_out, name), "Spark")
    assert all(counts[name] > 0 for name in MARTS), counts
    assert counts["fct_mismatches"] > 0, counts
