"""The same dbt project on PostgreSQL: unit and data tests pass there too, and every canonical
table is the same, row for row and to the last decimal, as on DuckDB from the same raw zone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from recon_pipeline.lib.warehouse import load_raw_zone
from tests.dbt.conftest import CYCLE, PG_URI, PROJECT, Dbt, DbtRun

pytestmark = pytest.mark.postgres

MARTS = sorted(p.stem for p in (PROJECT / "models" / "marts" / "core").glob("*.sql"))


def build_on_postgres(out: Path, prefix: str) -> DbtRun:
    """Load OUT/raw/<cycle> into PostgreSQL schemas of ``prefix`` and build the project there."""
    load_raw_zone(PG_URI, out / "raw" / CYCLE, schema_prefix=prefix)
    return Dbt(out, target="postgres", schema_prefix=prefix)("build")


def duckdb_table(out: Path, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as db:
        relation = db.sql(f"select * from marts.{name}")
        return [c[0] for c in relation.description], relation.fetchall()


def postgres_table(prefix: str, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    import psycopg

    with psycopg.connect(PG_URI) as db:
        cursor = db.execute(f'select * from "{prefix}marts"."{name}"')
        return [c.name for c in cursor.description or []], cursor.fetchall()


Table = tuple[list[str], list[tuple[Any, ...]]]


def assert_same_canonical_model(
    out: Path,
    prefix: str,
    names: Sequence[str] = MARTS,
    read: Callable[[str], Table] | None = None,
    label: str = "PostgreSQL",
) -> dict[str, int]:
    """Every mart of ``names``: same columns, same rows (any order), exact decimals on both
    sides, DuckDB's and the other target's (``read``, by default PostgreSQL's schemas of
    ``prefix``). A column the other target moved (Spark puts partition columns last) is
    compared by name."""
    counts = {}
    for name in names:
        duck_columns, duck_rows = duckdb_table(out, name)
        other_columns, other_rows = read(name) if read else postgres_table(prefix, name)
        assert sorted(duck_columns) == sorted(other_columns), name
        if read is None:
            assert duck_columns == other_columns, name
        order = [other_columns.index(c) for c in duck_columns]
        other_rows = [tuple(row[i] for i in order) for row in other_rows]
        values = [v for row in duck_rows + other_rows for v in row]
        assert not any(isinstance(v, float) for v in values), f"{name} has binary floats"
        only_duck = Counter(duck_rows) - Counter(other_rows)
        only_other = Counter(other_rows) - Counter(duck_rows)
        assert not only_duck and not only_other, (
            f"{name}: DuckDB only {list(only_duck)[:3]}, {label} only {list(only_other)[:3]}")
        counts[name] = len(duck_rows)
    return counts


@pytest.fixture(scope="module")
def sample_postgres(sample_out: Path, pg_prefix: str) -> DbtRun:
    """``dbt build`` of the whole project on PostgreSQL over the sample."""
    return build_on_postgres(sample_out, pg_prefix)


def test_sample_builds_on_postgres_with_every_test(sample_postgres: DbtRun) -> None:
    assert sample_postgres.ok, sample_postgres.output
    results = sample_postgres.results()
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) == {"success", "pass"}, statuses
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 20


def test_sample_canonical_model_is_the_same_on_both(
    sample_duckdb: DbtRun, sample_postgres: DbtRun, sample_out: Path, pg_prefix: str
) -> None:
    assert sample_duckdb.ok and sample_postgres.ok, sample_postgres.output
    counts = assert_same_canonical_model(sample_out, pg_prefix)
    assert all(counts[name] > 0 for name in MARTS), counts
    columns, rows = postgres_table(pg_prefix, "fct_usage_by_period")
    assert Decimal("0.3") in {row[columns.index("usage_quantity")] for row in rows}


@pytest.mark.slow
def test_generated_canonical_model_is_the_same_on_both(tmp_path: Path, pg_prefix: str) -> None:
    """Demo-sized generated sources, extracted as the pipeline does, built on both targets."""
    from recon_pipeline.generate import generate
    from recon_pipeline.lib.extract import extract_sources

    sources = tmp_path / "sources"
    generate(sources, seed=7, scale=1.0)
    out, raw = tmp_path / "out", tmp_path / "out" / "raw" / CYCLE
    extract_sources(sources, None, raw)
    duck = Dbt(out)("build")
    assert duck.ok, duck.output
    prefix = f"{pg_prefix}gen_"
    pg = build_on_postgres(out, prefix)
    assert pg.ok, pg.output
    counts = assert_same_canonical_model(out, prefix)
    assert counts["fct_ledger_lines"] > 10_000 and counts["fct_expected_billing_periods"] > 1_000
