"""Reading the marts a run built, whichever warehouse built them (``Settings.warehouse``).

DuckDB: the file OUT/warehouse.duckdb. Spark (dbt-spark's ``session`` method, profiles.yml):
each table is a folder of Parquet files under OUT/spark/warehouse/<schema>.db/<table>, a
partition column (``cycle``) as Hive-style sub-folders; DuckDB reads them where they lie, so
the readers (reports, the close gate) query ``marts.<table>`` the same way on both. A Spark
cluster's tables (``thrift``, ``http``) are not under OUT and are not read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from recon_pipeline.lib.sqltext import quote_literal

#: The DuckDB warehouse file under OUT (profiles.yml, target ``duckdb``).
DUCKDB_FILE = "warehouse.duckdb"
#: ``spark.sql.warehouse.dir`` of the local session under OUT (profiles.yml, target ``spark``).
SPARK_WAREHOUSE_DIR = Path("spark") / "warehouse"
#: The schema the readers query.
MARTS = "marts"


class WarehouseNotBuilt(FileNotFoundError):
    """The warehouse has no marts yet: the dbt models were not built in this OUT."""


def spark_table_dir(out_dir: Path, schema: str, name: str) -> Path:
    """Where the local Spark session keeps ``schema.name``."""
    return out_dir / SPARK_WAREHOUSE_DIR / f"{schema}.db" / name


def _spark_scan(location: Path) -> str:
    """A DuckDB ``read_parquet`` of a Spark table folder (partitioned or not)."""
    partitioned = any(p.is_dir() and "=" in p.name for p in location.iterdir())
    files = quote_literal(f"{location.as_posix()}/{'*/' if partitioned else ''}*.parquet")
    if not partitioned:
        return f"read_parquet({files})"
    return (f"read_parquet({files}, hive_partitioning = true, "
            "hive_types = {'cycle': 'varchar'})")


def warehouse_location(out_dir: Path, warehouse: str) -> Path:
    """The file (DuckDB) or folder (Spark) that holds the marts of ``warehouse``."""
    if warehouse == "spark":
        return out_dir / SPARK_WAREHOUSE_DIR / f"{MARTS}.db"
    return out_dir / DUCKDB_FILE


def is_built(out_dir: Path, warehouse: str) -> bool:
    location = warehouse_location(out_dir, warehouse)
    return location.is_dir() if warehouse == "spark" else location.is_file()


@contextmanager
def open_marts(out_dir: Path, warehouse: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only DuckDB connection where ``marts.<table>`` is the table the run built on
    ``warehouse`` ("duckdb" or "spark"). Raises WarehouseNotBuilt if there is none."""
    location = warehouse_location(out_dir, warehouse)
    if not is_built(out_dir, warehouse):
        raise WarehouseNotBuilt(f"warehouse {location} not found: build the dbt models first")
    if warehouse != "spark":
        with duckdb.connect(str(location), read_only=True) as con:
            yield con
        return
    with duckdb.connect() as con:
        con.execute(f"create schema {MARTS}")
        for table in sorted(p for p in location.iterdir() if p.is_dir()):
            if any(table.rglob("*.parquet")):
                con.execute(f'create view {MARTS}."{table.name}" as '
                            f"select * from {_spark_scan(table)}")
        yield con


def read_spark_table(out_dir: Path, schema: str, name: str) -> pa.Table:
    """``schema.name`` as the local Spark session wrote it, partition columns last."""
    with duckdb.connect() as con:
        return con.sql(f"select * from {_spark_scan(spark_table_dir(out_dir, schema, name))}"
                       ).to_arrow_table()
